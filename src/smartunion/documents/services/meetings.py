"""Meetings (会议管理): rooms, booking, notices with receipts (回执), sign-in by QR, minutes and action items.

Decisions:
- Times are on whole half hours (hh:00 or hh:30, no seconds): a time off the grid is refused, never rounded, so
  what the organiser typed is what the notice says. The end is after the start and at most 24 hours later.
- Booking a room inserts one RoomSlot row per half hour inside the meeting's transaction; the unique (room, start)
  constraint makes two bookings of one room at one time impossible whatever the concurrency. A clash (seen before
  the insert, or raised by the constraint when another booking commits first) is a Conflict naming the meeting
  that holds the room. Adjacent meetings (one ends at 10:00, the next starts at 10:00) share no slot.
- A meeting in an outside place (place, no room) books nothing. Reschedule replaces the slots atomically (the old
  ones are deleted and the new ones inserted in one transaction: a clash keeps the old booking); cancel
  (scheduled → cancelled, core.workflow) frees the slots and tells the invitees; finish (scheduled → finished)
  once the meeting has begun.
- Notices go to people (Invitation.user) and to orgs (Invitation.org): an org's notice reaches its chairs and
  administrators, any of whom answers it. The in-app notices of one sending are one INSERT (notify_users).
- Receipts (attend / delegate with a name / absent with a reason) may be given and changed until reply_due_at
  (by default the start), only while the meeting is scheduled.
- Sign-in: the meeting's QR holds a URL with a token `<meeting id>.<HMAC-SHA256(checkin_secret, meeting id)>`,
  valid from one hour before the start to the end. Scanning it signs in the scanner's own notice (or, for a cadre
  of an invited org, the org's notice) once; a second scan answers 已签到 and changes nothing. An organiser may
  record someone present by hand (补签, mark_present).
- SYSTEM (the demo, an import) may record a meeting that already took place; people may only schedule ahead.
- Minutes (one per meeting: body and an optional PDF/image attachment) and action items (督办事项: title, owner,
  due date) once the meeting has begun; an item is done with a result by its owner or the organisers; an open item
  past its due date is overdue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.core.notifications import notify_users
from smartunion.core.uploads import IMAGES_AND_PDF, MB, check_upload
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.documents import rules_meetings as rules
from smartunion.documents.models import ActionItem, Invitation, Meeting, Minutes, Room, RoomSlot
from smartunion.orgs.models import Organisation, Position

SLOT = dt.timedelta(minutes=30)
MAX_LENGTH = dt.timedelta(hours=24)
CHECKIN_OPENS = dt.timedelta(hours=1)
MINUTES_MAX_BYTES = 20 * MB
S = Meeting.Status
R = Invitation.Reply


def _now() -> dt.datetime:
    return timezone.now()


def _fmt(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%m月%d日 %H:%M")


def when_text(meeting: Meeting) -> str:
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    if start.date() == end.date():
        return f"{start:%Y年%m月%d日 %H:%M}—{end:%H:%M}"
    return f"{start:%Y年%m月%d日 %H:%M}—{end:%m月%d日 %H:%M}"


def where_text(meeting: Meeting) -> str:
    room = meeting.room
    if room is not None:
        return f"{room.name}（{room.location}）" if room.location else room.name
    return meeting.place


def _text(value, *, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid.from_fields({field: f"请填写{label}"}, message=f"请填写{label}")
    if len(value) > limit:
        raise Invalid.from_fields({field: f"{label}最多{limit}个字"}, message=f"{label}最多{limit}个字")
    return value


# Rooms -------------------------------------------------------------------------------------------------------------


def _room_fields(*, name, location, capacity) -> dict:
    name = _text(name, field="name", label="会议室名称", limit=50)
    location = _text(location, field="location", label="位置", limit=100, required=False)
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 2000:
        raise Invalid.from_fields({"capacity": "容纳人数须在1至2000之间"}, message="容纳人数须在1至2000之间")
    return {"name": name, "location": location, "capacity": capacity}


def _name_taken(org: Organisation, name: str, *, exclude: int | None = None) -> None:
    taken = Room.objects.filter(org=org, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        message = f"本单位已有名为“{name}”的会议室"
        raise Conflict(message, code="room_exists", fields={"name": message})


def create_room(*, by, org: Organisation, name: str, location: str = "", capacity: int = 10) -> Room:
    require_actor(by)
    if not rules.can_manage_rooms(by, org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以管理会议室")
    fields = _room_fields(name=name, location=location, capacity=capacity)
    with transaction.atomic():
        _name_taken(org, fields["name"])
        room = Room.objects.create(org=org, org_path=org.path, **fields)
        log_event("documents.room.create", actor=by, target=room, org=org, data=dict(fields))
    return room


def update_room(room: Room, *, by, name: str, location: str = "", capacity: int = 10, active: bool = True) -> Room:
    require_actor(by)
    if not rules.can_manage_rooms(by, room.org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以管理会议室")
    fields = _room_fields(name=name, location=location, capacity=capacity)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        _name_taken(room.org, fields["name"], exclude=room.pk)
        changed = {k: v for k, v in {**fields, "active": bool(active)}.items() if getattr(room, k) != v}
        for key, value in changed.items():
            setattr(room, key, value)
        room.save()
        action = "documents.room.deactivate" if changed.get("active") is False else "documents.room.update"
        log_event(action, actor=by, target=room, org=room.org, data={"changed": sorted(changed)})
    return room


def deactivate_room(room: Room, *, by) -> Room:
    """停用: the room takes no new bookings; meetings already booked keep it."""
    return update_room(room, by=by, name=room.name, location=room.location, capacity=room.capacity, active=False)


# Times and slots --------------------------------------------------------------------------------------------------


def _aware(value, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise Invalid.from_fields({field: f"请填写{label}"}, message=f"请填写{label}")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def check_times(starts_at, ends_at) -> tuple[dt.datetime, dt.datetime]:
    starts_at = _aware(starts_at, "starts_at", "开始时间")
    ends_at = _aware(ends_at, "ends_at", "结束时间")
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value.minute not in (0, 30) or value.second or value.microsecond:
            raise Invalid.from_fields({field: "时间须为整点或半点（如 09:00、09:30）"},
                                      message="会议时间须为整点或半点（如 09:00、09:30）")
    if ends_at <= starts_at:
        raise Invalid.from_fields({"ends_at": "结束时间须晚于开始时间"}, message="结束时间须晚于开始时间")
    if ends_at - starts_at > MAX_LENGTH:
        raise Invalid.from_fields({"ends_at": "会议时长不能超过24小时"}, message="会议时长不能超过24小时")
    return starts_at, ends_at


def slot_starts(starts_at: dt.datetime, ends_at: dt.datetime) -> list[dt.datetime]:
    starts, at = [], starts_at
    while at < ends_at:
        starts.append(at)
        at += SLOT
    return starts


def _clash(room: Room, starts: list[dt.datetime], meeting: Meeting | None) -> Conflict | None:
    held = RoomSlot.objects.filter(room=room, start__in=starts).select_related("meeting").order_by("start")
    if meeting is not None and meeting.pk is not None:
        held = held.exclude(meeting=meeting)
    slot = held.first()
    if slot is None:
        return None
    other = slot.meeting
    message = (f"会议室“{room.name}”在该时段已被会议“{other.title}”（{_fmt(other.starts_at)}—"
               f"{timezone.localtime(other.ends_at):%H:%M}）占用，请另选时间或会议室")
    return Conflict(message, code="room_taken", fields={"room": message}, details={"meeting_id": other.pk})


def _book(meeting: Meeting, room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Insert the room's slots for the meeting, inside the caller's transaction; a clash is a Conflict."""
    starts = slot_starts(starts_at, ends_at)
    clash = _clash(room, starts, meeting)
    if clash is not None:
        raise clash
    try:
        with transaction.atomic():
            RoomSlot.objects.bulk_create([RoomSlot(room=room, meeting=meeting, start=at) for at in starts])
    except IntegrityError:
        # Another booking committed between the check and the insert: the constraint held; name the winner.
        raise _clash(room, starts, meeting) or Conflict("该会议室在该时段已被占用", code="room_taken") from None


