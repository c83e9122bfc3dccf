"""/api/v1 office: the approvals part (移动审批).

GET /approvals/forms lists the forms the caller may start (per org they apply in); POST /approvals submits one
(`data` as the form's fields name it, amounts in yuan as "1234.56", kept as fen); GET /approvals lists the
caller's requests (box=mine), those waiting for them (box=waiting) or their orgs' (box=org, chairs and
administrators); the steps are POST /approvals/{id}/approve, /reject, /return (reason required), /withdraw,
/add-signer (user_id, position before|after), /resubmit (data). A request the caller may not read is 404.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Schema, Status
from pydantic import Field

from smartunion.api.documents.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.errors import NotFound
from smartunion.core.pagination import paginate
from smartunion.documents import approvals as shapes
from smartunion.documents.models import ApprovalForm, ApprovalRequest
from smartunion.documents.queries import approvals as queries
from smartunion.documents.services import approvals as services
from smartunion.orgs.models import Organisation

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
BOXES = ("mine", "waiting", "org")


def form_out(form: ApprovalForm, org: Organisation | None = None) -> dict:
    out = {"id": form.pk, "code": form.code, "name": form.name, "fields": form.fields, "steps": form.steps,
           "subject_fields": form.subject_fields, "form_org": {"id": form.org_id, "path": form.org_path}}
    if org is not None:
        out["org"] = {"id": org.pk, "name": org.name}
    return out


def request_out(request: ApprovalRequest) -> dict:
    return {
        "id": request.pk, "title": request.title, "form": {"id": request.form_id, "code": request.form.code,
                                                           "name": request.form.name},
        "org": {"id": request.org_id, "name": request.org.name},
        "applicant": {"id": request.applicant_id, "name": str(request.applicant)},
        "status": request.status, "status_label": request.get_status_display(),
        "amount_fen": request.amount_fen, "amount": shapes.format_fen(request.amount_fen),
        "current_step": request.current_step, "created_at": request.created_at,
        "finished_at": request.finished_at,
    }


def detail_out(request: ApprovalRequest, user) -> dict:
    out = request_out(request)
    out["data"] = request.data
    out["rows"] = [{"label": label, "value": value} for label, value in shapes.display_rows(request.form.fields,
                                                                                           request.data)]
    out["steps"] = [{"position": s.position, "label": s.label, "approver": {"id": s.approver_id,
                                                                           "name": str(s.approver)},
                     "status": s.status, "status_label": s.get_status_display(), "note": s.note,
                     "added_by": str(s.added_by) if s.added_by_id else "", "decided_at": s.decided_at}
                    for s in queries.steps_of(request)]
    out["actions"] = services.available_actions(request, user)
    return out


def _find(request, approval_id: int) -> ApprovalRequest:
    return queries.request_for(request.auth, approval_id)


def _answer(request, approval: ApprovalRequest) -> dict:
    return detail_out(queries.request_for(request.auth, approval.pk), request.auth)


@router.get("/approvals/forms", response={200: list, **ERRORS}, summary="我可以发起的审批表单（按所在单位）")
def list_forms(request):
    return [form_out(form, org) for org, form in queries.startable_forms(request.auth)]


class ApprovalIn(Schema):
    form_id: int
    org_id: int = Field(None, description="以哪个单位申请（在多个单位任职时）；默认第一个适用的单位")
    data: dict[str, Any] = Field(description="表单内容：键为字段名称；金额以元计，如 \"1234.56\"")


@router.post("/approvals", response={201: dict, **ERRORS}, summary="提交审批申请")
def submit(request, payload: ApprovalIn):
    org, form = queries.startable_form(request.auth, payload.form_id)
    if payload.org_id is not None:
        choices = {o.pk: o for o, f in queries.startable_forms(request.auth) if f.pk == form.pk}
        if payload.org_id not in choices:
            raise NotFound("单位不存在")
        org = choices[payload.org_id]
    approval = services.submit_request(form=form, data=payload.data, by=request.auth, org=org)
    return Status(201, _answer(request, approval))


class ApprovalListParams(Schema):
    page: int = 1
    page_size: int = 20
    box: str = text("列表", CHOICE_INPUT, "mine", description="mine 我的申请、waiting 待我审批、org 本单位及下级的申请")
    status: str = text("状态", CHOICE_INPUT, "", description="pending、approved、rejected、returned、withdrawn")
    q: str = text("搜索", SEARCH_INPUT, "", description="标题或表单名称")


@router.get("/approvals", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="审批列表：我的申请、待我审批、本单位及下级的申请")
def list_requests(request, params: Query[ApprovalListParams]):
    if params.box not in BOXES:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"box": "列表应为 mine、waiting 或 org"})
    if params.status and params.status not in ApprovalRequest.Status.values:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"status": "状态不正确"})
    user = request.auth
    if params.box == "waiting":
        rows = queries.waiting_for_me(user, q=params.q)
    elif params.box == "org":
        rows = queries.org_requests(user, status=params.status, q=params.q)
    else:
        rows = queries.my_requests(user, status=params.status, q=params.q)
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=request_out)


@router.get("/approvals/{approval_id}", response={200: dict, 404: ErrorOut}, summary="审批详情（含审批环节）")
def get_request(request, approval_id: int):
    return detail_out(_find(request, approval_id), request.auth)


class ApprovalNoteIn(Schema):
    note: str = text("意见", services.MAX_NOTE, "")


class ApprovalReasonIn(Schema):
    reason: str = text("原因", services.MAX_NOTE)


class SignerIn(Schema):
    user_id: int
    position: str = text("加签位置", CHOICE_INPUT, "after", description="after 在我之后、before 在我之前")
    note: str = text("说明", services.MAX_NOTE, "")


class ResubmitIn(Schema):
    data: dict[str, Any]


@router.post("/approvals/{approval_id}/approve", response={200: dict, **ERRORS}, summary="同意（当前审批人）")
def approve(request, approval_id: int, payload: ApprovalNoteIn):
    return _answer(request, services.approve(_find(request, approval_id), by=request.auth, note=payload.note))


@router.post("/approvals/{approval_id}/reject", response={200: dict, **ERRORS}, summary="不同意（须填写原因）")
def reject(request, approval_id: int, payload: ApprovalReasonIn):
    return _answer(request, services.reject(_find(request, approval_id), by=request.auth, reason=payload.reason))


@router.post("/approvals/{approval_id}/return", response={200: dict, **ERRORS},
             summary="退回申请人修改（须填写原因）")
def return_request(request, approval_id: int, payload: ApprovalReasonIn):
    return _answer(request, services.return_to_applicant(_find(request, approval_id), by=request.auth,
                                                         reason=payload.reason))


@router.post("/approvals/{approval_id}/withdraw", response={200: dict, **ERRORS}, summary="撤回（申请人）")
def withdraw(request, approval_id: int, payload: ApprovalNoteIn):
    return _answer(request, services.withdraw(_find(request, approval_id), by=request.auth, note=payload.note))


@router.post("/approvals/{approval_id}/add-signer", response={200: dict, **ERRORS},
             summary="加签：当前审批人在自己之后（或之前）加一位审批人")
def add_signer(request, approval_id: int, payload: SignerIn):
    return _answer(request, services.add_signer(_find(request, approval_id), by=request.auth,
                                                user_id=payload.user_id, position=payload.position,
                                                note=payload.note))


@router.post("/approvals/{approval_id}/resubmit", response={200: dict, **ERRORS},
             summary="修改后重新提交被退回的申请（申请人；审批从第一个环节重新开始）")
def resubmit(request, approval_id: int, payload: ResubmitIn):
    return _answer(request, services.resubmit(_find(request, approval_id), by=request.auth, data=payload.data))
