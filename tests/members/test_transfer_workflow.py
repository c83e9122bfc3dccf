"""Transfers: the member asks (dispatched like a join application), the old union releases (or its deadline
passes), the new union accepts; the membership moves with the same member number."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from tests.members.conftest import cadre, counts

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import deadline
from smartunion.core.errors import Conflict, Invalid, StateError
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.validators import make_id_number
from smartunion.core.workflow import TransitionError, TransitionForbidden, history
from smartunion.members.models import JoinApplication, Membership, MembershipChange, Transfer
from smartunion.members.services import (
    TRANSFER_WORKFLOW,
    membership_end,
    membership_start,
    person_upsert,
    release_overdue_transfers,
    transfer_accept,
    transfer_approve,
    transfer_cancel,
    transfer_reject,
    transfer_release,
    transfer_request,
)
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position

pytestmark = pytest.mark.django_db

K = Organisation.Kind
D = JoinApplication.Dispatch
SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "370102000000001"  # the worker's member number (tests/conftest.py)
DONE_BODY = "您的会籍已由“甲公司工会委员会”转入“丙公司工会委员会”，会员卡号不变。"


@pytest.fixture
def qd_cadre(tree):
    return cadre("qd_cadre", tree.qd_grassroots, Position.Role.CHAIR)


@pytest.fixture
def stranger_cadre(tree):
    """A cadre of 历城区总工会: neither side of a 甲公司 → 丙公司 transfer."""
    licheng = org_services.org_create(parent=tree.jinan, kind=K.COUNTY, name="历城区总工会", region="370112", by=SYSTEM)
    return cadre("licheng_cadre", licheng)


@pytest.fixture
def membership(personas):
    return Membership.objects.get(person=personas.worker.person, status="active")


@pytest.fixture
def requested(personas, membership):
    """The worker asks to move to 青岛丙物流有限公司 in 市南区."""
    return transfer_request(membership=membership, by=personas.worker, employer_name="青岛丙物流有限公司",
                            work_region="370202")


def log_rows(transfer):
    return [(t.action, t.from_state, t.to_state) for t in history(TRANSFER_WORKFLOW, transfer)]


def test_the_request_is_dispatched_like_a_join_application(tree, personas, qd_cadre, membership,
                                                           django_capture_on_commit_callbacks):
    start = timezone.localtime()
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_request(membership=membership, by=personas.worker, employer_name=" 青岛丙物流有限责任公司 ",
                                    work_region="370202")
    end = timezone.localtime()
    transfer = Transfer.objects.get(pk=transfer.pk)
    assert (transfer.status, transfer.from_union, transfer.from_path, transfer.to_union, transfer.to_path) == (
        "pending", tree.grassroots, tree.grassroots.path, tree.qd_grassroots, tree.qd_grassroots.path)
    assert (transfer.dispatch_reason, transfer.dispatch_note) == (
        D.NAME, "单位名称与“青岛丙物流有限公司”一致，由其所属工会“丙公司工会委员会”受理")
    assert (transfer.to_employer, transfer.to_employer_name, transfer.reason, transfer.requested_by,
            transfer.person) == (tree.qd_employer, "青岛丙物流有限责任公司", "0301", personas.worker,
                                 personas.worker.person)
    assert transfer.release_deadline in {deadline(start, 3), deadline(end, 3)}
    out = OutboxMessage.objects.get(user=personas.grassroots_cadre)
    into = OutboxMessage.objects.get(user=qd_cadre)
    assert (out.subject, out.body) == ("会员转出申请", "张*申请转入“丙公司工会委员会”")
    assert (into.subject, into.body) == ("会员转入申请", "张*申请从“甲公司工会委员会”转入")


def test_release_then_accept_completes_the_transfer(tree, personas, qd_cadre, membership, requested,
                                                    django_capture_on_commit_callbacks):
    before = counts(tree.grassroots, tree.qd_grassroots, tree.jinan, tree.qingdao, tree.province)
    released = transfer_release(requested, by=personas.grassroots_cadre, note="同意")
    assert (released.status, released.released_at is not None) == ("released", True)
    assert Membership.objects.get(pk=membership.pk).status == "active"

    with django_capture_on_commit_callbacks(execute=True):
        done = transfer_accept(released, by=qd_cadre)
    done = Transfer.objects.get(pk=done.pk)
    assert (done.status, done.completed_at is not None) == ("completed", True)
    old = Membership.objects.get(pk=membership.pk)
    assert (old.status, old.ended_on) == ("transferred", dt.date.today())
    new = Membership.objects.get(person=personas.worker.person, status="active")
    assert done.new_membership == new
    assert (new.union, new.union_path, new.card_number, new.provisional, new.since) == (
        tree.qd_grassroots, tree.qd_grassroots.path, NUMBER, False, dt.date.today())
    assert list(MembershipChange.objects.filter(person=personas.worker.person).values_list(
        "change_type", "reason", "from_union", "to_union", "membership", "actor")) == [
        ("03", "0301", tree.grassroots.pk, tree.qd_grassroots.pk, old.pk, qd_cadre.pk),
        ("02", "0201", tree.grassroots.pk, tree.qd_grassroots.pk, new.pk, qd_cadre.pk),
    ]
    personas.worker.person.refresh_from_db()
    assert personas.worker.person.employer == tree.qd_employer
    after = counts(tree.grassroots, tree.qd_grassroots, tree.jinan, tree.qingdao, tree.province)
    assert [(a[0] - b[0], a[1] - b[1]) for a, b in zip(after, before, strict=True)] == [
        (-1, -1), (1, 1), (0, -1), (0, 1), (0, 0)]
    assert log_rows(done) == [("release", "pending", "released"), ("accept", "released", "completed")]
    notice = OutboxMessage.objects.get(user=personas.worker, subject="会籍转移已完成")
    assert (notice.channel, notice.body) == ("inbox", DONE_BODY)


def test_approve_first_then_release_completes_on_release(tree, personas, qd_cadre, membership, requested):
    approved = transfer_approve(requested, by=qd_cadre)
    assert approved.status == "approved"
    assert Membership.objects.get(pk=membership.pk).status == "active"
    done = transfer_release(approved, by=personas.grassroots_cadre)
    done = Transfer.objects.get(pk=done.pk)
    assert (done.status, done.released_at is not None, done.completed_at is not None) == ("completed", True, True)
    assert Membership.objects.get(pk=membership.pk).status == "transferred"
    new = Membership.objects.get(person=personas.worker.person, status="active")
    assert (new.union, new.card_number, done.new_membership) == (tree.qd_grassroots, NUMBER, new)
    assert list(MembershipChange.objects.values_list("change_type", "reason", "actor")) == [
        ("03", "0301", personas.grassroots_cadre.pk), ("02", "0201", personas.grassroots_cadre.pk)]
    assert log_rows(done) == [("approve", "pending", "approved"), ("release", "approved", "completed")]
    assert counts(tree.grassroots, tree.qd_grassroots) == [(0, 0), (1, 1)]


def test_release_reads_the_locked_state_not_the_callers_copy(tree, personas, qd_cadre, membership, requested):
    """The old union's screen still shows 待转出 while the new union has just agreed: the release completes it."""
    stale = Transfer.objects.get(pk=requested.pk)
    transfer_approve(requested, by=qd_cadre)
    assert stale.status == "pending"
    done = transfer_release(stale, by=personas.grassroots_cadre)
    assert (done.status, log_rows(done)[-1]) == ("completed", ("release", "approved", "completed"))
    assert Membership.objects.get(person=personas.worker.person, status="active").union == tree.qd_grassroots


