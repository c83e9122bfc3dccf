"""Room double-booking under real concurrency (PostgreSQL): eight organisers booking the same room and time at once
get exactly one meeting; the others are refused with the clash naming the winner, and nothing of theirs is kept."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.documents.meetings_rows import at, book, make_office
from tests.members.test_concurrency import run_together, split

from smartunion.core.errors import Conflict
from smartunion.documents.models import Meeting, RoomSlot

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]

BOOKINGS = 8


def test_eight_bookings_of_one_room_at_one_time_make_one_meeting(tree, personas):
    office = make_office(tree, personas)
    results = run_together(*[
        (lambda i=i: book(personas.province_admin, office.big, at(3, 9), at(3, 10, 30), title=f"会议{i}"))
        for i in range(BOOKINGS)])
    meetings, errors = split(results)
    assert len(meetings) == 1
    assert len(errors) == BOOKINGS - 1
    assert all(isinstance(e, Conflict) and e.code == "room_taken" for e in errors)
    winner = meetings[0].title
    assert all(f"已被会议“{winner}”" in e.message for e in errors)
    assert list(Meeting.objects.values_list("title", flat=True)) == [winner]
    assert RoomSlot.objects.count() == 3


def test_overlapping_bookings_at_once_one_wins(tree, personas):
    office = make_office(tree, personas)
    results = run_together(
        lambda: book(personas.province_admin, office.big, at(3, 9), at(3, 10), title="甲"),
        lambda: book(personas.province_admin, office.big, at(3, 9, 30), at(3, 11), title="乙"),
        lambda: book(personas.province_admin, office.big, at(3, 11), at(3, 12), title="丙"))
    meetings, errors = split(results)
    titles = sorted(m.title for m in meetings)
    assert titles in (["丙", "甲"], ["丙", "乙"])
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
