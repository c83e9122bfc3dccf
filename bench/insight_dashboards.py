"""Dashboard latency at province scale (10M members) from the roll-ups, and one roll-up job run, on SQLite and
PostgreSQL.

    DATABASE_URL=... python bench/insight_dashboards.py [--grassroots 6000] [--months 24] [--repeat 30] [--keep]
                                                        [--no-rollup]

1. The roll-up job (insight.services.rollups.rollup) on the database as it is (seed it first, e.g. `smartunion
   seed --members 20000 --orgs 2000`): the last 2 months (the daily run) and the last 12 (a backfill), wall time
   and rows written.
2. A synthetic province-sized tree under the national federation (【基准】: 16 cities, 150 counties, 10 townships
   per county, `--grassroots` grassroots unions spread over them) whose member counters add up to 10,000,000, and
   `--months` months of Figure rows for it (members and member flows on every grassroots union, case figures on
   the townships, publicity and benefits on the counties, each with its subtree sums): what the job would have
   written. Dashboards read only these rows, so the raw tables need not hold 10M members.
3. Median wall times (after a warm-up) of what a dashboard reads: an org's 12 months (province, city, county,
   township, grassroots), the children of a month (16 cities, ~9 counties, 10 townships, a township's grassroots),
   and the whole console page (rendered, through the test client as a platform operator) with its query count.
4. Deletes the synthetic tree and its rows (unless --keep).

Target (issue 13): any subtree's figures in < 50 ms at 10M members.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from smartunion.accounts.models import User  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.insight.figures import last_months  # noqa: E402
from smartunion.insight.models import Figure  # noqa: E402
from smartunion.insight.queries import dashboards as q  # noqa: E402
from smartunion.insight.services.rollups import OrgTree, rollup  # noqa: E402
from smartunion.orgs.models import Organisation, segment, subtree_q  # noqa: E402

MARK = "【基准】"
K = Organisation.Kind
TOTAL_MEMBERS = 10_000_000
BATCH = 5000


def timed(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def cleanup() -> None:
    roots = list(Organisation.objects.filter(name=f"{MARK}省总工会").values_list("path", "depth"))
    for path, top in roots:
        with transaction.atomic():
            Figure.objects.filter(subtree_q(path, "org_path")).delete()
            for depth in range(top + 4, top - 1, -1):
                Organisation.objects.filter(subtree_q(path), depth=depth).delete()
    User.objects.filter(username="bench_dash13").delete()


def synthesize(grassroots: int, months: int, rng: random.Random) -> dict:
    """The synthetic tree and its Figure rows; returns sample orgs per level."""
    national = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    next_id = (Organisation.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    rows: list[Organisation] = []
    levels: dict[str, list[Organisation]] = {k: [] for k in ("province", "city", "county", "township", "grassroots")}

    def add(parent, kind, name, level):
        nonlocal next_id
        path = (parent.path if parent else "") + segment(next_id)
        org = Organisation(id=next_id, name=name, kind=kind, parent=parent, path=path, depth=len(path) // 8 - 1)
        next_id += 1
        rows.append(org)
        levels[level].append(org)
        return org

    province = add(national, K.PROVINCE, f"{MARK}省总工会", "province")
    cities = [add(province, K.CITY, f"{MARK}第{i + 1}市总工会", "city") for i in range(16)]
    counties = [add(cities[i % 16], K.COUNTY, f"{MARK}第{i + 1}县总工会", "county") for i in range(150)]
    towns = [add(counties[i // 10], K.TOWNSHIP, f"{MARK}第{i + 1}街道工会", "township") for i in range(1500)]
    units = [add(towns[i % len(towns)], K.GRASSROOTS, f"{MARK}第{i + 1}基层工会", "grassroots")
             for i in range(grassroots)]
    per_unit = TOTAL_MEMBERS // len(units)
    for unit in units:
        unit.member_count = unit.subtree_member_count = per_unit
    with transaction.atomic():
        for i in range(0, len(rows), BATCH):
            Organisation.objects.bulk_create(rows[i:i + BATCH])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Organisation]):
                    cursor.execute(sql)
    sums = {}
    tree = OrgTree()
    for key in ("members",):
        sums[key] = tree.subtree_sums({u.pk: per_unit for u in units})
    with transaction.atomic():  # the live counters the dashboard's headline reads
        for org in [*towns, *counties, *cities, province]:
            Organisation.objects.filter(pk=org.pk).update(subtree_member_count=sums["members"][org.pk])

    plan = {  # which level owns which figures, and a typical monthly own value
        "grassroots": {"members": per_unit, "gig_members": per_unit // 12, "joins": 25, "transfers_in": 3,
                       "transfers_out": 3, "participations": 60},
        "township": {"cases_received": 4, "cases_closed": 4, "cases_closed_on_time": 3, "satisfaction_sum": 17,
                     "satisfaction_count": 4},
        "county": {"activities": 3, "coupons_claimed": 900, "coupons_redeemed": 600, "articles_published": 12,
                   "documents_sent": 5, "reports_adopted": 2, "assistance_paid_fen": 2_000_000},
    }
    written = 0
    started = time.monotonic()
    for month in last_months(months):
        own: dict[str, dict[int, int]] = {}
        for level, figures in plan.items():
            for key, typical in figures.items():
                own[key] = {o.pk: max(0, int(typical * rng.uniform(0.7, 1.3))) if key not in ("members",)
                            else typical for o in levels[level]}
        batch = []
        for key, values in own.items():
            for org_id, sub in tree.subtree_sums(values).items():
                if not tree.path[org_id].startswith(province.path):
                    continue  # the national federation keeps the job's rows
                batch.append(Figure(org_id=org_id, org_path=tree.path[org_id], parent_id=tree.parent[org_id],
                                    month=month, key=key, own=values.get(org_id, 0), subtree=sub))
        with transaction.atomic():
            for i in range(0, len(batch), BATCH):
                Figure.objects.bulk_create(batch[i:i + BATCH])
        written += len(batch)
    print(f"synthetic tree: {len(rows):,} orgs (16 cities, 150 counties, 1,500 townships, {len(units):,} grassroots), "
          f"{sum(u.member_count for u in units):,} members; {written:,} Figure rows over {months} months written in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    return {"province": province, "city": cities[0], "county": counties[0], "township": towns[0],
            "grassroots": units[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grassroots", type=int, default=6000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-rollup", action="store_true")
    args = parser.parse_args()
    print(f"{connection.vendor}: {Organisation.objects.count():,} orgs before the synthetic tree", flush=True)
    cleanup()

    if not args.no_rollup:
        from smartunion.members.models import Membership

        members = Membership.objects.filter(status="active").count()
        for n in (2, 12):
            run = rollup(months=last_months(n), by=SYSTEM)
            print(f"roll-up job, {n:>2} months, {Organisation.objects.count():,} orgs / {members:,} members: "
                  f"{run.seconds:.2f} s, {run.rows:,} rows", flush=True)

    samples = synthesize(args.grassroots, args.months, random.Random(13))
    month = last_months(1)[0]
    print(f"Figure rows in the table: {Figure.objects.count():,}", flush=True)
    for level, org in samples.items():
        ms = timed(lambda org=org: q.trend(org), args.repeat)
        print(f"  12 months of one org ({level:<10}): {ms:6.2f} ms", flush=True)
    for level in ("province", "city", "county", "township"):
        org = samples[level]
        ms = timed(lambda org=org: q.children(org, month), args.repeat)
        total = q.children(org, month)[1]
        print(f"  children of a {level:<9} ({total:>4} orgs), one month: {ms:6.2f} ms", flush=True)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.create(username="bench_dash13", display_name="基准", kind=User.Kind.CADRE, is_staff=True,
                               is_superuser=True)
    client = Client()
    client.force_login(user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    for level in ("province", "city", "county"):
        org = samples[level]
        url = f"/console/insight/dashboard/?org={org.pk}"
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)
        with connection.execute_wrapper(count):
            assert client.get(url).status_code == 200
        ms = timed(lambda url=url: client.get(url), max(5, args.repeat // 3))
        print(f"  dashboard page of the {level:<8}: {ms:7.1f} ms, {len(statements)} queries", flush=True)
    if not args.keep:
        cleanup()


if __name__ == "__main__":
    main()
