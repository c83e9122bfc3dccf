"""Approvals (移动审批): forms as data, requests and their chain of approvers.

A request is submitted against a form (documents/approvals.py says the shapes): its data is checked against the
form, its amount (fen) taken from the form's amount field, and its chain built at once into ApprovalStep rows, the
approvers resolved to people now (a later change of chair does not move a running request):

- a step whose amount condition does not hold is skipped (a SKIPPED row when someone holds it, else no row);
- a step whose approver is the applicant, or the approver of the step before, is skipped (SKIPPED row);
- a step taken that resolves to nobody refuses the submission, naming the step; so does a chain left empty.

APPROVAL_WORKFLOW (core.workflow) holds every step that changes a request after submission, each audited as
`documents.approval_request.<action>`: agree (pending → pending, the next approver's turn), approve (pending →
approved, the last approver), reject and return (reasons required; the steps not reached are dropped), add_signer
(加签, pending → pending: an extra approver after or before the current one), withdraw (the applicant, pending or
returned → withdrawn), resubmit (the applicant edits a returned request; the chain restarts after the steps of the
earlier rounds, which stay as the history).

One open (pending or returned) request per (form, applicant, subject): the partial unique constraint
document_request_one_open over subject_key (sha256 of the form's subject fields' values) holds it under any
concurrency; the IntegrityError becomes a Conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.core.notifications import notify_user
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.documents import approvals as shapes
from smartunion.documents import rules_approvals as rules
from smartunion.documents.models import ApprovalForm, ApprovalRequest, ApprovalStep, Department
from smartunion.orgs.models import Organisation, Position

S = ApprovalRequest.Status
STEP = ApprovalStep.Status
MAX_NOTE = 300
MAX_ROUND_STEPS = 20
DUPLICATE = "您已有一个相同事项的审批正在办理"


class DuplicateRequest(Conflict):
    def __init__(self, message: str = DUPLICATE, **kwargs):
        super().__init__(message, code="duplicate_request", **kwargs)


class NoApprover(Invalid):
    def __init__(self, message: str, **kwargs):
        super().__init__(message, code="no_approver", **kwargs)


def _user(by):
    require_actor(by)
    if is_system(by):
        raise Forbidden("审批申请须由本人提交")
    return by


def _note(note: str, *, label: str = "意见") -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid.from_fields({"note": f"{label}最多{MAX_NOTE}个字"}, message=f"{label}最多{MAX_NOTE}个字")
    return note


# Forms -------------------------------------------------------------------------------------------------------------


def save_form(*, org: Organisation, code: str, name: str, fields, steps, subject_fields=None, active: bool = True,
              form: ApprovalForm | None = None, by) -> ApprovalForm:
    """Create or change a form of `org` (its chairs and administrators); the definition is checked whole."""
    require_actor(by)
    if not rules.can_define_forms(by, org if form is None else form.org):
        raise Forbidden("只有本单位的主席和管理员可以设置审批表单")
    code = (code or "").strip()
    name = (name or "").strip()
    errors = {}
    if not shapes.NAME_RE.match(code):
        errors["code"] = "代码应以小写字母开头，只含小写字母、数字和下划线"
    if not name or len(name) > 50:
        errors["name"] = "请填写名称（最多50个字）"
    if errors:
        raise Invalid.from_fields(errors, message=next(iter(errors.values())))
    clean_fields, clean_steps, clean_subject = shapes.validate_definition(
        fields=fields, steps=steps, subject_fields=subject_fields)
    ids = sorted({i for s in clean_steps for i in s.get("user_ids", [])})
    if ids:
        found = set(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        missing = [str(i) for i in ids if i not in found]
        if missing:
            message = f"审批人（user_ids）中的用户不存在或已停用：{'、'.join(missing)}"
            raise Invalid.from_fields({"steps": message}, message=message)
    values = {"code": code, "name": name, "fields": clean_fields, "steps": clean_steps,
              "subject_fields": clean_subject, "active": bool(active)}
    try:
        with transaction.atomic():
            if form is None:
                form = ApprovalForm.objects.create(org=org, **values)
                action = "documents.approval_form.create"
            else:
                for key, value in values.items():
                    setattr(form, key, value)
                form.save()
                action = "documents.approval_form.change"
    except IntegrityError:
        raise Conflict(f"本单位已有代码为“{code}”的审批表单", code="form_code_taken",
                       fields={"code": "代码已被使用"}) from None
    log_event(action, actor=by, target=form, org=form.org, data={"code": code, "name": name})
    return form


def install_standard_forms(org: Organisation, *, by) -> list[ApprovalForm]:
    """The six standard forms (documents/approvals.py STANDARD_FORMS) for `org`; those it has already are kept."""
    require_actor(by)
    if not rules.can_define_forms(by, org):
        raise Forbidden("只有本单位的主席和管理员可以设置审批表单")
    created = []
    with transaction.atomic():
        have = set(ApprovalForm.objects.filter(org=org).values_list("code", flat=True))
        for spec in shapes.STANDARD_FORMS:
            if spec["code"] in have:
                continue
            fields, steps, subject = shapes.validate_definition(
                fields=spec["fields"], steps=spec["steps"], subject_fields=spec["subject_fields"])
            created.append(ApprovalForm.objects.create(org=org, code=spec["code"], name=spec["name"], fields=fields,
                                                       steps=steps, subject_fields=subject))
        if created:
            log_event("documents.approval_form.install", actor=by, target=org, org=org,
                      data={"forms": "、".join(f.name for f in created)})
    return created


# The chain ---------------------------------------------------------------------------------------------------------


@dataclass
class PlannedStep:
    label: str
    approver: Any
    status: str
    note: str = ""


def _resolve(spec: dict, org: Organisation) -> tuple[list, str]:
    """The people a step names in `org`, and why there is nobody when there is nobody."""
    users = get_user_model().objects.filter(is_active=True)
    if "role" in spec:
        role = spec["role"]
        target: Organisation | None = org
        if role.startswith(shapes.PARENT):
            role = role[len(shapes.PARENT):]
            target = org.parent
        if target is None:
            return [], "没有上级单位"
        holder = (Position.objects.filter(org=target, role=role, user__is_active=True)
                  .select_related("user").order_by("id").first())
        if holder is None:
            return [], f"{target.name}没有{shapes.ROLES[role]}"
        return [holder.user], ""
    if "department_head" in spec:
        department = (Department.objects.filter(org=org, name=spec["department_head"], active=True)
                      .select_related("head").first())
        if department is None:
            return [], f"{org.name}没有“{spec['department_head']}”部门"
        if department.head is None or not department.head.is_active:
            return [], f"“{department.name}”没有负责人"
        return [department.head], ""
    by_id = {u.pk: u for u in users.filter(pk__in=spec["user_ids"])}
    people = [by_id[i] for i in spec["user_ids"] if i in by_id]
    return people, ("" if people else "指定的审批人都已停用")


def plan_chain(form: ApprovalForm, *, org: Organisation, applicant, amount_fen: int | None) -> list[PlannedStep]:
    """The request's steps as they will be written; NoApprover when a step taken has nobody or none is left."""
    planned: list[PlannedStep] = []
    for spec in form.steps:
        people, why = _resolve(spec, org)
        minimum = spec.get("min_amount_fen")
        if minimum is not None and (amount_fen is None or amount_fen < minimum):
            note = f"金额未达{shapes.format_fen(minimum)}元，跳过"
            planned += [PlannedStep(spec["label"], person, STEP.SKIPPED, note) for person in people[:1]]
            continue
        if not people:
            raise NoApprover(f"审批环节“{spec['label']}”找不到审批人（{why}），请联系本单位管理员完善审批流程")
        for person in people:
            taken = [p for p in planned if p.status == STEP.WAITING]
            if person.pk == applicant.pk:
                planned.append(PlannedStep(spec["label"], person, STEP.SKIPPED, "申请人本人，跳过"))
            elif taken and taken[-1].approver.pk == person.pk:
                planned.append(PlannedStep(spec["label"], person, STEP.SKIPPED, "与上一环节审批人相同，跳过"))
            else:
                planned.append(PlannedStep(spec["label"], person, STEP.WAITING))
    if not any(p.status == STEP.WAITING for p in planned):
        raise NoApprover("该审批流程中除您本人外没有审批人，请联系本单位管理员完善审批流程")
    return planned


