"""Applications (帮扶申请) and their workflow "assistance.application":

    pending (level 0) ─pass→ pending (level 1) ─pass→ … ─approve (last level)→ approved ─publish→ notice ─pay→ paid
    pending ─reject (reason)→ rejected          pending ─withdraw→ withdrawn
    approved | notice ─revoke (reason, e.g. an objection upheld)→ rejected (the amount goes back to the budget)

A worker applies for themselves (members only), or a cadre applies on a worker's behalf. The chain of reviewing orgs
is fixed at submission from the programme's review_chain: each level but the last is the applicant union's
ancestor of that kind (the union itself for "grassroots"), the last is the programme's own org. Each level is
reviewed by that org's own reviewers (rules.may_review_level).

Every approval re-checks, at that moment, the eligibility rule against the person's current hardship file and
membership, the required documents, and the budget. The final approval takes the amount from the budget with one
conditional UPDATE (committed_fen + amount ≤ budget_fen), backed by the CHECK constraint
programme_committed_within_budget: racing approvals never over-spend. One open application per (programme,
person) is a partial unique index.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from smartunion.assistance import eligibility
from smartunion.assistance.errors import NotEligible, OverBudget
from smartunion.assistance.models import Application, ApplicationDocument, HardshipFile, Programme
from smartunion.assistance.rules import may_manage, may_review_level, may_work_on_files
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.events import record
from smartunion.core.notifications import notify_user
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.members.queries import active_membership
from smartunion.orgs.models import Organisation, ancestor_paths

A = Application.Status
ACCOUNT = re.compile(r"^\d{12,30}$")
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {".pdf": b"%PDF", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG"}


class AlreadyApplied(Conflict):
    default_code = "already_applied"

    def __init__(self, message: str = "您已申请过该项目，申请正在办理中，请勿重复申请", **kwargs):
        super().__init__(message, **kwargs)


def current_file(person_id: int) -> HardshipFile | None:
    return HardshipFile.objects.filter(person_id=person_id).exclude(status=HardshipFile.Status.EXITED).first()


def why_closed(programme: Programme, today: dt.date | None = None) -> str | None:
    today = today or timezone.localdate()
    if programme.status != Programme.Status.OPEN:
        return "该项目已结束受理"
    if today < programme.opens_on:
        return f"该项目将于 {programme.opens_on:%Y年%-m月%-d日} 开始受理"
    if today > programme.closes_on:
        return "该项目已过申请截止日期"
    return None


# An application of the same purpose and year that keeps another one from being granted: one under review keeps a
# new application out (one at a time), one granted (approved, in notice, paid) keeps every other from approval too.
GRANTED_STATES = (A.APPROVED, A.NOTICE, A.PAID)


def same_purpose_aid(programme: Programme, person_id: int, *, states=(*Application.OPEN_STATES, A.PAID),
                     exclude: int | None = None) -> Application | None:
    """The person's application in `states` for a programme of the same purpose and year as `programme` (this
    programme or another, at any level): one person gets one aid per purpose and year."""
    found = (Application.objects.filter(person_id=person_id, status__in=states, programme__purpose=programme.purpose,
                                        programme__year=programme.year)
             .select_related("programme").order_by("id"))
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.first()


def _same_purpose_reason(other: Application, *, own: bool = True) -> str:
    who = "您" if own else "该职工"
    if other.status in GRANTED_STATES:
        return f"同一用途的帮扶每人每年只能获得一次：{who}已获得{other.programme.year}年的“{other.programme.name}”"
    return f"同一用途的帮扶每人每年只能获得一次：{who}申请的“{other.programme.name}”正在审核中"


def ineligible_reasons(programme: Programme, person_id: int) -> list[str]:
    """Why the person may not apply now: the programme's rules, then an aid of the same purpose and year."""
    membership = active_membership(person_id)
    reasons = eligibility.reasons(programme.eligibility, membership=membership, hardship_file=current_file(person_id))
    other = same_purpose_aid(programme, person_id)
    if other is not None and not (other.programme_id == programme.pk and other.status == A.PENDING):
        reasons.append(_same_purpose_reason(other))  # this programme's own pending one: AlreadyApplied says so
    return reasons


def review_chain_orgs(programme: Programme, union: Organisation) -> list[int]:
    """The reviewing org of each level (consecutive duplicates merged)."""
    chain = programme.review_chain
    ancestors = {o.path: o for o in Organisation.objects.filter(path__in=ancestor_paths(union.path))}
    ids: list[int] = []
    for index, level in enumerate(chain):
        if index == len(chain) - 1:
            org = programme.org
        elif level == Programme.Level.GRASSROOTS:
            org = union
        else:
            found = [o for path, o in sorted(ancestors.items()) if o.kind == level]
            if not found:
                label = Programme.Level(level).label
                raise Invalid(f"申请人所在工会没有上级{label}，无法按本项目的审核层级审核，请联系项目主办单位",
                              code="no_reviewer")
            org = found[-1]
        if not ids or ids[-1] != org.pk:
            ids.append(org.pk)
    return ids


