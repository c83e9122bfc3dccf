"""Minutes and action items (督办事项): written once the meeting has begun, items tracked until done, overdue ones
flagged; and the scope of every meetings read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests.documents.meetings_rows import at, book, freeze, make_office

from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.documents.queries import meetings as queries
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


@pytest.fixture
def held(personas, office, monkeypatch):
    """A meeting that has begun (the services' clock is at its start)."""
    meeting = book(personas.province_admin, office.big, at(2, 9), at(2, 11), title="季度工作会",
                   user_ids=[personas.county_cadre.pk])
    freeze(monkeypatch, at(2, 9, 30))
    return meeting


def test_minutes_before_the_start_are_refused(personas, office):
    meeting = book(personas.province_admin, office.big, at(2, 9), at(2, 11))
    with pytest.raises(StateError) as caught:
        services.save_minutes(meeting, by=personas.province_admin, body="纪要")
    assert caught.value.message == "会议尚未开始，不能记录纪要"


def test_minutes_with_a_pdf_and_a_rewrite(personas, held):
    minutes = services.save_minutes(held, by=personas.province_admin, body="一、会议听取了……",
                                    file=SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf"))
    assert minutes.file.name.endswith(f"minutes-{held.pk}.pdf")
    again = services.save_minutes(held, by=personas.province_admin, body="一、会议听取了（修订）")
    assert (again.pk, again.body, bool(again.file)) == (minutes.pk, "一、会议听取了（修订）", True)
    with pytest.raises(Invalid) as caught:
        services.save_minutes(held, by=personas.province_admin, body="纪要",
                              file=SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf"))
    assert caught.value.message == "只能上传 JPG、PNG、GIF、WebP 图片或 PDF 文件"
    with pytest.raises(Forbidden):
        services.save_minutes(held, by=personas.county_cadre, body="纪要")
    assert AuditEvent.objects.filter(action="documents.minutes.save").count() == 2


def test_action_items_are_tracked_until_done(personas, held):
    today = timezone.localdate()
    late = services.add_action_item(held, by=personas.province_admin, title="报送调研报告",
                                     owner=personas.county_cadre, due_on=today - dt.timedelta(days=1))
    soon = services.add_action_item(held, by=personas.province_admin, title="组织劳动竞赛",
                                    owner=personas.county_cadre, due_on=today + dt.timedelta(days=10))
    assert OutboxMessage.objects.filter(user=personas.county_cadre, subject="督办事项：报送调研报告").count() == 1
    mine = queries.my_action_items(personas.county_cadre)
    assert [i.title for i in mine] == ["报送调研报告", "组织劳动竞赛"]
    assert [services.is_overdue(i) for i in mine] == [True, False]
    assert [i.pk for i in queries.overdue(mine)] == [late.pk]
    done = services.complete_action_item(soon, by=personas.county_cadre, result="已组织三场")
    assert (done.status, done.result, done.done_at is not None) == ("done", "已组织三场", True)
    with pytest.raises(StateError) as caught:
        services.complete_action_item(soon, by=personas.county_cadre, result="再次")
    assert caught.value.message == "该督办事项已完成"
    with pytest.raises(Forbidden):
        services.complete_action_item(late, by=personas.other_city_cadre, result="不是我的")
    with pytest.raises(Invalid) as caught:
        services.complete_action_item(late, by=personas.county_cadre, result=" ")
    assert caught.value.message == "请填写完成情况"
    # the organisers may close it too, and the audit says it was late
    services.complete_action_item(late, by=personas.province_admin, result="已报送")
    assert AuditEvent.objects.filter(action="documents.action_item.done").order_by("pk").last().data == {
        "result": "已报送", "overdue": True}
    assert [i.status for i in queries.my_action_items(personas.county_cadre, open_only=True)] == []


def test_scope_of_meetings_rooms_and_items(tree, personas, office, held):
    city = book(personas.city_cadre, office.small, at(3, 9), at(3, 10), title="市总办公会")
    item = services.add_action_item(held, by=personas.province_admin, title="报送材料", owner=personas.county_cadre,
                                    due_on=timezone.localdate())
    assert [m.title for m in queries.org_meetings(personas.province_admin)] == ["市总办公会", "季度工作会"]
    assert [m.title for m in queries.org_meetings(personas.city_cadre)] == ["市总办公会"]
    assert list(queries.org_meetings(personas.other_city_cadre)) == []
    assert [r.name for r in queries.visible_rooms(personas.city_cadre)] == ["小会议室"]
    assert [r.name for r in queries.bookable_rooms(personas.province_admin)] == ["第一会议室", "小会议室"]
    with pytest.raises(NotFound):
        queries.room_for(personas.other_city_cadre, office.small.pk)
    # a meeting above is visible to its invitee, not to an uninvited cadre below
    assert queries.meeting_for(personas.county_cadre, held.pk) == held
    with pytest.raises(NotFound):
        queries.meeting_for(personas.city_cadre, held.pk)
    with pytest.raises(NotFound):
        queries.meeting_for(personas.other_city_cadre, city.pk)
    # the org's items: its chairs and administrators; the owner reaches their own
    assert [i.pk for i in queries.org_action_items(personas.province_admin)] == [item.pk]
    assert list(queries.org_action_items(personas.city_cadre)) == []
    assert queries.action_item_for(personas.county_cadre, item.pk) == item
    with pytest.raises(NotFound):
        queries.action_item_for(personas.other_city_cadre, item.pk)


def test_room_week(personas, office):
    monday = queries.week_start(timezone.localdate() + dt.timedelta(days=14))
    tz = timezone.get_current_timezone()
    first = book(personas.province_admin, office.big, dt.datetime.combine(monday, dt.time(9), tzinfo=tz),
                 dt.datetime.combine(monday, dt.time(10), tzinfo=tz))
    sunday = monday + dt.timedelta(days=6)
    last = book(personas.province_admin, office.big, dt.datetime.combine(sunday, dt.time(23, 30), tzinfo=tz),
                dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(1), tzinfo=tz), title="夜间会")
    book(personas.province_admin, office.big, dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(9), tzinfo=tz),
         dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(10), tzinfo=tz), title="上周会")
    assert [m.pk for m in queries.room_week(office.big, monday)] == [first.pk, last.pk]