def test_every_step_is_in_the_audit_log_of_both_ends(tree, personas, qd_cadre, membership, requested):
    transfer_approve(requested, by=qd_cadre)
    transfer_release(requested, by=personas.grassroots_cadre)
    events = AuditEvent.objects.filter(action__startswith="members.transfer.").order_by("id")
    assert [(e.action, e.org_path, e.also_org_path) for e in events] == [
        ("members.transfer.request", tree.grassroots.path, tree.qd_grassroots.path),
        ("members.transfer.approve", tree.grassroots.path, tree.qd_grassroots.path),
        ("members.transfer.release", tree.grassroots.path, tree.qd_grassroots.path)]


def test_reject_needs_a_reason(tree, personas, qd_cadre, membership, requested):
    for blank in ("", "  "):
        with pytest.raises(TransitionError) as exc:
            transfer_reject(requested, by=qd_cadre, reason=blank)
        assert (exc.value.message, exc.value.code) == ("请填写原因", "note_required")
    rejected = transfer_reject(requested, by=qd_cadre, reason=" 非本单位职工 ")
    assert (rejected.status, rejected.reject_reason) == ("rejected", "非本单位职工")
    assert Membership.objects.get(pk=membership.pk).status == "active"
    assert log_rows(rejected) == [("reject", "pending", "rejected")]
    # The membership is free for another request.
    again = transfer_request(membership=membership, by=personas.worker, employer_name="青岛丙物流有限公司",
                             work_region="370202")
    assert again.status == "pending"


