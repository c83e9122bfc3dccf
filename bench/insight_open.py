"""Open data, national layout and Parquet export at scale, on a scratch database.

    SMARTUNION_VAR_DIR=/tmp/open-bench python bench/insight_open.py [--events 500000] [--members 20000]
    DATABASE_URL=postgres://.../<scratch db> SMARTUNION_GENERATE_KEYS=1 python bench/insight_open.py ...

The script migrates the (scratch!) database, then builds once (kept for the next run): the Shandong federation tree
(province, its cities and counties from the GB/T 2260 table, one grassroots union per county), Figure rows for 12
months × every federation × the five people figures, `--members` people with memberships spread over the
grassroots unions, and `--events` behaviour events spread over the 12 months. Then it prints:

1. open statistics of the province (every federation, suppression included): median and maximum wall time of 20
   calls and the SQL statements of one;
2. the national layout of the province's members as CSV (clear ID numbers, decrypted row by row): rows per second;
3. export-parquet of the 12 months: events per second, and a DuckDB GROUP BY over the written files.

Target: statistics well under a second for a province; the Parquet export bounded by the database read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.core import codes  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.models import BehaviourEvent  # noqa: E402
from smartunion.core.validators import make_id_number  # noqa: E402
from smartunion.insight import national, parquet  # noqa: E402
from smartunion.insight.models import Figure  # noqa: E402
from smartunion.insight.services import open as services  # noqa: E402
from smartunion.members.models import Membership, Person  # noqa: E402
from smartunion.orgs import services as org_services  # noqa: E402
from smartunion.orgs.models import Organisation  # noqa: E402

K = Organisation.Kind
MONTHS = [dt.date(2025, m, 1) for m in range(12, 13)] + [dt.date(2026, m, 1) for m in range(1, 12)]
PEOPLE = ("members", "gig_members", "joins", "transfers_in", "transfers_out")


def build_tree() -> tuple[Organisation, list[Organisation], list[Organisation]]:
    province = Organisation.objects.filter(kind=K.PROVINCE, region_id="370000").first()
    if province is not None:
        feds = list(Organisation.objects.filter(kind__in=(K.PROVINCE, K.CITY, K.COUNTY)).order_by("path"))
        return province, feds, list(Organisation.objects.filter(kind=K.GRASSROOTS).order_by("path"))
    root = org_services.org_create(parent=None, kind=K.NATIONAL, name="中华全国总工会", by=SYSTEM)
    province = org_services.org_create(parent=root, kind=K.PROVINCE, name="山东省总工会", region="370000", by=SYSTEM)
    feds, unions = [province], []
    for city in codes.region_children("370000"):
        c = org_services.org_create(parent=province, kind=K.CITY, name=f"{city['name']}总工会", region=city["code"],
                                    by=SYSTEM)
        feds.append(c)
        for county in codes.region_children(city["code"]):
            if county["level"] != "county":
                continue
            n = org_services.org_create(parent=c, kind=K.COUNTY, name=f"{county['name']}总工会",
                                        region=county["code"], by=SYSTEM)
            feds.append(n)
            unions.append(org_services.org_create(parent=n, kind=K.GRASSROOTS, name=f"{county['name']}基准工会",
                                                  region=county["code"], by=SYSTEM))
    return province, feds, unions


def build_figures(feds: list[Organisation]) -> None:
    if Figure.objects.exists():
        return
    rng = random.Random(13)
    rows = [Figure(org=o, org_path=o.path, parent_id=o.parent_id, month=m, key=k, own=0,
                   subtree=rng.choice((0, 2, 3, 7, 40, 1200, 56000)))
            for o in feds for m in MONTHS for k in PEOPLE]
    Figure.objects.bulk_create(rows, batch_size=5000)


def build_members(unions: list[Organisation], count: int) -> None:
    have = Membership.objects.count()
    if have >= count:
        return
    born = dt.date(1985, 1, 1)
    for start in range(have, count, 2000):
        stop = min(count, start + 2000)
        people = Person.objects.bulk_create([
            Person(name=f"基准{i}", id_number=make_id_number("370102", born + dt.timedelta(days=i % 9000), i % 999),
                   sex="1", birth_date=born + dt.timedelta(days=i % 9000))
            for i in range(start, stop)])
        Membership.objects.bulk_create([
            Membership(person=p, union=unions[i % len(unions)], union_path=unions[i % len(unions)].path,
                       card_number=f"B{i:012d}", since=dt.date(2020, 1, 1))
            for i, p in zip(range(start, stop), people, strict=True)])


def build_events(unions: list[Organisation], count: int) -> None:
    have = BehaviourEvent.objects.count()
    if have >= count:
        return
    rng = random.Random(7)
    first = timezone.make_aware(dt.datetime(2025, 12, 1))
    span = (timezone.make_aware(dt.datetime(2026, 11, 28)) - first).total_seconds()
    kinds = ("benefits.signup", "cases.case.submit", "editorial.article.read", "members.join.approve")
    for start in range(have, count, 20000):
        stop = min(count, start + 20000)
        BehaviourEvent.objects.bulk_create([
            BehaviourEvent(person_id=rng.randint(1, 50000), kind=rng.choice(kinds), target_type="bench",
                           target_id=str(i), org_path=unions[i % len(unions)].path,
                           occurred_at=first + dt.timedelta(seconds=rng.random() * span))
            for i in range(start, stop)], batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    province, feds, unions = build_tree()
    build_figures(feds)
    build_members(unions, args.members)
    build_events(unions, args.events)
    print(f"[{vendor}] data ready in {time.monotonic() - started:.1f} s: {len(feds)} federations, "
          f"{Figure.objects.count():,} figures, {Membership.objects.count():,} members, "
          f"{BehaviourEvent.objects.count():,} events", flush=True)

    month = dt.date(2026, 10, 1)
    with CaptureQueriesContext(connection) as queries:
        data = services.statistics(province, month=month)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        services.statistics(province, month=month)
        times.append(time.perf_counter() - t)
    hidden = sum(1 for r in data["rows"] for k in PEOPLE if r[k] in ("<5", "*"))
    print(f"open statistics (province, {len(data['rows'])} rows, {hidden} cells suppressed): median "
          f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, {len(queries)} SQL statements")

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        n = national.write_csv(Path(tmp) / "members.csv", "members", province, clear_ids=True)
        seconds = time.perf_counter() - t
        print(f"national layout, members CSV with clear ID numbers: {n:,} rows in {seconds:.2f} s "
              f"({n / seconds:,.0f} rows/s)")

        t = time.perf_counter()
        result = parquet.export(tmp, months=MONTHS)
        seconds = time.perf_counter() - t
        events = sum(r["behaviour_events"] for r in result.values())
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet"))
        print(f"export-parquet, 12 months: {events:,} events + {sum(r['figures'] for r in result.values()):,} "
              f"figures in {seconds:.1f} s ({events / seconds:,.0f} events/s), {size / 1e6:.1f} MB")
        import duckdb

        t = time.perf_counter()
        rows = duckdb.connect().execute(
            "SELECT month, kind, count(*), count(DISTINCT person_key) FROM read_parquet(?, hive_partitioning = true) "
            "GROUP BY ALL", [f"{tmp}/behaviour_events/*/*.parquet"]).fetchall()
        print(f"duckdb GROUP BY month, kind over the files: {len(rows)} groups in "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
