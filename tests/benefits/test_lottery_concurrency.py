"""Lottery entries racing each other and the draw (PostgreSQL, real threads with their own connections): one entry
per member, and no entry is kept that the published list leaves out."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.benefits.conftest import make_member
from tests.benefits.test_lottery import lottery_activity
from tests.members.test_concurrency import run_together

from smartunion.benefits import services
from smartunion.benefits.errors import NotOpen
from smartunion.benefits.models import Activity, LotteryEntry
from smartunion.benefits.services import lottery
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def test_one_member_entering_four_times_at_once_gets_one_entry(tree, personas):
    activity = lottery_activity(tree.jinan)
    results = run_together(*[lambda: lottery.enter_lottery(activity, by=personas.worker)] * 4)
    assert sorted(kind for kind, _ in results) == ["error", "error", "error", "ok"]
    assert all(isinstance(value, Conflict) and value.code == "already_entered"
               for kind, value in results if kind == "error")
    assert (LotteryEntry.objects.count(), Activity.objects.get(pk=activity.pk).participants) == (1, 1)


def test_entries_racing_the_draw_are_either_published_or_refused(tree):
    activity = lottery_activity(tree.jinan, prizes=(("一等奖", 2),))
    users = [make_member(tree.grassroots) for _ in range(8)]
    lottery.enter_lottery(activity, by=users[0])  # at least one entrant before the draw

    def close_and_draw():
        services.close_activity(activity, by=SYSTEM)
        return lottery.draw(Activity.objects.get(pk=activity.pk), by=SYSTEM)

    results = run_together(close_and_draw, *[lambda u=u: lottery.enter_lottery(activity, by=u) for u in users[1:]])
    assert results[0][0] == "ok", results[0]
    assert all(kind == "ok" or isinstance(value, NotOpen) for kind, value in results[1:])
    drawn = Activity.objects.get(pk=activity.pk)
    stored = [lottery.entrant_line(e.pk, e.card_number) for e in LotteryEntry.objects.filter(activity=activity)
              .order_by("pk")]
    assert drawn.entrants_published == stored
    assert drawn.participants == len(stored) == 1 + sum(1 for kind, _ in results[1:] if kind == "ok")
    assert lottery.verify(drawn).problems == []
