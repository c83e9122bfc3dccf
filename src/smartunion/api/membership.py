"""/api/v1 join applications, transfers and the worker's own membership.

A service's refusal (core.errors.DomainError: a workflow step refused or in the wrong state, an invalid field, an
open transfer) is answered by api/errors.py's one handler; only an active member's refusal is shaped here.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartunion.api.errors import ApiError
from smartunion.api.schemas import (
    ADDRESS_INPUT,
    CHOICE_INPUT,
    CODE_INPUT,
    NOTE_INPUT,
    PHONE_INPUT,
    REGION_INPUT,
    ErrorOut,
    limit,
    text,
)
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_id_number, mask_name, mask_phone
from smartunion.members import queries, services
from smartunion.members.changes import Reason
from smartunion.members.models import JoinApplication, Membership, MembershipChange, Transfer
from smartunion.members.queries import active_membership, review_queue, visible_transfers
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import in_scope, scoped, visible_orgs

router = Router(tags=["入会与会籍"])
# A workflow action: refused (403) or not possible in the current state (409) besides not found.
ACTION = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class JoinIn(Schema):
    name: str = text("姓名", limit(JoinApplication, "name"), description="姓名")
    id_number: str = text("身份证号码", CODE_INPUT, description="身份证号码，或港澳台居民居住证号码")
    phone: str = text("手机号码", PHONE_INPUT, description="手机号码")
    employer_name: str = text("工作单位", limit(JoinApplication, "employer_name"), description="工作单位")
    work_region: str = text("工作地区", REGION_INPUT, description="工作地区：县（区）或乡镇（街道）行政区划代码")
    employer_credit_code: str = text("单位统一社会信用代码", CODE_INPUT, "")
    employment_form: str = text("用工形式", CHOICE_INPUT, "")
    gig_platform: str = text("服务平台", limit(JoinApplication, "gig_platform"), "")
    education: str = text("学历", CHOICE_INPUT, "")
    political_status: str = text("政治面貌", CHOICE_INPUT, "")
    ethnicity: str = text("民族", CHOICE_INPUT, "")
    address: str = text("住址", ADDRESS_INPUT, "")
    source_token: str = text("入会二维码令牌", limit(Organisation, "join_token"), "",
                             description="扫码入会：工会入会二维码中的令牌")
    on_behalf: bool = Field(False, description="工会干部代职工申请（申请不绑定本账号，记录经办人）")


class ReasonIn(Schema):
    reason: str = text("原因", NOTE_INPUT, "")


class ApproveIn(Schema):
    employer_id: int | None = Field(None, description="单位名称匹配到多家时，从候选单位中选定")
    note: str = text("说明", NOTE_INPUT, "")


class ForwardIn(Schema):
    to: int = Field(description="目标工会编号")
    note: str = text("说明", NOTE_INPUT, "")


class TransferIn(Schema):
    employer_name: str = text("新工作单位", limit(JoinApplication, "employer_name"), "")
    work_region: str = text("工作地区", REGION_INPUT, "")
    employer_credit_code: str = text("单位统一社会信用代码", CODE_INPUT, "")
    to_union_id: int | None = Field(None, description="经办人可直接指定转入工会")
    membership_id: int | None = Field(None, description="经办人代会员申请时填写")
    reason: str = text("转会原因", CHOICE_INPUT, Reason.TRANSFER_WORK)


def _org(org: Organisation | None) -> dict | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def application_out(a: JoinApplication, *, reveal: bool = False) -> dict:
    return {
        "id": a.pk, "status": a.status, "status_label": a.get_status_display(),
        "name": a.name if reveal else mask_name(a.name),
        "id_number": mask_id_number(a.id_number), "phone": mask_phone(a.phone),
        "employer_name": a.employer_name, "work_region": a.work_region_id,
        "employment_form": a.employment_form, "gig_platform": a.gig_platform,
        "dispatched_to": _org(a.union), "dispatch_reason": a.dispatch_reason,
        "dispatch_reason_label": a.get_dispatch_reason_display(), "dispatch_note": a.dispatch_note,
        "candidates": a.candidates, "submitted_at": a.submitted_at, "deadline": a.deadline,
        "deadline_estimated": a.deadline_estimated,
        "overdue": a.status == JoinApplication.Status.PENDING and a.deadline < dt.datetime.now(dt.UTC),
        "decided_at": a.decided_at, "reject_reason": a.reject_reason,
        "card_number": a.membership.card_number if a.membership_id else None,
        "member_number": a.membership.card_number if a.membership_id else None,  # deprecated: card_number
        "on_behalf": a.submitted_by_id is not None,
        "submitted_by": {"id": a.submitted_by.pk, "name": str(a.submitted_by)} if a.submitted_by_id else None,
    }


def transfer_out(t: Transfer) -> dict:
    return {
        "id": t.pk, "status": t.status, "status_label": t.get_status_display(), "person": str(t.person),
        "from_union": _org(t.from_union), "to_union": _org(t.to_union), "dispatch_reason": t.dispatch_reason,
        "dispatch_note": t.dispatch_note, "release_deadline": t.release_deadline, "released_at": t.released_at,
        "release_deadline_estimated": t.release_deadline_estimated,
        "completed_at": t.completed_at, "reject_reason": t.reject_reason,
        "card_number": t.membership.card_number,
        "member_number": t.membership.card_number,  # deprecated: card_number
    }


def _optional_body(request, schema: type[Schema]) -> Schema:
    """Actions whose body is optional: an empty POST means the defaults."""
    import json

    import pydantic

    if not request.body.strip() or not request.content_type.startswith("application/json"):
        return schema()
    try:
        return schema.model_validate(json.loads(request.body))
    except (ValueError, pydantic.ValidationError):
        raise ApiError(400, "bad_request", "请求格式不正确") from None


def _own(user, a: JoinApplication) -> bool:
    """The applicant's own application, or one the cadre filed on someone's behalf."""
    return user.pk in (a.applicant_id, a.submitted_by_id)


def _visible_application(request, application_id: int) -> JoinApplication:
    """The applicant's own application (or the cadre's on-behalf one), or one in the cadre's scope; anything else
    is not found."""
    a = JoinApplication.objects.select_related("union", "membership", "applicant", "submitted_by").filter(
        pk=application_id).first()
    if a is None or not (_own(request.user, a) or review_queue(request.user).filter(pk=a.pk).exists()):
        raise ApiError(404, "not_found", "对象不存在")
    return a


def _fresh(a: JoinApplication) -> JoinApplication:
    return JoinApplication.objects.select_related("union", "membership", "submitted_by").get(pk=a.pk)


@router.post("/join-applications", response={200: dict, 201: dict, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="提交入会申请（工会干部可代职工申请）")
def submit_application(request, payload: JoinIn):
    data = payload.dict()
    token = data.pop("source_token")
    on_behalf = data.pop("on_behalf")
    try:
        application, created = services.join_apply(by=request.user, on_behalf=on_behalf, source_token=token, **data)
    except services.AlreadyMember as exc:
        fields = {"transfer": "/api/v1/transfers"}
        if not on_behalf or in_scope(request.user, exc.membership.union):
            fields.update(membership_id=str(exc.membership.pk), union=exc.membership.union.name)
        message = ("该职工已是在册会员，无需重复入会；如需变更所在工会，请办理会籍转移" if on_behalf
                   else exc.message)
        raise ApiError(409, "already_member", message, fields) from None
    if on_behalf and not created and not (_own(request.user, application)
                                          or review_queue(request.user).filter(pk=application.pk).exists()):
        # Someone else's pending application outside the cadre's scope: say so, show nothing of it.
        raise ApiError(409, "already_pending", "该职工已有一份正在审核的入会申请，无需重复提交，请等待受理工会审核")
    body = application_out(application, reveal=_own(request.user, application) or not on_behalf)
    return Status(201 if created else 200, body)


class QueueParams(Schema):
    status: str = text("状态", CHOICE_INPUT, "")
    overdue: bool = False
    page: int = 1
    page_size: int = 20


@router.get("/join-applications", summary="入会申请审核队列（仅限管辖范围）")
def list_applications(request, params: Query[QueueParams]):
    if params.status and params.status not in JoinApplication.Status.values:
        raise ApiError(400, "bad_status", "状态无效，可选：" + "、".join(JoinApplication.Status.values))
    queryset = review_queue(request.user).order_by("deadline", "id")
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.overdue:
        queryset = queryset.filter(status=JoinApplication.Status.PENDING, deadline__lt=dt.datetime.now(dt.UTC))
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=application_out)


@router.get("/join-applications/overdue-counts", response={200: dict, 404: ErrorOut},
            summary="各下级组织超期未审核的入会申请数")
def overdue_counts(request, org_id: int | None = None):
    """For the given org in scope (default: the cadre's top org), the overdue count of each child subtree."""
    orgs = visible_orgs(request.user)
    root = orgs.filter(pk=org_id).first() if org_id else orgs.order_by("depth", "path").first()
    if root is None:
        raise ApiError(404, "not_found", "对象不存在")
    counts = queries.overdue_counts(request.user, root)
    return {"org": _org(root), "total": counts.total,
            "children": [{"id": child.pk, "name": child.name, "overdue": n} for child, n in counts.children]}


@router.get("/join-applications/{application_id}", summary="入会申请详情（申请人本人、代为申请的经办人或受理工会）")
def get_application(request, application_id: int):
    a = _visible_application(request, application_id)
    return application_out(a, reveal=_own(request.user, a))


def _review_target(request, application_id: int) -> JoinApplication:
    a = review_queue(request.user).filter(pk=application_id).first()
    if a is None:
        raise ApiError(404, "not_found", "对象不存在")
    return a


@router.post("/join-applications/{application_id}/approve", response=ACTION, summary="通过入会申请")
def approve_application(request, application_id: int):
    a = _review_target(request, application_id)
    payload = _optional_body(request, ApproveIn)
    services.approve_join_application(a, by=request.user, employer_id=payload.employer_id, note=payload.note)
    return application_out(_fresh(a))


@router.post("/join-applications/{application_id}/reject", response=ACTION, summary="不通过（须填写原因）")
def reject_application(request, application_id: int, payload: ReasonIn):
    a = _review_target(request, application_id)
    if not payload.reason.strip():
        raise ApiError(422, "invalid", "请填写不通过的原因", {"reason": "请填写原因"})
    services.reject_join_application(a, by=request.user, reason=payload.reason)
    return application_out(_fresh(a))


@router.post("/join-applications/{application_id}/forward", response=ACTION, summary="转交其他工会")
def forward_application(request, application_id: int, payload: ForwardIn):
    a = _review_target(request, application_id)
    to = Organisation.objects.filter(pk=payload.to).first()
    if to is None or not services.may_forward_to(request.user, a, to):
        # A missing org and one the reviewer may not use get the same answer: no existence oracle.
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"to": services.FORWARD_TARGET_REFUSED})
    services.forward_join_application(a, by=request.user, to=to, note=payload.note)
    return application_out(_fresh(a))


