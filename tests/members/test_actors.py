"""Every members service that writes names its actor: by=None is a TypeError, never "skip the check"; SYSTEM is
the actor of jobs; a refusal is a core.errors.DomainError, never Python's PermissionError."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.members.test_roster import upload

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.members import cards, roster
from smartunion.members.models import MemberCard, Membership, Person, Transfer
from smartunion.members.services import (
    join_apply,
    membership_end,
    membership_start,
    notify_overdue_join_applications,
    person_upsert,
    reattach_members,
    release_overdue_transfers,
    transfer_request,
)

pytestmark = pytest.mark.django_db

NEW_ID = make_id_number("370102", dt.date(1991, 5, 5), 17)


def writes(tree, personas):
    """Each writing service, called with the given actor."""
    membership = Membership.objects.get(person=personas.worker.person)
    return {
        "person_upsert": lambda by: person_upsert(name="王芳", id_number=NEW_ID, by=by),
        "membership_start": lambda by: membership_start(person=personas.worker.person, union=tree.qd_grassroots,
                                                        card_number="X", by=by),
        "membership_end": lambda by: membership_end(membership, by=by),
        "join_apply": lambda by: join_apply(name="王芳", id_number=NEW_ID, phone="13800001111",
                                            employer_name="济南乙商贸有限公司", work_region="370102", by=by),
        "transfer_request": lambda by: transfer_request(membership=membership, to_union=tree.qd_grassroots, by=by),
        "reattach_members": lambda by: reattach_members(employer=tree.employer, by=by),
        "issue_card": lambda by: cards.issue_card(personas.worker.person, union=tree.grassroots, by=by),
        "notify_overdue_join_applications": lambda by: notify_overdue_join_applications(by=by),
        "release_overdue_transfers": lambda by: release_overdue_transfers(by=by),
        "roster.create_job": lambda by: roster.create_job(union=tree.grassroots, upload=upload(), by=by),
        "roster.export_roster": lambda by: roster.export_roster(Membership.objects.all(), by=by),
    }


@pytest.mark.parametrize("service", [
    "person_upsert", "membership_start", "membership_end", "join_apply", "transfer_request", "reattach_members",
    "issue_card", "notify_overdue_join_applications", "release_overdue_transfers", "roster.create_job",
    "roster.export_roster",
])
def test_no_actor_is_a_type_error_and_writes_nothing(tree, personas, service):
    before = (Person.objects.count(), Membership.objects.count(), MemberCard.objects.count(),
              Transfer.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TypeError) as exc:
        writes(tree, personas)[service](None)
    assert "by= is required" in str(exc.value)
    assert (Person.objects.count(), Membership.objects.count(), MemberCard.objects.count(),
            Transfer.objects.count(), AuditEvent.objects.count()) == before


def test_card_changes_need_an_actor(tree, personas):
    card = cards.issue_card(personas.worker.person, union=tree.grassroots, by=personas.worker)
    with pytest.raises(TypeError):
        cards.revoke_card(card, reason="手机丢失", by=None)
    with pytest.raises(TypeError):
        cards.reissue_card(card, by=None)
    assert MemberCard.objects.get().status == MemberCard.Status.ACTIVE


def test_a_transfer_is_asked_by_the_member_a_cadre_of_their_union_or_the_platform(tree, personas):
    membership = Membership.objects.get(person=personas.worker.person)
    for stranger in (personas.outsider, personas.other_city_cadre):
        with pytest.raises(Forbidden) as exc:
            transfer_request(membership=membership, to_union=tree.qd_grassroots, by=stranger)
        assert (exc.value.status, exc.value.message) == (403, "只有会员本人或所在工会的工会干部可以申请会籍转移")
    assert Transfer.objects.count() == 0
    transfer = transfer_request(membership=membership, to_union=tree.qd_grassroots, by=SYSTEM)
    assert (transfer.requested_by, AuditEvent.objects.get(action="members.transfer.request").actor_label) == (
        None, "系统")

