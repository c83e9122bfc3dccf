"""Employer names on the join path: the cost of normalising a name, the latency of dispatch(), and how many names
written the way people write them still reach the employer's own union.

    python bench/dispatch_names.py --seed --orgs 20000            # fresh SQLite file under bench/results/
    python bench/dispatch_names.py --database-url postgres://...  # an already seeded database

To compare with an older checkout, run the same script with PYTHONPATH=<checkout>/src (its code is then imported
instead of this tree's, and it seeds with its own migrations); bench/README.md has the figures.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FORMS = ("股份有限公司", "有限责任公司", "有限公司")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=f"sqlite:///{RESULTS / 'dispatch_names.sqlite3'}")
    parser.add_argument("--seed", action="store_true", help="migrate and seed a fresh SQLite database first")
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument("--names", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def prepare(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SMARTUNION_GENERATE_KEYS", "1")
    os.environ.setdefault("SMARTUNION_VAR_DIR", str(RESULTS / "var"))
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
    if args.seed:
        if not args.database_url.startswith("sqlite:///"):
            sys.exit("--seed only builds SQLite files; seed other databases with `smartunion seed`")
        RESULTS.mkdir(parents=True, exist_ok=True)
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        command = [sys.executable, "-m", "smartunion"]
        subprocess.run([*command, "migrate", "-v", "0"], check=True, cwd=ROOT)
        subprocess.run([*command, "seed", "--members", "0", "--orgs", str(args.orgs)], check=True, cwd=ROOT,
                       capture_output=True)


def variants(name: str, county: str, rng: random.Random, t2s_reverse) -> list[tuple[str, str]]:
    """The ways a worker writes the registered name: (kind, text)."""
    from smartunion.core import codes

    ancestors = codes.region_ancestors(county)
    province, city = ancestors[0]["name"], ancestors[-1]["name"]
    county_name = codes.label("regions", county) or ""
    body = name.removeprefix(county_name)
    form = next((f for f in FORMS if body.endswith(f)), "")
    core = body.removesuffix(form) if form else body
    other_form = rng.choice([f for f in FORMS if f != form]) if form else "有限公司"
    short_city = city.removesuffix("市")
    return [
        ("as registered", name),
        ("province and city in front", f"{province}{city}{body}"),
        ("short city name in front", f"{short_city}{body}"),
        ("traditional characters", t2s_reverse(name)),
        ("place in brackets", f"{core}（{short_city}）{form}"),
        ("spaces and punctuation", " ".join(body[i:i + 2] for i in range(0, len(body), 2)).replace(" ", "·", 1)),
        ("another company form", f"{county_name}{core}{other_form}"),
        ("full-width brackets and no form", f"（{short_city}）{core}"),
    ]


def main() -> None:
    args = parse_args()
    prepare(args)
    import django

    django.setup()
    import opencc
    from django.db import connection

    import smartunion
    from smartunion.core.text import normalize_employer_name
    from smartunion.members.dispatch import dispatch
    from smartunion.orgs.models import Employer, Region

    region_aware = "region" in inspect.signature(normalize_employer_name).parameters

    def normalize(name: str, region: str) -> str:
        return normalize_employer_name(name, region=region) if region_aware else normalize_employer_name(name)

    s2t = opencc.OpenCC("s2t").convert
    rng = random.Random(2026)
    covered = list(Employer.objects.filter(covering_union__isnull=False, township_union__isnull=False)
                   .select_related("township_union").order_by("id").values_list("pk", "name", "region_id",
                                                                                 "township_union__region_id"))
    sample = rng.sample(covered, min(args.names, len(covered)))
    regions = {r.code: r for r in Region.objects.filter(code__in={c for row in sample for c in row[2:]})}
    cases = []  # (kind, written name, work region, expected employer id)
    for index, (pk, name, county, town_region) in enumerate(sample):
        kind, written = variants(name, county, rng, s2t)[index % 8]
        work_region = regions[town_region if index % 2 else county]  # half give the township, half the county
        cases.append((kind, written, work_region, pk))

    print(f"{connection.vendor}: {Employer.objects.count():,} employers; code from {Path(smartunion.__file__).parent}")
    print(f"{len(cases):,} names, {len({c[0] for c in cases})} ways of writing them, half with a township region")

    def normalise_all():
        for _kind, written, work_region, _pk in cases:
            normalize(written, work_region.code)

    normalise_all()
    seconds = min(_timed(normalise_all) for _ in range(args.repeat))
    print(f"normalisation: {seconds / len(cases) * 1e6:6.1f} µs per name")

    latencies: list[float] = []
    matched: dict[str, list[int]] = {}
    for round_ in range(args.repeat + 1):  # the first round warms the caches and is not timed
        for kind, written, work_region, pk in cases:
            started = time.perf_counter()
            result = dispatch(work_region=work_region, employer_name=written)
            elapsed = time.perf_counter() - started
            if round_:
                latencies.append(elapsed * 1000)
            else:
                hit = result.employer is not None and result.employer.pk == pk
                matched.setdefault(kind, []).append(hit)
    latencies.sort()
    total = sum(sum(hits) for hits in matched.values())
    print(f"dispatch(): median {statistics.median(latencies):.3f} ms, p95 {latencies[int(len(latencies) * 0.95)]:.3f} "
          f"ms, {len(latencies) / (sum(latencies) / 1000):,.0f} calls/s")
    print(f"names that reached their employer: {total}/{len(cases)} ({total * 100 / len(cases):.0f}%)")
    for kind, hits in matched.items():
        print(f"  {kind:<32} {sum(hits):>4}/{len(hits):<4}")


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