@router.post("/join-applications/{application_id}/withdraw", response=ACTION, summary="申请人撤回")
def withdraw_application(request, application_id: int):
    a = _visible_application(request, application_id)
    services.withdraw_join_application(a, by=request.user)
    return application_out(_fresh(a), reveal=True)


# The worker's own membership


@router.get("/me/membership", summary="我的会籍")
def my_membership(request):
    membership = active_membership(request.user.person_id, related=("union", "person"))
    applications = JoinApplication.objects.filter(applicant=request.user).select_related(
        "union", "membership").order_by("-id")[:5]
    history = []
    if request.user.person_id:
        history = [
            {"date": c.created_at, "type": c.get_change_type_display(), "reason": c.get_reason_display(),
             "from_union": c.from_union.name if c.from_union_id else None,
             "to_union": c.to_union.name if c.to_union_id else None, "note": c.note}
            for c in MembershipChange.objects.filter(person_id=request.user.person_id).select_related(
                "from_union", "to_union").order_by("id")
        ]
    return {
        "member": membership is not None,
        "membership": None if membership is None else {
            "id": membership.pk, "card_number": membership.card_number,
            "member_number": membership.card_number,  # deprecated: card_number
            "union": _org(membership.union),
            "since": membership.since, "provisional": membership.provisional,
        },
        "history": history,
        "applications": [application_out(a, reveal=True) for a in applications],
    }