def _room_for_booking(by, room: Room | None, org: Organisation) -> Room | None:
    if room is None:
        return None
    room = Room.objects.select_related("org").get(pk=room.pk)
    if not room.active:
        raise Invalid.from_fields({"room": f"会议室“{room.name}”已停用"}, message=f"会议室“{room.name}”已停用")
    if not rules.can_manage_rooms(by, room.org):
        raise Forbidden("只能预订本单位及下级单位的会议室")
    return room


def _reply_due(reply_due_at, starts_at: dt.datetime) -> dt.datetime:
    if reply_due_at is None:
        return starts_at
    reply_due_at = _aware(reply_due_at, "reply_due_at", "回执截止时间")
    if reply_due_at > starts_at:
        raise Invalid.from_fields({"reply_due_at": "回执截止时间不能晚于会议开始时间"},
                                  message="回执截止时间不能晚于会议开始时间")
    return reply_due_at


# Meetings ----------------------------------------------------------------------------------------------------------


def schedule(*, by, org: Organisation, title: str, starts_at, ends_at, agenda: str = "", room: Room | None = None,
             place: str = "", reply_due_at=None, user_ids=(), org_ids=()) -> Meeting:
    """Schedule a meeting of `org` (booking `room`'s half hours, or in an outside `place`) and send its notices."""
    require_actor(by)
    title = _text(title, field="title", label="会议名称", limit=200)
    agenda = _text(agenda, field="agenda", label="议程", limit=5000, required=False)
    place = _text(place, field="place", label="地点", limit=100, required=False)
    starts_at, ends_at = check_times(starts_at, ends_at)
    if room is None and not place:
        raise Invalid.from_fields({"room": "请选择会议室或填写会议地点"}, message="请选择会议室或填写会议地点")
    if not (is_system(by) or rules.can_manage_rooms(by, org)):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以安排会议")
    if starts_at < _now() - SLOT and not is_system(by):
        raise Invalid.from_fields({"starts_at": "开始时间已过"}, message="不能安排已经开始的会议")
    due = _reply_due(reply_due_at, starts_at)
    with transaction.atomic():
        room = _room_for_booking(by, room, org)
        meeting = Meeting.objects.create(
            org=org, org_path=org.path, title=title, agenda=agenda, room=room, place="" if room else place,
            starts_at=starts_at, ends_at=ends_at, reply_due_at=due, checkin_secret=secrets.token_hex(32),
            organiser=user_or_none(by))
        if room is not None:
            _book(meeting, room, starts_at, ends_at)
        log_event("documents.meeting.schedule", actor=by, target=meeting, org=org,
                  data={"room": room.name if room else "", "place": meeting.place, "when": when_text(meeting)})
        if user_ids or org_ids:
            _invite(meeting, by=by, user_ids=user_ids, org_ids=org_ids)
    return meeting


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("room", "org").get(pk=meeting.pk)