def _clean_bank(bank_name: str, bank_account: str, account_holder: str) -> tuple[str, str, str]:
    errors = {}
    account = re.sub(r"[\s-]", "", bank_account or "")
    if not (bank_name or "").strip():
        errors["bank_name"] = "请填写开户银行"
    if not ACCOUNT.match(account):
        errors["bank_account"] = "银行账号应为 12 至 30 位数字"
    if not (account_holder or "").strip():
        errors["account_holder"] = "请填写账户户名"
    if errors:
        raise Invalid.from_fields(errors)
    return bank_name.strip()[:50], account, account_holder.strip()[:50]


def submit_application(programme: Programme, *, by, bank_name: str, bank_account: str, account_holder: str,
                       person=None, amount_fen: int | None = None, reason: str = "") -> Application:
    """Apply: for oneself (a worker with a person and an active membership), or on behalf of `person` (a cadre in
    scope of the person's union)."""
    require_actor(by)
    own = person is None or (getattr(by, "person_id", None) is not None and person.pk == by.person_id)
    if own:
        if not getattr(by, "is_authenticated", False):
            raise Forbidden("请先登录", code="unauthenticated")
        if getattr(by, "person_id", None) is None:
            raise NotEligible("困难帮扶仅限工会会员申请，请先申请入会")
        person_id = by.person_id
    else:
        person_id = person.pk
    membership = active_membership(person_id)
    hardship_file = current_file(person_id)
    if membership is not None:
        union = membership.union
    elif hardship_file is not None:
        union = hardship_file.union
    else:
        raise NotEligible("本项目仅限工会会员申请" if own else "该职工不是工会会员，也没有困难档案，无法代为申请")
    if not own and not may_work_on_files(by, union):
        raise Forbidden("只有申请人所在工会（或上级工会）的主席、管理员、审核员可以代为申请")
    closed = why_closed(programme)
    if closed:
        raise StateError(closed, code="not_open")
    reasons = eligibility.reasons(programme.eligibility, membership=membership, hardship_file=hardship_file)
    if reasons:
        raise NotEligible("；".join(reasons))
    other = same_purpose_aid(programme, person_id)
    if other is not None and other.programme_id == programme.pk and other.status == A.PENDING:
        raise AlreadyApplied() if own else AlreadyApplied("该职工已申请过该项目，申请正在办理中")
    if other is not None:
        raise NotEligible(_same_purpose_reason(other, own=own))
    rule_amount = eligibility.amount_for(programme.amount_rule, hardship_file)
    if rule_amount is None:
        raise NotEligible("本项目的金额规则不含您的困难类别")
    if amount_fen is None:
        amount_fen = rule_amount
    elif not isinstance(amount_fen, int) or not 0 < amount_fen <= rule_amount:
        raise Invalid.from_fields({"amount_fen": f"申请金额应为 0.01 至 {rule_amount / 100:.2f} 元"})
    bank_name, bank_account, account_holder = _clean_bank(bank_name, bank_account, account_holder)
    chain = review_chain_orgs(programme, union)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                programme=programme, person_id=person_id, union=union, hardship_file=hardship_file,
                applied_by=user_or_none(by), on_behalf=not own, reason=(reason or "")[:500], amount_fen=amount_fen,
                bank_name=bank_name, bank_account=bank_account, account_holder=account_holder, chain=chain, level=0,
                reviewing_org_id=chain[0])
            log_event("assistance.application.submit_on_behalf" if not own else "assistance.application.submit",
                      actor=by, target=application, org=union, also_org=programme.org,
                      data={"programme": programme.name, "amount_fen": amount_fen})
            record(person_id, "assistance.application.submit", target=application, org=union, label=programme.name)
    except IntegrityError:
        if Application.objects.filter(programme=programme, person_id=person_id, status__in=Application.OPEN_STATES
                                      ).exists():
            raise AlreadyApplied() if own else AlreadyApplied("该职工已申请过该项目，申请正在办理中") from None
        raise
    return application


