"""Parquet analytics export: behaviour events (person pseudonymised) and figures, Hive-partitioned by month, read
back with pyarrow and DuckDB; exact rows; a month exported again is rewritten; the command and its alias."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from smartunion.core.models import BehaviourEvent
from smartunion.insight import parquet
from smartunion.insight.models import Figure

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def event(person_id, kind, at, org_path, target_id="7"):
    return BehaviourEvent(person_id=person_id, kind=kind, target_type="benefits.activity", target_id=target_id,
                          target_label="职工运动会", org_path=org_path, occurred_at=at)


@pytest.fixture
def data(tree, personas):
    person_id = personas.worker.person_id
    path = tree.grassroots.path
    BehaviourEvent.objects.bulk_create([
        event(person_id, "benefits.signup", dt.datetime(2026, 10, 2, 9, 0, tzinfo=SH), path),
        # 23:30 on 31 October in Shanghai is 15:30 UTC: October.
        event(person_id, "benefits.signup", dt.datetime(2026, 10, 31, 23, 30, tzinfo=SH), path, "8"),
        event(person_id + 1, "cases.case.submit", dt.datetime(2026, 11, 1, 0, 30, tzinfo=SH), tree.lixia.path, "3"),
    ])
    Figure.objects.create(org=tree.jinan, org_path=tree.jinan.path, parent_id=tree.province.pk,
                          month=dt.date(2026, 10, 1), key="members", own=0, subtree=120)
    Figure.objects.create(org=tree.province, org_path=tree.province.path, parent_id=tree.national.pk,
                          month=dt.date(2026, 10, 1), key="members", own=0, subtree=130)
    return person_id


def test_round_trip_exact_rows(tree, data, tmp_path):
    result = parquet.export(tmp_path, months=parquet.parse_months("2026-10..2026-11"))
    assert result == {"2026-10": {"behaviour_events": 2, "figures": 2},
                      "2026-11": {"behaviour_events": 1, "figures": 0}}
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")) == [
        "behaviour_events/month=2026-10/part-0.parquet", "behaviour_events/month=2026-11/part-0.parquet",
        "figures/month=2026-10/part-0.parquet", "figures/month=2026-11/part-0.parquet"]
    table = ds.dataset(tmp_path / "behaviour_events", format="parquet", partitioning="hive").to_table()
    rows = sorted(table.to_pylist(), key=lambda r: r["occurred_at"])
    key = parquet.person_key(data)
    assert [(r["person_key"], r["kind"], r["target_id"], r["org_path"], r["occurred_at"], r["month"])
            for r in rows] == [
        (key, "benefits.signup", "7", tree.grassroots.path, dt.datetime(2026, 10, 2, 1, 0, tzinfo=UTC), "2026-10"),
        (key, "benefits.signup", "8", tree.grassroots.path, dt.datetime(2026, 10, 31, 15, 30, tzinfo=UTC),
         "2026-10"),
        (parquet.person_key(data + 1), "cases.case.submit", "3", tree.lixia.path,
         dt.datetime(2026, 10, 31, 16, 30, tzinfo=UTC), "2026-11"),
    ]
    assert len(key) == 32 and key != str(data)
    assert "target_label" not in table.column_names and "person_id" not in table.column_names
    figures = pq.read_table(tmp_path / "figures" / "month=2026-10" / "part-0.parquet").to_pylist()
    assert [(f["org_id"], f["parent_id"], f["key"], f["own"], f["subtree"]) for f in figures] == [
        (tree.province.pk, tree.national.pk, "members", 0, 130), (tree.jinan.pk, tree.province.pk, "members", 0, 120)]


def test_duckdb_reads_the_layout(tree, data, tmp_path):
    parquet.export(tmp_path, months=parquet.parse_months("2026-10..2026-11"))
    glob = (tmp_path / "behaviour_events" / "*" / "*.parquet").as_posix()
    db = duckdb.connect()
    answer = db.execute("SELECT month, kind, count(*) AS n FROM read_parquet(?, hive_partitioning = true) "
                        "GROUP BY ALL ORDER BY ALL", [glob]).fetchall()
    assert answer == [("2026-10", "benefits.signup", 2), ("2026-11", "cases.case.submit", 1)]
    glob = (tmp_path / "figures" / "*" / "*.parquet").as_posix()
    assert db.execute("SELECT sum(subtree) FROM read_parquet(?, hive_partitioning = true) "
                      "WHERE month = '2026-10'", [glob]).fetchall() == [(250,)]


def test_a_month_exported_again_is_rewritten_and_others_kept(tree, data, tmp_path):
    parquet.export(tmp_path, months=parquet.parse_months("2026-10..2026-11"))
    (tmp_path / "behaviour_events" / "month=2026-11" / "part-1.parquet").write_bytes(b"stale")
    october = (tmp_path / "behaviour_events" / "month=2026-10" / "part-0.parquet").read_bytes()
    BehaviourEvent.objects.bulk_create([
        event(data, "benefits.signup", dt.datetime(2026, 11, 20, 9, 0, tzinfo=SH), tree.grassroots.path, "9")])
    assert parquet.export(tmp_path, months=[dt.date(2026, 11, 1)]) == {
        "2026-11": {"behaviour_events": 2, "figures": 0}}
    assert sorted(p.name for p in (tmp_path / "behaviour_events" / "month=2026-11").iterdir()) == ["part-0.parquet"]
    assert (tmp_path / "behaviour_events" / "month=2026-10" / "part-0.parquet").read_bytes() == october
    table = ds.dataset(tmp_path / "behaviour_events", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 4


def test_command_and_month_parsing(tree, data, tmp_path, capsys):
    call_command("export-parquet", "--to", str(tmp_path), "--months", "2026-10")
    out = capsys.readouterr().out
    assert "2026-10：行为记录 2 条，统计数据 2 条" in out
    assert "已导出 1 个月：行为记录 2 条，统计数据 2 条" in out
    assert parquet.parse_months("2025-11..2026-02") == [dt.date(2025, 11, 1), dt.date(2025, 12, 1),
                                                        dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    for bad in ("2026-13", "2026-11..2026-01", "11/2026"):
        with pytest.raises(CommandError):
            call_command("export_parquet", "--to", str(tmp_path), "--months", bad)