def reschedule(meeting: Meeting, *, by, starts_at, ends_at, room: Room | None = None, place: str = "") -> Meeting:
    """New time and/or room: the old slots are freed and the new ones booked in one transaction (a clash keeps the
    old booking); invitees are told."""
    require_actor(by)
    starts_at, ends_at = check_times(starts_at, ends_at)
    place = _text(place, field="place", label="地点", limit=100, required=False)
    if room is None and not place:
        raise Invalid.from_fields({"room": "请选择会议室或填写会议地点"}, message="请选择会议室或填写会议地点")
    with transaction.atomic():
        meeting = _locked(meeting)
        if not rules.can_organise(by, meeting):
            raise Forbidden("只有主办单位或上级单位的主席、管理员可以调整会议")
        if meeting.status != S.SCHEDULED:
            raise StateError(f"会议{meeting.get_status_display()}，不能调整", code="not_scheduled")
        room = _room_for_booking(by, room, meeting.org)
        before = when_text(meeting), where_text(meeting)
        RoomSlot.objects.filter(meeting=meeting).delete()
        if room is not None:
            _book(meeting, room, starts_at, ends_at)
        if meeting.reply_due_at is None or meeting.reply_due_at > starts_at:
            meeting.reply_due_at = starts_at
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        meeting.room, meeting.place = room, "" if room else place
        meeting.save(update_fields=["starts_at", "ends_at", "room", "place", "reply_due_at"])
        after = when_text(meeting), where_text(meeting)
        log_event("documents.meeting.reschedule", actor=by, target=meeting, org=meeting.org,
                  data={"before": " ".join(before), "after": " ".join(after)})
        _tell_invitees(meeting, subject=f"会议调整：{meeting.title}",
                       body=f"会议“{meeting.title}”调整为{after[0]}，地点：{after[1]}（原定{before[0]}，{before[1]}）。")
    return meeting


