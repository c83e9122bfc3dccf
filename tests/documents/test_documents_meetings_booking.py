"""Rooms and booking: the half-hour grid, clashes named in Chinese, adjacent meetings, reschedule and cancel freeing
the room's slots, rooms managed by their org's chairs and administrators."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.documents.meetings_rows import at, book, make_office

from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.workflow import TransitionError, TransitionForbidden
from smartunion.documents.models import Meeting, Room, RoomSlot
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def slots(meeting):
    return [timezone.localtime(s).strftime("%H:%M")
            for s in RoomSlot.objects.filter(meeting=meeting).order_by("start").values_list("start", flat=True)]


def test_booking_holds_one_slot_per_half_hour(personas, office):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 11, 30))
    assert slots(meeting) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert (meeting.status, meeting.org_path, meeting.reply_due_at) == ("scheduled", office.big.org_path, at(3, 9))
    assert len(meeting.checkin_secret) == 64
    event = AuditEvent.objects.get(action="documents.meeting.schedule")
    assert event.data["room"] == "第一会议室"


def test_overlapping_booking_is_refused_naming_the_holder(personas, office):
    held = book(personas.province_admin, office.big, at(3, 9), at(3, 11), title="党组会")
    with pytest.raises(Conflict) as caught:
        book(personas.province_admin, office.big, at(3, 10, 30), at(3, 12), title="办公会")
    day = timezone.localtime(held.starts_at).strftime("%m月%d日")
    assert caught.value.message == (f"会议室“第一会议室”在该时段已被会议“党组会”（{day} 09:00—11:00）占用，"
                                    "请另选时间或会议室")
    assert caught.value.details == {"meeting_id": held.pk}
    assert list(Meeting.objects.values_list("title", flat=True)) == ["党组会"]
    assert RoomSlot.objects.count() == 4


def test_adjacent_meetings_and_other_rooms_are_fine(personas, office):
    first = book(personas.province_admin, office.big, at(3, 9), at(3, 10))
    second = book(personas.province_admin, office.big, at(3, 10), at(3, 11), title="办公会")
    third = book(personas.city_cadre, office.small, at(3, 9), at(3, 10), title="市总碰头会")
    assert (slots(first), slots(second), slots(third)) == (["09:00", "09:30"], ["10:00", "10:30"],
                                                           ["09:00", "09:30"])


@pytest.mark.parametrize(("start", "end", "message"), [
    ((3, 9, 15), (3, 10), "会议时间须为整点或半点（如 09:00、09:30）"),
    ((3, 10), (3, 9), "结束时间须晚于开始时间"),
    ((3, 10), (3, 10), "结束时间须晚于开始时间"),
    ((3, 9), (4, 9, 30), "会议时长不能超过24小时"),
    ((-3, 9), (-3, 10), "不能安排已经开始的会议"),
])
def test_times_off_the_grid_or_backwards_are_refused(personas, office, start, end, message):
    with pytest.raises(Invalid) as caught:
        book(personas.province_admin, office.big, at(*start), at(*end))
    assert caught.value.message == message
    assert Meeting.objects.count() == 0


def test_a_whole_day_is_allowed(personas, office):
    meeting = book(personas.province_admin, office.big, at(3, 0), at(4, 0))
    assert len(slots(meeting)) == 48


def test_outside_place_books_nothing_and_needs_a_place(tree, personas):
    meeting = services.schedule(by=personas.city_cadre, org=tree.jinan, title="现场会", place="甲公司车间",
                                starts_at=at(2, 14), ends_at=at(2, 16))
    assert (meeting.room, meeting.place, RoomSlot.objects.count()) == (None, "甲公司车间", 0)
    with pytest.raises(Invalid) as caught:
        services.schedule(by=personas.city_cadre, org=tree.jinan, title="现场会", starts_at=at(2, 14),
                          ends_at=at(2, 16))
    assert caught.value.message == "请选择会议室或填写会议地点"


def test_reschedule_replaces_the_slots_and_a_clash_keeps_the_old_ones(personas, office):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 10))
    other = book(personas.province_admin, office.big, at(3, 14), at(3, 15), title="办公会")
    moved = services.reschedule(meeting, by=personas.province_admin, starts_at=at(3, 10), ends_at=at(3, 11),
                                room=office.big)
    assert slots(moved) == ["10:00", "10:30"]
    with pytest.raises(Conflict) as caught:
        services.reschedule(moved, by=personas.province_admin, starts_at=at(3, 13, 30), ends_at=at(3, 14, 30),
                            room=office.big)
    assert "已被会议“办公会”" in caught.value.message
    assert slots(Meeting.objects.get(pk=meeting.pk)) == ["10:00", "10:30"]
    assert Meeting.objects.get(pk=meeting.pk).starts_at == at(3, 10)
    # the freed 09:00 is bookable again
    book(personas.province_admin, office.big, at(3, 9), at(3, 10), title="临时会")
    assert slots(other) == ["14:00", "14:30"]


def test_cancel_frees_the_slots_and_tells_the_invitees(personas, office):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 10), user_ids=[personas.city_cadre.pk])
    cancelled = services.cancel(meeting, by=personas.province_admin, reason="改期另行通知")
    assert (cancelled.status, RoomSlot.objects.count()) == ("cancelled", 0)
    notice = OutboxMessage.objects.filter(user=personas.city_cadre).order_by("pk").last()
    assert notice.subject == "会议取消：党组会"
    assert notice.body.endswith("已取消。原因：改期另行通知")
    book(personas.province_admin, office.big, at(3, 9), at(3, 10), title="新会")
    with pytest.raises(TransitionError) as caught:
        services.cancel(cancelled, by=personas.province_admin)
    assert caught.value.message == "当前状态为“已取消”，不能执行“取消会议”"


def test_only_the_host_side_may_cancel(personas, office):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 10))
    with pytest.raises(TransitionForbidden):
        services.cancel(meeting, by=personas.city_cadre)


def test_finish_only_after_the_start(personas, office, monkeypatch):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 11))
    with pytest.raises(StateError) as caught:
        services.finish(meeting, by=personas.province_admin)
    assert caught.value.message == "会议尚未开始，不能结束"
    monkeypatch.setattr(services, "_now", lambda: at(3, 10))
    assert services.finish(meeting, by=personas.province_admin).status == "finished"
    assert slots(meeting) == ["09:00", "09:30"]  # the unused hour is free again


def test_rooms_belong_to_their_org(tree, personas, office):
    with pytest.raises(Forbidden):
        services.create_room(by=personas.city_cadre, org=tree.province, name="省总会议室")
    with pytest.raises(Forbidden) as caught:
        book(personas.city_cadre, office.big, at(3, 9), at(3, 10))
    assert caught.value.message == "只有本单位或上级单位的主席、管理员可以安排会议"
    with pytest.raises(Conflict) as taken:
        services.create_room(by=personas.city_cadre, org=tree.jinan, name="小会议室")
    assert taken.value.message == "本单位已有名为“小会议室”的会议室"
    # the province may book the city's room (an org above)
    assert book(personas.province_admin, office.small, at(3, 9), at(3, 10)).room == office.small


def test_deactivated_room_takes_no_new_booking(personas, office):
    room = services.deactivate_room(office.small, by=personas.city_cadre)
    assert Room.objects.get(pk=room.pk).active is False
    assert AuditEvent.objects.filter(action="documents.room.deactivate").count() == 1
    with pytest.raises(Invalid) as caught:
        book(personas.city_cadre, room, at(3, 9), at(3, 10))
    assert caught.value.message == "会议室“小会议室”已停用"
    updated = services.update_room(room, by=personas.city_cadre, name="二号会议室", location="五楼", capacity=20)
    assert (updated.name, updated.location, updated.capacity, updated.active) == ("二号会议室", "五楼", 20, True)
