"""Counselling (心理咨询): counsellors, their weekly schedules, the slots made from them, bookings, session notes.

A slot is taken by one conditional UPDATE (booked False -> True) and the booking row is backed by the partial unique
constraint `booking_one_per_slot`: two people can never hold the same slot, whatever the timing. A person holds at
most MAX_FUTURE_BOOKINGS future bookings (their account row is locked while it is checked, so two tabs cannot both
pass). A worker cancels up to CANCEL_HOURS before the start; the slot is then free again. The worker may book under
a nickname: the counsellor sees the nickname, never the account's real name.

Session notes are the counsellor's alone: read and written only by the account of the booking's counsellor (not the
org's cadres, not the province, not a superuser). The booking workflow ("cases.booking"): booked -> cancelled (the
worker within the rules, or the counsellor), booked -> done / no_show (the counsellor, once the session started).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.cases import behaviour  # noqa: F401  the kinds recorded below are declared there
from smartunion.cases.models import Booking, Counsellor, SessionNote, Slot, WeeklySchedule
from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.calendar import is_working_day
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.core.events import record
from smartunion.core.forms import check_text_fields
from smartunion.core.validators import validate_mobile
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import in_scope

CANCEL_HOURS = 2  # a worker cancels no later than this many hours before the start
MAX_FUTURE_BOOKINGS = 2  # future bookings one person may hold at once
SLOT_DAYS = 14  # how far ahead make_slots makes slots
MANAGE_ONLY = "只有本单位或上级工会的主席、管理员可以管理心理咨询师和排班"
COUNSELLOR_ONLY = "咨询记录仅限该次咨询的咨询师本人查看和填写"


# Who may do what ------------------------------------------------------------------------------------------------

def can_manage(user, org: Organisation | None) -> bool:
    """Counsellors and their schedules: chairs and administrators of the org or an org above it."""
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def is_booking_counsellor(user, booking: Booking) -> bool:
    """The one account that reads and writes the booking's session notes: its counsellor's. Nobody else, however
    high (superusers included): the notes are confidential between counsellor and worker."""
    if is_system(user) or getattr(user, "pk", None) is None or not getattr(user, "is_active", False):
        return False
    return Counsellor.objects.filter(pk=booking.slot.counsellor_id, user_id=user.pk).exists()


def is_booker(user, booking: Booking) -> bool:
    return not is_system(user) and getattr(user, "pk", None) is not None and booking.user_id == user.pk


# Counsellors and schedules --------------------------------------------------------------------------------------

COUNSELLOR_FIELDS = ("display_name", "qualification", "introduction", "active")


def _clean_counsellor(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in COUNSELLOR_FIELDS:
        if key in values:
            cleaned[key] = bool(values[key]) if key == "active" else str(values[key] or "").strip()
    if (creating or "display_name" in cleaned) and not cleaned.get("display_name"):
        errors["display_name"] = "请填写咨询师称呼"
    check_text_fields(Counsellor, {k: v for k, v in cleaned.items() if k != "active"}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_counsellor(*, by, org: Organisation, display_name: str, user: User | None = None, username: str = "",
                      password: str = "", qualification: str = "", introduction: str = "") -> Counsellor:
    """A counsellor of the org: an existing account (`user`), or a new one opened with `username` and `password`
    (a worker-kind account: counsellors use the portal's 我的咨询 page, not the console)."""
    require_actor(by)
    if not can_manage(by, org):
        raise Forbidden(MANAGE_ONLY)
    cleaned = _clean_counsellor({"display_name": display_name, "qualification": qualification,
                                 "introduction": introduction}, creating=True)
    errors: dict[str, str] = {}
    username = str(username or "").strip()
    if user is None:
        if not username or len(username) > 150 or not all(c.isalnum() or c in "_.@+-" for c in username):
            errors["username"] = "用户名应为 1 至 150 个字母、数字或 _ . @ + -"
        try:
            validate_password(password or "")
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
    if errors:
        raise Invalid.from_fields(errors)
    try:
        with transaction.atomic():
            if user is None:
                user = User.objects.create(username=username, display_name=cleaned["display_name"][:50],
                                           kind=User.Kind.WORKER, is_staff=False, password=make_password(password))
            counsellor = Counsellor.objects.create(org=org, org_path=org.path, user=user, **cleaned)
            log_event("cases.counsellor.create", actor=by, target=counsellor, org=org,
                      data={"username": user.get_username()})
    except IntegrityError:
        raise Conflict("用户名已被使用，或该账号已是咨询师", code="username_taken",
                       fields={"username": "用户名已被使用，或该账号已是咨询师"}) from None
    return counsellor


def update_counsellor(counsellor: Counsellor, *, by, **values) -> Counsellor:
    """Change the counsellor's public details, or stop (active False) and resume their bookings."""
    require_actor(by)
    if not can_manage(by, counsellor.org):
        raise Forbidden(MANAGE_ONLY)
    unknown = {name: "不支持修改此项" for name in values if name not in COUNSELLOR_FIELDS}
    if unknown:
        raise Invalid.from_fields(unknown)
    cleaned = _clean_counsellor(values, creating=False)
    with transaction.atomic():
        locked = Counsellor.objects.select_for_update().get(pk=counsellor.pk)
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, cleaned[name])
        if changed:
            locked.save(update_fields=changed)
            log_event("cases.counsellor.update", actor=by, target=locked, org=locked.org,
                      data={"fields": sorted(changed)})
    return locked


