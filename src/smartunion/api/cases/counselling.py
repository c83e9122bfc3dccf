"""Legal aid (/legal-aid/...) and counselling (/counselling/...).

Legal aid: a worker applies (`POST /legal-aid/applications`, amounts in fen), adds files, follows their own
applications; a handling cadre reads the scoped queue (`GET /legal-aid/queue`) and accepts, rejects, assigns a
lawyer, notes and closes. An application outside the cadre's scope, or another worker's, is not found.

Counselling is open to every logged-in account of the deployment: free future slots (`GET /counselling/slots`,
optionally narrowed to an org's subtree and a day), booking under a nickname (`POST /counselling/bookings`), my
bookings and cancelling within the rules. The counsellor's endpoints (`/counselling/sessions`, the note, done,
no-show) answer only the booking's counsellor: everyone else, cadres and superusers included, gets 404.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.cases.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, NOTE_INPUT, PHONE_INPUT, REGION_INPUT, ErrorOut, text
from smartunion.cases.models import Booking, Lawyer, LegalAidApplication, Slot
from smartunion.cases.queries import counselling as counselling_queries
from smartunion.cases.queries import legal_aid as legal_aid_queries
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_name, mask_phone
from smartunion.orgs.models import Organisation

READ = {200: dict, 404: ErrorOut}
ACT = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
CREATED = {201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIST = {200: dict, 404: ErrorOut, 422: ErrorOut}


# Legal aid ------------------------------------------------------------------------------------------------------

class LegalAidApplicationIn(Schema):
    name: str = text("申请人", 50)
    phone: str = text("联系电话", PHONE_INPUT)
    employer_name: str = text("对方单位", 150)
    region: str = text("纠纷发生地", REGION_INPUT, description="行政区划代码（区县或乡镇街道），如 370102")
    dispute_type: str = text("争议类别", CHOICE_INPUT,
                             description="wages、contract、social_insurance、work_injury、overtime、dismissal 或 other")
    dispute_summary: str = text("争议概要", 5000, description="争议经过和请求，至少 10 个字")
    claim_amount_fen: int | None = Field(None, title="请求金额（分）", ge=0, le=legal_aid.MAX_CLAIM_FEN,
                                         description="请求金额，单位为分（1 元 = 100 分）；不涉及金额时不填")


class LegalAidAcceptIn(Schema):
    note: str = text("意见", 500, "")


class LegalAidRejectIn(Schema):
    reason: str = text("不予援助的原因", 500)


class LegalAidAssignIn(Schema):
    lawyer_id: int = Field(title="律师编号", ge=1, le=2**31 - 1)
    note: str = text("说明", 500, "")


class LegalAidCloseIn(Schema):
    outcome: str = text("结案方式", CHOICE_INPUT, description="mediated、arbitration、litigation 或 withdrawn")
    recovered_fen: int | None = Field(None, title="挽回金额（分）", ge=0, le=legal_aid.MAX_CLAIM_FEN,
                                      description="为职工挽回的金额，单位为分；撤回时可不填（记为 0）")
    note: str = text("结案说明", 500, "")


class LegalAidNoteIn(Schema):
    body: str = text("进展", 2000)


class LegalAidQueueParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = Field("", max_length=CHOICE_INPUT, description="submitted、accepted、rejected、assigned 或 closed")


class CounsellingPageParams(Schema):
    page: int = 1
    page_size: int = 20


def lawyer_out(lawyer: Lawyer | None) -> dict | None:
    if lawyer is None:
        return None
    return {"id": lawyer.pk, "name": lawyer.name, "firm": lawyer.firm, "phone": mask_phone(lawyer.phone),
            "specialties": lawyer.specialties, "org": {"id": lawyer.org_id, "name": lawyer.org.name}}


def application_out(a: LegalAidApplication, *, detail: bool = False, cadre: bool = False) -> dict:
    out = {
        "id": a.pk, "number": a.number, "status": a.status, "status_label": a.get_status_display(),
        "dispute_type": a.dispute_type, "dispute_type_label": legal_aid.DISPUTE_TYPES.get(a.dispute_type, ""),
        "employer_name": a.employer_name, "claim_amount_fen": a.claim_amount_fen,
        "routed_to": {"id": a.org_id, "name": a.org.name}, "submitted_at": a.submitted_at,
        "outcome": a.outcome, "outcome_label": a.get_outcome_display() if a.outcome else "",
        "recovered_fen": a.recovered_fen, "closed_at": a.closed_at,
    }
    if cadre:
        out.update(name=mask_name(a.name), phone=mask_phone(a.phone))
    if detail:
        out.update(
            dispute_summary=a.dispute_summary, region=a.region_id, review_note=a.review_note,
            lawyer=lawyer_out(a.lawyer),
            notes=[{"body": n.body, "created_at": n.created_at} for n in legal_aid_queries.notes_of(a)],
            attachments=[{"id": f.pk, "name": f.name, "content_type": f.content_type, "size": f.size}
                         for f in a.attachments.all()],
        )
    return out


def _visible_application(request, application_id: int) -> tuple[LegalAidApplication, bool]:
    """(the application, read as a cadre): the worker's own, else one of the cadre's scope; else 404."""
    related = ("org", "lawyer__org")
    own = legal_aid_queries.my_applications(request.auth).select_related(*related).filter(pk=application_id).first()
    if own is not None:
        return own, False
    handled = (legal_aid_queries.visible_applications(request.auth).select_related(*related)
               .filter(pk=application_id).first())
    if handled is None:
        raise ApiError(404, "not_found", "申请不存在")
    return handled, True


def _handled(request, application_id: int) -> LegalAidApplication:
    found = (legal_aid_queries.visible_applications(request.auth).select_related("org", "lawyer__org")
             .filter(pk=application_id).first())
    if found is None:
        raise ApiError(404, "not_found", "申请不存在")
    return found


@router.post("/legal-aid/applications", response=CREATED, summary="申请法律援助（按纠纷发生地分派到受理工会）")
def apply(request, payload: LegalAidApplicationIn):
    made = legal_aid.apply_for_legal_aid(by=request.auth, **payload.dict())
    return Status(201, application_out(made, detail=True))


@router.get("/legal-aid/applications", response=LIST, summary="我的法律援助申请（最新的在前）")
def my_applications(request, params: Query[CounsellingPageParams]):
    queryset = legal_aid_queries.my_applications(request.auth).select_related("org")
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=application_out)


@router.get("/legal-aid/applications/{application_id}", response=READ,
            summary="法律援助申请详情（本人的申请，或干部管辖范围内的申请）")
def get_application(request, application_id: int):
    found, cadre = _visible_application(request, application_id)
    return application_out(found, detail=True, cadre=cadre)


@router.post("/legal-aid/applications/{application_id}/attachments", response=CREATED,
             summary="补充材料（图片或 PDF，单个不超过 10MB）")
def add_attachment(request, application_id: int, file: File[UploadedFile]):
    own = legal_aid_queries.my_applications(request.auth).filter(pk=application_id).first()
    if own is None:
        raise ApiError(404, "not_found", "申请不存在")
    made = legal_aid.add_attachment(own, file, by=request.auth)
    return Status(201, {"id": made.pk, "name": made.name, "content_type": made.content_type, "size": made.size})


@router.get("/legal-aid/queue", response=LIST, summary="法律援助待办（干部管辖范围内的申请，姓名和电话脱敏）")
def queue(request, params: Query[LegalAidQueueParams]):
    if params.status and params.status not in LegalAidApplication.Status.values:
        raise ApiError(422, "invalid", "状态不正确",
                       {"status": "状态应为 submitted、accepted、rejected、assigned 或 closed"})
    queryset = legal_aid_queries.visible_applications(request.auth).select_related("org").order_by("-id")
    if params.status:
        queryset = queryset.filter(status=params.status)
    return paginate(queryset, page=params.page, page_size=params.page_size,
                    serialize=lambda a: application_out(a, cadre=True))


@router.post("/legal-aid/applications/{application_id}/accept", response=ACT, summary="受理法律援助申请")
def accept(request, application_id: int, payload: LegalAidAcceptIn):
    done = legal_aid.accept_application(_handled(request, application_id), by=request.auth, note=payload.note)
    return application_out(done, detail=True, cadre=True)


@router.post("/legal-aid/applications/{application_id}/reject", response=ACT, summary="不予援助（须说明原因）")
def reject(request, application_id: int, payload: LegalAidRejectIn):
    done = legal_aid.reject_application(_handled(request, application_id), by=request.auth, reason=payload.reason)
    return application_out(done, detail=True, cadre=True)


@router.post("/legal-aid/applications/{application_id}/assign", response=ACT,
             summary="指派援助律师（本单位或上级工会律师库中的在库律师）")
def assign(request, application_id: int, payload: LegalAidAssignIn):
    done = legal_aid.assign_lawyer(_handled(request, application_id), by=request.auth, lawyer_id=payload.lawyer_id,
                                   note=payload.note)
    return application_out(done, detail=True, cadre=True)


@router.post("/legal-aid/applications/{application_id}/close", response=ACT, summary="结案（结案方式与挽回金额）")
def close(request, application_id: int, payload: LegalAidCloseIn):
    done = legal_aid.close_application(_handled(request, application_id), by=request.auth, outcome=payload.outcome,
                                       recovered_fen=payload.recovered_fen, note=payload.note)
    return application_out(done, detail=True, cadre=True)


@router.post("/legal-aid/applications/{application_id}/notes", response=CREATED, summary="填写援助进展")
def add_progress(request, application_id: int, payload: LegalAidNoteIn):
    note = legal_aid.add_note(_handled(request, application_id), by=request.auth, body=payload.body)
    return Status(201, {"id": note.pk, "body": note.body, "created_at": note.created_at})


@router.get("/legal-aid/applications/{application_id}/lawyers", response=READ,
            summary="可指派的律师（本单位及上级工会律师库中的在库律师，电话脱敏）")
def assignable_lawyers(request, application_id: int):
    found = _handled(request, application_id)
    return {"items": [lawyer_out(lawyer) for lawyer in legal_aid_queries.lawyers_for(found)[:200]]}


# Counselling ----------------------------------------------------------------------------------------------------

class CounsellingSlotParams(Schema):
    page: int = 1
    page_size: int = 20
    org_id: int | None = Field(None, ge=1, le=2**31 - 1, description="只看该工会及下级工会的咨询师")
    counsellor_id: int | None = Field(None, ge=1, le=2**31 - 1)
    # Text with a pattern, not a date type: pydantic would read a bare number as a Unix time.
    date: str = Field("", max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$",
                      description="只看这一天的时段（YYYY-MM-DD）")


class CounsellingCounsellorParams(Schema):
    org_id: int | None = Field(None, ge=1, le=2**31 - 1, description="只看该工会及下级工会的咨询师")


class CounsellingBookingIn(Schema):
    slot_id: int = Field(title="时段编号", ge=1, le=2**31 - 1)
    nickname: str = text("称呼", 30, description="可以用昵称；咨询师只看到这个称呼")
    topic: str = text("想咨询的方面", 200, "")
    phone: str = text("联系电话", PHONE_INPUT, "", description="选填：线上或电话咨询时联系用")


class CounsellingCancelIn(Schema):
    reason: str = text("取消原因", NOTE_INPUT, "")


class CounsellingSessionNoteIn(Schema):
    body: str = text("咨询记录", 10000)


def slot_out(slot: Slot) -> dict:
    c = slot.counsellor
    return {"id": slot.pk, "starts_at": slot.starts_at, "ends_at": slot.ends_at, "mode": slot.mode,
            "mode_label": slot.get_mode_display(), "place": slot.place,
            "counsellor": {"id": c.pk, "display_name": c.display_name, "org": {"id": c.org_id, "name": c.org.name}}}


def booking_out(b: Booking) -> dict:
    return {"id": b.pk, "status": b.status, "status_label": b.get_status_display(), "nickname": b.nickname,
            "topic": b.topic, "slot": slot_out(b.slot), "created_at": b.created_at, "cancelled_at": b.cancelled_at,
            "may_cancel": b.status == Booking.Status.BOOKED and b.slot.starts_at - dt.timedelta(
                hours=counselling.CANCEL_HOURS) >= timezone.now()}


def session_out(b: Booking) -> dict:
    """A booking as its counsellor reads it: the nickname and topic, never the account's name."""
    return {"id": b.pk, "status": b.status, "status_label": b.get_status_display(), "nickname": b.nickname,
            "topic": b.topic, "phone": mask_phone(b.phone), "starts_at": b.slot.starts_at, "ends_at": b.slot.ends_at,
            "mode": b.slot.mode, "place": b.slot.place}


