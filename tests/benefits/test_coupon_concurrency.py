"""Coupon grabs under a real rush (PostgreSQL, database shape): threads with their own connections claim at once.

SQLite serialises writers and answers "database table is locked" instead of waiting, so these run on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from tests.benefits.conftest import coupon_activity, make_member
from tests.members.test_concurrency import run_together

from smartunion.benefits.models import Activity, Coupon
from smartunion.benefits.services.coupons import claim_coupon

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


@pytest.fixture(autouse=True)
def _database_shape(settings):
    settings.REDIS_URL = ""
    settings.BENEFITS_CLAIM_RATE_MEMBER = "1000/min"
    settings.BENEFITS_CLAIM_RATE_IP = "1000/min"
    cache.clear()


def rush(activity_id: int, users: list) -> list:
    """Each user claims in its own thread, all released together (tests/members/test_concurrency.run_together);
    returns "ok" or the refusal's code per thread."""

    def claim(user):
        return lambda: claim_coupon(Activity.objects.select_related("org").get(pk=activity_id), by=user)

    return ["ok" if outcome == "ok" else getattr(value, "code", repr(value))
            for outcome, value in run_together(*(claim(user) for user in users), timeout=60)]


def test_thirty_members_racing_for_ten_coupons_get_exactly_ten(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=1)
    crowd = [make_member(tree.grassroots) for _ in range(30)]
    results = rush(activity.pk, crowd)
    assert sorted(results) == ["ok"] * 10 + ["sold_out"] * 20
    activity.refresh_from_db()
    assert (activity.claimed, activity.participants, Coupon.objects.filter(activity=activity).count()) == (10, 10, 10)
    per_member = Coupon.objects.values("person").annotate(n=Count("id"), top=Max("sequence"))
    assert {(row["n"], row["top"]) for row in per_member} == {(1, 1)}


def test_one_member_racing_six_times_with_a_limit_of_two_gets_exactly_two(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=2)
    results = rush(activity.pk, [personas.worker] * 6)
    assert sorted(results) == ["limit_reached"] * 4 + ["ok"] * 2
    activity.refresh_from_db()
    assert activity.claimed == 2  # the refused claims' stock went back with their rollback
    assert sorted(Coupon.objects.values_list("sequence", flat=True)) == [1, 2]


def test_a_crowd_with_limits_of_two_never_oversells_nor_overgives(tree, personas):
    activity = coupon_activity(tree.jinan, stock=7, per_member_limit=2)
    members = [make_member(tree.grassroots) for _ in range(5)]
    results = rush(activity.pk, [m for m in members for _ in range(3)])  # 15 claims, 10 allowed by limits
    assert results.count("ok") == 7
    assert set(results) <= {"ok", "sold_out", "limit_reached"}
    activity.refresh_from_db()
    assert (activity.claimed, Coupon.objects.count()) == (7, 7)
    assert max(Coupon.objects.values("person").annotate(n=Count("id")).values_list("n", flat=True)) <= 2