def _check_upload(upload) -> str:
    name = (getattr(upload, "name", "") or "").lower()
    ext = next((e for e in DOCUMENT_TYPES if name.endswith(e)), None)
    if ext is None:
        raise Invalid.from_fields({"file": "材料应为 PDF、JPG 或 PNG 文件"})
    if upload.size > DOCUMENT_MAX_BYTES:
        raise Invalid.from_fields({"file": "单个材料不能超过 10MB"})
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(DOCUMENT_TYPES[ext]):
        raise Invalid.from_fields({"file": "文件内容与扩展名不符"})
    return ext


def add_document(application: Application, *, by, name: str, upload) -> ApplicationDocument:
    """Attach a document (PDF, JPG or PNG, at most 10 MB) while the application is under review."""
    require_actor(by)
    mine = getattr(by, "person_id", None) == application.person_id
    if not (mine or may_work_on_files(by, application.union) or may_review_level(by, application)):
        raise Forbidden()
    if application.status != A.PENDING:
        raise StateError("申请已审结，不能再补充材料")
    name = (name or "").strip()[:50]
    if not name:
        raise Invalid.from_fields({"name": "请选择材料名称"})
    _check_upload(upload)
    with transaction.atomic():
        document = ApplicationDocument.objects.create(application=application, name=name, file=upload)
        log_event("assistance.application.add_document", actor=by, target=application, org=application.union,
                  data={"name": name})
    return document


def missing_documents(application: Application) -> list[str]:
    have = set(application.documents.values_list("name", flat=True))
    return [d for d in application.programme.required_documents if d not in have]


def _recheck(locked: Application) -> None:
    membership = active_membership(locked.person_id)
    reasons = eligibility.reasons(locked.programme.eligibility, membership=membership,
                                  hardship_file=current_file(locked.person_id))
    granted = same_purpose_aid(locked.programme, locked.person_id, states=GRANTED_STATES, exclude=locked.pk)
    if granted is not None:
        reasons.append(_same_purpose_reason(granted, own=False))
    if reasons:
        raise NotEligible("申请人已不符合申请条件：" + "；".join(reasons))
    missing = missing_documents(locked)
    if missing:
        raise Invalid(f"申请材料不全，缺少：{'、'.join(missing)}", code="documents_missing")


def _expected_level(locked: Application, step: Step) -> None:
    expected = step.data.get("level")
    if expected is not None and expected != locked.level:
        raise StateError("该申请已由其他审核人处理，请刷新后查看", code="stale")


def _pass(locked: Application, step: Step) -> dict:
    _expected_level(locked, step)
    if locked.level >= len(locked.chain) - 1:
        raise StateError("该申请已到最后一级，请执行终审批准", code="stale")
    _recheck(locked)
    programme = Programme.objects.get(pk=locked.programme_id)
    if programme.committed_fen + locked.amount_fen > programme.budget_fen:
        raise OverBudget("项目预算余额不足，无法通过该申请")
    level = locked.level + 1
    return {"level": level, "reviewing_org_id": locked.chain[level]}


def _approve(locked: Application, step: Step) -> dict:
    _expected_level(locked, step)
    if locked.level != len(locked.chain) - 1:
        raise StateError("该申请尚未完成前几级审核", code="stale")
    _recheck(locked)
    took = Programme.objects.filter(pk=locked.programme_id,
                                    committed_fen__lte=F("budget_fen") - locked.amount_fen).update(
        committed_fen=F("committed_fen") + locked.amount_fen)
    if not took:
        raise OverBudget()
    return {"decided_at": timezone.now(), "reviewing_org_id": None}


def _release(locked: Application, step: Step) -> dict:
    Programme.objects.filter(pk=locked.programme_id).update(committed_fen=F("committed_fen") - locked.amount_fen)
    return {"reject_reason": step.note[:200]}


def _reject(locked: Application, step: Step) -> dict:
    _expected_level(locked, step)
    return {"reject_reason": step.note[:200], "reviewing_org_id": None}


def _publish(locked: Application, step: Step) -> dict:
    today = timezone.localdate()
    days = Programme.objects.filter(pk=locked.programme_id).values_list("notice_days", flat=True).get()
    return {"notice_starts_on": today, "notice_ends_on": today + dt.timedelta(days=days)}


def _may_withdraw(user, application) -> bool:
    if is_system(user):
        return True
    return getattr(user, "is_authenticated", False) and (
        user.pk == application.applied_by_id or getattr(user, "person_id", None) == application.person_id)


def _may_manage_programme(user, application) -> bool:
    return may_manage(user, application.programme.org)


def _tell(subject: str, body: str):
    def effect(locked: Application, step: Step) -> None:
        from smartunion.accounts.models import User

        user = User.objects.filter(person_id=locked.person_id, is_active=True).first()
        if user is not None:
            notify_user(user, subject=subject, body=body.format(programme=locked.programme.name, note=step.note))
    return effect


