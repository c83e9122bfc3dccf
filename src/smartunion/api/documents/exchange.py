"""/api/v1 office: exchange between orgs (公文交换) and incoming documents (收文).

Exchange: POST /exchange sends a released outgoing document (to chosen orgs by id, or to "all_cities" /
"all_counties_below"); GET /exchange/{id} answers the status per recipient (the sending org's scope); the receiving
org signs for (/exchange/deliveries/{id}/sign) or returns (/return, with a reason) a delivery; /exchange/{id}/urge
notifies the unsigned receivers (once per hour each). Incoming: GET /documents/incoming (the receiver's queue,
scoped, filterable), POST /documents/incoming (register by hand: multipart form, optional scan PDF/image), and the
flow steps /propose, /instruct, /assign, /done, /archive, /circulate, /read. Out of scope answers 404 like missing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from ninja import File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.documents.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.calendar import ESTIMATED_NOTE
from smartunion.core.errors import NotFound
from smartunion.core.pagination import paginate
from smartunion.documents.models import Delivery, Department, Exchange, IncomingDocument, OutgoingDocument
from smartunion.documents.queries import exchange as queries
from smartunion.documents.services import exchange as exchange_services
from smartunion.documents.services import incoming as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, **ERRORS}


# Exchange -----------------------------------------------------------------------------------------------------------


def delivery_out(d: Delivery) -> dict:
    return {"id": d.pk, "org": {"id": d.to_org_id, "name": d.to_org.name}, "status": d.status,
            "status_label": d.get_status_display(), "decided_at": d.decided_at, "return_reason": d.return_reason,
            "urged_count": d.urged_count, "last_urged_at": d.last_urged_at}


def exchange_out(e: Exchange, *, recipients: bool = False) -> dict:
    document = e.envelope.get("document", {})
    out = {"id": e.pk, "document_id": e.document_id, "title": document.get("title", ""),
           "number": document.get("number", ""), "org": {"id": e.org_id, "name": e.org.name}, "sent_at": e.sent_at,
           "sign_due_at": e.sign_due_at, "message_id": e.envelope.get("message_id", ""),
           "counts": {"total": e.total, "delivered": e.delivered, "signed": e.signed, "returned": e.returned}}
    if recipients:
        out["recipients"] = [delivery_out(d) for d in queries.recipients(e)]
        out["envelope"] = e.envelope
    return out


class ExchangeIn(Schema):
    document_id: int
    to_org_ids: list[int] | None = Field(None, max_length=5000, description="接收单位 id 列表（与 to 二选一）")
    to: str = text("接收范围", CHOICE_INPUT, "",
                   description="all_cities 全部市总工会；all_counties_below 下辖全部县（区）总工会")
    sign_days: int = Field(exchange_services.DEFAULT_SIGN_DAYS, ge=1, le=exchange_services.MAX_SIGN_DAYS)


@router.post("/exchange", response={201: dict, **ERRORS}, summary="发送公文交换（已分发的发文；本单位主席或管理员）")
def send(request, payload: ExchangeIn):
    user = request.auth
    document = scoped(OutgoingDocument.objects.select_related("org"), user, field="org_path").filter(
        pk=payload.document_id).first()
    if document is None:
        raise NotFound("发文不存在")
    if payload.to_org_ids and payload.to:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"to": "接收单位与接收范围只能选一种"})
    if payload.to:
        to = payload.to
    elif payload.to_org_ids:
        found = {o.pk: o for o in Organisation.objects.filter(pk__in=payload.to_org_ids)}
        missing = [pk for pk in payload.to_org_ids if pk not in found]
        if missing:
            raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"to_org_ids": f"单位 {missing[0]} 不存在"})
        to = [found[pk] for pk in payload.to_org_ids]
    else:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"to": "请选择接收单位或接收范围"})
    exchange = exchange_services.send(document, to=to, by=user, sign_days=payload.sign_days)
    out = exchange_out(queries.exchange_for(user, exchange.pk), recipients=True)
    out["skipped_org_ids"] = exchange.skipped
    return Status(201, out)


class ExchangeListParams(Schema):
    page: int = 1
    page_size: int = 20


@router.get("/exchange", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="本级及下级发出的公文交换（含各状态接收单位数），新的在前")
def list_exchanges(request, params: Query[ExchangeListParams]):
    return paginate(queries.visible_exchanges(request.auth), page=params.page, page_size=params.page_size,
                    serialize=exchange_out)


@router.get("/exchange/{exchange_id}", response={200: dict, 404: ErrorOut},
            summary="交换状态：每个接收单位的待签收 / 已签收 / 已退回")
def get_exchange(request, exchange_id: int):
    return exchange_out(queries.exchange_for(request.auth, exchange_id), recipients=True)


@router.post("/exchange/{exchange_id}/urge", response=STEP, summary="催办尚未签收的单位（每单位每小时一次）")
def urge(request, exchange_id: int):
    exchange = queries.exchange_for(request.auth, exchange_id)
    urged = exchange_services.urge(exchange, by=request.auth)
    return {"urged": urged, **exchange_out(queries.exchange_for(request.auth, exchange_id))}


@router.post("/exchange/deliveries/{delivery_id}/sign", response=STEP, summary="签收（接收单位主席或管理员）")
def sign(request, delivery_id: int):
    delivery = queries.delivery_for(request.auth, delivery_id)
    return delivery_out(exchange_services.sign_for(delivery, by=request.auth))


class IncomingReasonIn(Schema):
    reason: str = text("退回原因", exchange_services.MAX_REASON)


@router.post("/exchange/deliveries/{delivery_id}/return", response=STEP, summary="退回（须填写原因）")
def return_delivery(request, delivery_id: int, payload: IncomingReasonIn):
    delivery = queries.delivery_for(request.auth, delivery_id)
    return delivery_out(exchange_services.return_delivery(delivery, by=request.auth, reason=payload.reason))


# Incoming -----------------------------------------------------------------------------------------------------------


def incoming_out(doc: IncomingDocument) -> dict:
    return {
        "id": doc.pk, "org": {"id": doc.org_id, "name": doc.org.name}, "source": doc.source,
        "serial": doc.serial, "sender_name": doc.sender_name, "original_number": doc.original_number,
        "title": doc.title, "secrecy": doc.secrecy, "urgency": doc.urgency, "received_on": doc.received_on,
        "status": doc.status, "status_label": doc.get_status_display(),
        "delivery": ({"id": doc.delivery_id, "status": doc.delivery.status} if doc.delivery else None),
        "department": ({"id": doc.department_id, "name": doc.department.name} if doc.department else None),
        "handler": ({"id": doc.handler_id, "name": str(doc.handler)} if doc.handler else None),
        "due_at": doc.due_at, "due_estimated": doc.due_estimated,
        "estimated_note": ESTIMATED_NOTE if doc.due_estimated else "", "overdue": services.is_overdue(doc),
        "done_at": doc.done_at,
    }


def incoming_detail(user, doc_id: int) -> dict:
    doc = queries.incoming_for(user, doc_id)
    out = incoming_out(doc)
    out.update(body=doc.body, proposal=doc.proposal, instruction=doc.instruction, result=doc.result,
               attachments=[{"id": a.pk, "name": a.name, "size": a.size, "sha256": a.sha256}
                            for a in doc.attachments.order_by("position", "id")],
               circulation=[{"reader": {"id": c.reader_id, "name": str(c.reader)}, "sent_at": c.sent_at,
                             "read_at": c.read_at, "comment": c.comment} for c in queries.circulations(doc)],
               actions=[t.action for t in services.INCOMING_WORKFLOW.available(doc, user)])
    return out


class IncomingListParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = text("状态", CHOICE_INPUT, "")
    source: str = text("来源", CHOICE_INPUT, "", description="exchange 公文交换；manual 手工登记")
    overdue: bool = False
    to_sign: bool = Field(False, description="只看待签收的交换公文")
    q: str = text("搜索", SEARCH_INPUT, "", description="标题、来文字号、来文单位或收文编号")


@router.get("/documents/incoming", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="收文列表（本级及下级，可按状态、来源、超期筛选和搜索）")
def list_incoming(request, params: Query[IncomingListParams]):
    if params.status and params.status not in IncomingDocument.Status.values:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"status": "状态不正确"})
    queryset = queries.incoming_list(request.auth, status=params.status, search=params.q, overdue=params.overdue,
                                     source=params.source, to_sign=params.to_sign)
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=incoming_out)


class IncomingRegisterIn(Schema):
    org_id: int
    title: str = text("标题", 200, min_length=1)
    sender_name: str = text("来文单位", 100, min_length=1)
    original_number: str = text("来文字号", 40, "")
    received_on: dt.date = Field(None)
    secrecy: str = text("密级", CHOICE_INPUT, "")
    urgency: str = text("紧急程度", CHOICE_INPUT, "")
    body: str = text("正文", 20000, "")


@router.post("/documents/incoming", response={201: dict, **ERRORS},
             summary="手工登记收文（multipart 表单；scan 为扫描件 PDF 或图片，不超过 20 MB；收文编号自动生成）")
def register(request, payload: Form[IncomingRegisterIn], scan: UploadedFile = File(None)):  # noqa: B008  (ninja's marker: an optional file in the multipart body)
    scan = scan or request.FILES.get("scan")  # ninja leaves an optional file beside a form schema unset
    org = scoped(Organisation.objects.all(), request.auth).filter(pk=payload.org_id).first()
    if org is None:
        raise NotFound("单位不存在")
    doc = services.register(org=org, by=request.auth, title=payload.title, sender_name=payload.sender_name,
                            original_number=payload.original_number,
                            received_on=payload.received_on, secrecy=payload.secrecy, urgency=payload.urgency,
                            body=payload.body, scan=scan)
    return Status(201, incoming_detail(request.auth, doc.pk))


@router.get("/documents/incoming/{doc_id}", response={200: dict, 404: ErrorOut},
            summary="收文详情（收文编号、正文、附件、传阅回执和当前可做的操作）")
def incoming(request, doc_id: int):
    return incoming_detail(request.auth, doc_id)


class TextIn(Schema):
    text: str = text("意见", services.MAX_TEXT)


@router.post("/documents/incoming/{doc_id}/propose", response=STEP, summary="拟办（本单位主席或管理员）")
def propose(request, doc_id: int, payload: TextIn):
    services.propose(queries.incoming_for(request.auth, doc_id), by=request.auth, text=payload.text)
    return incoming_detail(request.auth, doc_id)


@router.post("/documents/incoming/{doc_id}/instruct", response=STEP, summary="批办（本单位主席）")
def instruct(request, doc_id: int, payload: TextIn):
    services.instruct(queries.incoming_for(request.auth, doc_id), by=request.auth, text=payload.text)
    return incoming_detail(request.auth, doc_id)


class AssignIn(Schema):
    department_id: int
    handler_id: int = Field(None)
    days: int = Field(5, ge=1, le=services.MAX_DAYS, description="办理期限（工作日）")


@router.post("/documents/incoming/{doc_id}/assign", response=STEP,
             summary="分派承办：本单位的部门（可指定承办人），期限按工作日计算")
def assign(request, doc_id: int, payload: AssignIn):
    doc = queries.incoming_for(request.auth, doc_id)
    department = Department.objects.filter(pk=payload.department_id, org_id=doc.org_id).first()
    handler = None
    if payload.handler_id is not None:
        handler = get_user_model().objects.filter(pk=payload.handler_id, is_active=True).first()
        if handler is None:
            raise ApiError(422, "invalid", "承办人不存在", {"handler_id": "承办人不存在"})
    if department is None:
        raise ApiError(422, "invalid", "请选择本单位的承办部门", {"department_id": "请选择本单位的承办部门"})
    services.assign(doc, by=request.auth, department=department, days=payload.days, handler=handler)
    return incoming_detail(request.auth, doc_id)


class ResultIn(Schema):
    result: str = text("办理结果", services.MAX_TEXT)


@router.post("/documents/incoming/{doc_id}/done", response=STEP, summary="办结（承办人、承办部门或本单位主席、管理员）")
def done(request, doc_id: int, payload: ResultIn):
    services.finish(queries.incoming_for(request.auth, doc_id), by=request.auth, result=payload.result)
    return incoming_detail(request.auth, doc_id)


@router.post("/documents/incoming/{doc_id}/archive", response=STEP, summary="归档（本单位主席或管理员）")
def archive(request, doc_id: int):
    services.archive(queries.incoming_for(request.auth, doc_id), by=request.auth)
    return incoming_detail(request.auth, doc_id)


class CirculateIn(Schema):
    reader_ids: list[int] = Field(..., min_length=1, max_length=200)


@router.post("/documents/incoming/{doc_id}/circulate", response=STEP, summary="传阅给本单位干部（阅知回执）")
def circulate(request, doc_id: int, payload: CirculateIn):
    services.circulate(queries.incoming_for(request.auth, doc_id), by=request.auth, readers=payload.reader_ids)
    return incoming_detail(request.auth, doc_id)


class ReadIn(Schema):
    comment: str = text("阅知意见", 300, "")


def _circulated(user, doc_id: int) -> IncomingDocument:
    """A reader opens what was circulated to them even outside their scope."""
    doc = (IncomingDocument.objects.select_related("org").filter(pk=doc_id, circulations__reader=user).first())
    if doc is None:
        raise NotFound("收文不存在")
    return doc


@router.post("/documents/incoming/{doc_id}/read", response=STEP, summary="阅知（传阅回执）")
def read(request, doc_id: int, payload: ReadIn = None):
    doc = _circulated(request.auth, doc_id)
    row = services.mark_read(doc, by=request.auth, comment=payload.comment if payload is not None else "")
    return {"document_id": doc.pk, "read_at": row.read_at, "comment": row.comment}