def _write_chain(request: ApprovalRequest, planned: list[PlannedStep], *, start: int) -> ApprovalStep:
    rows = []
    first: ApprovalStep | None = None
    for offset, p in enumerate(planned):
        row = ApprovalStep(request=request, position=start + offset, label=p.label, approver=p.approver,
                           status=p.status, note=p.note)
        if first is None and p.status == STEP.WAITING:
            row.status = STEP.PENDING
            first = row
        rows.append(row)
    ApprovalStep.objects.bulk_create(rows)
    assert first is not None  # plan_chain refuses a chain without anyone
    return first


def _title(form: ApprovalForm, applicant, amount_fen: int | None) -> str:
    title = f"{applicant}的{form.name}申请"
    if amount_fen is not None:
        title += f"（{shapes.format_fen(amount_fen)}元）"
    return title[:200]


def _applicant_org(user, form: ApprovalForm, org: Organisation | None) -> Organisation:
    ids = rules.applicant_org_ids(user)
    if org is not None:
        if org.pk not in ids:
            raise Forbidden("您不是该单位的工作人员，不能以该单位名义申请")
        candidates = [org]
    else:
        candidates = list(Organisation.objects.filter(pk__in=ids))
        candidates.sort(key=lambda o: ids.index(o.pk))
    for candidate in candidates:
        if candidate.path.startswith(form.org_path) and candidate.status == Organisation.Status.ACTIVE:
            return candidate
    raise Forbidden("该审批表单不适用于您所在的单位")


