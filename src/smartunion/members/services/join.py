"""Joining: the real-name binding of an account, the join application, its review workflow and its deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from smartunion.core import codes
from smartunion.core.actors import SYSTEM, is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.brand import brand_for_org, sms_signature
from smartunion.core.cache import ttl_cache
from smartunion.core.calendar import compute_deadline
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.forms import check_text_fields
from smartunion.core.notifications import notify_user, queue_sms
from smartunion.core.pii import blind_index
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import (
    id_number_birth_date,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)
from smartunion.core.workflow import Step, Transition, TransitionError, Workflow, transition
from smartunion.members import behaviour
from smartunion.members.cards import issue_card
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.dispatch import dispatch, township_union_for
from smartunion.members.models import JoinApplication, Membership, MembershipChange, Person
from smartunion.members.queries import active_membership, is_member, overdue_join_applications
from smartunion.members.services.people import CODED_FIELDS, membership_start, person_upsert
from smartunion.orgs.models import Employer, Organisation, Position, Region, ancestor_paths
from smartunion.orgs.queries import in_scope, is_unrestricted, managed_paths
from smartunion.orgs.regions import nearest_federation, region_within, regions_related
from smartunion.orgs.services import employer_create

MIN_WORKING_AGE, MAX_WORKING_AGE = 16, 65
REVIEW_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.REVIEWER)


class AlreadyMember(Conflict):
    """The applicant is an active member already: they are offered a transfer instead."""

    def __init__(self, membership: Membership):
        super().__init__(f"您已是“{membership.union.name}”的会员，无需重复入会；如需变更所在工会，请申请会籍转移",
                         code="already_member")
        self.membership = membership


IDENTITY_OTHER_PERSON = ("您的账号已实名绑定本人身份，只能为本人申请入会，不能使用他人的身份证号码申请。"
                         "如需为他人申请入会，请由本人使用自己的账号申请，或请所在单位、乡镇（街道）工会的工会干部代为申请")
IDENTITY_TAKEN = ("该身份证号码已与其他账号绑定，请使用绑定的账号登录后申请；"
                  "如需为他人申请入会，请由工会干部代为申请。如有疑问，请联系所在地工会核实")


class IdentityMismatch(Conflict):
    """One account, one real person: the account is bound to another ID number, or the ID number to another
    account."""

    def __init__(self, message: str):
        super().__init__(message, code="identity_mismatch", fields={"id_number": message})


def bound_index(user) -> str | None:
    """The blind index of the ID number the account is bound to. Accounts approved before binding existed have a
    person but no index: the person's ID number is their binding (no data migration needed)."""
    if user.real_name_index:
        return user.real_name_index
    if user.person_id:
        return user.person.id_number_index
    return None


def account_membership(user) -> Membership | None:
    """The active membership of the real person behind the account (its person, or the person of its binding)."""
    person_id = user.person_id
    if person_id is None and user.real_name_index:
        person_id = Person.objects.filter(id_number_index=user.real_name_index).values_list("pk", flat=True).first()
    if person_id is None:
        return None
    return active_membership(person_id)


def _id_number_taken(user, index: str, person: Person | None) -> bool:
    """Is this ID number bound to another account (by its binding, or as that account's person)?"""
    # Two indexed columns of one table: an index scan each, not a join.
    q = Q(real_name_index=index) | (Q(person_id=person.pk) if person is not None else Q(pk__in=[]))
    return get_user_model().objects.filter(q).exclude(pk=user.pk).exists()


def _bind(user, index: str, id_number: str) -> bool:
    """Bind the account to the ID number if it is still unbound; True when this call bound it. The partial unique
    index on real_name_index settles two accounts racing for one ID number; the condition settles one account
    racing with two ID numbers."""
    try:
        with transaction.atomic():
            return _bind_in_transaction(user, index, id_number)
    except IntegrityError:
        raise IdentityMismatch(IDENTITY_TAKEN) from None


