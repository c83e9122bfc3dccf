"""The roll-up job: every figure of insight/figures.py for every org and month, written as insight.Figure rows.

For each month: one GROUP BY per figure over the raw tables gives each org's `own` value; `subtree` is the sum of
`own` over the org and everything below it, added up the materialised path in Python (each org's value goes to
its ancestors: depth × orgs-with-a-value additions, no query). The current month's member figures come from the
counters orgs already maintain (Organisation.member_count and friends: live, no GROUP BY).

Rows: one per (org, month, key) with a non-zero subtree value — a missing row reads as 0, so a province of 100k
grassroots unions without activity this month costs nothing. Written with one INSERT ... ON CONFLICT DO UPDATE per
chunk, then the month's rows the run did not write (figures that went back to 0) are deleted; a month is written
in one transaction, so a dashboard never sees half a month. Idempotent: a re-run writes the same values.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.insight.figures import FIGURES, LIVE, Month, last_months, month_of
from smartunion.insight.models import Figure, RollupRun
from smartunion.orgs.models import Organisation, ancestor_paths

log = logging.getLogger(__name__)

CHUNK = 2000


class OrgTree:
    """The org tree as the job needs it: id -> (parent id, path), path -> id, and the live member counters."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.path: dict[int, str] = {}
        self.by_path: dict[str, int] = {}
        self.live: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        fields = [f for pair in LIVE.values() for f in pair]
        rows = Organisation.objects.order_by().values_list("id", "parent_id", "path", *fields)
        live_own: dict[str, dict[int, int]] = {key: {} for key in LIVE}
        live_sub: dict[str, dict[int, int]] = {key: {} for key in LIVE}
        for org_id, parent_id, path, *counts in rows.iterator(chunk_size=5000):
            self.parent[org_id] = parent_id
            self.path[org_id] = path
            self.by_path[path] = org_id
            values = dict(zip(fields, counts, strict=True))
            for key, (own_field, sub_field) in LIVE.items():
                if values[sub_field]:
                    live_sub[key][org_id] = values[sub_field]
                if values[own_field]:
                    live_own[key][org_id] = values[own_field]
        self.live = {key: (live_own[key], live_sub[key]) for key in LIVE}

    def subtree_sums(self, own: dict[int, int]) -> dict[int, int]:
        sums: dict[int, int] = {}
        for org_id, value in own.items():
            path = self.path.get(org_id)
            if path is None or not value:
                continue
            for ancestor in ancestor_paths(path):
                aid = self.by_path.get(ancestor)
                if aid is not None:
                    sums[aid] = sums.get(aid, 0) + value
        return sums


def compute_month(month: dt.date, *, tree: OrgTree | None = None, keys: Iterable[str] | None = None,
                  today: dt.date | None = None) -> dict[str, tuple[dict[int, int], dict[int, int]]]:
    """{key: (own by org, subtree by org)} of one month (non-zero values only), without writing anything."""
    tree = tree or OrgTree()
    wanted = set(keys) if keys is not None else None
    current = month_of(today or timezone.localdate())
    out = {}
    for figure in FIGURES:
        if wanted is not None and figure.key not in wanted:
            continue
        if figure.key in LIVE and month == current:
            out[figure.key] = tree.live[figure.key]
            continue
        own = figure.compute(Month(month))
        out[figure.key] = (own, tree.subtree_sums(own))
    return out


def _write_month(month: dt.date, values, tree: OrgTree, *, started: dt.datetime) -> int:
    rows = []
    for key, (own, subtree) in values.items():
        for org_id, sub in subtree.items():
            if org_id not in tree.path:
                continue
            rows.append(Figure(org_id=org_id, org_path=tree.path[org_id], parent_id=tree.parent[org_id],
                               month=month, key=key, own=own.get(org_id, 0), subtree=sub))
    with transaction.atomic():
        for i in range(0, len(rows), CHUNK):
            Figure.objects.bulk_create(
                rows[i:i + CHUNK], update_conflicts=True, unique_fields=["org", "month", "key"],
                update_fields=["org_path", "parent", "own", "subtree", "computed_at"])
        # Figures that went back to 0 since the last run (their rows were not rewritten).
        stale = Figure.objects.filter(month=month, computed_at__lt=started)
        keys = list(values)
        if len(keys) < len(FIGURES):
            stale = stale.filter(key__in=keys)
        stale.delete()
    return len(rows)


def rollup(*, months: Iterable[dt.date] | None = None, by, keys: Iterable[str] | None = None,
           progress: Callable[[str], None] | None = None) -> RollupRun:
    """Compute and write every figure (or `keys`) for every org for `months` (first days, or any day of each
    month; default: the current and the previous month). Records a RollupRun (its error when it fails)."""
    require_actor(by)
    chosen = sorted({month_of(m) for m in months}) if months is not None else last_months(2)
    # Stale rows are those written before this instant; ON CONFLICT rewrites computed_at with the insert's value.
    started = timezone.now() - dt.timedelta(microseconds=1)
    run = RollupRun.objects.create(months=[m.isoformat() for m in chosen])
    t0 = time.monotonic()
    written = 0
    try:
        tree = OrgTree()
        today = timezone.localdate()
        for month in chosen:
            values = compute_month(month, tree=tree, keys=keys, today=today)
            written += _write_month(month, values, tree, started=started)
            if progress:
                progress(f"统计汇总：{month:%Y年%m月}，累计写入 {written} 行")
    except Exception as exc:
        RollupRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), seconds=round(time.monotonic() - t0, 3), rows=written,
            error=f"{type(exc).__name__}: {exc}"[:500])
        log.exception("roll-up failed")
        raise
    run.finished_at = timezone.now()
    run.seconds = round(time.monotonic() - t0, 3)
    run.rows = written
    run.save(update_fields=["finished_at", "seconds", "rows"])
    log_event("insight.rollup.run", actor=by, target=run,
              data={"months": run.months, "rows": written, "seconds": run.seconds})
    return run


def rollup_recent(*, by) -> RollupRun:
    """The daily job: the current and the previous month (late changes to last month land on the first days)."""
    return rollup(months=last_months(2), by=by)


def backfill(*, months: int = 12, by, progress=None) -> RollupRun:
    """The last `months` months (after an import of history, or on a fresh deployment)."""
    return rollup(months=last_months(months), by=by, progress=progress)
