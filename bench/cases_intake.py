"""Rights-case filings per second through the HTTP API (gunicorn + wrk), beside the machine's own reference figures.

    DATABASE_URL=... python bench/cases_intake.py [--seconds 15] [--connections 8] [--workers 2]
        [--worker-class sync|gthread --gthreads N]  (docs/deployment.md runs gthread workers; sync is the default)

Seed the org tree first (bench/run.py, or `smartunion seed --members ... --orgs ...`). The script

1. signs up its workers (one account and API token each, in bulk; any worker may file, member or not);
2. pre-builds one valid filing per request: township regions and employer names drawn from the seeded data (a
   third by a registered employer's name, so routing finds its union; a third an unknown employer, routed by the
   township; a third with the identity hidden from the employer), all five kinds, every category;
3. starts gunicorn on 127.0.0.1 (sync workers) and drives it with wrk for:
   - (first, not counted) `--warmup` seconds of other workers' filings over the same townships and employers, so
     each worker process holds the reference look-ups a running deployment has cached (regions, township unions,
     deadline tables, handlers: core/cache.py, a minute to an hour). 30 s by default: the seed's 1,632 townships
     and 2,000-odd unions are each met a few times by each worker in that time, as in a minute of a deployment
     taking 300 filings a second; after 5 s many were still cold and read from the database (7.1–7.4 ms of CPU a
     filing against 6.9 ms with the same code),
   - a no-database endpoint (the machine's ceiling for a Django view),
   - an authenticated one-object read (GET /api/v1/orgs/{id} as a cadre),
   - case filings (POST /api/v1/cases: validation, routing, numbering, deadlines on the business calendar, the
     case, its roll-up row, the audit event and the in-app notices, in one transaction);
4. prints requests/s, latency percentiles, the statuses, the CPU time a filing took in the gunicorn workers and in
   PostgreSQL's backends (from /proc: steadier than requests/s on a shared machine, and it says what the cores
   would give at full use), and checks the database afterwards: the cases written since the start, their numbers
   all distinct, and the roll-up's `received` grown by exactly as many.

Target (issue 10): >= 300 filings/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.accounts.models import ApiToken, User  # noqa: E402
from smartunion.accounts.services import _digest, issue_token  # noqa: E402
from smartunion.cases.categories import CATEGORIES  # noqa: E402
from smartunion.cases.models import Case, CaseStat  # noqa: E402
from smartunion.orgs.models import Employer, Organisation, Position, Region  # noqa: E402
from wrkload import report, wait_for, wrk  # noqa: E402  (bench/wrkload.py)

PORT = 8768  # each bench its own port (editorial_news uses 8767)
PHONE_BASE = 17_100_000_000  # a block of numbers the seeder never hands out
KINDS = [k.value for k in Case.Kind]


def sign_up_workers(count: int) -> list[str]:
    User.objects.filter(username__startswith="bench_case_worker_").delete()
    expires = timezone.now() + dt.timedelta(hours=12)
    users = [User(username=f"bench_case_worker_{i}", kind=User.Kind.WORKER, phone=str(PHONE_BASE + i),
                  display_name=f"职工{i}", password="!") for i in range(count)]  # noqa: S106  unusable marker
    tokens = [f"bench-case-token-{i:07d}-{random.randrange(10**12):012d}" for i in range(count)]
    with transaction.atomic():
        created = User.objects.bulk_create(users, batch_size=2000)
        ApiToken.objects.bulk_create(
            [ApiToken(user=u, digest=_digest(t), expires_at=expires) for u, t in zip(created, tokens, strict=True)],
            batch_size=2000)
    return tokens


def build_bodies(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    towns = list(Region.objects.filter(level="township").values_list("code", flat=True)[:5000])
    employers = list(Employer.objects.order_by("?").values_list("name", "region_id")[:5000])
    if not towns or not employers:
        sys.exit("no townships or employers: seed the database first")
    categories = list(CATEGORIES.items())
    bodies = []
    for i in range(count):
        category, (_label, subs) = categories[i % len(categories)]
        name, region = rng.choice(employers)
        mode = i % 3
        town = region if len(region) > 6 else rng.choice(towns)
        body = {
            "kind": KINDS[i % 5], "category": category, "subcategory": next(iter(subs), ""),
            "description": f"单位拖欠工资已经三个月，多次讨要无果，请工会帮助协调（第{i}号）。",
            "employer_name": name if mode != 1 else f"新开张{i}号店", "region": town,
            "phone": str(PHONE_BASE + i), "hide_identity_from_employer": mode == 2,
        }
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 where a process is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(server_pid: int) -> list[int]:
    """gunicorn's workers: the processes whose parent is its master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server_pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def database_pids() -> list[int]:
    """PostgreSQL's backends serving this database other than this script's own (the workers' connections)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cursor.fetchall()]


def cadre_token() -> tuple[str, int]:
    position = Position.objects.select_related("org", "user").filter(org__kind=Organisation.Kind.CITY).first()
    if position is None:
        sys.exit("no city cadre: seed the database first")
    token, _ = issue_token(position.user)
    return token, position.org.pk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--gthreads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--filings", type=int, default=15_000, help="distinct workers and bodies prepared")
    parser.add_argument("--skip-reference", action="store_true", help="only the filings")
    parser.add_argument("--warmup", type=int, default=30,
                        help="seconds of filings before the measured run, not counted (0: none)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    from django.db import connection

    print(f"{connection.vendor}: {Case.objects.count():,} cases in the database", flush=True)
    started = time.perf_counter()
    warm = args.filings if args.warmup else 0
    tokens = sign_up_workers(args.filings + warm)
    bodies = build_bodies(args.filings + warm)
    warm_tokens, warm_bodies = tokens[args.filings:], bodies[args.filings:]
    tokens, bodies = tokens[:args.filings], bodies[:args.filings]
    print(f"  signed up {len(tokens):,} workers with tokens in {time.perf_counter() - started:.1f} s", flush=True)
    cadre, org_id = cadre_token()

    env = dict(os.environ, ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "smartunion.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
         "-k", args.worker_class, "--threads", str(args.gthreads), "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        wait_for(f"http://127.0.0.1:{PORT}/api/v1/codes/sex")
        common = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}
        read = None
        if not args.skip_reference:
            report("no-database endpoint (GET /api/v1/codes/sex)",
                   wrk(PORT, "/api/v1/codes/sex", "GET", ["-\t-"] * 10, **common))
            read = wrk(PORT, f"/api/v1/orgs/{org_id}", "GET", [f"{cadre}\t-"] * 10, **common)
            report(f"authenticated one-object read (GET /orgs/{org_id})", read)
        if warm:
            report(f"warm-up filings, {args.warmup} s (not counted)",
                   wrk(PORT, "/api/v1/cases", "POST", [f"{t}\t{b}" for t, b in zip(warm_tokens, warm_bodies,
                                                                                    strict=True)],
                       **{**common, "seconds": args.warmup}))
            time.sleep(2)  # the warm-up's last requests finish before the counts below are read
        first_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        received_before = CaseStat.objects.aggregate(n=Sum("received"))["n"] or 0
        workers, backends = worker_pids(server.pid), database_pids()
        cpu_before = (cpu_seconds(workers), cpu_seconds(backends))
        filing = wrk(PORT, "/api/v1/cases", "POST", [f"{t}\t{b}" for t, b in zip(tokens, bodies, strict=True)],
                     **common)
        cpu_after = (cpu_seconds(workers), cpu_seconds(backends))
        report("case filings (POST /api/v1/cases)", filing)
        if filing["total"] and Path("/proc").is_dir():
            app, db = ((after - before) * 1000 / filing["total"] for before, after in zip(cpu_before, cpu_after,
                                                                                          strict=True))
            print(f"  CPU per filing: gunicorn workers {app:.2f} ms"
                  + (f", PostgreSQL backends {db:.2f} ms ({len(backends)} connections)" if backends else "")
                  + f"; {os.cpu_count()} cores give {os.cpu_count() * 1000 / (app + db):.0f} filings/s at full use",
                  flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = Case.objects.filter(id__gt=first_id)
    count = written.count()
    distinct = written.values("number").distinct().count()
    received = (CaseStat.objects.aggregate(n=Sum("received"))["n"] or 0) - received_before
    print(f"  written: {count:,} cases, {distinct:,} distinct numbers, roll-up received +{received:,}"
          f"  ({'exact' if count == distinct == received else 'MISMATCH'})", flush=True)
    if filing["total"] > len(tokens):
        print(f"  !!! {filing['total']:,} requests but only {len(tokens):,} prepared filings: raise --filings")
    print(f"  filings/s = {filing['rate']:.0f}  (target >= 300)"
          + (f"; ratio to the one-object read {filing['rate'] / read['rate']:.2f}" if read else ""), flush=True)


if __name__ == "__main__":
    main()
