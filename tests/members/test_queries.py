"""The shared reads of members/queries.py: one definition each, scoped, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.models import JoinApplication, Membership, Transfer
from smartunion.members.queries import (
    active_membership,
    is_member,
    overdue_counts,
    review_queue,
    visible_transfers,
)
from smartunion.members.services import membership_end, membership_start, person_upsert, transfer_request
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import managed_paths

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def application(union: Organisation, *, overdue: bool = True,
                status: str = JoinApplication.Status.PENDING) -> JoinApplication:
    """An application received by `union`, its deadline passed (or a week ahead)."""
    n = next(_serial)
    return JoinApplication.objects.create(
        name="王芳", id_number=make_id_number("370102", dt.date(1990, 1, 1) + dt.timedelta(days=n), n),
        phone="13800000000", employer_name="某单位", work_region_id="370102", union=union, union_path=union.path,
        dispatch_reason=JoinApplication.Dispatch.TOWNSHIP, dispatch_note="挂靠", status=status,
        deadline=timezone.now() + dt.timedelta(days=-1 if overdue else 7),
    )


def test_overdue_counts_with_one_child(tree, personas):
    for _ in range(2):
        application(tree.lixia_town)
    application(tree.grassroots)  # below the child: counts for the child
    application(tree.lixia)  # at the root itself
    application(tree.lixia_town, overdue=False)
    application(tree.lixia_town, status=JoinApplication.Status.APPROVED)
    application(tree.qd_grassroots)  # another county

    counts = overdue_counts(personas.county_cadre, tree.lixia)

    assert (counts.root, counts.total, counts.own) == (tree.lixia, 4, 1)
    assert counts.children == [(tree.lixia_town, 3)]


def test_overdue_counts_with_eight_children_cost_the_same_queries(tree, personas):
    user = personas.county_cadre
    managed_paths(user)  # the cadre's positions, read once per request
    application(tree.grassroots)
    with CaptureQueriesContext(connection) as one_child:
        small = overdue_counts(user, tree.lixia)
    towns = [tree.lixia_town] + [
        org_services.org_create(parent=tree.lixia, kind=Organisation.Kind.TOWNSHIP, name=f"历下区第{i}街道工会",
                                region="370102", by=user)
        for i in range(2, 9)]
    for index, town in enumerate(towns[1:], start=1):
        for _ in range(index):
            application(town)

    with CaptureQueriesContext(connection) as eight_children:
        counts = overdue_counts(user, tree.lixia)

    assert (small.total, small.children) == (1, [(tree.lixia_town, 1)])
    assert (counts.total, counts.own) == (1 + sum(range(1, 8)), 0)
    assert counts.children == [(town, max(index, 1)) for index, town in enumerate(towns)]
    # The children, and one grouped query for every count.
    assert len(one_child.captured_queries) == len(eight_children.captured_queries) == 2
    counting = [q["sql"] for q in eight_children.captured_queries if "members_joinapplication" in q["sql"]]
    assert len(counting) == 1 and "GROUP BY" in counting[0]


def test_overdue_counts_stay_within_the_scope(tree, personas):
    application(tree.lixia_town)
    application(tree.grassroots)

    # The chair of 甲公司 sees its own union's applications only, even when asked about the township above it.
    counts = overdue_counts(personas.grassroots_cadre, tree.lixia_town)

    assert (counts.total, counts.own, counts.children) == (1, 0, [(tree.grassroots, 1)])


def test_active_membership_by_person_or_id(tree, personas):
    person = personas.worker.person
    membership = Membership.objects.get(person=person)

    assert active_membership(person) == membership
    assert active_membership(person.pk) == membership
    assert active_membership(None) is None
    assert is_member(person) and not is_member(None)

    membership_end(membership, by=SYSTEM)

    assert active_membership(person) is None and not is_member(person.pk)


def test_active_membership_brings_its_union_in_the_same_query(tree, personas, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert active_membership(personas.worker.person_id).union.name == "甲公司工会委员会"


def test_visible_transfers_both_ends_and_the_member(tree, personas):
    transfer = transfer_request(membership=Membership.objects.get(person=personas.worker.person),
                                by=personas.grassroots_cadre, to_union=tree.qd_grassroots)
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370202", dt.date(1991, 2, 2), 8), by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="QD-1", by=SYSTEM)

    assert list(visible_transfers(personas.county_cadre)) == [transfer]  # the old union's side
    assert list(visible_transfers(personas.other_city_cadre)) == [transfer]  # the new union's side
    assert list(visible_transfers(personas.worker)) == [transfer]  # the member moving
    assert list(visible_transfers(personas.outsider)) == []
    assert Transfer.objects.count() == 1


def test_review_queue_is_the_scope_of_the_cadre(tree, personas):
    here = application(tree.lixia_town)
    there = application(tree.qd_grassroots)

    assert list(review_queue(personas.county_cadre)) == [here]
    assert list(review_queue(personas.other_city_cadre)) == [there]
    assert list(review_queue(personas.grassroots_cadre)) == []
    assert list(review_queue(personas.worker)) == []
