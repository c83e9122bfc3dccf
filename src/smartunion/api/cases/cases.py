"""Rights cases (12351): filing, the worker's own cases, the cadre's scoped queue, the steps of a case, statistics.

Who is who: the account that filed a case acts on it as the worker (message, rate, reopen); any other account acts
as a cadre and reads only cases in its scope (out of scope answers 404 exactly like a missing case). Phones are
masked; the worker's name follows cases.queries.display_name (匿名职工 outside the handling chain when hidden).
Attachments: the filing takes JSON only; files are added to an open case with POST /cases/{id}/attachments
(multipart, one file per request in field "file": images and PDF up to 10 MB; 18 per case).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from ninja import File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.cases.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, CODE_INPUT, PHONE_INPUT, REGION_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.cases import rules
from smartunion.cases.categories import category_label, subcategory_label
from smartunion.cases.models import Case, CaseMessage
from smartunion.cases.queries.cases import (
    case_for_cadre,
    display_name,
    handler_queue,
    messages_for,
    my_cases,
    stats,
)
from smartunion.cases.services import cases as services
from smartunion.core.calendar import ESTIMATED_NOTE
from smartunion.core.pagination import paginate
from smartunion.orgs.models import Organisation

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, **ERRORS}


def _estimated(case: Case) -> bool:
    return bool(case.first_response_due_estimated or case.resolution_due_estimated)


def case_out(case: Case, user, *, cadre: bool) -> dict:
    """A case as a list row: the worker's and the cadre's differ only in what the cadre reads more."""
    out = {
        "id": case.pk, "number": case.number, "kind": case.kind, "kind_label": case.get_kind_display(),
        "category": case.category, "category_label": category_label(case.category),
        "subcategory": case.subcategory, "subcategory_label": subcategory_label(case.category, case.subcategory),
        "title": case.title, "status": case.status, "status_label": case.get_status_display(),
        "case_class": case.case_class, "case_class_label": case.get_case_class_display(),
        "channel": case.channel, "routed_to": {"id": case.org_id, "name": case.org.name},
        "employer_name": case.employer_name, "region": case.region_id,
        "contact_name": display_name(case, user), "phone": case.masked_phone, "hide_identity": case.hide_identity,
        "submitted_at": case.submitted_at, "first_response_due": case.first_response_due,
        "first_response_due_estimated": case.first_response_due_estimated,
        "first_responded_at": case.first_responded_at, "due_at": case.resolution_due,
        "resolution_due_estimated": case.resolution_due_estimated,
        "estimated_note": ESTIMATED_NOTE if _estimated(case) else "",
        "resolution": case.resolution, "resolution_label": case.get_resolution_display() if case.resolution else "",
        "closed_at": case.closed_at, "rating": case.rating, "reopen_count": case.reopen_count,
    }
    if cadre:
        out.update(
            routing_note=case.routing_note, supervised=case.supervised,
            handler={"id": case.handler_id, "name": str(case.handler)} if case.handler_id else None,
            paused_working_days=case.paused_working_days, closed_on_time=case.closed_on_time,
            first_response_escalated=case.first_response_escalated_at is not None,
            resolution_escalated=case.resolution_escalated_at is not None,
        )
    return out


def message_out(message: CaseMessage) -> dict:
    return {"id": message.pk, "kind": message.kind, "kind_label": message.get_kind_display(), "body": message.body,
            "org": message.org.name if message.org_id else "", "created_at": message.created_at}


def detail_out(case: Case, user, *, cadre: bool) -> dict:
    out = case_out(case, user, cadre=cadre)
    out.update(
        description=case.description, people_involved=case.people_involved,
        amount_involved_fen=case.amount_involved_fen, resolution_note=case.resolution_note,
        rating_comment=case.rating_comment, rated_at=case.rated_at,
        messages=[message_out(m) for m in messages_for(case, worker=not cadre)],
        attachments=[{"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
                     for a in case.attachments.all()],
    )
    if cadre:
        out["assists"] = [{"id": a.pk, "org": {"id": a.org_id, "name": a.org.name}, "status": a.status,
                           "status_label": a.get_status_display(), "request_note": a.request_note,
                           "reply": a.reply} for a in case.assists.select_related("org")]
    return out


def _find(request, case_id: int) -> tuple[Case, bool]:
    """(case, read as cadre): the filer's own case, else a case in the cadre's scope; 404 otherwise."""
    user = request.auth
    own = my_cases(user).select_related("region").filter(pk=case_id).first()
    if own is not None:
        return own, False
    return case_for_cadre(user, case_id), True


def _answer(request, case: Case, *, cadre: bool) -> dict:
    case = Case.objects.select_related("org", "handler").get(pk=case.pk)
    return detail_out(case, request.auth, cadre=cadre)


# Filing -----------------------------------------------------------------------------------------------------------


class CaseIn(Schema):
    kind: str = text("诉求类型", CHOICE_INPUT, description="consult 咨询、assistance 帮扶、complaint 信访投诉、"
                     "legal_aid 法律援助、suggestion 建议")
    category: str = text("问题类别", CHOICE_INPUT, description="cases/categories.py 的类别代码，如 wages")
    subcategory: str = text("问题子类", 30, "")
    title: str = text("标题", 100, "")
    description: str = text("诉求内容", 5000)
    employer_name: str = text("涉及单位", 150, "")
    employer_credit_code: str = text("统一社会信用代码", CODE_INPUT, "")
    region: str = text("发生地区划代码", REGION_INPUT)
    phone: str = text("联系电话", PHONE_INPUT)
    contact_name: str = text("联系人", 50, "", description="默认为账号姓名")
    hide_identity_from_employer: bool = False
    people_involved: int = Field(1, ge=1, le=100_000)
    amount_involved_fen: int = Field(None, ge=0, le=10**14, description="涉及金额（分）")


@router.post("/cases", response={201: dict, **ERRORS}, summary="提交维权诉求（职工本人；任何职工均可，不限会员）")
def file_case(request, payload: CaseIn):
    case = services.file_case(
        by=request.auth, channel=Case.Channel.API, kind=payload.kind, category=payload.category,
        subcategory=payload.subcategory, title=payload.title, description=payload.description,
        employer_name=payload.employer_name, employer_credit_code=payload.employer_credit_code,
        region=payload.region, phone=payload.phone, contact_name=payload.contact_name,
        hide_identity=payload.hide_identity_from_employer, people_involved=payload.people_involved,
        amount_involved_fen=payload.amount_involved_fen)
    return Status(201, case_out(case, request.auth, cadre=False))


# Lists ------------------------------------------------------------------------------------------------------------


class CaseListParams(Schema):
    page: int = 1
    page_size: int = 20
    filed: bool = Field(False, description="干部查看自己提交的诉求")
    status: str = text("状态", CHOICE_INPUT, "", description="空为未办结的工单；all 为全部；或 submitted、"
                       "processing、waiting、closed")
    kind: str = text("诉求类型", CHOICE_INPUT, "")
    category: str = text("问题类别", CHOICE_INPUT, "")
    overdue: bool = Field(None)
    supervised: bool = Field(None)
    mine: bool = Field(False, description="只看分派给我的")
    q: str = text("搜索", SEARCH_INPUT, "", description="工单编号（WQ开头）或标题、单位名称、联系人")


@router.get("/cases", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="职工：我提交的诉求；干部：本级及下级的工单（按办结期限排序，可筛选）")
def list_cases(request, params: Query[CaseListParams]):
    user = request.auth
    if params.filed or not rules.is_cadre(user):
        return paginate(my_cases(user), page=params.page, page_size=params.page_size,
                        serialize=lambda c: case_out(c, user, cadre=False))
    if params.status and params.status != "all" and params.status not in Case.Status.values:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"status": "状态不正确"})
    queue = handler_queue(user, status=params.status or None, kind=params.kind or None,
                          category=params.category or None, overdue=params.overdue, supervised=params.supervised,
                          mine=params.mine, q=params.q)
    return paginate(queue, page=params.page, page_size=params.page_size,
                    serialize=lambda c: case_out(c, user, cadre=True))


class CaseStatsParams(Schema):
    org_id: int
    months: int = Field(12, ge=1, le=60)


@router.get("/cases/stats", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="维权统计（本级及下级）：按类型、类别、月份的受理量，按期率、满意率，在办与超期数")
def case_stats(request, params: Query[CaseStatsParams]):
    org = Organisation.objects.filter(pk=params.org_id).first()
    return stats(request.auth, org, months=params.months)


@router.get("/cases/{case_id}", response={200: dict, 404: ErrorOut},
            summary="工单详情（含往来记录；职工看不到内部备注）")
def get_case(request, case_id: int):
    case, cadre = _find(request, case_id)
    return detail_out(case, request.auth, cadre=cadre)


# Steps ------------------------------------------------------------------------------------------------------------


class CaseReplyIn(Schema):
    body: str = text("内容", 5000)
    internal: bool = Field(False, description="干部：true 为内部备注（职工看不到）")


@router.post("/cases/{case_id}/reply", response={201: dict, **ERRORS},
             summary="职工：留言（补充材料时恢复办理）；干部：答复职工（待受理的工单同时受理），或内部备注")
def reply(request, case_id: int, payload: CaseReplyIn):
    case, cadre = _find(request, case_id)
    if not cadre:
        message = services.worker_message(case, by=request.auth, body=payload.body)
    elif payload.internal:
        message = services.add_note(case, by=request.auth, body=payload.body)
    else:
        message = services.reply(case, by=request.auth, body=payload.body)
    return Status(201, message_out(message))


class CaseAssignIn(Schema):
    handler_id: int


@router.post("/cases/{case_id}/assign", response=STEP, summary="分派承办人（承办单位或其上级单位的干部）")
def assign(request, case_id: int, payload: CaseAssignIn):
    case = case_for_cadre(request.auth, case_id)
    handler = get_user_model().objects.filter(pk=payload.handler_id).first()
    case = services.assign(case, by=request.auth, handler=handler)
    return _answer(request, case, cadre=True)


class CaseTransferIn(Schema):
    org_id: int
    note: str = text("转办说明", 500)


@router.post("/cases/{case_id}/transfer", response=STEP, summary="转办到本级及下级的其他工会")
def transfer(request, case_id: int, payload: CaseTransferIn):
    case = case_for_cadre(request.auth, case_id)
    org = Organisation.objects.filter(pk=payload.org_id).first()
    case = services.transfer(case, by=request.auth, org=org, note=payload.note)
    return _answer(request, case, cadre=True)


class CaseNoteIn(Schema):
    note: str = text("说明", 5000)


class CaseOptionalNoteIn(Schema):
    note: str = text("说明", 500, "")


@router.post("/cases/{case_id}/pause", response=STEP, summary="请职工补充（暂停办结计时；说明会发给职工）")
def pause(request, case_id: int, payload: CaseNoteIn):
    case = case_for_cadre(request.auth, case_id)
    return _answer(request, services.pause(case, by=request.auth, note=payload.note), cadre=True)


@router.post("/cases/{case_id}/resume", response=STEP, summary="恢复办理（干部；职工留言即自动恢复）")
def resume(request, case_id: int, payload: CaseOptionalNoteIn = None):
    case, cadre = _find(request, case_id)
    note = payload.note if payload is not None else ""
    return _answer(request, services.resume(case, by=request.auth, note=note), cadre=cadre)


class CaseCloseIn(Schema):
    resolution: str = text("办理结果", CHOICE_INPUT, description="resolved、partly、answered、referred、"
                           "not_accepted、withdrawn、unreachable")
    note: str = text("办结说明", 2000)


@router.post("/cases/{case_id}/close", response=STEP, summary="办结")
def close(request, case_id: int, payload: CaseCloseIn):
    case = case_for_cadre(request.auth, case_id)
    case = services.close(case, by=request.auth, resolution=payload.resolution, note=payload.note)
    return _answer(request, case, cadre=True)


class CaseRateIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = text("评价内容", 500, "")


@router.post("/cases/{case_id}/rate", response=STEP, summary="评价（提交诉求的职工本人，办结后一次，1-5分）")
def rate(request, case_id: int, payload: CaseRateIn):
    case, cadre = _find(request, case_id)
    case = services.rate(case, by=request.auth, rating=payload.rating, comment=payload.comment)
    return _answer(request, case, cadre=cadre)


@router.post("/cases/{case_id}/reopen", response=STEP, summary="申请重新办理（职工本人，办结后15天内）")
def reopen(request, case_id: int, payload: CaseNoteIn):
    case, cadre = _find(request, case_id)
    case = services.reopen(case, by=request.auth, note=payload.note)
    return _answer(request, case, cadre=cadre)


@router.post("/cases/{case_id}/attachments", response={201: dict, **ERRORS},
             summary="上传一个附件（multipart，字段 file；JPG、PNG、WebP 图片或 PDF，不超过10MB）")
def upload_attachment(request, case_id: int, file: File[UploadedFile]):
    case, _cadre = _find(request, case_id)
    saved = services.add_attachments(case, by=request.auth, files=[file])
    return Status(201, {"attachments": [{"id": a.pk, "name": a.name, "content_type": a.content_type,
                                         "size": a.size} for a in saved]})
