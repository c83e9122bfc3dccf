"""The demo legal aid and counselling (demo/seed_counselling.py): the directory, applications in three states, two
counsellor accounts that log in with the demo password, slots on working days for two weeks, the worker's booking."""

import pytest
from django.core.management import call_command

from smartunion.cases.models import Booking, Counsellor, Lawyer, LegalAidApplication, Slot
from smartunion.demo.seed_counselling import build_counselling
from smartunion.demo.seeding import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_counselling_and_legal_aid(capsys):
    call_command("seed", "--members", "20", "--seed", "7")
    if not Counsellor.objects.exists():  # until demo/seeding.py calls it
        figures = build_counselling(progress=print)
    else:
        figures = {"slots": Slot.objects.count(), "bookings": Booking.objects.count()}
    assert (Lawyer.objects.count(), Lawyer.objects.filter(active=True).count()) == (5, 4)
    assert sorted(LegalAidApplication.objects.values_list("status", flat=True)) == ["assigned", "closed",
                                                                                     "submitted"]
    mine = LegalAidApplication.objects.get(applicant__username="worker")
    assert (mine.status, mine.lawyer.active, mine.notes.count()) == ("assigned", True, 1)
    closed = LegalAidApplication.objects.get(status="closed")
    assert (closed.outcome, closed.recovered_fen) == ("mediated", 2_400_000)
    assert sorted(Counsellor.objects.values_list("user__username", flat=True)) == ["counsellor1", "counsellor2"]
    for counsellor in Counsellor.objects.select_related("user"):
        assert counsellor.user.check_password(DEMO_PASSWORD) and counsellor.user.kind == "worker"
    assert figures["slots"] == Slot.objects.count() > 0
    booking = Booking.objects.get()
    assert (booking.user.username, booking.nickname, booking.status, figures["bookings"]) == (
        "worker", "小张", "booked", 1)