def _org_or_404(org_id: int | None) -> Organisation | None:
    if org_id is None:
        return None
    org = Organisation.objects.filter(pk=org_id, status=Organisation.Status.ACTIVE).first()
    if org is None:
        raise ApiError(404, "not_found", "组织不存在")
    return org


def _my_booking(request, booking_id: int) -> Booking:
    found = counselling_queries.my_bookings(request.auth).select_related("slot__counsellor__org").filter(
        pk=booking_id).first()
    if found is None:
        raise ApiError(404, "not_found", "预约不存在")
    return found


def _session(request, booking_id: int) -> Booking:
    """A booking of the asking counsellor; for anyone else (cadres, superusers) it does not exist."""
    counsellor = counselling_queries.counsellor_of(request.auth)
    found = (counselling_queries.counsellor_bookings(counsellor).select_related("slot__counsellor__org")
             .filter(pk=booking_id).first() if counsellor is not None else None)
    if found is None:
        raise ApiError(404, "not_found", "预约不存在")
    return found


@router.get("/counselling/counsellors", response=LIST, summary="心理咨询师（在岗）")
def counsellors(request, params: Query[CounsellingCounsellorParams]):
    rows = counselling_queries.active_counsellors(_org_or_404(params.org_id))[:200]
    return {"items": [{"id": c.pk, "display_name": c.display_name, "qualification": c.qualification,
                       "introduction": c.introduction, "org": {"id": c.org_id, "name": c.org.name}} for c in rows]}