def _tell_approver(request: ApprovalRequest, step: ApprovalStep) -> None:
    notify_user(step.approver, subject=f"待您审批：{request.title}",
                body=f"{request.applicant}提交的{request.form.name}申请等待您审批（{step.label}）。")


def _tell_applicant(request: ApprovalRequest, subject: str, body: str) -> None:
    notify_user(request.applicant, subject=f"{subject}：{request.title}", body=body)


def submit_request(*, form: ApprovalForm, data, by, org: Organisation | None = None) -> ApprovalRequest:
    """Submit a request; Invalid for bad data (every field's message), NoApprover, DuplicateRequest."""
    applicant = _user(by)
    if not form.active:
        raise StateError("该审批表单已停用", code="form_inactive")
    org = _applicant_org(applicant, form, org)
    clean = shapes.clean_data(form.fields, data)
    amount = shapes.amount_of(form.fields, clean)
    planned = plan_chain(form, org=org, applicant=applicant, amount_fen=amount)
    with transaction.atomic():
        try:
            with transaction.atomic():
                request = ApprovalRequest.objects.create(
                    form=form, org=org, applicant=applicant, title=_title(form, applicant, amount), data=clean,
                    amount_fen=amount, subject_key=shapes.subject_key(form.subject_fields, clean))
        except IntegrityError:
            raise DuplicateRequest() from None
        first = _write_chain(request, planned, start=1)
        request.current_step = first.position
        request.save(update_fields=["current_step"])
        log_event("documents.approval_request.submit", actor=by, target=request, org=org,
                  data={"form": form.name, "amount_fen": amount,
                        "steps": "→".join(f"{p.label}（{p.approver}）" for p in planned if p.status == STEP.WAITING)})
        _tell_approver(request, first)
    return request


# The workflow ------------------------------------------------------------------------------------------------------


def _current(request: ApprovalRequest) -> ApprovalStep:
    step = (ApprovalStep.objects.filter(request=request, status=STEP.PENDING).select_related("approver")
            .order_by("position", "id").first())
    if step is None:
        raise StateError("该申请没有待审批的环节", code="no_pending_step")
    return step


def _next_waiting(request: ApprovalRequest, after: ApprovalStep) -> ApprovalStep | None:
    return (ApprovalStep.objects.filter(request=request, status=STEP.WAITING, position__gt=after.position)
            .select_related("approver").order_by("position", "id").first())


def _decide(step: ApprovalStep, status: str, note: str) -> None:
    step.status, step.note, step.decided_at = status, note[:MAX_NOTE], timezone.now()
    step.save(update_fields=["status", "note", "decided_at"])


def _agree(request: ApprovalRequest, step: Step) -> dict:
    current = _current(request)
    following = _next_waiting(request, current)
    if following is None:  # the service chose under the same lock; a changed chain is a state error
        raise StateError("审批环节已变化，请刷新后重试", code="chain_changed")
    _decide(current, STEP.APPROVED, step.note)
    following.status = STEP.PENDING
    following.save(update_fields=["status"])
    return {"current_step": following.position}


def _approve(request: ApprovalRequest, step: Step) -> dict:
    current = _current(request)
    if _next_waiting(request, current) is not None:
        raise StateError("审批环节已变化，请刷新后重试", code="chain_changed")
    _decide(current, STEP.APPROVED, step.note)
    return {"finished_at": timezone.now()}


