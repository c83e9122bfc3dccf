"""Two people can never hold the same slot: threads with their own connections book it at once (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.cases.counselling_rows import counsellor, slot
from tests.conftest import make_user
from tests.members.test_concurrency import run_together

from smartunion.accounts.models import User
from smartunion.cases.models import Booking, Slot
from smartunion.cases.services import counselling

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def outcomes(calls) -> list[str]:
    return sorted("ok" if outcome == "ok" else getattr(value, "code", repr(value))
                  for outcome, value in run_together(*calls, timeout=60))


def test_eight_people_booking_one_slot_at_once_make_exactly_one_booking(tree):
    lin = counsellor(tree.jinan)
    free = slot(lin)
    crowd = [make_user(f"w{i}", kind=User.Kind.WORKER) for i in range(8)]
    results = outcomes([lambda u=u: counselling.book_slot(free.pk, by=u, nickname="小雨") for u in crowd])
    assert results == ["ok"] + ["slot_taken"] * 7
    assert Booking.objects.filter(slot=free).count() == 1
    assert Slot.objects.get(pk=free.pk).booked is True


def test_one_person_booking_four_slots_at_once_gets_exactly_two(tree):
    lin = counsellor(tree.jinan)
    slots = [slot(lin, hours_ahead=24 * (i + 1)) for i in range(4)]
    worker = make_user("w", kind=User.Kind.WORKER)
    results = outcomes([lambda s=s: counselling.book_slot(s.pk, by=worker, nickname="小雨") for s in slots])
    assert results == ["booking_limit"] * 2 + ["ok"] * 2
    assert Booking.objects.filter(user=worker).count() == 2
    assert Slot.objects.filter(booked=True).count() == 2
