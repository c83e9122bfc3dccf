"""Final approvals racing over one programme's budget, and retried payments, in threads with their own connections.

    DATABASE_URL=postgres://... python bench/assistance_budget.py [--applications 400] [--threads 16] [--fits 150]

Needs a seeded database (`smartunion seed --members ...`, which also runs the demo's assistance step: 济南's living
standard for this year). The script

1. gives --applications members of one 济南 grassroots union a verified hardship file (SYSTEM, through the services)
   and each an application to a fresh programme of 济南市总工会 reviewed at one level (the city), whose budget fits
   --fits of them;
2. approves them all from --threads threads at once (each approval: the row lock, the eligibility and documents
   re-check, the conditional UPDATE of the budget), and prints approvals/s, how many were approved and refused, and
   checks committed_fen = fits × amount ≤ budget_fen;
3. publishes the notice, ends it, then pays every approved application twice from the threads with the same
   Idempotency-Key per application, and prints payments/s and checks one payment per application.

It leaves its rows behind (a programme named “bench 预算竞争 …”): run it on a bench database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.assistance.models import Application, HardshipFile, Payment, Programme  # noqa: E402
from smartunion.assistance.services import applications, hardship, payments, programmes  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.members.models import Membership  # noqa: E402
from smartunion.orgs.models import Organisation  # noqa: E402

AMOUNT = 100_000


def setup(count: int, fits: int) -> tuple[Programme, list[int]]:
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    today = timezone.localdate()
    programmes.set_living_standard(by=SYSTEM, org=jinan, region="370100", year=today.year, monthly_fen=105_000)
    taken = HardshipFile.objects.exclude(status="exited").values("person_id")
    memberships = list(Membership.objects.filter(status="active", union_path__startswith=jinan.path)
                       .exclude(person_id__in=taken).select_related("union").order_by("id")[:count])
    if len(memberships) < count:
        sys.exit(f"only {len(memberships)} members without a hardship file in 济南: seed more members")
    programme = programmes.create_programme(
        by=SYSTEM, org=jinan, name=f"bench 预算竞争 {time.strftime('%H%M%S')}", kind="winter",
        purpose=f"bench-{time.time_ns()}", year=today.year, budget_fen=fits * AMOUNT, amount_rule={"fixed": AMOUNT},
        opens_on=today, closes_on=today + dt.timedelta(days=30), review_chain=["city"], eligibility_rule={},
        required_documents=["困难证明"], notice_days=1)
    ids = []
    for m in memberships:
        f = hardship.create_file(by=SYSTEM, person=m.person, union=m.union, category="deep", household_size=3,
                                 household_income_fen=1_800_000)
        for step in (hardship.submit_file, hardship.forward_file, hardship.verify_file):
            f = step(f, by=SYSTEM)
        a = applications.submit_application(programme, by=SYSTEM, person=m.person, bank_name="工商银行",
                                            bank_account=f"6222{m.person_id:015d}", account_holder="职工")
        applications.add_document(a, by=SYSTEM, name="困难证明",
                                  upload=ContentFile(b"%PDF-1.4 bench", name="proof.pdf"))
        ids.append(a.pk)
    return programme, ids


def race(ids: list[int], threads: int, work) -> tuple[float, list[str]]:
    barrier = threading.Barrier(threads)
    chunks = [ids[i::threads] for i in range(threads)]

    def run(chunk):
        barrier.wait()
        out = []
        try:
            for i in chunk:
                try:
                    work(i)
                    out.append("ok")
                except Exception as exc:  # a refusal: its code
                    out.append(getattr(exc, "code", type(exc).__name__))
        finally:
            connections.close_all()
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = [r for chunk in pool.map(run, chunks) for r in chunk]
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=400)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--fits", type=int, default=150)
    args = parser.parse_args()
    print(f"database: {connections['default'].vendor}; setting up {args.applications} applications ...")
    programme, ids = setup(args.applications, args.fits)

    seconds, results = race(ids, args.threads, lambda i: applications.approve_application(
        Application.objects.get(pk=i), by=SYSTEM))
    programme.refresh_from_db()
    approved = results.count("ok")
    print(f"final approvals: {len(ids)} in {seconds:.2f} s = {len(ids) / seconds:,.0f}/s with {args.threads} threads;"
          f" approved {approved}, refused {dict((c, results.count(c)) for c in set(results) - {'ok'})}")
    print(f"budget {programme.budget_fen} fen, committed {programme.committed_fen} fen "
          f"({'OK' if programme.committed_fen == args.fits * AMOUNT <= programme.budget_fen else 'WRONG'})")

    applications.publish_notice(programme, by=SYSTEM)
    Application.objects.filter(programme=programme, status="notice").update(
        notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    payable = list(Application.objects.filter(programme=programme, status="notice").values_list("pk", flat=True))
    twice = payable + payable
    seconds, results = race(twice, args.threads, lambda i: payments.create_payment(
        Application.objects.select_related("programme__org").get(pk=i), by=SYSTEM, idempotency_key=f"bench-{i:010d}"))
    rows = Payment.objects.filter(programme=programme).count()
    print(f"payments: {len(twice)} requests (each key twice) in {seconds:.2f} s = {len(twice) / seconds:,.0f}/s; "
          f"answers {dict((c, results.count(c)) for c in set(results))}; payment rows {rows} "
          f"({'OK' if rows == len(payable) else 'WRONG'})")


if __name__ == "__main__":
    main()