@router.get("/counselling/slots", response=LIST, summary="可预约的咨询时段（未来、未被预约，最早的在前）")
def slots(request, params: Query[CounsellingSlotParams]):
    try:
        day = dt.date.fromisoformat(params.date) if params.date else None
    except ValueError:
        raise ApiError(422, "invalid", "日期不正确", {"date": "日期应为 YYYY-MM-DD"}) from None
    queryset = counselling_queries.open_slots(org=_org_or_404(params.org_id), day=day,
                                              counsellor_id=params.counsellor_id)
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=slot_out)


@router.post("/counselling/bookings", response=CREATED,
             summary="预约心理咨询（可用昵称；每人最多同时有 2 个未开始的预约）")
def book(request, payload: CounsellingBookingIn):
    booking = counselling.book_slot(payload.slot_id, by=request.auth, nickname=payload.nickname,
                                    topic=payload.topic, phone=payload.phone)
    return Status(201, booking_out(booking))


@router.get("/counselling/bookings", response=LIST, summary="我的心理咨询预约")
def my_bookings(request, params: Query[CounsellingPageParams]):
    queryset = counselling_queries.my_bookings(request.auth).select_related("slot__counsellor__org")
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=booking_out)


@router.post("/counselling/bookings/{booking_id}/cancel", response=ACT,
             summary="取消预约（最迟在开始前 2 小时；时段随即可被他人预约）")