@pytest.mark.parametrize("step", ["pending", "approved", "released"])
def test_the_new_union_may_reject_until_it_completes(tree, personas, qd_cadre, requested, step):
    if step == "approved":
        transfer_approve(requested, by=qd_cadre)
    elif step == "released":
        transfer_release(requested, by=personas.grassroots_cadre)
    rejected = transfer_reject(requested, by=qd_cadre, reason="不符合")
    assert log_rows(rejected)[-1] == ("reject", step, "rejected")


@pytest.mark.parametrize("step", ["pending", "approved", "released"])
def test_the_member_may_cancel_until_it_completes(tree, personas, qd_cadre, membership, requested, step):
    if step == "approved":
        transfer_approve(requested, by=qd_cadre)
    elif step == "released":
        transfer_release(requested, by=personas.grassroots_cadre)
    for other in (personas.grassroots_cadre, qd_cadre, personas.outsider, AnonymousUser(), SYSTEM):
        with pytest.raises(TransitionForbidden):
            transfer_cancel(requested, by=other)
    cancelled = transfer_cancel(requested, by=personas.worker)
    assert cancelled.status == "cancelled"
    assert log_rows(cancelled)[-1] == ("cancel", step, "cancelled")
    assert (Membership.objects.get(pk=membership.pk).status, MembershipChange.objects.count()) == ("active", 0)


def test_one_open_transfer_per_membership(tree, personas, membership, requested):
    with pytest.raises(Conflict) as exc:
        transfer_request(membership=membership, by=personas.worker, to_union=tree.lixia_town)
    assert exc.value.messages == ["该会员已有办理中的转会申请"]
    assert exc.value.code == "transfer_open"
    assert Transfer.objects.count() == 1
    transfer_cancel(requested, by=personas.worker)
    assert transfer_request(membership=membership, by=personas.worker, to_union=tree.lixia_town).status == "pending"


def test_a_cadre_may_name_the_new_union(tree, personas, membership):
    transfer = transfer_request(membership=membership, by=personas.county_cadre, to_union=tree.qd_grassroots,
                                reason="0302")
    assert (transfer.to_union, transfer.dispatch_reason, transfer.dispatch_note, transfer.reason,
            transfer.to_employer) == (
        tree.qd_grassroots, D.FORWARDED, "由经办人指定转入“丙公司工会委员会”", "0302", None)


def test_bad_requests_are_refused(tree, personas, membership):
    cases = [
        ({"employer_name": "济南甲科技有限公司", "work_region": "370102"},
         {"to_union": "新工会与现所在工会相同，无需转会"}),
        ({"employer_name": "青岛丙物流有限公司", "work_region": "379999"}, {"work_region": "工作地区代码不存在"}),
        ({"employer_name": " ", "work_region": "370202"}, {"employer_name": "请填写新工作单位和工作地区"}),
        ({"employer_name": "青岛丙物流有限公司"}, {"employer_name": "请填写新工作单位和工作地区"}),
        ({"to_union": tree.qd_grassroots, "reason": "9999"},
         {"reason": "转会原因应为“转出”类原因代码（如 0301 工作调动、0302 离职）"}),
        ({"employer_name": "某公司", "work_region": "370103"},
         {"work_region": "该地区暂未开通网上入会，请联系当地总工会"}),
    ]
    for kwargs, errors in cases:
        with pytest.raises(Invalid) as exc:
            transfer_request(membership=membership, by=personas.worker, **kwargs)
        assert exc.value.fields == errors, kwargs
    assert Transfer.objects.count() == 0