# Transfers


def _visible_transfer(request, transfer_id: int) -> Transfer:
    t = visible_transfers(request.user).filter(pk=transfer_id).first()
    if t is None:
        raise ApiError(404, "not_found", "对象不存在")
    return t


@router.post("/transfers", response={201: dict, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}, summary="申请会籍转移")
def request_transfer(request, payload: TransferIn):
    if payload.membership_id is not None:
        membership = scoped(Membership.objects.select_related("union", "person"), request.user,
                            field="union_path").filter(pk=payload.membership_id, status="active").first()
    else:
        membership = active_membership(request.user.person_id, related=("union", "person"))
    if membership is None:
        raise ApiError(404, "not_member", "没有可转移的会籍")
    to_union = None
    if payload.to_union_id is not None:
        to_union = visible_orgs(request.user).filter(pk=payload.to_union_id).first()
        if to_union is None:
            raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"to_union_id": "组织不存在"})
    transfer = services.transfer_request(
        membership=membership, by=request.user, employer_name=payload.employer_name,
        work_region=payload.work_region or None, employer_credit_code=payload.employer_credit_code,
        to_union=to_union, reason=payload.reason)
    return Status(201, transfer_out(transfer))


@router.get("/transfers", summary="会籍转移列表（转出或转入方在管辖范围内，或本人的）")
def list_transfers(request, status: str = Query("", max_length=CHOICE_INPUT), page: int = 1, page_size: int = 20):
    queryset = visible_transfers(request.user).order_by("-id")
    if status:
        queryset = queryset.filter(status=status)
    return paginate(queryset, page=page, page_size=page_size, serialize=transfer_out)


