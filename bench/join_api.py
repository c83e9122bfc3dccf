"""Join submissions per second through the HTTP API, beside the machine's own reference figures, in one run.

    DATABASE_URL=... python bench/join_api.py [--seconds 15] [--connections 8] [--workers 2]

Seed first (bench/run.py, or `smartunion seed --members 1000000 --orgs 500000`). The script

1. signs up its applicants first (one account per person, as the real-name rule requires): one worker account
   with a phone and an API token per request it may send, written in bulk;
2. pre-builds one distinct valid application per account (ID numbers, township regions and employer names drawn
   from the seeded data, so every dispatch rule is exercised);
3. starts gunicorn on 127.0.0.1 (sync workers, as measured in the issue) and drives it with wrk, a C load
   generator (Debian package `wrk`), for three endpoints in turn:
   - a no-database endpoint (the machine's ceiling for a Django view),
   - an authenticated one-object read (GET /api/v1/orgs/{id} as a cadre: token, scope, the org: three queries),
   - join submissions (POST /api/v1/join-applications, each request a different account and person);
4. prints requests/s, the latency percentiles wrk reports, the statuses, and the ratio join / one-object read.

Goal (issue 6): join >= 0.5 x the authenticated one-object read, at 1M members, on SQLite and PostgreSQL.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.accounts.models import ApiToken, User  # noqa: E402
from smartunion.accounts.services import _digest, issue_token  # noqa: E402
from smartunion.core.validators import make_id_number  # noqa: E402
from smartunion.orgs.models import Employer, Organisation, Position, Region  # noqa: E402
from wrkload import report, wait_for, wrk  # noqa: E402  (bench/wrkload.py)

PORT = 8765
PHONE_BASE = 17_000_000_000  # a block of numbers the seeder never hands out

def sign_up_applicants(count: int) -> list[str]:
    """`count` worker accounts with phones and tokens, written in bulk; returns the tokens."""
    User.objects.filter(username__startswith="bench_applicant_").delete()
    expires = timezone.now() + dt.timedelta(hours=12)
    users = [User(username=f"bench_applicant_{i}", kind=User.Kind.WORKER, phone=str(PHONE_BASE + i),
                  password="!") for i in range(count)]  # noqa: S106  unusable password marker
    tokens = [f"bench-applicant-token-{i:07d}-{random.randrange(10**12):012d}" for i in range(count)]
    with transaction.atomic():
        User.objects.filter(phone_index__in=[u._meta.get_field("phone_index").compute(u.phone) for u in users]
                            ).delete()
        created = User.objects.bulk_create(users, batch_size=2000)
        ApiToken.objects.bulk_create(
            [ApiToken(user=u, digest=_digest(t), expires_at=expires) for u, t in zip(created, tokens, strict=True)],
            batch_size=2000)
    return tokens


def build_bodies(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    towns = list(Region.objects.filter(level="township", code__startswith="37").values_list("code", flat=True))
    employers = list(Employer.objects.order_by("?").values_list("name", "credit_code", "region_id")[:5000])
    bodies = []
    for i in range(count):
        name, credit, region = rng.choice(employers)
        county = region[:6]
        kind = i % 4
        town = next((t for t in towns if t.startswith(county)), rng.choice(towns))
        body = {
            "name": "测试" + "甲乙丙丁"[i % 4], "phone": str(PHONE_BASE + i),
            "id_number": make_id_number(county, dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(12000)),
                                        rng.randrange(1000)),
            "employer_name": name if kind < 2 else f"新开张{i}号店", "work_region": town,
        }
        if kind == 0 and credit:
            body["employer_credit_code"] = credit
        if kind == 3:
            body["employment_form"] = "12"
            body["gig_platform"] = "美团"
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def cadre_token() -> tuple[str, int]:
    """A city cadre's token and an org in their subtree (the one-object read)."""
    position = Position.objects.select_related("org", "user").filter(org__kind=Organisation.Kind.CITY).first()
    if position is None:
        sys.exit("no city cadre: seed the database first")
    org = Organisation.objects.filter(path__startswith=position.org.path, depth=position.org.depth + 2).first()
    token, _ = issue_token(position.user)
    return token, (org or position.org).pk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--applicants", type=int, default=12_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    members = connection.cursor().execute("SELECT COUNT(*) FROM members_membership").fetchone()[0]
    print(f"{connection.vendor}: {members:,} memberships in the database", flush=True)
    started = time.perf_counter()
    tokens = sign_up_applicants(args.applicants)
    bodies = build_bodies(args.applicants)
    print(f"  signed up {len(tokens):,} applicants with tokens in {time.perf_counter() - started:.1f} s", flush=True)
    cadre, org_id = cadre_token()

    env = dict(os.environ, ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "smartunion.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
         "-k", "sync", "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        wait_for(f"http://127.0.0.1:{PORT}/api/v1/codes/sex")
        common = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}
        ceiling = wrk(PORT, "/api/v1/codes/sex", "GET", ["-\t-"] * 10, **common)
        report("no-database endpoint (GET /api/v1/codes/sex)", ceiling)
        read = wrk(PORT, f"/api/v1/orgs/{org_id}", "GET", [f"{cadre}\t-"] * 10, **common)
        report(f"authenticated one-object read (GET /orgs/{org_id})", read)
        join = wrk(PORT, "/api/v1/join-applications", "POST",
                   [f"{t}\t{b}" for t, b in zip(tokens, bodies, strict=True)], **common)
        report("join submissions (POST /join-applications)", join)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if join["total"] > len(tokens):
        print(f"  !!! {join['total']:,} join requests but only {len(tokens):,} applicants: raise --applicants")
    ratio = join["rate"] / read["rate"] if read["rate"] else 0
    print(f"  ratio join / one-object read = {ratio:.2f}  (goal >= 0.5)", flush=True)


if __name__ == "__main__":
    main()
