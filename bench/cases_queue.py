"""A handler's queue and the subtree statistics at 1M rights cases, on SQLite and PostgreSQL.

    DATABASE_URL=... python bench/cases_queue.py [--cases 1000000] [--repeat 15]

Seed the org tree first (bench/run.py, or `smartunion seed --members ... --orgs ...`). The script

1. deletes earlier bench cases and writes `--cases` cases with bulk inserts (executemany on SQLite, COPY on
   PostgreSQL), spread over the province's township and grassroots unions, over the last 24 months, ~7 % open
   (submitted, processing, waiting; a fifth of them overdue), the rest closed, a third of those rated; every row
   carries the same encrypted phone (one encryption, not a million);
2. builds the matching CaseStat roll-up from them (one INSERT ... SELECT ... GROUP BY: seeding only, the measured
   reads never group the cases), the subtree roll-up from that (stats.rebuild_subtree_stats) and the day
   sequences;
3. times, as a city cadre, median of `--repeat` runs after one warm-up:
   - the first page (20 rows, serialised as the API lists them) of the handler queue of open cases, by deadline;
   - the same with the overdue filter;
   - stats() of the city's subtree (12 months: by kind, category and month, on-time rates, satisfaction, and the
     open and overdue counts);
   - for comparison, the raw GROUP BY over the cases that the roll-up replaces.

Targets (issue 10): queue page and statistics < 100 ms at 1M cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.cases.categories import CATEGORIES  # noqa: E402
from smartunion.cases.models import Case, CaseSequence, CaseStat  # noqa: E402
from smartunion.cases.queries.cases import display_name, handler_queue, stats  # noqa: E402
from smartunion.cases.services.stats import rebuild_subtree_stats  # noqa: E402
from smartunion.core.pii import blind_index, encrypt  # noqa: E402
from smartunion.orgs.models import Organisation, Position, subtree_q  # noqa: E402

KINDS = [k.value for k in Case.Kind]
CATEGORY_CODES = list(CATEGORIES)
PREFIX = "WB"  # bench cases: never a real number (WQ...)
COLUMNS = [
    "number", "kind", "case_class", "category", "subcategory", "channel", "contact_name", "phone", "phone_index",
    "hide_identity", "employer_name", "region_id", "title", "description", "people_involved", "status", "org_id",
    "org_path", "routing_note", "submitted_at", "first_response_days", "resolution_days", "first_response_due",
    "first_response_due_estimated", "first_responded_at", "resolution_due", "resolution_due_estimated",
    "paused_working_days", "supervised", "resolution", "resolution_note", "closed_at", "closed_on_time", "rating",
    "rating_comment", "reopen_count", "updated_at", "supervision_note",
]


def city_and_cadre() -> tuple[Organisation, object]:
    position = (Position.objects.select_related("org", "user").filter(org__kind=Organisation.Kind.CITY)
                .order_by("org__path").first())
    if position is None:
        sys.exit("no city cadre: seed the database first (smartunion seed)")
    return position.org, position.user


def handling_orgs(province_path: str) -> list[tuple[int, str, str]]:
    orgs = list(Organisation.objects.filter(subtree_q(province_path), kind__in=[
        Organisation.Kind.TOWNSHIP, Organisation.Kind.GRASSROOTS], region__isnull=False)
        .values_list("pk", "path", "region_id"))
    if not orgs:
        sys.exit("no township or grassroots unions with a region: seed the database first")
    return orgs


def rows(count: int, orgs: list, now: dt.datetime, seed: int = 11):
    rng = random.Random(seed)
    phone = encrypt("13900000000")
    index = blind_index("13900000000", purpose="phone")
    per_day: dict[dt.date, int] = {}
    for n in range(count):
        org_id, path, region = orgs[rng.randrange(len(orgs))]
        age = dt.timedelta(days=rng.randrange(730), seconds=rng.randrange(86400))
        submitted = now - age - dt.timedelta(days=1)
        day = timezone.localtime(submitted).date()
        per_day[day] = per_day.get(day, 0) + 1
        first_due = submitted + dt.timedelta(days=1)
        resolution_due = submitted + dt.timedelta(days=9)
        open_case = rng.random() < 0.07
        if open_case:
            # Open cases are recent; a fifth of them past their deadline.
            submitted = now - dt.timedelta(days=rng.randrange(1, 12), seconds=rng.randrange(86400))
            day = timezone.localtime(submitted).date()
            per_day[day] = per_day.get(day, 0) + 1
            first_due = submitted + dt.timedelta(days=1)
            resolution_due = submitted + dt.timedelta(days=9 if rng.random() > 0.2 else -1)
            status = rng.choice(["submitted", "processing", "processing", "waiting"])
        else:
            status = "closed"
        responded = None if status == "submitted" else submitted + dt.timedelta(hours=rng.randrange(1, 40))
        closed_at = submitted + dt.timedelta(days=rng.randrange(1, 12)) if status == "closed" else None
        rating = rng.randrange(1, 6) if closed_at and rng.random() < 0.33 else None
        yield (
            f"{PREFIX}{day:%Y%m%d}{per_day[day]:06d}{n % 100:02d}", KINDS[n % 5], "general",
            CATEGORY_CODES[rng.randrange(len(CATEGORY_CODES))], "", "portal", "张三", phone, index, n % 7 == 0,
            "某某有限公司", region, "", "基准测试工单", 1, status, org_id, path, "按发生地", submitted, 1, 7, first_due,
            False, responded, resolution_due, False, 0, n % 50 == 0 and status != "closed",
            "resolved" if closed_at else "", "", closed_at, (closed_at <= resolution_due) if closed_at else None,
            rating, "", 0, now, "",
        )


def seed(count: int) -> None:
    city, _cadre = city_and_cadre()
    province = Organisation.objects.get(path=city.path[:-8])
    orgs = handling_orgs(province.path)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        Case.objects.filter(number__startswith=PREFIX).delete()
        CaseStat.objects.all().delete()
    print(f"  cleared in {time.perf_counter() - started:.1f} s; writing {count:,} cases over {len(orgs):,} orgs",
          flush=True)
    started = time.perf_counter()
    batch = 20_000
    columns = ", ".join(COLUMNS)
    generator = rows(count, orgs, now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with transaction.atomic():
                with cursor.cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
                    for row in generator:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO cases_case ({columns}) VALUES ({marks})"  # noqa: S608  (constant column names)
            while True:
                chunk = [tuple(connection.ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v
                               for v in row) for _, row in zip(range(batch), generator, strict=False)]
                if not chunk:
                    break
                with transaction.atomic():
                    cursor.executemany(sql, chunk)
    print(f"  cases written in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        month = "(date_trunc('month', submitted_at AT TIME ZONE 'Asia/Shanghai'))::date"
        rated, on_time_first = "rating IS NOT NULL", "first_responded_at <= first_response_due"
        closed_on_time = "closed_on_time"
    else:
        month = "date(datetime(submitted_at, '+8 hours'), 'start of month')"
        rated, on_time_first = "rating IS NOT NULL", "first_responded_at <= first_response_due"
        closed_on_time = "closed_on_time = 1"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO cases_casestat (org_id, org_path, month, kind, category, received, responded,
                                        responded_on_time, closed, closed_on_time, rated, rating_sum, satisfied)
            SELECT org_id, org_path, {month}, kind, category, COUNT(*),
                   SUM(CASE WHEN first_responded_at IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {on_time_first} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status = 'closed' AND {closed_on_time} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {rated} THEN 1 ELSE 0 END), COALESCE(SUM(rating), 0),
                   SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END)
            FROM cases_case GROUP BY org_id, org_path, {month}, kind, category""")  # noqa: S608  (constants)
    subtree_rows = rebuild_subtree_stats()
    print(f"  roll-up built in {time.perf_counter() - started:.1f} s: {CaseStat.objects.count():,} rows, "
          f"{subtree_rows:,} subtree rows", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
            cursor.execute("ANALYZE cases_casestat")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    CaseSequence.objects.all().delete()


def timed(call, repeat: int) -> tuple[float, object]:
    call()
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def first_page(cadre, **filters):
    def run():
        page = handler_queue(cadre, **filters)[:20]
        return [{"id": c.pk, "number": c.number, "org": c.org.name, "due": c.resolution_due,
                 "name": display_name(c, cadre), "phone": c.masked_phone} for c in page]
    return run


def raw_group_by(org):
    def run():
        return list(Case.objects.filter(subtree_q(org.path, "org_path")).values("kind", "category")
                    .annotate(n=django.db.models.Count("id")).order_by())
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-seed", action="store_true", help="measure the cases already written")
    args = parser.parse_args()
    print(f"{connection.vendor}: rights cases queue and statistics", flush=True)
    if not args.no_seed:
        seed(args.cases)
    city, cadre = city_and_cadre()
    total = Case.objects.count()
    in_city = Case.objects.filter(subtree_q(city.path, "org_path")).count()
    open_city = Case.objects.filter(subtree_q(city.path, "org_path"), status__in=Case.OPEN_STATES).count()
    print(f"  {total:,} cases; {in_city:,} in {city.name}'s subtree, {open_city:,} of them open", flush=True)
    figures = {}
    figures["queue first page (open, by deadline)"], page = timed(first_page(cadre), args.repeat)
    figures["queue first page, overdue only"], _ = timed(first_page(cadre, overdue=True), args.repeat)
    figures["queue first page, all states"], _ = timed(first_page(cadre, status="all"), args.repeat)
    figures["stats() of the city subtree, 12 months"], result = timed(lambda: stats(cadre, city), args.repeat)
    figures["raw GROUP BY over the cases (what the roll-up avoids)"], _ = timed(raw_group_by(city),
                                                                                max(3, args.repeat // 5))
    for name, ms in figures.items():
        print(f"  {name:<55} {ms:8.1f} ms (median)", flush=True)
    print(f"  page rows: {len(page)}; stats: received {result['totals']['received']:,}, open {result['open']:,}, "
          f"overdue {result['overdue']:,}", flush=True)


if __name__ == "__main__":
    main()