def _free_slots(meeting: Meeting, step: Step) -> dict:
    RoomSlot.objects.filter(meeting=meeting).delete()
    return {}


def _tell_cancelled(meeting: Meeting, step: Step) -> None:
    reason = f"原因：{step.note}" if step.note else ""
    _tell_invitees(meeting, subject=f"会议取消：{meeting.title}",
                   body=f"原定{when_text(meeting)}在{where_text(meeting)}召开的会议“{meeting.title}”已取消。{reason}")


def _may_organise(user, meeting: Meeting) -> bool:
    return rules.can_organise(user, meeting)


def _has_begun(meeting: Meeting, step: Step) -> dict:
    if _now() < meeting.starts_at:
        raise StateError("会议尚未开始，不能结束", code="not_started")
    RoomSlot.objects.filter(meeting=meeting, start__gte=_now()).delete()  # an early end frees the rest of the room
    return {}


MEETING_WORKFLOW = Workflow(
    name="documents.meeting", field="status", org_of=lambda m: m.org,
    state_labels={s.value: s.label for s in S},
    transitions=[
        Transition("cancel", source=S.SCHEDULED, target=S.CANCELLED, label="取消会议", allowed=_may_organise,
                   apply=_free_slots, effects=(_tell_cancelled,)),
        Transition("finish", source=S.SCHEDULED, target=S.FINISHED, label="结束会议", allowed=_may_organise,
                   apply=_has_begun),
    ],
)


def cancel(meeting: Meeting, *, by, reason: str = "") -> Meeting:
    reason = _text(reason, field="reason", label="取消原因", limit=200, required=False)
    return transition(meeting, "cancel", workflow=MEETING_WORKFLOW, by=by, note=reason)


def finish(meeting: Meeting, *, by) -> Meeting:
    return transition(meeting, "finish", workflow=MEETING_WORKFLOW, by=by)


# Notices -----------------------------------------------------------------------------------------------------------


def _answerers(org_ids) -> list:
    """The chairs and administrators of these orgs (who receive and answer an org's notice)."""
    User = get_user_model()
    return list(User.objects.filter(is_active=True, positions__org_id__in=list(org_ids),
                                    positions__role__in=Position.MANAGING_ROLES).distinct().order_by("pk"))


def _tell_invitees(meeting: Meeting, *, subject: str, body: str) -> None:
    rows = list(Invitation.objects.filter(meeting=meeting).values_list("user_id", "org_id"))
    user_ids = {u for u, _ in rows if u is not None}
    users = {u.pk: u for u in _answerers({o for _, o in rows if o is not None})}
    if user_ids - set(users):
        users.update({u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids - set(users), is_active=True)})
    notify_users(sorted(users.values(), key=lambda u: u.pk), subject=subject, body=body)


