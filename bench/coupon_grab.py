"""A coupon grab through the HTTP API: a crowd larger than the stock, all at once, beside the same server's
one-SELECT endpoint, in one run.

    python bench/coupon_grab.py --shape pg-redis   # PostgreSQL + Redis (the Lua claim, the persister running)
    python bench/coupon_grab.py --shape pg         # PostgreSQL alone (one conditional UPDATE per claim)
    python bench/coupon_grab.py --shape sqlite     # SQLite (the embedded shape)
    options: --members 4000 --stock 2000 --connections 300 --workers 2 --threads 2 --seconds 10 --orgs 3000

Each shape runs on a fresh database of its own (PostgreSQL `coupon_bench` on 127.0.0.1, dropped and recreated;
SQLite and the generated keys under a temporary directory) seeded with `smartunion seed` (--members members,
--orgs orgs), and, for pg-redis, on the Redis database of --redis-url, which it FLUSHES (default db 5). Then:

1. it signs up one worker account with an API token per member, in bulk (like bench/join_api.py), and publishes
   one coupon grab of the province (every member eligible) with --stock coupons, one per member;
2. it starts gunicorn (sync workers) on 127.0.0.1 with a one-SELECT endpoint added for the comparison (bench only:
   GET /bench/one-select reads the activity's `claimed` through the whole middleware stack, no log-in), and for
   pg-redis `smartunion persist-claims --follow` beside it;
3. wrk (Debian package `wrk`) drives, for --seconds each, the one-SELECT endpoint, then the grab: each request
   a different member's token (POST /api/v1/activities/{id}/claim) over --connections connections. The crowd
   (--members) should outnumber the requests a run sends, and the stock should go in the middle of the run: the
   requests after it are the crowd being told sold_out (a read, no write);
4. it prints requests/s and the latency percentiles of both runs, the answers by status, grants/s (the coupons over
   the time from the first to the last claimed_at: the rate of successful claims while the stock lasted), the
   ratios to the one-SELECT endpoint, and the final counts, which must equal the stock exactly: 201 answers,
   coupon rows, Activity.claimed, and nobody with two coupons.

The per-IP claim limit is lifted for the server (every request comes from 127.0.0.1); the per-account limit stays.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wrkload import report, wait_for, wrk  # bench/wrkload.py

ROOT = Path(__file__).resolve().parent.parent
PORT = 8766
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/coupon_bench"

# The server for the bench: the product's WSGI application with one extra read-only endpoint.
WSGI = '''
import logging
import os

from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

application = get_wsgi_application()
logging.getLogger("django.request").setLevel(logging.ERROR)  # a 409 or 429 is an expected answer in a grab

from smartunion import urls  # noqa: E402
from smartunion.benefits.models import Activity  # noqa: E402

ACTIVITY = int(os.environ["BENCH_ACTIVITY_ID"])


def one_select(request):
    return JsonResponse({"claimed": Activity.objects.filter(pk=ACTIVITY).values_list("claimed", flat=True).first()})


urls.urlpatterns.insert(0, path("bench/one-select", one_select))
'''

# The parent: one fresh environment per shape ------------------------------------------------------------------------

def shape_env(args, tmp: Path) -> dict:
    env = dict(os.environ, SMARTUNION_GENERATE_KEYS="1", SMARTUNION_VAR_DIR=str(tmp / "var"),
               ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="ERROR", BENEFITS_CLAIM_RATE_IP="100000000/min",
               PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("REDIS_URL", None)
    if args.shape == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        env["DATABASE_URL"] = PG_BENCH
        for sql in ("DROP DATABASE IF EXISTS coupon_bench", "CREATE DATABASE coupon_bench"):
            subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)
    if args.shape == "pg-redis":
        env["REDIS_URL"] = args.redis_url
        env["CELERY_TASK_ALWAYS_EAGER"] = "1"  # behaviour events written by the request; no worker in the bench
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=("pg-redis", "pg", "sqlite"), required=True)
    parser.add_argument("--members", type=int, default=30000, help="the crowd: each member claims once")
    parser.add_argument("--stock", type=int, default=5000)
    parser.add_argument("--orgs", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5", help="flushed by the bench")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    if args.stock >= args.members:
        sys.exit("--stock must be smaller than the crowd (--members)")
    with tempfile.TemporaryDirectory(prefix="coupon_bench_") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "bench_coupon_wsgi.py").write_text(WSGI)
        env = shape_env(args, tmp_path)
        subprocess.run([sys.executable, __file__, "--child", *sys.argv[1:]], env=env, check=True, cwd=ROOT)


# The child: runs inside the shape's environment ---------------------------------------------------------------------

def child(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
    django.setup()
    import datetime as dt
    import random

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from smartunion.accounts.models import ApiToken, User
    from smartunion.accounts.services import _digest
    from smartunion.benefits import coupon_store, services
    from smartunion.benefits.models import Coupon
    from smartunion.core.actors import SYSTEM
    from smartunion.demo.seeding import seed_province
    from smartunion.members.models import Membership
    from smartunion.orgs.models import Organisation

    shape = {"pg-redis": "PostgreSQL + Redis", "pg": "PostgreSQL", "sqlite": "SQLite"}[args.shape]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if settings.REDIS_URL:
        coupon_store.store().redis.flushdb()
    seed_province(members=args.members, orgs=args.orgs, progress=lambda message: None)
    print(f"{shape}: seeded {Membership.objects.count():,} members, {Organisation.objects.count():,} orgs "
          f"in {time.perf_counter() - started:.0f} s", flush=True)

    # One worker account with a token per member who has none yet, in bulk.
    memberships = list(Membership.objects.filter(status=Membership.Status.ACTIVE, person__user__isnull=True)
                       .values_list("person_id", flat=True)[: args.members])
    expires = timezone.now() + dt.timedelta(hours=12)
    tokens = [f"bench-grab-{i:07d}-{random.randrange(10**12):012d}" for i in range(len(memberships))]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench_grab_{i}", kind=User.Kind.WORKER, person_id=person_id, password="!")  # noqa: S106
             for i, person_id in enumerate(memberships)], batch_size=2000)
        ApiToken.objects.bulk_create([ApiToken(user=u, digest=_digest(t), expires_at=expires)
                                      for u, t in zip(users, tokens, strict=True)], batch_size=2000)
    province = Organisation.objects.get(kind=Organisation.Kind.PROVINCE)
    now = timezone.now()
    activity = services.publish_activity(services.create_activity(
        by=SYSTEM, org=province, kind="coupon", title="基准测试·送清凉券", stock=args.stock, per_member_limit=1,
        valid_until=dt.date.today() + dt.timedelta(days=30), starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2)), by=SYSTEM)
    print(f"  {len(tokens):,} members with tokens race for {args.stock:,} coupons (activity {activity.pk}); "
          f"gunicorn {args.workers} sync workers, wrk {args.threads} threads x {args.connections} connections",
          flush=True)
    connection.close()

    env = dict(os.environ, BENCH_ACTIVITY_ID=str(activity.pk))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench_coupon_wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
         "-k", "sync", "--backlog", "4096", "--log-level", "warning"], env=env, cwd=ROOT)
    persister = None
    if settings.REDIS_URL:
        persister = subprocess.Popen([sys.executable, "-m", "smartunion", "persist-claims", "--follow",
                                      "--interval", "0.5"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{PORT}/bench/one-select")
        common = {"connections": args.connections, "threads": args.threads}
        select = wrk(PORT, "/bench/one-select", "GET", ["-\t-"] * 10, seconds=args.seconds, **common)
        report("one-SELECT endpoint (GET /bench/one-select)", select)
        grab = wrk(PORT, f"/api/v1/activities/{activity.pk}/claim", "POST", tokens, seconds=args.seconds, **common)
        report(f"claims (POST /activities/{activity.pk}/claim)", grab)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if persister is not None:
            persister.send_signal(signal.SIGTERM)
            persister.wait(timeout=30)
    if settings.REDIS_URL:
        coupon_store.persist_claims()
    activity.refresh_from_db()
    coupons = Coupon.objects.filter(activity=activity)
    span = coupons.aggregate(first=Min("claimed_at"), last=Max("claimed_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0
    most = coupons.values("person").annotate(n=Count("id")).aggregate(top=Max("n"))["top"] or 0
    granted = grab["statuses"].get(201, 0)
    grants = coupons.count() / seconds if seconds else 0  # the coupons granted, whether or not the stock ran out
    print(f"  grants/s from the first to the last claim: {grants:,.0f} ({coupons.count():,} in {seconds:.2f} s)")
    print(f"  final counts: 201 answers {granted:,}, coupon rows {coupons.count():,}, Activity.claimed "
          f"{activity.claimed:,}, stock {args.stock:,}, most coupons of one member {most}, "
          f"pending in Redis {coupon_store.pending()}")
    # wrk stops at the end of its run without counting the answers still in flight, so a few granted claims may
    # have no 201 counted: the database's rows are the figure that must equal the stock.
    exact = coupons.count() == activity.claimed == args.stock and most == 1 and granted <= coupons.count()
    base = select["rate"] or 1
    print(f"  {'OK: exactly the stock' if exact else '!!! COUNTS DIFFER FROM THE STOCK'}; ratios to the one-SELECT "
          f"endpoint: claim requests {grab['rate'] / base:.2f}, grants {grants / base:.2f}", flush=True)
    if grab["total"] > len(tokens):
        print(f"  !!! {grab['total']:,} claims for {len(tokens):,} members: some claimed twice (raise --members)")
    if args.stock > granted:
        print("  !!! the stock did not sell out within the run: lower --stock or raise --seconds")

if __name__ == "__main__":
    main()
