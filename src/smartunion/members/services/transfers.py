"""Transfers: a member moves to another union; the old union releases (or its deadline passes), the new one
accepts, and the card number stays."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.core import codes
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.calendar import compute_deadline
from smartunion.core.errors import Conflict, DomainError, Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_user
from smartunion.core.workflow import Step, Transition, TransitionError, Workflow, transition
from smartunion.members import behaviour
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.dispatch import dispatch
from smartunion.members.models import JoinApplication, Membership, MembershipChange, Person, Transfer
from smartunion.members.services.join import REVIEW_ROLES, notify_union
from smartunion.members.services.people import membership_end, membership_start
from smartunion.orgs.models import Organisation, Region
from smartunion.orgs.queries import in_scope

log = logging.getLogger(__name__)


def _old_union_side(actor, transfer) -> bool:
    return is_system(actor) or in_scope(actor, transfer.from_union, roles=REVIEW_ROLES)  # SYSTEM: the deadline job


def _new_union_side(actor, transfer) -> bool:
    return in_scope(actor, transfer.to_union, roles=REVIEW_ROLES)


def _member_side(actor, transfer) -> bool:
    return getattr(actor, "is_authenticated", False) and getattr(actor, "person_id", None) == transfer.person_id


def _stamp_release(transfer: Transfer, step: Step) -> dict:
    return {"released_at": timezone.now()}


def _complete_transfer(locked: Transfer, step: Step) -> dict:
    """End the old membership and start the new one with the same number; history rows at both ends."""
    by = step.by
    old = Membership.objects.select_for_update().get(pk=locked.membership_id)
    if old.status != Membership.Status.ACTIVE:
        raise TransitionError("原会籍已不是正常状态", code="membership_changed")
    membership_end(old, status=Membership.Status.TRANSFERRED, by=by, reason="transfer")
    actor = user_or_none(by)
    new = membership_start(person=locked.person, union=locked.to_union, card_number=old.card_number, by=by,
                           provisional=locked.to_union.kind == Organisation.Kind.TOWNSHIP)
    MembershipChange.objects.create(person=locked.person, membership=old, change_type=ChangeType.TRANSFER_OUT,
                                    reason=locked.reason or Reason.TRANSFER_WORK, from_union=locked.from_union,
                                    to_union=locked.to_union, actor=actor)
    MembershipChange.objects.create(person=locked.person, membership=new, change_type=ChangeType.TRANSFER_IN,
                                    reason=Reason.TRANSFER_IN_WORK,
                                    from_union=locked.from_union, to_union=locked.to_union, actor=actor)
    if new.provisional:
        MembershipChange.objects.create(person=locked.person, membership=new, change_type=ChangeType.ATTACH,
                                        reason=Reason.ATTACH_NO_UNION,
                                        to_union=locked.to_union, actor=actor)
    if locked.to_employer_id:
        Person.objects.filter(pk=locked.person_id).update(employer=locked.to_employer_id)
    return {"new_membership": new, "completed_at": timezone.now()}


def _release_and_complete(locked: Transfer, step: Step) -> dict:
    return {**_stamp_release(locked, step), **_complete_transfer(locked, step)}


def _tell_member(subject: str, body: Callable[[Transfer, Step], str]):
    """An effect: the member's inbox, if their account is linked."""
    def effect(transfer: Transfer, step: Step) -> None:
        user = getattr(transfer.person, "user", None)
        if user is not None:
            notify_user(user, subject=subject, body=body(transfer, step))
    return effect


_TRANSFER_DONE = _tell_member("会籍转移已完成", lambda t, step: (
    f"您的会籍已由“{t.from_union.name}”转入“{t.to_union.name}”，会员卡号不变。"))

TRANSFER_WORKFLOW = Workflow(
    name="members.transfer",
    field="status",
    state_labels=dict(Transfer.Status.choices),
    org_of=lambda transfer: (transfer.from_union, transfer.to_union),  # both ends see every step
    transitions=[
        # The new union may agree before the old one releases; the release then completes the transfer.
        Transition("approve", source="pending", target="approved", label="同意接收", allowed=_new_union_side),
        Transition("release", source="pending", target="released", label="同意转出", allowed=_old_union_side,
                   apply=_stamp_release),
        Transition("release", source="approved", target="completed", label="同意转出", allowed=_old_union_side,
                   apply=_release_and_complete, effects=(_TRANSFER_DONE, behaviour.transfer_completed)),
        Transition("accept", source="released", target="completed", label="接收", allowed=_new_union_side,
                   apply=_complete_transfer, effects=(_TRANSFER_DONE, behaviour.transfer_completed)),
        Transition("reject", source=("pending", "approved", "released"), target="rejected", label="不同意接收",
                   allowed=_new_union_side, note_required=True,
                   effects=(_tell_member("转会申请未获同意", lambda t, step: (
                       f"“{t.to_union.name}”未同意接收，原因：{t.reject_reason}")),)),
        Transition("cancel", source=("pending", "approved", "released"), target="cancelled", label="撤回",
                   allowed=_member_side),
    ],
)