def _invite(meeting: Meeting, *, by, user_ids, org_ids) -> list[Invitation]:
    User = get_user_model()
    user_ids, org_ids = {int(i) for i in user_ids}, {int(i) for i in org_ids}
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    if len(users) != len(user_ids):
        raise Invalid.from_fields({"user_ids": "参会人不存在或已停用"}, message="参会人不存在或已停用")
    orgs = list(Organisation.objects.filter(pk__in=org_ids, status=Organisation.Status.ACTIVE).order_by("pk"))
    if len(orgs) != len(org_ids) or not all(is_system(by) or rules.can_manage_rooms(by, o)
                                            or o.path.startswith(meeting.org_path) for o in orgs):
        raise Invalid.from_fields({"org_ids": "参会单位不存在或不在本单位管辖范围内"},
                                  message="参会单位不存在或不在本单位管辖范围内")
    existing = Invitation.objects.filter(meeting=meeting)
    had_users = set(existing.filter(user__isnull=False).values_list("user_id", flat=True))
    had_orgs = set(existing.filter(org__isnull=False).values_list("org_id", flat=True))
    new = [Invitation(meeting=meeting, user=u) for u in users if u.pk not in had_users]
    new += [Invitation(meeting=meeting, org=o) for o in orgs if o.pk not in had_orgs]
    if not new:
        return []
    Invitation.objects.bulk_create(new)
    due = timezone.localtime(meeting.reply_due_at or meeting.starts_at)
    recipients = {u.pk: u for u in users if u.pk not in had_users}
    recipients.update({u.pk: u for u in _answerers({o.pk for o in orgs if o.pk not in had_orgs})})
    notify_users(sorted(recipients.values(), key=lambda u: u.pk), subject=f"会议通知：{meeting.title}",
                 body=f"{meeting.org.name}定于{when_text(meeting)}在{where_text(meeting)}召开“{meeting.title}”。"
                      f"请于{due:%m月%d日 %H:%M}前回执（参加、委派他人参加或请假）。")
    log_event("documents.meeting.notify", actor=by, target=meeting, org=meeting.org,
              data={"users": len([i for i in new if i.user_id]), "orgs": len([i for i in new if i.org_id])})
    return new


def notify(meeting: Meeting, *, by, user_ids=(), org_ids=()) -> list[Invitation]:
    """Add invitees (people and orgs) and send them the notice; those already invited are not told again."""
    require_actor(by)
    if not user_ids and not org_ids:
        raise Invalid.from_fields({"user_ids": "请选择参会人或参会单位"}, message="请选择参会人或参会单位")
    with transaction.atomic():
        meeting = _locked(meeting)
        if not rules.can_organise(by, meeting):
            raise Forbidden("只有主办单位或上级单位的主席、管理员可以发送会议通知")
        if meeting.status != S.SCHEDULED:
            raise StateError(f"会议{meeting.get_status_display()}，不能再发送通知", code="not_scheduled")
        return _invite(meeting, by=by, user_ids=user_ids, org_ids=org_ids)


def reply(invitation: Invitation, *, by, answer: str, delegate_name: str = "", reason: str = "") -> Invitation:
    """The receipt (回执): attend, delegate (with the delegate's name) or absent (with a reason)."""
    require_actor(by)
    if answer not in (R.ATTEND, R.DELEGATE, R.ABSENT):
        raise Invalid.from_fields({"reply": "请选择参加、委派他人参加或请假"}, message="请选择参加、委派他人参加或请假")
    delegate_name = _text(delegate_name, field="delegate_name", label="委派人员姓名", limit=50,
                          required=answer == R.DELEGATE) if answer == R.DELEGATE else ""
    reason = _text(reason, field="reason", label="请假事由", limit=200,
                   required=answer == R.ABSENT) if answer == R.ABSENT else ""
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",))
                      .select_related("meeting", "meeting__org").get(pk=invitation.pk))
        meeting = invitation.meeting
        if not rules.can_reply(by, invitation):
            raise Forbidden("只能由被邀请人本人或受邀单位的主席、管理员回执")
        if meeting.status != S.SCHEDULED:
            raise StateError(f"会议{meeting.get_status_display()}，不能回执", code="not_scheduled")
        due = meeting.reply_due_at or meeting.starts_at
        if _now() > due:
            raise StateError(f"回执已于{_fmt(due)}截止", code="reply_closed")
        invitation.reply, invitation.delegate_name, invitation.reason = answer, delegate_name, reason
        invitation.replied_by, invitation.replied_at = user_or_none(by), _now()
        invitation.save(update_fields=["reply", "delegate_name", "reason", "replied_by", "replied_at"])
        log_event("documents.invitation.reply", actor=by, target=meeting, org=meeting.org,
                  data={"meeting_reply": answer, "delegate_name": delegate_name, "reason": reason,
                        "invitee": str(invitation.org) if invitation.org_id else str(invitation.user)})
    return invitation


