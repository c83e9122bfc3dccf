"""One exchange to every county federation of the province, and a county's incoming list, on SQLite and PostgreSQL.

    DATABASE_URL=... python bench/documents_exchange.py [--counties 150] [--repeat 5] [--keep]

Seed the org tree first (`smartunion seed --members 3000 --orgs 2000`, or bench/run.py). The script

1. counts the province's active county federations; when there are fewer than `--counties` it adds county
   federations (基准县N总工会) under the cities in turn, each with an administrator account, until there are that
   many (they stay for the next run);
2. sends `--repeat` released province documents (title 【基准】…, made directly as status 分发) to
   "all_counties_below" through documents.services.exchange.send as the province administrator, and prints per
   sending the wall time and the number of SQL statements (median and maximum): an Exchange, a Delivery and an
   IncomingDocument per county, one notice per county administrator, all in bulk statements;
3. times, as the first county's administrator, the first page (20 rows, serialised as the API lists them) of the
   incoming list, its query count, and the 待签收 count of the workbench;
4. deletes what it wrote (unless --keep).

Target (issue 12): one exchange to all ~150 county federations is a handful of statements and well under a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.accounts.models import User  # noqa: E402
from smartunion.api.documents.exchange import incoming_out  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.models import OutboxMessage  # noqa: E402
from smartunion.core.pagination import paginate  # noqa: E402
from smartunion.documents.models import Delivery, Exchange, IncomingDocument, OutgoingDocument  # noqa: E402
from smartunion.documents.queries import exchange as queries  # noqa: E402
from smartunion.documents.services import exchange as services  # noqa: E402
from smartunion.orgs import services as org_services  # noqa: E402
from smartunion.orgs.models import Organisation, Position, subtree_q  # noqa: E402

MARK = "【基准】"
K = Organisation.Kind


def office_user(org: Organisation, username: str) -> User:
    position = Position.objects.filter(org=org, role=Position.Role.ADMINISTRATOR).select_related("user").first()
    if position is not None:
        return position.user
    user = User.objects.filter(username=username).first() or User.objects.create(
        username=username, display_name=f"{org.name}管理员", kind=User.Kind.CADRE, is_staff=True)
    org_services.position_grant(user=user, org=org, role=Position.Role.ADMINISTRATOR, by=SYSTEM)
    return user


def ensure_counties(province: Organisation, wanted: int) -> int:
    counties = Organisation.objects.filter(subtree_q(province.path), kind=K.COUNTY, status="active")
    have = counties.count()
    cities = list(Organisation.objects.filter(parent=province, kind=K.CITY, status="active").order_by("path"))
    if not cities:
        sys.exit("no city federations: seed the database first (smartunion seed)")
    for n in range(have, wanted):
        org = org_services.org_create(parent=cities[n % len(cities)], kind=K.COUNTY, name=f"基准县{n}总工会",
                                      by=SYSTEM)
        office_user(org, f"bench_county_{org.pk}")
    return counties.count()


def released(province: Organisation, n: int) -> OutgoingDocument:
    return OutgoingDocument.objects.create(
        org=province, title=f"{MARK}关于开展职工技能竞赛的通知（{n}）", issuer_mark=f"{province.name}文件",
        number=f"鲁工发〔2026〕{900 + n}号", signer_name="王强", main_recipients="各县（市、区）总工会",
        body="各县（市、区）总工会：\n" + "现将有关事项通知如下。" * 40, status=OutgoingDocument.Status.DISTRIBUTION,
        written_on=timezone.localdate(), printed_on=timezone.localdate(),
    )


def timed(call):
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
    return result, elapsed * 1000, len(ctx.captured_queries)


def cleanup() -> None:
    documents = OutgoingDocument.objects.filter(title__startswith=MARK)
    exchanges = Exchange.objects.filter(document__in=documents)
    IncomingDocument.objects.filter(delivery__exchange__in=exchanges).delete()
    Delivery.objects.filter(exchange__in=exchanges).delete()
    exchanges.delete()
    documents.delete()
    OutboxMessage.objects.filter(subject="收到交换公文", body__contains=MARK).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    province = Organisation.objects.filter(kind=K.PROVINCE).order_by("path").first()
    if province is None:
        sys.exit("no province: seed the database first (smartunion seed)")
    cleanup()
    counties = ensure_counties(province, args.counties)
    sender = office_user(province, "bench_province_office")
    print(f"backend {connection.vendor}; {counties} county federations below {province.name}")

    services.send(released(province, 0), to=services.ALL_CITIES, by=sender)  # warm-up (calendar, caches)
    times, statements = [], []
    for n in range(1, args.repeat + 1):
        document = released(province, n)
        exchange, ms, count = timed(lambda d=document: services.send(d, to=services.ALL_COUNTIES_BELOW, by=sender))
        recipients = Delivery.objects.filter(exchange=exchange).count()
        times.append(ms)
        statements.append(count)
    print(f"exchange to all counties: {recipients} deliveries + incoming documents per sending; "
          f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms; "
          f"SQL statements median {statistics.median(statements):.0f}, max {max(statements)}")

    county = Organisation.objects.filter(subtree_q(province.path), kind=K.COUNTY).order_by("path").first()
    cadre = office_user(county, f"bench_county_{county.pk}")
    page_times, page_queries = [], []
    for _ in range(args.repeat + 1):
        cadre.__dict__.pop("_smartunion_scope_paths", None)
        _, ms, count = timed(lambda: paginate(queries.incoming_list(cadre), page=1, page_size=20,
                                              serialize=incoming_out))
        page_times.append(ms)
        page_queries.append(count)
    _, sign_ms, sign_queries = timed(lambda: queries.to_sign(cadre).count())
    print(f"incoming list of {county.name} (first page of {IncomingDocument.objects.filter(org=county).count()}): "
          f"median {statistics.median(page_times[1:]):.1f} ms, {page_queries[-1]} queries; "
          f"待签收 count {sign_ms:.1f} ms, {sign_queries} queries")
    if not args.keep:
        cleanup()


if __name__ == "__main__":
    main()