APPLICATION_WORKFLOW = Workflow(
    name="assistance.application", field="status", state_labels=dict(A.choices),
    org_of=lambda a: (a.union, a.programme.org),
    transitions=[
        Transition("pass", source=A.PENDING, target=A.PENDING, label="本级审核通过", allowed=may_review_level,
                   apply=_pass),
        Transition("approve", source=A.PENDING, target=A.APPROVED, label="终审批准", allowed=may_review_level,
                   apply=_approve,
                   effects=(_tell("帮扶申请已批准", "您申请的“{programme}”已批准，公示期满无异议后发放。"),)),
        Transition("reject", source=A.PENDING, target=A.REJECTED, label="不予通过", allowed=may_review_level,
                   apply=_reject, note_required=True,
                   effects=(_tell("帮扶申请未通过", "您申请的“{programme}”未通过审核，原因：{note}"),)),
        Transition("withdraw", source=A.PENDING, target=A.WITHDRAWN, label="撤回申请", allowed=_may_withdraw,
                   apply=lambda locked, step: {"reviewing_org_id": None}),
        Transition("publish", source=A.APPROVED, target=A.NOTICE, label="开始公示", allowed=_may_manage_programme,
                   apply=_publish),
        Transition("revoke", source=(A.APPROVED, A.NOTICE), target=A.REJECTED, label="撤销批准",
                   allowed=_may_manage_programme, apply=_release, note_required=True,
                   effects=(_tell("帮扶申请已撤销批准", "您申请的“{programme}”已撤销批准，原因：{note}"),)),
        Transition("pay", source=A.NOTICE, target=A.PAID, label="发放完成", allowed=_may_manage_programme),
    ],
)


def approve_application(application: Application, *, by, note: str = "") -> Application:
    """This level's approval: the next level's turn, or (at the last level) the final approval."""
    last = application.level >= len(application.chain) - 1
    return transition(application, "approve" if last else "pass", workflow=APPLICATION_WORKFLOW, by=by, note=note,
                      data={"level": application.level})


def reject_application(application: Application, *, by, note: str) -> Application:
    return transition(application, "reject", workflow=APPLICATION_WORKFLOW, by=by, note=note,
                      data={"level": application.level})


def withdraw_application(application: Application, *, by) -> Application:
    return transition(application, "withdraw", workflow=APPLICATION_WORKFLOW, by=by)


def revoke_application(application: Application, *, by, note: str) -> Application:
    return transition(application, "revoke", workflow=APPLICATION_WORKFLOW, by=by, note=note)


def publish_notice(programme: Programme, *, by) -> int:
    """Start the public notice (公示) of every approved application of the programme; returns how many."""
    require_actor(by)
    if not may_manage(by, programme.org):
        raise Forbidden("只有项目主办单位（或上级工会）的主席、管理员可以发布公示")
    count = 0
    for application in Application.objects.filter(programme=programme, status=A.APPROVED).order_by("id"):
        transition(application, "publish", workflow=APPLICATION_WORKFLOW, by=by)
        count += 1
    return count


def record_objection(application: Application, *, by, text: str) -> Application:
    """An objection received during the notice (by phone, letter): recorded by the programme's managers; payment
    waits until it is cleared or the approval revoked."""
    require_actor(by)
    if not may_manage(by, application.programme.org):
        raise Forbidden()
    text = (text or "").strip()[:500]
    if not text:
        raise Invalid.from_fields({"text": "请填写异议内容"})
    with transaction.atomic():
        if not Application.objects.filter(pk=application.pk, status=A.NOTICE).update(objection=text):
            raise StateError("只有公示中的申请可以登记异议")
        log_event("assistance.application.objection", actor=by, target=application, org=application.programme.org)
    application.objection = text
    return application


def clear_objection(application: Application, *, by, note: str) -> Application:
    require_actor(by)
    if not may_manage(by, application.programme.org):
        raise Forbidden()
    if not (note or "").strip():
        raise Invalid.from_fields({"note": "请填写核查结论"})
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(objection="")
        log_event("assistance.application.clear_objection", actor=by, target=application,
                  org=application.programme.org, data={"note": note.strip()[:200]})
    application.objection = ""
    return application


def reveal_account(application: Application, *, by, reason: str) -> str:
    """The full bank account number, for a reason; audited."""
    require_actor(by)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid.from_fields({"reason": "请填写查看原因"})
    if not (may_manage(by, application.programme.org) or may_manage(by, application.union)):
        raise Forbidden("只有主席、管理员可以查看完整银行账号")
    log_event("assistance.application.reveal_account", actor=by, target=application, org=application.union,
              data={"reason": reason[:200]})
    return application.bank_account