def _end_round(request: ApprovalRequest, status: str, note: str) -> None:
    _decide(_current(request), status, note)
    ApprovalStep.objects.filter(request=request, status=STEP.WAITING).delete()


def _reject(request: ApprovalRequest, step: Step) -> dict:
    _end_round(request, STEP.REJECTED, step.note)
    return {"finished_at": timezone.now()}


def _return(request: ApprovalRequest, step: Step) -> dict:
    _end_round(request, STEP.RETURNED, step.note)
    return {"current_step": 0}


def _withdraw(request: ApprovalRequest, step: Step) -> dict:
    pending = ApprovalStep.objects.filter(request=request, status=STEP.PENDING).select_related("approver").first()
    if pending is not None:
        _decide(pending, STEP.SKIPPED, "申请人已撤回")
        notify_user(pending.approver, subject=f"申请已撤回：{request.title}",
                    body=f"{request.applicant}已撤回该申请，无需再审批。")
    ApprovalStep.objects.filter(request=request, status=STEP.WAITING).delete()
    return {"finished_at": timezone.now(), "current_step": 0}


def _add_signer(request: ApprovalRequest, step: Step) -> dict:
    signer = get_user_model().objects.filter(pk=step.data["user_id"]).first()
    where = step.data["position"]
    if signer is None or not rules.may_sign(signer, request.org):
        raise Invalid.from_fields({"user_id": "只能加签本单位或上级单位的工作人员"},
                                  message="只能加签本单位或上级单位的工作人员")
    current = _current(request)
    if signer.pk in (request.applicant_id, current.approver_id):
        raise Invalid.from_fields({"user_id": "不能加签申请人或您本人"}, message="不能加签申请人或您本人")
    open_steps = ApprovalStep.objects.filter(request=request, status__in=[STEP.PENDING, STEP.WAITING])
    if open_steps.filter(approver=signer).exists():
        raise Invalid.from_fields({"user_id": f"{signer}已在审批流程中"}, message=f"{signer}已在审批流程中")
    if open_steps.count() >= MAX_ROUND_STEPS:
        raise Invalid(f"审批环节最多{MAX_ROUND_STEPS}个，不能再加签", code="too_many_steps")
    label = f"加签（{current.approver}邀请）"[:50]
    if where == "after":
        ApprovalStep.objects.filter(request=request, position__gt=current.position).update(
            position=F("position") + 1)
        ApprovalStep.objects.create(request=request, position=current.position + 1, label=label, approver=signer,
                                    status=STEP.WAITING, added_by=user_or_none(step.by))
        return {}
    ApprovalStep.objects.filter(request=request, position__gte=current.position).update(position=F("position") + 1)
    added = ApprovalStep.objects.create(request=request, position=current.position, label=label, approver=signer,
                                        status=STEP.PENDING, added_by=user_or_none(step.by))
    ApprovalStep.objects.filter(pk=current.pk).update(status=STEP.WAITING)
    _tell_approver(request, added)
    return {"current_step": added.position}


def _resubmit(request: ApprovalRequest, step: Step) -> dict:
    form = request.form
    clean = shapes.clean_data(form.fields, step.data["data"])
    amount = shapes.amount_of(form.fields, clean)
    planned = plan_chain(form, org=request.org, applicant=request.applicant, amount_fen=amount)
    start = (ApprovalStep.objects.filter(request=request).aggregate(m=Max("position"))["m"] or 0) + 1
    first = _write_chain(request, planned, start=start)
    step.data.pop("data")
    step.data["amount_fen"] = amount
    return {"data": clean, "amount_fen": amount, "title": _title(form, request.applicant, amount),
            "subject_key": shapes.subject_key(form.subject_fields, clean), "current_step": first.position}


def _effect_next(request: ApprovalRequest, step: Step) -> None:
    _tell_approver(request, _current(request))


def _effect_approved(request: ApprovalRequest, step: Step) -> None:
    _tell_applicant(request, "审批通过", f"您的{request.form.name}申请已审批通过。")


def _effect_rejected(request: ApprovalRequest, step: Step) -> None:
    _tell_applicant(request, "审批未通过", f"您的{request.form.name}申请未通过，原因：{step.note}")