@router.get("/transfers/{transfer_id}", summary="会籍转移详情")
def get_transfer(request, transfer_id: int):
    return transfer_out(_visible_transfer(request, transfer_id))


def _transfer_action(request, transfer_id: int, call) -> dict:
    t = _visible_transfer(request, transfer_id)
    call(t)
    return transfer_out(Transfer.objects.select_related("person", "from_union", "to_union", "membership").get(pk=t.pk))


@router.post("/transfers/{transfer_id}/approve", response=ACTION, summary="转入方同意接收（转出方同意后即完成）")
def approve_transfer(request, transfer_id: int):
    return _transfer_action(request, transfer_id, lambda t: services.transfer_approve(t, by=request.user))


@router.post("/transfers/{transfer_id}/release", response=ACTION, summary="转出方同意转出")
def release_transfer(request, transfer_id: int):
    note = _optional_body(request, ReasonIn).reason
    return _transfer_action(request, transfer_id, lambda t: services.transfer_release(t, by=request.user, note=note))


@router.post("/transfers/{transfer_id}/accept", response=ACTION, summary="转入方接收（转出方已同意后）")
def accept_transfer(request, transfer_id: int):
    return _transfer_action(request, transfer_id, lambda t: services.transfer_accept(t, by=request.user))


@router.post("/transfers/{transfer_id}/reject", response=ACTION, summary="转入方不同意（须填写原因）")
def reject_transfer(request, transfer_id: int, payload: ReasonIn):
    if not payload.reason.strip():
        raise ApiError(422, "invalid", "请填写不同意的原因", {"reason": "请填写原因"})
    return _transfer_action(request, transfer_id,
                            lambda t: services.transfer_reject(t, by=request.user, reason=payload.reason))


@router.post("/transfers/{transfer_id}/cancel", response=ACTION, summary="会员撤回转会申请")
def cancel_transfer(request, transfer_id: int):
    return _transfer_action(request, transfer_id, lambda t: services.transfer_cancel(t, by=request.user))
