"""What joining, approval, transfers and founding record in a member's footprint (core.events), after commit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.members.conftest import cadre, join_values

from smartunion.core.actors import SYSTEM
from smartunion.core.events import kind_label
from smartunion.core.models import BehaviourEvent
from smartunion.members.models import Membership
from smartunion.members.services import (
    approve_join_application,
    membership_end,
    membership_start,
    person_upsert,
    reattach_members,
    reject_join_application,
    transfer_approve,
    transfer_release,
    transfer_request,
)
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation, Position

pytestmark = pytest.mark.django_db


def footprint(person):
    return list(BehaviourEvent.objects.filter(person_id=person.pk).order_by("occurred_at", "id").values_list(
        "kind", "target_type", "target_id", "target_label", "org_path"))


def test_kinds_have_chinese_labels():
    assert [kind_label(k) for k in ("members.join.submit", "members.join.approve", "members.membership.attach",
                                    "members.membership.reattach", "members.transfer.complete")] == [
        "提交入会申请", "入会申请通过", "挂靠乡镇（街道）工会入会", "会籍转入本单位工会", "会籍转入"]


def test_a_new_persons_submission_is_recorded_by_the_approval_at_its_time(
        tree, town, town_cadre, submit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(1)
    assert BehaviourEvent.objects.count() == 0  # nobody to file it under yet

    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            membership = approve_join_application(application, by=town_cadre)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_behaviourevent"')]
    assert len(inserts) == 1

    person, town_union = membership.person, tree.lixia_town
    assert footprint(person) == [
        ("members.join.submit", "members.joinapplication", str(application.pk), town_union.name, town_union.path),
        ("members.join.approve", "members.joinapplication", str(application.pk), town_union.name, town_union.path),
        ("members.membership.attach", "members.membership", str(membership.pk), town_union.name, town_union.path),
    ]
    submitted, approved, _ = BehaviourEvent.objects.filter(person_id=person.pk).order_by("occurred_at", "id")
    assert submitted.occurred_at == application.submitted_at
    assert approved.occurred_at > application.submitted_at


def test_a_known_persons_submission_is_recorded_at_once_and_only_once(tree, personas, submit,
                                                                      django_capture_on_commit_callbacks):
    """A former member of 甲公司 (their membership ended) applies again through the employer's own union."""
    person, _ = person_upsert(name="王芳", id_number=join_values(7)["id_number"], by=SYSTEM, employer=tree.employer)
    old = membership_start(person=person, union=tree.grassroots, card_number="370102000000077",
                           since=dt.date(2019, 1, 1), by=SYSTEM)
    membership_end(old, by=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(7, applicant=None, name="王芳", employer_name="济南甲科技有限公司", work_region="370102")
    grassroots = tree.grassroots
    assert application.union == grassroots
    assert footprint(person) == [
        ("members.join.submit", "members.joinapplication", str(application.pk), grassroots.name, grassroots.path)]

    with django_capture_on_commit_callbacks(execute=True):
        approve_join_application(application, by=personas.grassroots_cadre)
    assert footprint(person) == [
        ("members.join.submit", "members.joinapplication", str(application.pk), grassroots.name, grassroots.path),
        ("members.join.approve", "members.joinapplication", str(application.pk), grassroots.name, grassroots.path),
    ]


def test_a_rejected_newcomer_leaves_no_footprint(tree, town, town_cadre, submit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(1)
        reject_join_application(application, by=town_cadre, reason="信息不实")
    assert BehaviourEvent.objects.count() == 0


def test_a_completed_transfer_is_recorded_against_the_member(tree, personas, django_capture_on_commit_callbacks):
    qd_cadre = cadre("qd_cadre", tree.qd_grassroots, Position.Role.CHAIR)
    membership = Membership.objects.get(person=personas.worker.person, status="active")
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_request(membership=membership, by=personas.worker, employer_name="青岛丙物流有限公司",
                                    work_region="370202")
        transfer_approve(transfer, by=qd_cadre)
    assert BehaviourEvent.objects.count() == 0  # asked and agreed, not done yet
    with django_capture_on_commit_callbacks(execute=True):
        done = transfer_release(transfer, by=personas.grassroots_cadre)
    assert done.status == "completed"
    qd = tree.qd_grassroots
    assert footprint(personas.worker.person) == [
        ("members.transfer.complete", "members.transfer", str(transfer.pk), qd.name, qd.path)]


def test_members_following_their_employer_into_its_new_union_are_recorded(tree, town, town_cadre, approved_member,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = approved_member(1, employer_name="济南丁餐饮有限公司", name="李娜")
    employer = Employer.objects.get(name="济南丁餐饮有限公司")
    union = org_services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS,
                                    name="丁餐饮公司工会委员会", region="370102", by=town_cadre)
    org_services.employer_update(employer, covering_union=union, by=town_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        assert reattach_members(employer=employer, by=town_cadre) == 1
    new = Membership.objects.get(person=first.person, status="active")
    assert [row[0] for row in footprint(first.person)] == [
        "members.join.submit", "members.join.approve", "members.membership.attach", "members.membership.reattach"]
    assert footprint(first.person)[-1] == (
        "members.membership.reattach", "members.membership", str(new.pk), union.name, union.path)
