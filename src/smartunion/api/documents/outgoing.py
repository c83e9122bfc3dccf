"""/api/v1/documents: outgoing documents (发文).

A document is read by the cadres of its org and the orgs above, and by its countersigning parties while their answer
is pending (documents/queries/outgoing.py); anything else answers 404 like a missing one. Each step answers the
document as GET /documents/{id} does. A save names the revision it started from (`base_revision`): a save from an
older revision answers 409 with code stale_revision. Paths use integer ids (`/documents/{id}`), so the incoming
documents' paths under /documents/incoming (the exchange part) do not clash.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from ninja import File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.documents.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.pagination import paginate
from smartunion.core.workflow import history
from smartunion.documents.models import Countersign, NumberingRule, OutgoingDocument
from smartunion.documents.queries import outgoing as queries
from smartunion.documents.services import outgoing as services
from smartunion.orgs.models import Organisation

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, **ERRORS}
S = OutgoingDocument.Status


def document_out(document: OutgoingDocument) -> dict:
    return {
        "id": document.pk, "org": {"id": document.org_id, "name": document.org.name},
        "kind": document.kind, "kind_label": document.get_kind_display(), "title": document.title,
        "number": document.number, "status": document.status, "status_label": document.get_status_display(),
        "revision": document.revision, "urgency": document.urgency, "secrecy": document.secrecy,
        "drafter": str(document.created_by) if document.created_by_id else "",
        "updated_at": document.updated_at,
    }


def countersign_out(row: Countersign) -> dict:
    return {"id": row.pk, "round": row.round, "department": row.department.name if row.department_id else "",
            "org": row.org.name if row.org_id else "", "status": row.status, "status_label": row.get_status_display(),
            "note": row.note, "decided_by": str(row.decided_by) if row.decided_by_id else "",
            "decided_at": row.decided_at}


def detail_out(document: OutgoingDocument, user) -> dict:
    out = document_out(document)
    out.update(
        issuer_mark=document.issuer_mark, copy_number=document.copy_number, secrecy_period=document.secrecy_period,
        rule={"id": document.rule_id, "prefix": document.rule.prefix} if document.rule_id else None,
        number_year=document.number_year, number_seq=document.number_seq, signer_name=document.signer_name,
        main_recipients=document.main_recipients, body=document.body, cc=document.cc,
        written_on=document.written_on, printer=document.printer, printed_on=document.printed_on,
        return_reason=document.return_reason,
        countersigns=[countersign_out(r) for _, rows in queries.countersign_rounds(document) for r in rows],
        attachments=[{"id": a.pk, "name": a.name, "size": a.size, "sha256": a.sha256}
                     for a in document.attachments.order_by("position", "id")],
        history=[{"action": h.action, "label": services.OUTGOING_WORKFLOW.action_label(h.action),
                  "from": h.from_state, "to": h.to_state, "note": h.note, "at": h.created_at,
                  "actor": str(h.actor) if h.actor_id else "系统"}
                 for h in history(services.OUTGOING_WORKFLOW, document)],
        actions=[t.action for t in services.steps_for(document, user)]
        + (["countersign"] if queries.answerable(document, user) else []),
    )
    return out


def _find(request, document_id: int) -> OutgoingDocument:
    return queries.document_for(request.auth, document_id)


def _answer(request, document: OutgoingDocument) -> dict:
    return detail_out(queries.document_for(request.auth, document.pk), request.auth)


# Lists and drafting -----------------------------------------------------------------------------------------------


class DocumentListParams(Schema):
    page: int = 1
    page_size: int = 20
    queue: str = text("待办", CHOICE_INPUT, "", description="mine 我的草稿、check 待核稿、countersign 待会签、"
                      "sign 待签发、clerk 待编号用印；空为可见的全部公文")
    status: str = text("状态", CHOICE_INPUT, "", description="draft、checking、countersign、signing、numbering、"
                       "sealing、distribution、archived、cancelled")
    q: str = text("搜索", SEARCH_INPUT, "", description="标题或发文字号")


@router.get("/documents", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="发文列表：可见的公文，或某一待办（我的草稿、待核稿、待会签、待签发、待编号用印）")
def list_documents(request, params: Query[DocumentListParams]):
    user = request.auth
    if params.queue and params.queue not in queries.QUEUES:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"queue": "待办类别不正确"})
    if params.status and params.status not in S.values:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"status": "状态不正确"})
    queryset = queries.QUEUES[params.queue](user) if params.queue else queries.visible_documents(user)
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.q.strip():
        queryset = queryset.filter(Q(title__icontains=params.q.strip()) | Q(number__icontains=params.q.strip()))
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=document_out)


class ElementsIn(Schema):
    kind: str = text("文种", CHOICE_INPUT, "notice", description="notice 通知、decision 决定、opinion 意见、"
                     "report 报告、request 请示、reply 批复、letter 函、circular 通报、minutes 纪要")
    title: str = text("标题", 200)
    issuer_mark: str = text("发文机关标志", 50, "", description="空为“<发文机关>文件”")
    copy_number: str = text("份号", 6, "")
    secrecy: str = text("密级", CHOICE_INPUT, "", description="空、secret 秘密、confidential 机密、top_secret 绝密")
    secrecy_period: str = text("保密期限", 20, "")
    urgency: str = text("紧急程度", CHOICE_INPUT, "", description="空、urgent 加急、extra_urgent 特急")
    rule_id: int | None = Field(None, description="发文字号规则（发文机关的在用规则）")
    main_recipients: str = text("主送机关", 500, "")
    body: str = text("正文", services.MAX_BODY, "")
    cc: str = text("抄送机关", 500, "")
    written_on: dt.date | None = None
    printer: str = text("印发机关", 100, "")
    printed_on: dt.date | None = None

    def values(self) -> dict:
        data = self.dict()
        data["rule"] = data.pop("rule_id")
        return data


class DocumentIn(ElementsIn):
    org_id: int = Field(..., description="发文机关（本单位或下级单位）")


@router.post("/documents", response={201: dict, **ERRORS}, summary="拟稿：新建发文（第 1 版）")
def create_document(request, payload: DocumentIn):
    org = Organisation.objects.filter(pk=payload.org_id).first()
    values = payload.values()
    values.pop("org_id")
    document = services.create_document(by=request.auth, org=org, **values)
    return Status(201, _answer(request, document))


@router.get("/documents/{int:document_id}", response={200: dict, 404: ErrorOut},
            summary="发文详情（要素、会签各轮意见、附件、流转记录、当前可执行的操作）")
def get_document(request, document_id: int):
    return detail_out(_find(request, document_id), request.auth)


class SaveIn(ElementsIn):
    base_revision: int = Field(..., description="开始修改时的版本号；他人已保存新版本时返回 409 stale_revision")


@router.post("/documents/{int:document_id}/save", response=STEP, summary="保存草稿为新版本（乐观锁）")
def save_document(request, document_id: int, payload: SaveIn):
    document = _find(request, document_id)
    values = payload.values()
    base = values.pop("base_revision")
    return _answer(request, services.save_document(document, by=request.auth, base_revision=base, **values))


@router.post("/documents/{int:document_id}/attachments", response={201: dict, **ERRORS},
             summary="上传一个附件（multipart，字段 file；PDF、OFD、.docx、.xlsx 或图片，不超过 20 MB；仅拟稿中）")
def upload_attachment(request, document_id: int, file: File[UploadedFile]):
    attachment = services.add_attachment(_find(request, document_id), by=request.auth, file=file)
    return Status(201, {"id": attachment.pk, "name": attachment.name, "size": attachment.size,
                        "sha256": attachment.sha256})


# Steps ------------------------------------------------------------------------------------------------------------


class OutgoingNoteIn(Schema):
    note: str = text("意见", services.MAX_REASON, "")


class OutgoingReasonIn(Schema):
    note: str = text("原因", services.MAX_REASON)


@router.post("/documents/{int:document_id}/submit", response=STEP, summary="送核稿（拟稿 → 核稿）")
def submit(request, document_id: int):
    return _answer(request, services.submit(_find(request, document_id), by=request.auth))


@router.post("/documents/{int:document_id}/cancel", response=STEP, summary="作废（仅拟稿中）")
def cancel(request, document_id: int, payload: OutgoingNoteIn = None):
    note = payload.note if payload is not None else ""
    return _answer(request, services.cancel(_find(request, document_id), by=request.auth, note=note))


class OutgoingCheckIn(Schema):
    department_ids: list[int] = Field([], max_length=50, description="会签部门（发文机关的部门）")
    org_ids: list[int] = Field([], max_length=200, description="会签单位")
    note: str = text("核稿意见", services.MAX_REASON, "")


@router.post("/documents/{int:document_id}/check", response=STEP,
             summary="核稿（审核员或主席）：不选会签方则送签发，选了部门或单位则送会签")
def check(request, document_id: int, payload: OutgoingCheckIn):
    document = _find(request, document_id)
    return _answer(request, services.check(document, by=request.auth, departments=payload.department_ids,
                                           orgs=payload.org_ids, note=payload.note))


class CountersignIn(Schema):
    decision: str = text("会签意见", CHOICE_INPUT, description="agree 同意、refuse 不同意（须填理由）")
    note: str = text("意见或理由", services.MAX_REASON, "")
    party_id: int | None = Field(None, description="同时代表多个会签方时指定其中一个（会签记录 id）")


@router.post("/documents/{int:document_id}/countersign", response=STEP,
             summary="会签：同意，或不同意并填写理由（一方不同意即退回拟稿人，本轮其他意见保留）")
def countersign(request, document_id: int, payload: CountersignIn):
    document = _find(request, document_id)
    if payload.decision not in ("agree", "refuse"):
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {"decision": "会签意见应为 agree 或 refuse"})
    party = Countersign.objects.filter(pk=payload.party_id, document=document).first() if payload.party_id else None
    if payload.party_id and party is None:
        raise ApiError(404, "not_found", "会签记录不存在")
    services.countersign(document, by=request.auth, agree=payload.decision == "agree", note=payload.note,
                         party=party)
    # The party's answer ends its sight of the document (unless its org is above): it is shown the result once.
    fresh = OutgoingDocument.objects.select_related("org", "created_by", "rule").get(pk=document.pk)
    return detail_out(fresh, request.auth)


@router.post("/documents/{int:document_id}/sign", response=STEP, summary="签发（发文机关主席）")
def sign(request, document_id: int, payload: OutgoingNoteIn = None):
    note = payload.note if payload is not None else ""
    return _answer(request, services.sign(_find(request, document_id), by=request.auth, note=note))


class NumberIn(Schema):
    rule_id: int | None = Field(None, description="发文字号规则；空为公文已选的规则")


@router.post("/documents/{int:document_id}/number", response=STEP,
             summary="编号（发文机关管理员）：取规则当年的下一个序号，如 鲁工发〔2026〕12号")
def number(request, document_id: int, payload: NumberIn = None):
    document = _find(request, document_id)
    rule = None
    if payload is not None and payload.rule_id:
        rule = NumberingRule.objects.filter(pk=payload.rule_id, org_id=document.org_id).first()
        if rule is None:
            raise ApiError(422, "invalid", "发文字号规则不存在或不属于发文机关",
                           {"rule_id": "发文字号规则不存在或不属于发文机关"})
    return _answer(request, services.number(document, by=request.auth, rule=rule))


@router.post("/documents/{int:document_id}/seal", response=STEP, summary="用印完成（用印 → 分发）")
def seal(request, document_id: int):
    return _answer(request, services.seal(_find(request, document_id), by=request.auth))


@router.post("/documents/{int:document_id}/distribute", response=STEP,
             summary="转入分发（与 /seal 同一步：用印 → 分发；此后由公文交换发送）")
def distribute(request, document_id: int):
    return _answer(request, services.distribute(_find(request, document_id), by=request.auth))


@router.post("/documents/{int:document_id}/archive", response=STEP, summary="归档（分发 → 归档）")
def archive(request, document_id: int):
    return _answer(request, services.archive(_find(request, document_id), by=request.auth))


@router.post("/documents/{int:document_id}/return", response=STEP,
             summary="退回拟稿人（核稿或签发环节，须填写原因）")
def return_document(request, document_id: int, payload: OutgoingReasonIn):
    return _answer(request, services.return_document(_find(request, document_id), by=request.auth,
                                                     note=payload.note))


# Versions ---------------------------------------------------------------------------------------------------------


@router.get("/documents/{int:document_id}/versions", response={200: list[dict], 404: ErrorOut},
            summary="版本列表（每次保存一个版本）")
def versions(request, document_id: int):
    document = _find(request, document_id)
    return [{"number": v.number, "title": v.title, "saved_by": str(v.saved_by) if v.saved_by_id else "",
             "saved_at": v.saved_at} for v in document.versions.select_related("saved_by").order_by("-number")]


class DiffParams(Schema):
    older: int = Field(..., ge=1)
    newer: int = Field(..., ge=1)


@router.get("/documents/{int:document_id}/diff", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="两个版本的逐行差异（equal 相同、delete 删除、insert 新增）")
def version_diff(request, document_id: int, params: Query[DiffParams]):
    document = _find(request, document_id)
    lines = services.versions_diff(document, params.older, params.newer)
    return {"older": params.older, "newer": params.newer, "lines": [{"op": op, "line": line} for op, line in lines]}