def _bind_in_transaction(user, index: str, id_number: str) -> bool:
    """_bind for a caller whose own transaction turns an IntegrityError into IDENTITY_TAKEN (no savepoint: two
    fewer round trips on the join path)."""
    User = get_user_model()  # not type(user): a request's user is a lazy wrapper
    updated = User.objects.filter(pk=user.pk, real_name_index__isnull=True).update(
        real_name_id_number=id_number, real_name_index=index, real_name_bound_at=timezone.now())
    if updated:
        user.real_name_index = index
        return True
    if User.objects.filter(pk=user.pk).values_list("real_name_index", flat=True).first() != index:
        raise IdentityMismatch(IDENTITY_OTHER_PERSON)
    return False


def may_file_on_behalf(user) -> bool:
    """Filing a join application for someone else is a cadre act: a reviewer, chair or administrator anywhere."""
    return bool(getattr(user, "is_authenticated", False)) and (
        is_unrestricted(user) or bool(managed_paths(user, roles=REVIEW_ROLES)))


def review_days_for(union: Organisation) -> int:
    """The review deadline in working days: the nearest federation above that set one, else the default."""
    return _review_days(union.path) or settings.JOIN_REVIEW_DAYS


@ttl_cache(60)
def _review_days(path: str) -> int | None:
    return (
        Organisation.objects.filter(path__in=ancestor_paths(path), review_days__isnull=False)
        .order_by("-depth").values_list("review_days", flat=True).first()
    )


@ttl_cache(600)
def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(pk=code).first()


def working_age_error(birth: dt.date, today: dt.date) -> str | None:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < MIN_WORKING_AGE or age > MAX_WORKING_AGE:
        return f"申请人年龄为{age}周岁，不在劳动年龄范围内（{MIN_WORKING_AGE}至{MAX_WORKING_AGE}周岁）"
    return None


