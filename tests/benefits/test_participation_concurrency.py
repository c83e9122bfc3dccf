"""Members acting at the same moment on sign-ups, votes and surveys: real threads, real transactions (PostgreSQL).

Each thread has its own database connection (closed at the end, see run_together); a barrier starts them together.
SQLite serialises writers and reports "database table is locked" instead of waiting, so these run on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection
from tests.benefits.conftest import make_member
from tests.benefits.test_polls import survey_activity, vote_activity
from tests.benefits.test_signups import signup_activity
from tests.members.test_concurrency import run_together

from smartunion.benefits.models import Activity, Ballot, Participation, Response, Signup, VoteOption
from smartunion.benefits.services.polls import AlreadyAnswered, AlreadyVoted, answer_survey, cast_vote
from smartunion.benefits.services.signups import AlreadySignedUp, NotSignedUp, cancel_signup, sign_up

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def outcomes(results):
    return sorted(value.status if kind == "ok" else type(value).__name__ for kind, value in results)


def counters(activity):
    fresh = Activity.objects.get(pk=activity.pk)
    return fresh.taken, fresh.participants


def by_status(activity):
    rows = Signup.objects.filter(activity=activity).order_by("id")
    return {status: [s.person_id for s in rows if s.status == status] for status in ("confirmed", "waiting",
                                                                                       "cancelled")}


def test_twenty_members_racing_for_five_places(tree):
    activity = signup_activity(tree.jinan, capacity=5)
    users = [make_member(tree.grassroots) for _ in range(20)]
    results = run_together(*[lambda u=u: sign_up(activity, by=u) for u in users])
    assert outcomes(results) == ["confirmed"] * 5 + ["waiting"] * 15
    assert counters(activity) == (5, 20)
    assert Signup.objects.filter(activity=activity, status="confirmed").count() == 5
    # The waiting list is in id order, and every member holds exactly one open sign-up.
    assert sorted(Signup.objects.filter(activity=activity).values_list("person_id", flat=True)) == sorted(
        u.person_id for u in users)


def test_one_member_signing_up_ten_times_at_once_gets_one_place(tree, personas):
    activity = signup_activity(tree.jinan, capacity=5)
    results = run_together(*[lambda: sign_up(activity, by=personas.worker) for _ in range(10)])
    assert outcomes(results) == ["AlreadySignedUp"] * 9 + ["confirmed"]
    assert all(isinstance(v, AlreadySignedUp) for k, v in results if k == "error")
    assert counters(activity) == (1, 1)
    assert Signup.objects.filter(activity=activity).count() == 1


def test_one_member_cancelling_five_times_at_once_promotes_exactly_one(tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    sign_up(activity, by=personas.worker)
    waiting = [make_member(tree.grassroots) for _ in range(3)]
    for user in waiting:
        sign_up(activity, by=user)
    results = run_together(*[lambda: cancel_signup(activity, by=personas.worker) for _ in range(5)])
    assert outcomes(results) == ["NotSignedUp"] * 4 + ["cancelled"]
    assert all(isinstance(v, NotSignedUp) for k, v in results if k == "error")
    assert by_status(activity) == {"confirmed": [waiting[0].person_id],
                                   "waiting": [waiting[1].person_id, waiting[2].person_id],
                                   "cancelled": [personas.worker.person_id]}
    assert counters(activity)[0] == 1


def test_two_places_freed_at_once_go_to_the_first_two_in_line(tree):
    activity = signup_activity(tree.jinan, capacity=2)
    confirmed = [make_member(tree.grassroots) for _ in range(2)]
    waiting = [make_member(tree.grassroots) for _ in range(3)]
    for user in confirmed + waiting:
        sign_up(activity, by=user)
    results = run_together(*[lambda u=u: cancel_signup(activity, by=u) for u in confirmed])
    assert outcomes(results) == ["cancelled", "cancelled"]
    assert by_status(activity) == {"confirmed": [waiting[0].person_id, waiting[1].person_id],
                                   "waiting": [waiting[2].person_id],
                                   "cancelled": [u.person_id for u in confirmed]}
    assert counters(activity)[0] == 2


def test_a_cancellation_racing_new_sign_ups_leaves_no_free_place_while_someone_waits(tree):
    activity = signup_activity(tree.jinan, capacity=1)
    holder = make_member(tree.grassroots)
    sign_up(activity, by=holder)
    newcomers = [make_member(tree.grassroots) for _ in range(4)]
    results = run_together(lambda: cancel_signup(activity, by=holder),
                           *[lambda u=u: sign_up(activity, by=u) for u in newcomers])
    assert all(kind == "ok" for kind, _ in results), results
    groups = by_status(activity)
    # Whatever the order, the place is taken by one newcomer and the three others wait.
    assert (len(groups["confirmed"]), len(groups["waiting"]), groups["cancelled"]) == (1, 3, [holder.person_id])
    assert counters(activity)[0] == 1


def test_ten_ballots_of_one_member_at_once_count_once(tree, personas):
    activity = vote_activity(tree.jinan, max_choices=2)
    a, b, _ = VoteOption.objects.filter(activity=activity).order_by("position").values_list("pk", flat=True)
    results = run_together(*[lambda: cast_vote(activity, by=personas.worker, option_ids=[a, b]) for _ in range(10)])
    assert sorted(kind for kind, _ in results) == ["error"] * 9 + ["ok"]
    assert all(isinstance(v, AlreadyVoted) for k, v in results if k == "error")
    assert Ballot.objects.filter(activity=activity).count() == 1
    assert list(VoteOption.objects.filter(activity=activity).order_by("position").values_list("votes", flat=True)) \
        == [1, 1, 0]
    assert counters(activity)[1] == 1


def test_many_members_voting_at_once_are_all_counted(tree):
    activity = vote_activity(tree.jinan, max_choices=1)
    a, b, _ = VoteOption.objects.filter(activity=activity).order_by("position").values_list("pk", flat=True)
    users = [make_member(tree.grassroots) for _ in range(12)]
    results = run_together(*[lambda u=u, i=i: cast_vote(activity, by=u, option_ids=[a if i % 3 else b])
                             for i, u in enumerate(users)])
    assert [kind for kind, _ in results] == ["ok"] * 12
    assert list(VoteOption.objects.filter(activity=activity).order_by("position").values_list("votes", flat=True)) \
        == [8, 4, 0]
    assert counters(activity)[1] == 12


def test_an_anonymous_survey_answered_five_times_at_once_keeps_one_response(tree, personas):
    activity = survey_activity(tree.jinan, anonymous=True)
    results = run_together(*[lambda: answer_survey(activity, by=personas.worker, answers={"1": "否"})
                             for _ in range(5)])
    assert sorted(kind for kind, _ in results) == ["error"] * 4 + ["ok"]
    assert all(isinstance(v, AlreadyAnswered) for k, v in results if k == "error")
    assert (Response.objects.filter(activity=activity).count(),
            Participation.objects.filter(activity=activity).count()) == (1, 1)
    assert Response.objects.get(activity=activity).person_id is None