def test_the_transfer_reason_must_be_a_transfer_out_reason(tree, personas, membership):
    with pytest.raises(Invalid) as exc:
        transfer_request(membership=membership, by=personas.county_cadre, to_union=tree.qd_grassroots,
                         reason="0101")
    assert exc.value.fields == {"reason": "转会原因应为“转出”类原因代码（如 0301 工作调动、0302 离职）"}


@pytest.mark.parametrize("target", ["lixia", "jinan", "dissolved"])
def test_a_named_target_must_be_an_active_union_that_takes_members(tree, personas, membership, target):
    from smartunion.orgs.services import org_create

    to = getattr(tree, target, None)
    if target == "dissolved":
        to = org_create(parent=tree.shinan_town, kind="grassroots", name="丁公司工会委员会", region="370202", by=SYSTEM)
        Organisation.objects.filter(pk=to.pk).update(status="dissolved")
        to.refresh_from_db()
    with pytest.raises(Invalid) as exc:
        transfer_request(membership=membership, by=personas.province_admin, to_union=to)
    assert exc.value.fields == {"to_union": "转入工会应为正常状态的基层工会、联合基层工会、乡镇（街道）工会或分工会"}
    assert Transfer.objects.count() == 0


def test_an_ended_membership_cannot_transfer(tree, personas, membership):
    ended = membership_end(membership, reason="退休", by=SYSTEM)
    with pytest.raises(StateError) as exc:
        transfer_request(membership=ended, by=personas.worker, to_union=tree.qd_grassroots)
    assert exc.value.messages == ["该会籍不是正常状态，不能转会"]


def test_a_transfer_to_an_employer_without_a_union_is_a_provisional_attachment(tree, personas, membership):
    transfer = transfer_request(membership=membership, by=personas.worker, employer_name="青岛新开张商贸有限公司",
                                work_region="370202")
    assert (transfer.to_union, transfer.dispatch_reason, transfer.dispatch_note) == (
        tree.shinan_town, D.TOWNSHIP, "所在单位尚未建立工会，由“市南区八大湖街道工会”受理，入会后挂靠该工会")
    transfer_release(transfer, by=personas.grassroots_cadre)
    transfer_accept(transfer, by=personas.other_city_cadre)
    new = Membership.objects.get(person=personas.worker.person, status="active")
    assert (new.union, new.card_number, new.provisional) == (tree.shinan_town, NUMBER, True)


# Deadlines -------------------------------------------------------------------------------------------------------


def test_release_overdue_transfers_releases_once(tree, personas, qd_cadre, membership, requested):
    fresh = transfer_request(
        membership=membership_start(person=_other_person(), union=tree.grassroots, card_number="370102000000002",
                                    by=SYSTEM),
        by=SYSTEM, to_union=tree.qd_grassroots)
    Transfer.objects.filter(pk=requested.pk).update(release_deadline=dt.datetime(2025, 1, 2, 23, 59, 59,
                                                                                  tzinfo=SHANGHAI))
    assert release_overdue_transfers(by=SYSTEM) == 1
    overdue = Transfer.objects.get(pk=requested.pk)
    assert (overdue.status, overdue.released_at is not None) == ("released", True)
    log = history(TRANSFER_WORKFLOW, overdue)[-1]
    assert (log.action, log.from_state, log.to_state, log.actor, log.note) == (
        "release", "pending", "released", None, "转出期限已过，系统自动同意转出")
    assert Transfer.objects.get(pk=fresh.pk).status == "pending"
    assert Membership.objects.get(pk=membership.pk).status == "active"
    assert release_overdue_transfers(by=SYSTEM) == 0
    # The new union then accepts as usual.
    assert transfer_accept(overdue, by=qd_cadre).status == "completed"


def test_an_approved_overdue_transfer_completes_when_released_by_the_scheduler(tree, personas, qd_cadre,
                                                                             membership, requested):
    transfer_approve(requested, by=qd_cadre)
    Transfer.objects.filter(pk=requested.pk).update(release_deadline=dt.datetime(2025, 1, 2, tzinfo=SHANGHAI))
    assert release_overdue_transfers(by=SYSTEM) == 1
    done = Transfer.objects.get(pk=requested.pk)
    assert done.status == "completed"
    assert Membership.objects.get(person=personas.worker.person, status="active").union == tree.qd_grassroots
    assert list(MembershipChange.objects.values_list("change_type", "actor")) == [("03", None), ("02", None)]


