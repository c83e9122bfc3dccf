"""The portal's 惠工活动 pages cost a fixed number of queries: the same for 1 row as for 3 (activities in the list,
coupons in 我的券, sign-ups, entries and ballots in 我的活动). Measured on a second visit, as in
tests/console/test_console_query_counts.py."""

from __future__ import annotations

import pytest
from tests import rows
from tests.benefits.conftest import coupon_activity
from tests.benefits.test_lottery import lottery_activity
from tests.benefits.test_polls import vote_activity
from tests.benefits.test_signups import signup_activity
from tests.conftest import console_client
from tests.rows import assert_queries

from smartunion.benefits.models import VoteOption
from smartunion.benefits.services.coupons import claim_coupon
from smartunion.benefits.services.lottery import enter_lottery
from smartunion.benefits.services.polls import cast_vote
from smartunion.benefits.services.signups import sign_up

pytestmark = pytest.mark.django_db


def show(client, url):
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200
    return measured


def take_part(tree, worker, n: int) -> None:
    """n coupons, n sign-ups, n lottery entries and n ballots of the worker, each in its own activity."""
    for i in range(n):
        claim_coupon(coupon_activity(tree.jinan, title=f"券{i}"), by=worker)
        sign_up(signup_activity(tree.jinan, title=f"报名{i}"), by=worker)
        enter_lottery(lottery_activity(tree.jinan, title=f"抽奖{i}"), by=worker)
        vote = vote_activity(tree.jinan, title=f"投票{i}")
        cast_vote(vote, by=worker, option_ids=[VoteOption.objects.filter(activity=vote).first().pk])


# Every portal page: the session, the account, the member's union (for the subsite) and the subsite found by it
# and its brand (two). Then the page's own: the list its membership with the person and the activities of the
# member's chain of orgs; 我的券 the coupons (a count and a page) with their activities; 我的活动 the
# sign-ups, lottery entries, ballots, named responses and anonymous participations, one query each.
@pytest.mark.parametrize(("url", "queries"), [("/activities/", 6), ("/me/coupons/", 6), ("/me/activities/", 9)])
def test_the_pages_cost_the_same_for_one_row_as_for_three(tree, personas, url, queries):
    client = console_client(personas.worker)
    take_part(tree, personas.worker, 1)
    one = show(client, url)
    take_part(tree, personas.worker, 2)
    three = show(client, url)
    assert_queries(queries, one, three)