# Sign-in -------------------------------------------------------------------------------------------------------------


def checkin_token(meeting: Meeting) -> str:
    digest = hmac.new(meeting.checkin_secret.encode(), f"meeting:{meeting.pk}".encode(), hashlib.sha256)
    return f"{meeting.pk}.{digest.hexdigest()[:32]}"


def meeting_of_token(token: str) -> Meeting:
    """The meeting a QR token stands for; a malformed or forged token is not found."""
    head, _, _ = (token or "").partition(".")
    meeting = Meeting.objects.select_related("room", "org").filter(pk=int(head)).first() if head.isdigit() else None
    if meeting is None or not meeting.checkin_secret or not hmac.compare_digest(checkin_token(meeting), token):
        raise NotFound("签到码无效")
    return meeting


def checkin_window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    return meeting.starts_at - CHECKIN_OPENS, meeting.ends_at


def check_window(meeting: Meeting) -> None:
    if meeting.status == S.CANCELLED:
        raise StateError("会议已取消", code="cancelled")
    opens, closes = checkin_window(meeting)
    now = _now()
    if now < opens:
        raise StateError(f"签到尚未开始（{_fmt(opens)}起可签到）", code="checkin_not_open")
    if now > closes:
        raise StateError("会议已结束，签到已关闭", code="checkin_closed")


def invitation_for(user, meeting: Meeting) -> Invitation | None:
    """The notice the user signs in on: their own, else that of an invited org they answer for."""
    uid = getattr(user, "pk", None)
    own = Invitation.objects.filter(meeting=meeting, user_id=uid).first() if uid is not None else None
    if own is not None:
        return own
    orgs = rules.answering_org_ids(user)
    return Invitation.objects.filter(meeting=meeting, org_id__in=orgs).order_by("pk").first() if orgs else None


@dataclass(frozen=True)
class SignIn:
    invitation: Invitation
    already: bool  # a second scan: 已签到, nothing changed

    @property
    def message(self) -> str:
        at = timezone.localtime(self.invitation.signed_in_at)
        return f"已签到（{at:%H:%M}）" if self.already else f"签到成功（{at:%H:%M}）"


def sign_in(*, by, token: str) -> SignIn:
    require_actor(by)
    meeting = meeting_of_token(token)
    check_window(meeting)
    invitation = invitation_for(by, meeting)
    if invitation is None:
        raise Forbidden("您不在本次会议的参会名单中", code="not_invited")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.signed_in_at is not None:
            return SignIn(invitation, already=True)
        invitation.signed_in_at = _now()
        invitation.save(update_fields=["signed_in_at"])
        log_event("documents.invitation.sign_in", actor=by, target=meeting, org=meeting.org,
                  data={"invitee": str(invitation.org) if invitation.org_id else str(invitation.user)})
    return SignIn(invitation, already=False)


def mark_present(invitation: Invitation, *, by) -> SignIn:
    """补签: an organiser records an invitee present who could not scan (from an hour before the start, also after
    the end). The time kept is now, or the start when it is recorded after the meeting."""
    require_actor(by)
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",))
                      .select_related("meeting", "meeting__org", "user", "org").get(pk=invitation.pk))
        meeting = invitation.meeting
        if not rules.can_organise(by, meeting):
            raise Forbidden("只有主办单位或上级单位的主席、管理员可以补签")
        if meeting.status == S.CANCELLED:
            raise StateError("会议已取消", code="cancelled")
        now = _now()
        if now < meeting.starts_at - CHECKIN_OPENS:
            raise StateError("签到尚未开始，不能补签", code="checkin_not_open")
        if invitation.signed_in_at is not None:
            return SignIn(invitation, already=True)
        invitation.signed_in_at = now if now <= meeting.ends_at else meeting.starts_at
        invitation.save(update_fields=["signed_in_at"])
        log_event("documents.invitation.mark_present", actor=by, target=meeting, org=meeting.org,
                  data={"invitee": str(invitation.org) if invitation.org_id else str(invitation.user)})
    return SignIn(invitation, already=False)