def cancel(request, booking_id: int, payload: CounsellingCancelIn):
    done = counselling.cancel_booking(_my_booking(request, booking_id), by=request.auth, reason=payload.reason)
    return booking_out(done)


@router.get("/counselling/sessions", response={200: dict, 403: ErrorOut, 422: ErrorOut},
            summary="我的咨询（咨询师本人的预约，显示来访者的称呼）")
def sessions(request, params: Query[CounsellingPageParams]):
    counsellor = counselling_queries.counsellor_of(request.auth)
    if counsellor is None:
        raise ApiError(403, "not_counsellor", "该功能仅限心理咨询师使用")
    return paginate(counselling_queries.counsellor_bookings(counsellor), page=params.page,
                    page_size=params.page_size, serialize=session_out)


@router.get("/counselling/bookings/{booking_id}/note", response={200: dict, 403: ErrorOut, 404: ErrorOut},
            summary="咨询记录（仅该次咨询的咨询师本人）")
def get_note(request, booking_id: int):
    booking = _session(request, booking_id)
    return {"booking_id": booking.pk, "body": counselling.read_session_note(booking, by=request.auth)}


@router.put("/counselling/bookings/{booking_id}/note", response=ACT, summary="填写咨询记录（仅该次咨询的咨询师本人）")
def put_note(request, booking_id: int, payload: CounsellingSessionNoteIn):
    booking = _session(request, booking_id)
    note = counselling.write_session_note(booking, by=request.auth, body=payload.body)
    return {"booking_id": booking.pk, "body": note.body, "updated_at": note.updated_at}


@router.post("/counselling/bookings/{booking_id}/done", response=ACT, summary="标记咨询完成（咨询师）")
def done(request, booking_id: int):
    return session_out(counselling.mark_done(_session(request, booking_id), by=request.auth))


@router.post("/counselling/bookings/{booking_id}/no-show", response=ACT, summary="标记来访者未到（咨询师）")
def no_show(request, booking_id: int):
    return session_out(counselling.mark_no_show(_session(request, booking_id), by=request.auth))