def add_schedule(counsellor: Counsellor, *, by, weekday: int, start: dt.time, end: dt.time, slot_minutes: int = 50,
                 mode: str = WeeklySchedule.Mode.ONLINE, place: str = "") -> WeeklySchedule:
    """Recurring hours: on `weekday` (0 Monday … 6 Sunday) from `start` to `end`, slots of `slot_minutes`."""
    require_actor(by)
    if not can_manage(by, counsellor.org):
        raise Forbidden(MANAGE_ONLY)
    errors: dict[str, str] = {}
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = "星期应为 0（星期一）至 6（星期日）"
    if not isinstance(start, dt.time) or not isinstance(end, dt.time) or end <= start:
        errors["end"] = "结束时间应晚于开始时间"
    if not isinstance(slot_minutes, int) or not 15 <= slot_minutes <= 240:
        errors["slot_minutes"] = "每次时长应为 15 至 240 分钟"
    elif not errors and (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
                         < dt.timedelta(minutes=slot_minutes)):
        errors["end"] = "时间段短于一次咨询的时长"
    if mode not in WeeklySchedule.Mode.values:
        errors["mode"] = "请选择咨询方式"
    place = str(place or "").strip()
    check_text_fields(WeeklySchedule, {"place": place}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    overlapping = WeeklySchedule.objects.filter(counsellor=counsellor, weekday=weekday, start__lt=end, end__gt=start)
    if overlapping.exists():
        raise Conflict("与该咨询师已有的排班时间重叠", code="schedule_overlap", fields={"start": "与已有排班重叠"})
    with transaction.atomic():
        schedule = WeeklySchedule.objects.create(counsellor=counsellor, weekday=weekday, start=start, end=end,
                                                 slot_minutes=slot_minutes, mode=mode, place=place)
        log_event("cases.schedule.create", actor=by, target=counsellor, org=counsellor.org,
                  data={"weekday": weekday, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
    return schedule


@dataclass(frozen=True)
class ScheduleRemoved:
    withdrawn: int  # future free slots of those hours taken off the list
    kept: int  # future booked slots of those hours: the bookings stand (cancel them one by one if need be)


def remove_schedule(schedule: WeeklySchedule, *, by) -> ScheduleRemoved:
    """Stop the recurring hours. The future slots already made for them are withdrawn when free (nobody can book
    hours the counsellor no longer keeps); booked ones are kept with their bookings."""
    require_actor(by)
    counsellor = schedule.counsellor
    if not can_manage(by, counsellor.org):
        raise Forbidden(MANAGE_ONLY)
    with transaction.atomic():
        data = {"weekday": schedule.weekday, "start": schedule.start.strftime("%H:%M"),
                "end": schedule.end.strftime("%H:%M")}
        future = Slot.objects.filter(counsellor=counsellor, withdrawn=False, starts_at__gt=timezone.now())
        ours = [(pk, booked) for pk, starts_at, booked in future.values_list("pk", "starts_at", "booked")
                if _within(schedule, timezone.localtime(starts_at))]
        withdrawn = Slot.objects.filter(pk__in=[pk for pk, booked in ours if not booked], booked=False,
                                        withdrawn=False).update(withdrawn=True)
        kept = len(ours) - withdrawn
        schedule.delete()
        log_event("cases.schedule.delete", actor=by, target=counsellor, org=counsellor.org,
                  data={**data, "withdrawn": withdrawn, "kept": kept})
    return ScheduleRemoved(withdrawn=withdrawn, kept=kept)


def _within(schedule: WeeklySchedule, local: dt.datetime) -> bool:
    return local.weekday() == schedule.weekday and schedule.start <= local.time() < schedule.end


def withdraw_slot(slot: Slot, *, by) -> Slot:
    """Take a free slot off the list (the counsellor is away): the counsellor or a manager; a booked slot is
    cancelled through its booking first."""
    require_actor(by)
    counsellor = slot.counsellor
    if not (can_manage(by, counsellor.org) or (not is_system(by) and counsellor.user_id == by.pk)):
        raise Forbidden(MANAGE_ONLY)
    with transaction.atomic():
        if not Slot.objects.filter(pk=slot.pk, booked=False, withdrawn=False).update(withdrawn=True):
            raise Conflict("该时段已被预约或已停约", code="slot_taken")
        log_event("cases.slot.withdraw", actor=by, target=counsellor, org=counsellor.org,
                  data={"starts_at": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")})
    slot.withdrawn = True
    return slot


def _slot_times(schedule: WeeklySchedule, day: dt.date, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    step = dt.timedelta(minutes=schedule.slot_minutes)
    start = dt.datetime.combine(day, schedule.start, tzinfo=tz)
    end = dt.datetime.combine(day, schedule.end, tzinfo=tz)
    times = []
    while start + step <= end:
        times.append((start, start + step))
        start += step
    return times


def make_slots(*, by, days: int = SLOT_DAYS, now: dt.datetime | None = None) -> int:
    """Slots for the coming `days` days (today included) from the active counsellors' weekly schedules, on working
    days of the business calendar only. Idempotent: a slot that exists (unique counsellor + start) is not made
    again, so running it twice makes nothing the second time. Returns the number of slots made."""
    require_actor(by)
    if not 1 <= days <= 60:
        raise Invalid.from_fields({"days": "天数应为 1 至 60"})
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    dates = [today + dt.timedelta(days=i) for i in range(days)]
    working = [d for d in dates if is_working_day(d)]
    schedules = list(WeeklySchedule.objects.filter(counsellor__active=True).select_related("counsellor"))
    wanted: list[Slot] = []
    for schedule in schedules:
        for day in working:
            if day.weekday() != schedule.weekday:
                continue
            for starts_at, ends_at in _slot_times(schedule, day, tz):
                if starts_at > now:
                    wanted.append(Slot(counsellor_id=schedule.counsellor_id, starts_at=starts_at, ends_at=ends_at,
                                       mode=schedule.mode, place=schedule.place))
    if not wanted:
        return 0
    window_start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    existing = set(Slot.objects.filter(counsellor_id__in={s.counsellor_id for s in wanted},
                                       starts_at__gte=window_start)
                   .values_list("counsellor_id", "starts_at"))
    missing = [s for s in wanted if (s.counsellor_id, s.starts_at) not in existing]
    if not missing:
        return 0
    with transaction.atomic():
        # ignore_conflicts: a second run at the same moment makes nothing twice (slot_unique_start).
        Slot.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        log_event("cases.slot.make", actor=by, data={"count": len(missing), "days": days})
    return len(missing)


def withdraw_slots_on_days_off(*, by, first_day: dt.date, last_day: dt.date,
                               now: dt.datetime | None = None) -> int:
    """After a holiday schedule is loaded: free future slots made for a day that is no longer a working day are
    withdrawn (one UPDATE); booked ones stay, the counsellor settles them with the worker. Make-up working days get
    their slots at the next make_slots. Returns the slots withdrawn."""
    require_actor(by)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start = max(now, dt.datetime.combine(first_day, dt.time.min, tzinfo=tz))
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    free = Slot.objects.filter(booked=False, withdrawn=False, starts_at__gte=start, starts_at__lt=end)
    off = [pk for pk, starts_at in free.values_list("pk", "starts_at")
           if not is_working_day(timezone.localtime(starts_at, tz).date())]
    if not off:
        return 0
    with transaction.atomic():
        withdrawn = Slot.objects.filter(pk__in=off, booked=False, withdrawn=False).update(withdrawn=True)
        log_event("cases.slot.withdraw_days_off", actor=by, data={"count": withdrawn})
    return withdrawn


# Booking --------------------------------------------------------------------------------------------------------

def _clean_booking(nickname: str, topic: str, phone: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    nickname, topic, phone = (str(v or "").strip() for v in (nickname, topic, phone))
    if not nickname:
        errors["nickname"] = "请填写称呼（可以用昵称）"
    check_text_fields(Booking, {"nickname": nickname, "topic": topic}, errors)
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if errors:
        raise Invalid.from_fields(errors)
    return nickname, topic, phone


def book_slot(slot_id: int, *, by, nickname: str, topic: str = "", phone: str = "",
              now: dt.datetime | None = None) -> Booking:
    """Book a free future slot under a nickname. The slot is taken by one conditional UPDATE; the booking row is
    backed by `booking_one_per_slot`, so two people can never hold it."""
    require_actor(by)
    if is_system(by) or not getattr(by, "is_authenticated", False):
        raise Forbidden("请先登录后再预约")
    nickname, topic, phone = _clean_booking(nickname, topic, phone)
    now = now or timezone.now()
    with transaction.atomic():
        # One person's bookings are counted under a lock on their account: two tabs cannot both pass the limit.
        User.objects.select_for_update().filter(pk=by.pk).first()
        held = Booking.objects.filter(user=by, status=Booking.Status.BOOKED, slot__starts_at__gt=now).count()
        if held >= MAX_FUTURE_BOOKINGS:
            raise Conflict(f"您已有 {held} 个未开始的预约，每人最多同时预约 {MAX_FUTURE_BOOKINGS} 次；"
                           "完成或取消后可再预约", code="booking_limit")
        slot = Slot.objects.select_related("counsellor__org").filter(pk=slot_id).first() \
            if isinstance(slot_id, int) else None
        if slot is None or not slot.counsellor.active:
            raise NotFound("咨询时段不存在")
        if slot.counsellor.user_id == by.pk:
            raise Conflict("不能预约自己的咨询时段", code="own_slot")
        taken = Slot.objects.filter(pk=slot.pk, booked=False, withdrawn=False, starts_at__gt=now).update(booked=True)
        if not taken:
            if slot.starts_at <= now:
                raise Conflict("该时段已开始或已过去，请选择其他时段", code="slot_past")
            raise Conflict("该时段已被预约，请选择其他时段", code="slot_taken")
        try:
            with transaction.atomic():
                booking = Booking.objects.create(slot=slot, user=by, nickname=nickname, topic=topic, phone=phone)
        except IntegrityError:
            raise Conflict("该时段已被预约，请选择其他时段", code="slot_taken") from None
        slot.booked = True
        booking.slot = slot
        log_event("cases.booking.create", actor=by, target=booking, org=slot.counsellor.org)
        record(getattr(by, "person_id", None), "cases.counselling.book", target=booking)
    return booking


def _free_slot(booking: Booking, step: Step) -> dict[str, Any]:
    if is_booker(step.by, booking) and not _counsellor_acting(step.by, booking):
        limit = booking.slot.starts_at - dt.timedelta(hours=CANCEL_HOURS)
        if timezone.now() > limit:
            raise StateError(f"距咨询开始已不足 {CANCEL_HOURS} 小时，不能在线取消；如需调整请联系咨询师",
                             code="too_late")
    Slot.objects.filter(pk=booking.slot_id).update(booked=False)
    return {"cancelled_at": timezone.now()}


def _counsellor_acting(user, booking: Booking) -> bool:
    return is_booking_counsellor(user, booking)


def _started(booking: Booking, step: Step) -> dict[str, Any]:
    if booking.slot.starts_at > timezone.now():
        raise StateError("咨询尚未开始，开始后才能标记完成或未到", code="not_started")
    return {}


BOOKING_WORKFLOW = Workflow(
    name="cases.booking", field="status",
    state_labels=dict(Booking.Status.choices),
    # The audit log files bookings under the counsellor's org; the entries carry no nickname, topic or note.
    org_of=lambda booking: booking.slot.counsellor.org,
    transitions=[
        Transition("cancel", source="booked", target="cancelled", label="取消预约",
                   allowed=lambda by, b: is_booker(by, b) or is_booking_counsellor(by, b), apply=_free_slot),
        Transition("done", source="booked", target="done", label="标记完成", allowed=is_booking_counsellor,
                   apply=_started),
        Transition("no_show", source="booked", target="no_show", label="标记未到", allowed=is_booking_counsellor,
                   apply=_started),
    ],
)


def cancel_booking(booking: Booking, *, by, reason: str = "") -> Booking:
    """Cancel: the worker up to CANCEL_HOURS before the start, the counsellor at any time; the slot is free again."""
    if not (is_booker(by, booking) or is_booking_counsellor(by, booking)):
        raise NotFound("预约不存在")
    # The reason goes on the booking, not into the audit entry (it may say something personal).
    return transition(booking, "cancel", workflow=BOOKING_WORKFLOW, by=by,
                      changes={"cancel_reason": str(reason or "").strip()[:200]})


def mark_done(booking: Booking, *, by) -> Booking:
    return transition(booking, "done", workflow=BOOKING_WORKFLOW, by=by)


def mark_no_show(booking: Booking, *, by) -> Booking:
    return transition(booking, "no_show", workflow=BOOKING_WORKFLOW, by=by)


# Session notes --------------------------------------------------------------------------------------------------

def write_session_note(booking: Booking, *, by, body: str) -> SessionNote:
    """The counsellor's notes of the session (encrypted); only the booking's counsellor. The audit event says that
    notes were written, never what."""
    require_actor(by)
    if not is_booking_counsellor(by, booking):
        raise Forbidden(COUNSELLOR_ONLY)
    body = str(body or "").strip()
    if not body:
        raise Invalid.from_fields({"body": "请填写咨询记录"})
    if len(body) > 10000:
        raise Invalid.from_fields({"body": "咨询记录最多 10000 字"})
    if booking.status == Booking.Status.CANCELLED:
        raise Conflict("预约已取消，不能填写咨询记录", code="cancelled")
    with transaction.atomic():
        note, _ = SessionNote.objects.update_or_create(booking=booking, defaults={"body": body})
        log_event("cases.session_note.write", actor=by, target=booking, org=booking.slot.counsellor.org)
    return note


def read_session_note(booking: Booking, *, by) -> str:
    """The notes, for the booking's counsellor only (everyone else: Forbidden, whatever their position)."""
    if not is_booking_counsellor(by, booking):
        raise Forbidden(COUNSELLOR_ONLY)
    note = SessionNote.objects.filter(booking=booking).first()
    return note.body if note is not None else ""


__all__ = ["BOOKING_WORKFLOW", "CANCEL_HOURS", "MAX_FUTURE_BOOKINGS", "add_schedule", "book_slot", "cancel_booking",
           "create_counsellor", "is_booking_counsellor", "make_slots", "mark_done", "mark_no_show",
           "read_session_note", "remove_schedule", "update_counsellor", "withdraw_slot",
           "write_session_note"]
