"""Analytics export: behaviour events and roll-up figures as Parquet, partitioned by month (Hive style), so that an
existing engine reads them as tables: DuckDB locally, Spark or ClickHouse at national scale.

    <dir>/behaviour_events/month=2026-11/part-0.parquet
    <dir>/figures/month=2026-11/part-0.parquet

Months are calendar months in local time (Asia/Shanghai), like insight.Figure. The partition column `month` lives in
the directory name only (Hive partitioning adds it when the files are read). Exporting a month again rewrites that
month's partition (written to a temporary file, then renamed over part-0; any other file in the directory is
removed), so a re-run is idempotent and other months are left as they are.

No identity leaves the deployment: the person is a keyed pseudonym (`person_key`: the blind-index HMAC of the
person's database id under the deployment's index key, purpose "analytics-person"), never the id number or the
name; the same person has the same key in every month and every export of this deployment, and the key cannot be
turned back into a person without the deployment's keyring. Target labels are not exported (a label names an
object, but free text is where a name could slip in).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.utils import timezone

from smartunion.core.models import BehaviourEvent
from smartunion.core.pii import blind_index
from smartunion.insight.figures import Month, next_month
from smartunion.insight.models import Figure

BATCH = 50_000
TABLES = ("behaviour_events", "figures")
EVENT_SCHEMA = pa.schema([
    ("event_id", pa.int64()),
    ("person_key", pa.string()),
    ("kind", pa.string()),
    ("target_type", pa.string()),
    ("target_id", pa.string()),
    ("org_path", pa.string()),
    ("occurred_at", pa.timestamp("us", tz="UTC")),
])
FIGURE_SCHEMA = pa.schema([
    ("org_id", pa.int64()),
    ("org_path", pa.string()),
    ("parent_id", pa.int64()),
    ("key", pa.string()),
    ("own", pa.int64()),
    ("subtree", pa.int64()),
    ("computed_at", pa.timestamp("us", tz="UTC")),
])
_RANGE = re.compile(r"^(\d{4})-(\d{2})(?:\.\.(\d{4})-(\d{2}))?$")


def person_key(person_id: int) -> str:
    return blind_index(str(person_id), purpose="analytics-person")[:32]


def parse_months(text: str) -> list[dt.date]:
    """"2026-01..2026-11" or "2026-11" -> the first days of those months; ValueError with a Chinese message."""
    match = _RANGE.match((text or "").strip())
    if not match:
        raise ValueError("月份应写作 2026-11 或 2026-01..2026-11")
    first = _month(match.group(1), match.group(2))
    last = _month(match.group(3), match.group(4)) if match.group(3) else first
    if last < first:
        raise ValueError("结束月份早于开始月份")
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    if len(months) > 600:
        raise ValueError("月份范围过大")
    return months


def _month(year: str, month: str) -> dt.date:
    if not 1 <= int(month) <= 12:
        raise ValueError("月份应写作 2026-11 或 2026-01..2026-11")
    return dt.date(int(year), int(month), 1)


def months_with_data() -> list[dt.date]:
    """Every month from the oldest behaviour event or figure to the current month."""
    starts = []
    oldest = BehaviourEvent.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if oldest is not None:
        starts.append(timezone.localtime(oldest).date().replace(day=1))
    figure = Figure.objects.order_by("month").values_list("month", flat=True).first()
    if figure is not None:
        starts.append(figure)
    if not starts:
        return []
    current = timezone.localdate().replace(day=1)
    months = [min(starts)]
    while months[-1] < current:
        months.append(next_month(months[-1]))
    return months


def _write(directory: Path, schema: pa.Schema, batches) -> int:
    """Write the batches to directory/part-0.parquet via a temporary file; remove any other file there."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / "part-0.parquet"
    temporary = directory / ".part-0.parquet.tmp"
    n = 0
    with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
        for batch in batches:
            if batch.num_rows:
                writer.write_table(batch)
                n += batch.num_rows
        if n == 0:
            writer.write_table(schema.empty_table())
    os.replace(temporary, final)
    for other in directory.iterdir():
        if other.name != final.name:
            other.unlink()
    return n


def _event_batches(month: dt.date):
    m = Month(month)
    qs = (BehaviourEvent.objects.filter(occurred_at__gte=m.start_dt, occurred_at__lt=m.end_dt).order_by("id")
          .values_list("id", "person_id", "kind", "target_type", "target_id", "org_path", "occurred_at"))
    keys: dict[int, str] = {}
    columns: list[list] = [[] for _ in range(7)]
    for row in qs.iterator(chunk_size=5000):
        pid = row[1]
        if pid not in keys:
            keys[pid] = person_key(pid)
        values = (row[0], keys[pid], row[2], row[3], row[4], row[5], row[6])
        for column, value in zip(columns, values, strict=True):
            column.append(value)
        if len(columns[0]) >= BATCH:
            yield pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, EVENT_SCHEMA, strict=True)],
                                       schema=EVENT_SCHEMA)
            columns = [[] for _ in range(7)]
    yield pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, EVENT_SCHEMA, strict=True)],
                               schema=EVENT_SCHEMA)


def _figure_batches(month: dt.date):
    rows = list(Figure.objects.filter(month=month).order_by("org_path", "key")
                .values_list("org_id", "org_path", "parent_id", "key", "own", "subtree", "computed_at"))
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    yield pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, FIGURE_SCHEMA, strict=True)],
                               schema=FIGURE_SCHEMA)


def export(to: Path | str, *, months: list[dt.date] | None = None, progress=None) -> dict[str, dict[str, int]]:
    """Write both tables for each month (all months with data when None); {"2026-11": {table: rows}}."""
    to = Path(to)
    months = months_with_data() if months is None else months
    result: dict[str, dict[str, int]] = {}
    for month in months:
        label = f"{month:%Y-%m}"
        result[label] = {
            "behaviour_events": _write(to / "behaviour_events" / f"month={label}", EVENT_SCHEMA,
                                       _event_batches(month)),
            "figures": _write(to / "figures" / f"month={label}", FIGURE_SCHEMA, _figure_batches(month)),
        }
        if progress is not None:
            counts = result[label]
            progress(f"{label}：行为记录 {counts['behaviour_events']} 条，统计数据 {counts['figures']} 条")
    return result
