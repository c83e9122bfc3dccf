"""/api/v1 office: the meetings part (会议管理): rooms, booking, notices, receipts (回执), QR sign-in, minutes and
action items (督办事项).

Times are ISO 8601 with a time zone, on whole half hours (09:00, 09:30); a booking that clashes with another
meeting of the room answers 409 code "room_taken" naming the meeting that holds it (details.meeting_id). A meeting
outside the caller's subtree that they are not invited to answers 404 like a missing one. Sign-in takes the token
of the meeting's QR (the last segment of its URL); a second sign-in answers 200 with "already": true.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.contrib.auth import get_user_model
from ninja import File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.documents.common import router
from smartunion.api.schemas import CHOICE_INPUT, NOTE_INPUT, ErrorOut, text
from smartunion.core.errors import Invalid, NotFound
from smartunion.core.pagination import paginate
from smartunion.documents.models import ActionItem, Invitation, Meeting, Minutes, Room
from smartunion.documents.queries import meetings as queries
from smartunion.documents.services import meetings as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import visible_orgs

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def room_out(room: Room) -> dict:
    return {"id": room.pk, "name": room.name, "location": room.location, "capacity": room.capacity,
            "active": room.active, "org": {"id": room.org_id, "name": room.org.name}}


def meeting_out(meeting: Meeting) -> dict:
    return {"id": meeting.pk, "title": meeting.title, "org": {"id": meeting.org_id, "name": meeting.org.name},
            "room": {"id": meeting.room_id, "name": meeting.room.name} if meeting.room_id else None,
            "place": meeting.place, "where": services.where_text(meeting), "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "status": meeting.status, "status_label": meeting.get_status_display(),
            "reply_due_at": meeting.reply_due_at}


def invitation_out(invitation: Invitation) -> dict:
    return {"id": invitation.pk,
            "user": {"id": invitation.user_id, "name": str(invitation.user)} if invitation.user_id else None,
            "org": {"id": invitation.org_id, "name": invitation.org.name} if invitation.org_id else None,
            "reply": invitation.reply, "reply_label": invitation.get_reply_display(),
            "delegate_name": invitation.delegate_name, "reason": invitation.reason,
            "replied_at": invitation.replied_at, "signed_in_at": invitation.signed_in_at}


def item_out(item: ActionItem) -> dict:
    return {"id": item.pk, "title": item.title, "meeting": {"id": item.meeting_id, "title": item.meeting.title},
            "owner": {"id": item.owner_id, "name": str(item.owner)}, "due_on": item.due_on, "status": item.status,
            "status_label": item.get_status_display(), "overdue": services.is_overdue(item), "result": item.result,
            "done_at": item.done_at}


def detail_out(meeting: Meeting, user) -> dict:
    out = meeting_out(meeting)
    figures = queries.tally(meeting)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    out.update(
        agenda=meeting.agenda, tally=figures.__dict__,
        invitations=[invitation_out(i) for i in queries.invitations_of(meeting)],
        minutes={"body": minutes.body, "has_file": bool(minutes.file), "written_at": minutes.written_at}
        if minutes is not None else None,
        action_items=[item_out(i) for i in meeting.action_items.select_related("owner").order_by("due_on", "pk")],
    )
    mine = services.invitation_for(user, meeting)
    out["my_invitation"] = invitation_out(mine) if mine is not None else None
    return out


# Rooms -------------------------------------------------------------------------------------------------------------


class MeetingPageParams(Schema):
    page: int = 1
    page_size: int = 20


@router.get("/meetings/rooms", response={200: dict, 422: ErrorOut}, summary="会议室（本级及下级单位）")
def list_rooms(request, params: Query[MeetingPageParams]):
    return paginate(queries.visible_rooms(request.auth), page=params.page, page_size=params.page_size,
                    serialize=room_out)


class RoomIn(Schema):
    org_id: int
    name: str = text("会议室名称", 50)
    location: str = text("位置", 100, "")
    capacity: int = Field(10, title="容纳人数")


def _org(user, org_id: int) -> Organisation:
    org = visible_orgs(user).filter(pk=org_id).first()
    if org is None:
        raise NotFound("单位不存在")
    return org


@router.post("/meetings/rooms", response={201: dict, **ERRORS}, summary="新增会议室（本单位或上级单位的主席、管理员）")
def create_room(request, payload: RoomIn):
    room = services.create_room(by=request.auth, org=_org(request.auth, payload.org_id), name=payload.name,
                                location=payload.location, capacity=payload.capacity)
    return Status(201, room_out(room))


# Action items (before /meetings/{id}) --------------------------------------------------------------------------------


class ItemParams(MeetingPageParams):
    open_only: bool = False


@router.get("/meetings/action-items", response={200: dict, 422: ErrorOut}, summary="我的督办事项")
def my_action_items(request, params: Query[ItemParams]):
    return paginate(queries.my_action_items(request.auth, open_only=params.open_only), page=params.page,
                    page_size=params.page_size, serialize=item_out)


class DoneIn(Schema):
    result: str = text("完成情况", 300)


@router.post("/meetings/action-items/{item_id}/done", response={200: dict, **ERRORS},
             summary="办结督办事项（责任人或会议主办单位的主席、管理员）")
def action_item_done(request, item_id: int, payload: DoneIn):
    item = queries.action_item_for(request.auth, item_id)
    return item_out(services.complete_action_item(item, by=request.auth, result=payload.result))


# Meetings ----------------------------------------------------------------------------------------------------------


class MeetingParams(MeetingPageParams):
    status: str = text("状态", CHOICE_INPUT, "")
    q: str = text("搜索", 100, "")


@router.get("/meetings", response={200: dict, 422: ErrorOut}, summary="本级及下级单位的会议")
def list_meetings(request, params: Query[MeetingParams]):
    rows = queries.org_meetings(request.auth)
    if params.status:
        if params.status not in Meeting.Status.values:
            raise Invalid.from_fields({"status": "状态不正确"})
        rows = rows.filter(status=params.status)
    if params.q.strip():
        rows = rows.filter(title__contains=params.q.strip())
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=meeting_out)


class InviteesIn(Schema):
    user_ids: list[int] = Field(default_factory=list, max_length=500, title="参会人")
    org_ids: list[int] = Field(default_factory=list, max_length=500, title="参会单位")


class MeetingIn(Schema):
    org_id: int | None = Field(None, title="主办单位", description="默认为会议室所属单位")
    title: str = text("会议名称", 200)
    agenda: str = text("议程", 5000, "")
    room_id: int | None = None
    place: str = text("地点", 100, "")
    starts_at: dt.datetime
    ends_at: dt.datetime
    reply_due_at: dt.datetime | None = None
    invitees: InviteesIn = Field(default_factory=InviteesIn)


def _room(user, room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = queries.bookable_rooms(user).filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在")
    return room


@router.post("/meetings", response={201: dict, **ERRORS}, summary="安排会议并预订会议室（冲突时 409 room_taken）")
def book(request, payload: MeetingIn):
    user = request.auth
    room = _room(user, payload.room_id)
    if payload.org_id is not None:
        org = _org(user, payload.org_id)
    elif room is not None:
        org = room.org
    else:
        raise Invalid.from_fields({"org_id": "请选择主办单位"}, message="请选择主办单位")
    meeting = services.schedule(
        by=user, org=org, title=payload.title, agenda=payload.agenda, room=room, place=payload.place,
        starts_at=payload.starts_at, ends_at=payload.ends_at, reply_due_at=payload.reply_due_at,
        user_ids=payload.invitees.user_ids, org_ids=payload.invitees.org_ids)
    return Status(201, detail_out(queries.meeting_for(user, meeting.pk), user))


@router.get("/meetings/{meeting_id}", response={200: dict, 404: ErrorOut},
             summary="会议详情（通知、回执、签到、纪要、督办事项）")
def get_meeting(request, meeting_id: int):
    return detail_out(queries.meeting_for(request.auth, meeting_id), request.auth)


@router.post("/meetings/{meeting_id}/notify", response={200: dict, **ERRORS}, summary="追加参会人、参会单位并发送通知")
def notify(request, meeting_id: int, payload: InviteesIn):
    meeting = queries.meeting_for(request.auth, meeting_id)
    added = services.notify(meeting, by=request.auth, user_ids=payload.user_ids, org_ids=payload.org_ids)
    return {"added": len(added), "meeting": detail_out(meeting, request.auth)}


class ReplyIn(Schema):
    reply: str = text("回执", CHOICE_INPUT, description="attend（参加）、delegate（委派他人参加）、absent（请假）")
    delegate_name: str = text("委派人员", 50, "")
    reason: str = text("请假事由", 200, "")
    invitation_id: int | None = Field(None, description="代表受邀单位回执时指定该单位的通知；默认为本人的通知")


@router.post("/meetings/{meeting_id}/reply", response={200: dict, **ERRORS},
             summary="回执（本人，或受邀单位的主席、管理员）")
def reply(request, meeting_id: int, payload: ReplyIn):
    user = request.auth
    meeting = queries.meeting_for(user, meeting_id)
    if payload.invitation_id is not None:
        invitation = queries.invitation_for_reply(user, payload.invitation_id)
        if invitation.meeting_id != meeting.pk:
            raise NotFound("会议通知不存在")
    else:
        found = services.invitation_for(user, meeting)
        if found is None:
            raise NotFound("您没有收到本次会议的通知")
        invitation = found
    done = services.reply(invitation, by=user, answer=payload.reply, delegate_name=payload.delegate_name,
                          reason=payload.reason)
    return invitation_out(done)


class SignInIn(Schema):
    token: str = text("签到码", 80)


@router.post("/meetings/{meeting_id}/sign-in", response={200: dict, **ERRORS},
             summary="扫码签到（会议开始前1小时至结束）")
def sign_in(request, meeting_id: int, payload: SignInIn):
    if not payload.token.startswith(f"{meeting_id}."):
        raise NotFound("签到码无效")
    signed = services.sign_in(by=request.auth, token=payload.token)
    return {"already": signed.already, "message": signed.message, "invitation": invitation_out(signed.invitation)}


class CancelIn(Schema):
    reason: str = text("取消原因", NOTE_INPUT, "")


@router.post("/meetings/{meeting_id}/cancel", response={200: dict, **ERRORS},
             summary="取消会议（释放会议室，通知参会人）")
def cancel(request, meeting_id: int, payload: CancelIn):
    meeting = queries.meeting_for(request.auth, meeting_id)
    services.cancel(meeting, by=request.auth, reason=payload.reason)
    return detail_out(queries.meeting_for(request.auth, meeting_id), request.auth)


MinutesText = Annotated[str, Field(min_length=1, max_length=20000, title="纪要")]


@router.post("/meetings/{meeting_id}/minutes", response={200: dict, **ERRORS},
             summary="会议纪要（multipart：body，可选附件 file：PDF 或图片，20 MB 以内）")
def minutes(request, meeting_id: int, body: Form[MinutesText], file: UploadedFile = File(None)):  # noqa: B008  (ninja's marker)
    meeting = queries.meeting_for(request.auth, meeting_id)
    saved = services.save_minutes(meeting, by=request.auth, body=body, file=file)
    return {"body": saved.body, "has_file": bool(saved.file), "written_at": saved.written_at}


class ActionItemIn(Schema):
    title: str = text("督办事项", 200)
    owner_id: int
    due_on: dt.date


@router.post("/meetings/{meeting_id}/action-items", response={201: dict, **ERRORS}, summary="布置督办事项")
def add_action_item(request, meeting_id: int, payload: ActionItemIn):
    meeting = queries.meeting_for(request.auth, meeting_id)
    owner = get_user_model().objects.filter(pk=payload.owner_id, is_active=True).first()
    if owner is None:
        raise Invalid.from_fields({"owner_id": "责任人不存在"}, message="责任人不存在")
    item = services.add_action_item(meeting, by=request.auth, title=payload.title, owner=owner,
                                    due_on=payload.due_on)
    return Status(201, item_out(ActionItem.objects.select_related("meeting", "owner").get(pk=item.pk)))

