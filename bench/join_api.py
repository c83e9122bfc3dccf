"""Join submissions per second through the HTTP API on gunicorn, with dispatch, on an already seeded database.

    DATABASE_URL=... python bench/join_api.py --requests 4000 --concurrency 16 --workers 2

Seed first (bench/run.py, or `smartunion seed --members 1000000 --orgs 500000`). The script creates one worker
account and token, pre-builds distinct valid applications (ID numbers, township regions and employer names drawn
from the seeded data, so every dispatch rule is exercised), starts gunicorn on 127.0.0.1, fires the requests from
client threads with keep-alive connections, and prints requests/s and latency percentiles. Target (issue 3):
at least 400 submissions/s with p95 under 50 ms on a 2-core machine. The client runs on the same 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from smartunion.accounts.models import User  # noqa: E402
from smartunion.accounts.services import issue_token  # noqa: E402
from smartunion.core.validators import make_id_number  # noqa: E402
from smartunion.orgs.models import Employer, Region  # noqa: E402

PORT = 8765


def build_bodies(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    towns = list(Region.objects.filter(level="township", code__startswith="37").values_list("code", flat=True))
    employers = list(Employer.objects.order_by("?").values_list("name", "credit_code", "region_id")[:5000])
    bodies = []
    for i in range(count):
        name, credit, county = rng.choice(employers)
        kind = i % 4
        town = next((t for t in towns if t.startswith(county)), rng.choice(towns))
        body = {
            "name": "测试" + "甲乙丙丁"[i % 4], "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "id_number": make_id_number(county, dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(12000)),
                                        rng.randrange(1000)),
            "employer_name": name if kind < 2 else f"新开张{i}号店", "work_region": town,
        }
        if kind == 0:
            body["employer_credit_code"] = credit
        if kind == 3:
            body["employment_form"] = "12"
            body["gig_platform"] = "美团"
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    user, _ = User.objects.get_or_create(username="bench_worker", defaults={"kind": User.Kind.WORKER})
    token, _ = issue_token(user)
    bodies = build_bodies(args.requests)
    env = dict(os.environ, ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "smartunion.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
         "-k", "gthread", "--threads", "4", "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/api/v1/codes/sex")
                break
            except OSError:
                time.sleep(0.2)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        queue = list(reversed(bodies))
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            while True:
                with lock:
                    if not queue:
                        break
                    body = queue.pop()
                started = time.perf_counter()
                conn.request("POST", "/api/v1/join-applications", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))]  # noqa: E731
    from django.db import connection

    rate = len(latencies) / seconds
    print(f"{connection.vendor}: {len(latencies)} join submissions in {seconds:.1f} s = {rate:,.0f}/s "
          f"(gunicorn {args.workers} workers x 4 threads, {args.concurrency} client threads)")
    print(f"latency ms: p50 {p(0.5):.1f}  p95 {p(0.95):.1f}  p99 {p(0.99):.1f}  mean {statistics.mean(latencies):.1f}")
    print(f"statuses: {dict(sorted(statuses.items()))}  (target: >= 400/s, p95 < 50 ms)")


if __name__ == "__main__":
    main()