# Minutes and action items --------------------------------------------------------------------------------------------


def _after_start(meeting: Meeting, what: str) -> None:
    if meeting.status == S.CANCELLED:
        raise StateError(f"会议已取消，不能{what}", code="cancelled")
    if _now() < meeting.starts_at:
        raise StateError(f"会议尚未开始，不能{what}", code="not_started")


def save_minutes(meeting: Meeting, *, by, body: str, file=None) -> Minutes:
    """Write (or rewrite) the meeting's minutes; `file` (PDF or image, 20 MB) replaces the attachment when given."""
    require_actor(by)
    body = _text(body, field="body", label="纪要内容", limit=20000)
    kind = None
    if file is not None:
        try:
            kind = check_upload(file, kinds=IMAGES_AND_PDF, max_bytes=MINUTES_MAX_BYTES, noun="附件")
        except ValidationError as exc:
            raise Invalid.from_fields({"file": exc.messages[0]}, message=exc.messages[0], code=exc.code) from exc
    with transaction.atomic():
        meeting = _locked(meeting)
        if not rules.can_organise(by, meeting):
            raise Forbidden("只有主办单位或上级单位的主席、管理员可以记录会议纪要")
        _after_start(meeting, "记录纪要")
        minutes = Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)
        minutes.body, minutes.written_by = body, user_or_none(by)
        if file is not None and kind is not None:
            minutes.file.save(f"minutes-{meeting.pk}{kind.extension}", file, save=False)
        minutes.save()
        log_event("documents.minutes.save", actor=by, target=meeting, org=meeting.org,
                  data={"attachment": bool(minutes.file)})
    return minutes


def add_action_item(meeting: Meeting, *, by, title: str, owner, due_on: dt.date) -> ActionItem:
    require_actor(by)
    title = _text(title, field="title", label="督办事项", limit=200)
    if owner is None or not getattr(owner, "is_active", False):
        raise Invalid.from_fields({"owner": "请选择责任人"}, message="请选择责任人")
    if not isinstance(due_on, dt.date):
        raise Invalid.from_fields({"due_on": "请填写完成期限"}, message="请填写完成期限")
    with transaction.atomic():
        meeting = _locked(meeting)
        if not rules.can_organise(by, meeting):
            raise Forbidden("只有主办单位或上级单位的主席、管理员可以布置督办事项")
        _after_start(meeting, "布置督办事项")
        item = ActionItem.objects.create(meeting=meeting, org=meeting.org, org_path=meeting.org_path, title=title,
                                         owner=owner, due_on=due_on)
        log_event("documents.action_item.create", actor=by, target=item, org=meeting.org,
                  data={"meeting": meeting.title, "owner": str(owner), "due_on": due_on.isoformat()})
        notify_users([owner], subject=f"督办事项：{title}",
                     body=f"会议“{meeting.title}”布置的事项“{title}”由您负责，请于{due_on:%Y年%m月%d日}前完成。")
    return item


def complete_action_item(item: ActionItem, *, by, result: str) -> ActionItem:
    require_actor(by)
    result = _text(result, field="result", label="完成情况", limit=300)
    with transaction.atomic():
        item = ActionItem.objects.select_for_update(of=("self",)).select_related("org").get(pk=item.pk)
        if not rules.can_finish_item(by, item):
            raise Forbidden("只有责任人或会议主办单位的主席、管理员可以办结督办事项")
        if item.status == ActionItem.Status.DONE:
            raise StateError("该督办事项已完成", code="already_done")
        item.status, item.result, item.done_at = ActionItem.Status.DONE, result, _now()
        item.save(update_fields=["status", "result", "done_at"])
        log_event("documents.action_item.done", actor=by, target=item, org=item.org,
                  data={"result": result, "overdue": item.due_on < timezone.localdate(item.done_at)})
    return item


def is_overdue(item: ActionItem, *, today: dt.date | None = None) -> bool:
    return item.status == ActionItem.Status.OPEN and item.due_on < (today or timezone.localdate())