# Refusals --------------------------------------------------------------------------------------------------------


def test_accept_while_pending_is_refused(tree, qd_cadre, requested):
    with pytest.raises(TransitionError) as exc:
        transfer_accept(requested, by=qd_cadre)
    assert (exc.value.message, exc.value.code) == ("当前状态为“待转出”，不能执行“接收”", "invalid_transition")
    assert Transfer.objects.get(pk=requested.pk).status == "pending"


def test_steps_on_a_finished_transfer_are_refused(tree, personas, qd_cadre, requested):
    transfer_release(requested, by=personas.grassroots_cadre)
    transfer_accept(requested, by=qd_cadre)
    with pytest.raises(TransitionError) as exc:
        transfer_release(requested, by=personas.grassroots_cadre)
    assert exc.value.message == "当前状态为“已完成”，不能执行“同意转出”"
    with pytest.raises(TransitionError) as exc:
        transfer_cancel(requested, by=personas.worker)
    assert exc.value.message == "当前状态为“已完成”，不能执行“撤回”"
    with pytest.raises(TransitionError) as exc:
        transfer_reject(requested, by=qd_cadre, reason="晚了")
    assert exc.value.message == "当前状态为“已完成”，不能执行“不同意接收”"


def test_a_cadre_of_neither_side_may_do_nothing(tree, personas, stranger_cadre, membership, requested):
    steps = [
        lambda: transfer_release(requested, by=stranger_cadre),
        lambda: transfer_approve(requested, by=stranger_cadre),
        lambda: transfer_reject(requested, by=stranger_cadre, reason="不同意"),
        lambda: transfer_cancel(requested, by=stranger_cadre),
    ]
    for step in steps:
        with pytest.raises(TransitionForbidden) as exc:
            step()
        assert exc.value.message == "您没有执行此操作的权限"
    transfer_release(requested, by=personas.grassroots_cadre)
    with pytest.raises(TransitionForbidden):
        transfer_accept(requested, by=stranger_cadre)
    assert Transfer.objects.get(pk=requested.pk).status == "released"


def test_each_side_only_does_its_own_steps(tree, personas, qd_cadre, requested):
    with pytest.raises(TransitionForbidden):
        transfer_release(requested, by=qd_cadre)  # the old union releases
    with pytest.raises(TransitionForbidden):
        transfer_approve(requested, by=personas.grassroots_cadre)  # the new union agrees
    with pytest.raises(TransitionForbidden):
        transfer_reject(requested, by=personas.grassroots_cadre, reason="不放")
    transfer_release(requested, by=personas.grassroots_cadre)
    with pytest.raises(TransitionForbidden):
        transfer_accept(requested, by=personas.grassroots_cadre)


def test_a_membership_ended_meanwhile_stops_the_transfer(tree, personas, qd_cadre, membership, requested):
    transfer_release(requested, by=personas.grassroots_cadre)
    membership_end(membership, reason="退休", by=SYSTEM)
    with pytest.raises(TransitionError) as exc:
        transfer_accept(requested, by=qd_cadre)
    assert (exc.value.message, exc.value.code) == ("原会籍已不是正常状态", "membership_changed")
    assert Transfer.objects.get(pk=requested.pk).status == "released"
    assert not Membership.objects.filter(union=tree.qd_grassroots).exists()


def test_a_transfer_is_never_addressed_to_a_federation(tree, personas, second_town, qd_grassroots_member):
    membership = qd_grassroots_member
    with pytest.raises(Invalid) as exc:
        transfer_request(membership=membership, by=SYSTEM, employer_name="济南新开张科技有限公司", work_region="370102")
    assert exc.value.fields == {"work_region": "请将新单位所在地区选到乡镇（街道），以便确定接收您的工会"}
    assert not Transfer.objects.exists()


@pytest.fixture
def qd_grassroots_member(tree):
    return membership_start(person=_other_person(), union=tree.qd_grassroots, card_number="370202000000009", by=SYSTEM)


def _other_person():
    person, _ = person_upsert(name="王芳", id_number=make_id_number("370202", dt.date(1988, 8, 8), 21), by=SYSTEM)
    return person