def transfer_request(*, membership: Membership, by, employer_name: str = "", work_region=None,
                     employer_credit_code: str = "", to_union: Organisation | None = None,
                     reason: str = Reason.TRANSFER_WORK) -> Transfer:
    """A member asks to move. The target is found by the same dispatch as a join application (or named by a
    cadre of the old union with `to_union`). Asked by the member themself, a cadre whose scope holds the old
    union, or SYSTEM."""
    require_actor(by)
    if not may_request_transfer(by, membership):
        raise Forbidden("只有会员本人或所在工会的工会干部可以申请会籍转移")
    if membership.status != Membership.Status.ACTIVE:
        raise StateError("该会籍不是正常状态，不能转会", code="membership_not_active")
    if reason and not (codes.is_valid("membership_change_reason", reason)
                       and Reason.of_type(reason, ChangeType.TRANSFER_OUT)):
        raise Invalid.from_fields({"reason": "转会原因应为“转出”类原因代码（如 0301 工作调动、0302 离职）"})
    employer = None
    if to_union is None:
        if not (employer_name or "").strip() or work_region is None:
            raise Invalid.from_fields({"employer_name": "请填写新工作单位和工作地区"})
        if isinstance(work_region, str):
            work_region = Region.objects.filter(pk=work_region).first()
            if work_region is None:
                raise Invalid.from_fields({"work_region": "工作地区代码不存在"})
        result = dispatch(work_region=work_region, employer_name=employer_name,
                          employer_credit_code=employer_credit_code)
        to_union, reason_code, note, employer = result.union, result.reason, result.note, result.employer
        if to_union.is_federation:
            raise Invalid.from_fields({"work_region": "请将新单位所在地区选到乡镇（街道），以便确定接收您的工会"})
    else:
        if to_union.kind not in Organisation.MEMBER_KINDS or to_union.status != Organisation.Status.ACTIVE:
            raise Invalid.from_fields(
                {"to_union": "转入工会应为正常状态的基层工会、联合基层工会、乡镇（街道）工会或分工会"})
        reason_code, note = JoinApplication.Dispatch.FORWARDED, f"由经办人指定转入“{to_union.name}”"
    if to_union.pk == membership.union_id:
        raise Invalid.from_fields({"to_union": "新工会与现所在工会相同，无需转会"})
    now = timezone.now()
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                membership=membership, person=membership.person, from_union=membership.union,
                from_path=membership.union.path, to_union=to_union, to_path=to_union.path,
                to_employer_name=(employer_name or "").strip(), to_employer=employer, dispatch_reason=reason_code,
                dispatch_note=note[:300], reason=reason, requested_by=user_or_none(by),
                **compute_deadline(timezone.localtime(now),
                                   settings.TRANSFER_RELEASE_DAYS).as_fields("release_deadline"),
            )
            log_event("members.transfer.request", actor=by, target=transfer, org=membership.union,
                      also_org=to_union, data={"to": to_union.pk})
            notify_union(transfer.from_union, subject="会员转出申请",
                          body=f"{transfer.person}申请转入“{transfer.to_union.name}”")
            notify_union(transfer.to_union, subject="会员转入申请",
                          body=f"{transfer.person}申请从“{transfer.from_union.name}”转入")
    except IntegrityError:
        raise Conflict("该会员已有办理中的转会申请", code="transfer_open") from None
    return transfer


def may_request_transfer(by, membership: Membership) -> bool:
    """The member themself, a cadre whose scope holds their union, or the platform."""
    if is_system(by):
        return True
    if not getattr(by, "is_authenticated", False):
        return False
    return getattr(by, "person_id", None) == membership.person_id or in_scope(by, membership.union)


def transfer_approve(transfer: Transfer, *, by) -> Transfer:
    return transition(transfer, "approve", workflow=TRANSFER_WORKFLOW, by=by)


def transfer_release(transfer: Transfer, *, by, note: str = "") -> Transfer:
    """The old union lets the member go; if the new union already agreed, the transfer completes now (the
    locked row's state decides which)."""
    return transition(transfer, "release", workflow=TRANSFER_WORKFLOW, by=by, note=note)


def transfer_accept(transfer: Transfer, *, by) -> Transfer:
    return transition(transfer, "accept", workflow=TRANSFER_WORKFLOW, by=by)


def transfer_reject(transfer: Transfer, *, by, reason: str) -> Transfer:
    return transition(transfer, "reject", workflow=TRANSFER_WORKFLOW, by=by, note=reason,
                      changes={"reject_reason": (reason or "").strip()[:200]})


def transfer_cancel(transfer: Transfer, *, by) -> Transfer:
    return transition(transfer, "cancel", workflow=TRANSFER_WORKFLOW, by=by)


def release_overdue_transfers(*, by) -> int:
    """The old union's deadline passed without action: release automatically (the scheduler, as SYSTEM)."""
    require_actor(by)
    count = 0
    due = Transfer.objects.filter(status__in=[Transfer.Status.PENDING, Transfer.Status.APPROVED],
                                  release_deadline__lt=timezone.now())
    for transfer in due:
        try:
            transfer_release(transfer, by=by, note="转出期限已过，系统自动同意转出")
        except TransitionError:
            continue  # acted on meanwhile
        except DomainError:
            log.exception("automatic release of transfer %s failed", transfer.pk)  # one bad row must not stop the rest
            continue
        count += 1
    return count

