"""Seed a fresh database per backend and measure it (see bench/README.md)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SMARTUNION = [sys.executable, "-m", "smartunion"]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/smartunion_bench"


def environment(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env["SMARTUNION_GENERATE_KEYS"] = "1"
    env["SMARTUNION_VAR_DIR"] = str(RESULTS / "var")
    env.pop("REDIS_URL", None)
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{RESULTS / 'bench.sqlite3'}"
    else:
        env["DATABASE_URL"] = PG_BENCH
    return env


def fresh_database(backend: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = RESULTS / f"bench.sqlite3{suffix}"
            path.unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS smartunion_bench")
        conn.execute("CREATE DATABASE smartunion_bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=500_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        env = environment(backend)
        print(f"\n=== {backend}: {args.members:,} members, ~{args.orgs:,} orgs", flush=True)
        fresh_database(backend)
        subprocess.run([*SMARTUNION, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        started = time.monotonic()
        seed = subprocess.run([*SMARTUNION, "seed", "--members", str(args.members), "--orgs", str(args.orgs)],
                              env=env, check=True, cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - started
        summary = [line for line in seed.stdout.splitlines() if line.startswith(("完成", "已写入"))]
        print("\n".join(summary))
        rate = re.search(r"会员写入 ([\d,]+) 人/秒", seed.stdout)
        print(f"seed: {seconds:.0f} s in all, member rows {rate.group(1) if rate else '?'} members/s "
              f"(target: 1M members in under 600 s)", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py")], env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
