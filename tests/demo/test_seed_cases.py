"""The demo rights cases (demo/seed_cases.py): every state in 济南, one overdue, one paused, one rated, one
supervised, one co-handled, the worker's own, all through the services (so the roll-up and the audit log agree)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.cases.models import Case, CaseAssist, CaseStat
from smartunion.cases.queries.cases import handler_queue, overdue_q, stats
from smartunion.demo.seed_cases import build_cases
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_cases_cover_every_state(capsys):
    call_command("seed", "--members", "20", "--seed", "7")
    if not Case.objects.exists():  # until demo/seeding.py calls it
        build_cases(progress=print)
    jinan = Organisation.objects.get(kind="city", region_id="370100")
    cases = Case.objects.all()
    assert {c.org_path[:len(jinan.path)] for c in cases} == {jinan.path}
    assert sorted(cases.values_list("status", flat=True)) == sorted(
        ["processing", "closed", "submitted", "submitted", "processing", "waiting", "closed", "closed",
         "submitted", "processing"])
    assert cases.filter(overdue_q(timezone.now())).count() == 1
    assert list(cases.filter(rating__isnull=False).order_by("rating").values_list("rating", flat=True)) == [3, 5]
    assert cases.filter(supervised=True).count() == 1
    assert CaseAssist.objects.filter(status="open").count() == 1
    assert cases.filter(channel="hotline", filer__isnull=True).count() == 1
    worker = User.objects.get(username="worker")
    assert sorted(cases.filter(filer=worker).values_list("status", flat=True)) == ["closed", "processing"]
    handler = User.objects.get(username="jinan")
    assert handler_queue(handler, overdue=True).count() == 1
    figures = stats(handler, jinan)
    assert (figures["totals"]["received"], figures["open"], figures["overdue"]) == (10, 7, 1)
    assert sum(CaseStat.objects.values_list("received", flat=True)) == 10