def _effect_returned(request: ApprovalRequest, step: Step) -> None:
    _tell_applicant(request, "申请被退回",
                    f"您的{request.form.name}申请被退回修改，原因：{step.note}。修改后可重新提交。")


APPROVAL_WORKFLOW = Workflow(
    name="documents.approval_request",
    field="status",
    state_labels=dict(S.choices),
    org_of=lambda request: request.org,
    transitions=[
        Transition("agree", source=S.PENDING, target=S.PENDING, label="同意", allowed=rules.is_current_approver,
                   apply=_agree, effects=(_effect_next,)),
        Transition("approve", source=S.PENDING, target=S.APPROVED, label="同意（审批通过）",
                   allowed=rules.is_current_approver, apply=_approve, effects=(_effect_approved,)),
        Transition("reject", source=S.PENDING, target=S.REJECTED, label="不同意", note_required=True,
                   allowed=rules.is_current_approver, apply=_reject, effects=(_effect_rejected,)),
        Transition("return", source=S.PENDING, target=S.RETURNED, label="退回申请人", note_required=True,
                   allowed=rules.is_current_approver, apply=_return, effects=(_effect_returned,)),
        Transition("add_signer", source=S.PENDING, target=S.PENDING, label="加签",
                   allowed=rules.is_current_approver, apply=_add_signer),
        Transition("withdraw", source=(S.PENDING, S.RETURNED), target=S.WITHDRAWN, label="撤回",
                   allowed=rules.is_applicant, apply=_withdraw),
        Transition("resubmit", source=S.RETURNED, target=S.PENDING, label="重新提交", allowed=rules.is_applicant,
                   apply=_resubmit, effects=(_effect_next,)),
    ],
)


def _act(request: ApprovalRequest, action: str, *, by, note: str = "", data: dict | None = None):
    require_actor(by)
    return transition(request, action, workflow=APPROVAL_WORKFLOW, by=by, note=note, data=data)


def approve(request: ApprovalRequest, *, by, note: str = "") -> ApprovalRequest:
    """The current approver agrees: the next approver's turn, or the request is approved after the last one."""
    note = _note(note)
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        action = "approve"
        if locked.status == S.PENDING:
            current = ApprovalStep.objects.filter(request=locked, status=STEP.PENDING).order_by("position").first()
            if current is not None and _next_waiting(locked, current) is not None:
                action = "agree"
        return _act(locked, action, by=by, note=note)


def reject(request: ApprovalRequest, *, by, reason: str) -> ApprovalRequest:
    return _act(request, "reject", by=by, note=_note(reason, label="原因"))


def return_to_applicant(request: ApprovalRequest, *, by, reason: str) -> ApprovalRequest:
    return _act(request, "return", by=by, note=_note(reason, label="原因"))


def withdraw(request: ApprovalRequest, *, by, note: str = "") -> ApprovalRequest:
    return _act(request, "withdraw", by=by, note=_note(note))


def add_signer(request: ApprovalRequest, *, by, user_id: int, position: str = "after",
               note: str = "") -> ApprovalRequest:
    """加签: the current approver adds `user_id` right after themself ("after") or before ("before", who then
    decides first and hands back)."""
    if position not in ("after", "before"):
        raise Invalid.from_fields({"position": "加签位置应为 after（之后）或 before（之前）"},
                                  message="加签位置应为 after（之后）或 before（之前）")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise Invalid.from_fields({"user_id": "请选择加签人"}, message="请选择加签人")
    return _act(request, "add_signer", by=by, note=_note(note),
                data={"user_id": user_id, "position": position})


def resubmit(request: ApprovalRequest, *, by, data) -> ApprovalRequest:
    """The applicant sends a returned request again with edited data; the chain starts again from the first step."""
    try:
        return _act(request, "resubmit", by=by, data={"data": data})
    except IntegrityError:
        raise DuplicateRequest() from None


def available_actions(request: ApprovalRequest, user) -> list[str]:
    """The steps the user may take now, as the surfaces name them (agree and approve are both "approve")."""
    found = {t.action for t in APPROVAL_WORKFLOW.available(request, user)}
    if "agree" in found:
        found = (found - {"agree"}) | {"approve"}
    return sorted(found)


def get_request(pk) -> ApprovalRequest:
    request = ApprovalRequest.objects.select_related("form", "org", "applicant").filter(pk=pk).first()
    if request is None:
        raise NotFound("审批申请不存在")
    return request