def _clean_join_input(values: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    for name, label in (("name", "姓名"), ("id_number", "身份证号码"), ("phone", "手机号码"),
                        ("employer_name", "工作单位"), ("work_region", "工作地区")):
        if not str(values.get(name) or "").strip():
            errors[name] = f"请填写{label}"
    cleaned["name"] = (values.get("name") or "").strip()
    cleaned["employer_name"] = (values.get("employer_name") or "").strip()
    if "id_number" not in errors:
        try:
            cleaned["id_number"] = validate_id_number(values["id_number"])
            age_error = working_age_error(id_number_birth_date(cleaned["id_number"]), dt.date.today())
            if age_error:
                errors["id_number"] = age_error
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    if "phone" not in errors:
        try:
            cleaned["phone"] = validate_mobile(values["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if values.get("employer_credit_code"):
        try:
            cleaned["employer_credit_code"] = validate_credit_code(values["employer_credit_code"])
        except ValidationError as exc:
            errors["employer_credit_code"] = exc.messages[0]
    else:
        cleaned["employer_credit_code"] = ""
    if "work_region" not in errors:
        region = values["work_region"]
        if isinstance(region, str):
            region = region_by_code(region.strip())
        if region is None or region.level not in (Region.Level.COUNTY, Region.Level.TOWNSHIP):
            errors["work_region"] = "工作地区应为县（区）或乡镇（街道）的行政区划代码"
        cleaned["work_region"] = region
    for field_name, (table, message) in CODED_FIELDS.items():
        if values.get(field_name) and not codes.is_valid(table, values[field_name]):
            errors[field_name] = message
    check_text_fields(JoinApplication, {k: v for k, v in cleaned.items() if isinstance(v, str)}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


JOIN_OPTIONAL = ("employer_credit_code", "employment_form", "gig_platform", "education", "political_status",
                 "ethnicity", "address")


def join_apply(*, by, on_behalf: bool = False, source_token: str = "", **values) -> tuple[JoinApplication, bool]:
    """Submit a join application; returns (application, created). A pending one for the same person is returned
    as it is; an active member gets AlreadyMember.

    `by` applies for themselves: their account is bound to the ID number (one account, one real person:
    IdentityMismatch otherwise). With `on_behalf` a cadre files for someone else (recorded as submitted_by). SYSTEM
    files without an account (the demo seeder, imports)."""
    require_actor(by)
    account = submitted_by = None
    if is_system(by):
        pass
    elif not getattr(by, "is_authenticated", False):
        raise Forbidden("请先登录后再申请入会", code="unauthenticated")
    elif on_behalf:
        if not may_file_on_behalf(by):
            raise Forbidden("只有工会干部（审核员、主席或管理员）可以代为申请入会")
        submitted_by = by
    else:
        account = by
    if account is not None:
        # Whatever ID number it sends, an account whose person is a member already is told so first.
        membership = account_membership(account)
        if membership is not None:
            raise AlreadyMember(membership)
    unknown = set(values) - {"name", "id_number", "phone", "employer_name", "work_region", *JOIN_OPTIONAL}
    if unknown:
        raise Invalid.from_fields({name: "不支持的字段" for name in sorted(unknown)})
    source_union = None
    if source_token:
        source_union = Organisation.objects.filter(join_token=source_token, status=Organisation.Status.ACTIVE).first()
        if source_union is None:
            raise Invalid.from_fields({"source_token": "入会二维码无效或已停用，请向工会索取新的二维码"})
    cleaned = _clean_join_input(values)
    index = blind_index(cleaned["id_number"], purpose="id_number")
    person = Person.objects.filter(id_number_index=index).first()
    if account is not None:
        # Checked before the ID number's own membership: a bound account learns nothing about other people.
        bound = bound_index(account)
        if bound is not None and bound != index:
            raise IdentityMismatch(IDENTITY_OTHER_PERSON)
        # A registered person may be held by another account (linked before bindings existed); a new person's ID
        # number can only be held by another account's binding, which the unique index refuses when we bind.
        if person is not None and _id_number_taken(account, index, person):
            raise IdentityMismatch(IDENTITY_TAKEN)
    if person is not None:
        membership = active_membership(person)
        if membership is not None:
            raise AlreadyMember(membership)
    result = dispatch(work_region=cleaned["work_region"], employer_name=cleaned["employer_name"],
                      employer_credit_code=cleaned["employer_credit_code"],
                      employment_form=cleaned.get("employment_form", ""),
                      gig_platform=cleaned.get("gig_platform", ""), source_union=source_union)
    local = timezone.localtime(timezone.now())
    # One transaction without savepoints; the step tells which unique index refused: the binding (the ID number
    # is another account's) or the application (this person has a pending one: it stands, and is returned).
    step = "bind"
    previous_index = account.real_name_index if account is not None else None
    try:
        with transaction.atomic():
            bound_now = (account is not None and account.real_name_index != index
                         and _bind_in_transaction(account, index, cleaned["id_number"]))
            step = "insert"
            application = JoinApplication.objects.create(
                applicant=account, submitted_by=submitted_by, source_union=source_union,
                employer=result.employer, union=result.union, union_path=result.union.path,
                dispatch_reason=result.reason, dispatch_note=result.note[:300], candidates=result.candidates,
                **compute_deadline(local, review_days_for(result.union)).as_fields("deadline"),
                **{k: cleaned[k] for k in ("name", "id_number", "phone", "employer_name", "work_region",
                                          "employer_credit_code")},
                **{k: cleaned.get(k, "") for k in JOIN_OPTIONAL if k != "employer_credit_code"},
            )
            # No message per application: the union's queue shows it, and overdue ones are escalated.
            if submitted_by is not None:
                log_event("members.join_application.submit_on_behalf", actor=submitted_by, target=application,
                          org=result.union, data={"dispatch_reason": result.reason})
            else:
                log_event("members.join_application.submit", actor=by, target=application, org=result.union,
                          data={"dispatch_reason": result.reason, "real_name_bound": bound_now})
            if person is not None:  # a new person's submission is recorded when approval creates them
                behaviour.join_submitted(person, application)
    except IntegrityError:
        if account is not None:
            account.real_name_index = previous_index  # the binding rolled back with the transaction
        if step == "bind":
            raise IdentityMismatch(IDENTITY_TAKEN) from None
        # A pending application of this person exists (submitted earlier, or at the same moment): it stands. This
        # account's binding, rolled back with the insert, is written on its own.
        pending = JoinApplication.objects.get(id_number_index=index, status=JoinApplication.Status.PENDING)
        if account is not None and account.real_name_index != index and _bind(account, index, cleaned["id_number"]):
            log_event("accounts.user.bind_real_name", actor=account, target=account)
        return pending, False
    return application, True


def notify_union(union: Organisation, *, subject: str, body: str) -> None:
    """An inbox message to every cadre holding a position in the union."""
    users = {p.user for p in Position.objects.filter(org=union).select_related("user")}
    for user in users:
        notify_user(user, subject=subject, body=body)


def can_review(user, application: JoinApplication) -> bool:
    return in_scope(user, application.union, roles=REVIEW_ROLES)


def _applicant_of(actor, application) -> bool:
    return (application.applicant_id is not None and getattr(actor, "is_authenticated", False)
            and application.applicant_id == actor.pk)


def _approve(locked: JoinApplication, step: Step) -> dict:
    """The writes approval stands for: the person (created if new), the card and its number, the membership,
    the history rows, and the applicant's account linked. Approving twice or at once yields one membership."""
    by = step.by
    union = locked.union
    if union.is_federation:
        raise TransitionError("总工会不直接发展会员，请先转交给乡镇（街道）工会或基层工会", code="forward_first")
    employer = locked.employer
    employer_id = step.data.get("employer_id")
    if employer_id is not None:
        allowed = {c["id"] for c in locked.candidates}
        employer = Employer.objects.filter(pk=employer_id).first() if employer_id in allowed else None
        if employer is None:
            raise TransitionError("请从候选单位中选择", code="bad_candidate")
    if employer is None:
        employer = _employer_for_application(locked, union, by=by)
    person, _ = person_upsert(name=locked.name, id_number=locked.id_number, by=by, phone=locked.phone,
                              address=locked.address, employer=employer,
                              **{k: getattr(locked, k) for k in ("education", "political_status", "ethnicity",
                                                                  "employment_form", "gig_platform")})
    if is_member(person):
        raise TransitionError("该职工已是在册会员，不能重复入会", code="already_member")
    try:
        with transaction.atomic():
            card = issue_card(person, union=union, by=by)
    except IntegrityError:
        # Another approval for the same person got there first (their card is being issued right now).
        raise TransitionError("该职工已是在册会员，不能重复入会", code="already_member") from None
    membership = membership_start(person=person, union=union, card_number=card.card_number, by=by,
                                  provisional=union.kind == Organisation.Kind.TOWNSHIP)
    reason = Reason.JOIN_SCAN if locked.dispatch_reason == JoinApplication.Dispatch.SCAN else Reason.JOIN_ONLINE
    MembershipChange.objects.create(person=person, membership=membership, change_type=ChangeType.JOIN, reason=reason,
                                    to_union=union, actor=user_or_none(by), note=locked.dispatch_note[:200])
    if membership.provisional:
        MembershipChange.objects.create(person=person, membership=membership, change_type=ChangeType.ATTACH,
                                        reason=Reason.ATTACH_NO_UNION,
                                        to_union=union, actor=user_or_none(by))
    # The applicant's account, or (filed on someone's behalf) the account already bound to this ID number.
    account = locked.applicant if locked.applicant_id else get_user_model().objects.filter(
        real_name_index=person.id_number_index, person__isnull=True).first()
    if account is not None:
        _link_account(account, person)
    return {"membership": membership, "decided_at": timezone.now(), "decided_by": user_or_none(by),
            "employer": employer}


def _tell_applicant(subject: str, body: Callable[[JoinApplication, Step], str]):
    """An effect: the applicant's inbox (if they have an account) and an SMS, written with the step."""
    def effect(application: JoinApplication, step: Step) -> None:
        _notify_applicant(application, subject=subject, body=body(application, step))
    return effect


def _tell_receiving_union(application: JoinApplication, step: Step) -> None:
    notify_union(application.union, subject="转交的入会申请", body=f"{application}：{application.dispatch_note}")


def _approved_notice(application: JoinApplication, step: Step) -> str:
    number = application.membership.card_number if application.membership is not None else ""
    return f"您已成为“{application.union.name}”的会员，会员卡号{number}。"


JOIN_WORKFLOW = Workflow(
    name="members.join_application",
    field="status",
    state_labels=dict(JoinApplication.Status.choices),
    # A forwarded application shows in the log of the union it left and the one it reached.
    org_of=lambda application: application.union,
    transitions=[
        Transition("approve", source="pending", target="approved", label="通过", allowed=can_review,
                   apply=_approve,
                   effects=(_tell_applicant("入会申请已通过", _approved_notice), behaviour.join_approved)),
        Transition("reject", source="pending", target="rejected", label="不通过", allowed=can_review,
                   note_required=True,
                   effects=(_tell_applicant("入会申请未通过", lambda a, step: (
                       f"您的入会申请未通过，原因：{step.note}")),)),
        Transition("forward", source="pending", target="pending", label="转交", allowed=can_review,
                   effects=(_tell_receiving_union, _tell_applicant("入会申请已转交", lambda a, step: (
                       f"您的入会申请{a.dispatch_note}，请耐心等待审核。")))),
        Transition("withdraw", source="pending", target="withdrawn", label="撤回", allowed=_applicant_of),
    ],
)


def approve_join_application(application: JoinApplication, *, by, employer_id: int | None = None,
                             note: str = "") -> Membership:
    """Approve (JOIN_WORKFLOW's approve step does the writes); returns the new membership."""
    data = {"employer_id": employer_id} if employer_id is not None else {}
    return transition(application, "approve", workflow=JOIN_WORKFLOW, by=by, note=note, data=data).membership


def _link_account(user, person: Person) -> bool:
    """Approval binds the applicant account to the approved person (real name and User.person). An account bound
    to someone else, or a person bound to another account (applications filed before binding existed), is left
    as it is: the membership stands, the account does not carry it."""
    if bound_index(user) not in (None, person.id_number_index):
        return False
    try:
        with transaction.atomic():
            if user.real_name_index is None:
                _bind(user, person.id_number_index, person.id_number)
            get_user_model().objects.filter(pk=user.pk, person__isnull=True).update(person=person)
    except (IdentityMismatch, IntegrityError):
        return False
    return True


def _employer_for_application(application: JoinApplication, union: Organisation, *, by) -> Employer:
    """The applicant's employer as the platform will keep it: found by name in the county, else registered
    under the receiving township union so that a later founding moves its members in one action."""
    normalized = normalize_employer_name(application.employer_name, region=application.work_region_id)
    county = application.work_region_id[:6]
    found = Employer.objects.filter(county_code=county, normalized_name=normalized).order_by("id").first()
    if found is not None:
        return found
    township = union if union.kind == Organisation.Kind.TOWNSHIP else None
    covering = union if union.kind in (Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT) and \
        application.dispatch_reason == JoinApplication.Dispatch.SCAN else None
    # A poster scanned by someone who works elsewhere (a union's QR travels): the employer is registered where it
    # is, without tying it to a union of another area, which the region rules would refuse.
    if covering is not None:
        federation = nearest_federation(covering)
        if federation is not None and not region_within(county, federation[0]):
            covering = None
    if township is not None and township.region_id and not regions_related(county, township.region_id):
        township = None
    # The workflow allowed the approval: registering the applicant's employer is the platform's part of it.
    return employer_create(name=application.employer_name, region=county,
                           credit_code=application.employer_credit_code or "",
                           township_union=township, covering_union=covering, by=SYSTEM)


def reject_join_application(application: JoinApplication, *, by, reason: str) -> JoinApplication:
    reason = (reason or "").strip()
    return transition(application, "reject", workflow=JOIN_WORKFLOW, by=by, note=reason,
                      changes={"reject_reason": reason[:200], "decided_at": timezone.now(),
                               "decided_by": user_or_none(by)})


# One answer for a target that does not exist and one the reviewer may not use: no existence oracle.
FORWARD_TARGET_REFUSED = "目标工会不存在或不能转交：只能转交给您管辖范围内的工会，或退回所在地乡镇（街道）工会"


def township_union_to_return_to(application: JoinApplication) -> Organisation | None:
    """The township union of the applicant's work region (and employer): any reviewer may send an application back
    there, even from outside its scope."""
    return township_union_for(application.work_region, application.employer)


def may_forward_to(by, application: JoinApplication, to: Organisation) -> bool:
    """An org in the reviewer's review scope, or the township union the application may be returned to."""
    if in_scope(by, to, roles=REVIEW_ROLES):
        return True
    back_to_town = township_union_to_return_to(application)
    return back_to_town is not None and to.pk == back_to_town.pk


def forward_join_application(application: JoinApplication, *, by, to: Organisation, note: str = "") -> JoinApplication:
    """Hand the application to another union: one within the cadre's scope, or back to the township union."""
    require_actor(by)
    if not may_forward_to(by, application, to):
        raise Invalid.from_fields({"to": FORWARD_TARGET_REFUSED})
    if to.status != Organisation.Status.ACTIVE:
        raise Invalid.from_fields({"to": "目标工会不是正常状态"})
    if to.pk == application.union_id:
        raise Invalid.from_fields({"to": "申请已在该工会"})
    text = f"由“{application.union.name}”转交“{to.name}”" + (f"：{note}" if note else "")
    application = transition(
        application, "forward", workflow=JOIN_WORKFLOW, by=by, note=note, data={"to": to.pk},
        changes={"union": to, "union_path": to.path, "dispatch_reason": JoinApplication.Dispatch.FORWARDED,
                 "dispatch_note": text[:300],
                 **compute_deadline(timezone.localtime(), review_days_for(to)).as_fields("deadline"),
                 "overdue_notified_at": None},
    )
    return application


def withdraw_join_application(application: JoinApplication, *, by) -> JoinApplication:
    return transition(application, "withdraw", workflow=JOIN_WORKFLOW, by=by)


def _notify_applicant(application: JoinApplication, *, subject: str, body: str) -> None:
    """Inbox and SMS rows, written in the caller's transaction (the SMS is delivered after it commits)."""
    if application.applicant_id:
        notify_user(application.applicant, subject=subject, body=body)
    queue_sms(phone=application.phone, body=sms_signature(brand_for_org(application.union)) + body)


def notify_overdue_join_applications(*, by) -> int:
    """Flag newly overdue applications to the parent org of the receiving union (the scheduler, as SYSTEM)."""
    require_actor(by)
    count = 0
    for application in overdue_join_applications().filter(overdue_notified_at__isnull=True).select_related(
            "union__parent"):
        with transaction.atomic():
            updated = JoinApplication.objects.filter(pk=application.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now())
            if not updated:
                continue
            parent = application.union.parent
            if parent is not None:
                notify_union(parent, subject="入会申请审核超期",
                              body=f"“{application.union.name}”的{application}已超过审核期限"
                                   f"（{timezone.localtime(application.deadline):%Y-%m-%d}），请督促办理。")
            log_event("members.join_application.overdue", actor=by, target=application, org=application.union)
            count += 1
    return count

