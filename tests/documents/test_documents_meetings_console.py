"""Console pages of meetings: rooms, the meeting list (query-count pin), the schedule form with the clash message,
the detail (pin), my meetings with the receipt buttons, the QR screen and the phone sign-in page, action items,
the workbench queues."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.documents.meetings_rows import at, book, freeze, make_office

from smartunion.console import workbench
from smartunion.documents.models import ActionItem, Invitation, Meeting, Room
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


@pytest.fixture
def meeting(tree, personas, office):
    return book(personas.province_admin, office.big, at(3, 9), at(3, 10, 30), title="全省工会工作会议",
                user_ids=[personas.county_cadre.pk], org_ids=[tree.jinan.pk, tree.qingdao.pk])


def text(response) -> str:
    return response.content.decode()


def test_rooms_list_add_edit_and_week(console, tree, personas, office, meeting):
    client = console(personas.city_cadre)
    listed = text(client.get(reverse("console:documents_room_changelist")))
    assert "小会议室" in listed and "第一会议室" not in listed and 'id="room-add"' in listed
    answer = client.post(reverse("console:documents_room_add_room"), {"org": tree.jinan.pk, "name": "小会议室",
                                                                      "capacity": 8})
    assert "本单位已有名为“小会议室”的会议室" in text(answer)
    answer = client.post(reverse("console:documents_room_add_room"), {"org": tree.jinan.pk, "name": "报告厅",
                                                                      "capacity": 300, "location": "一楼"})
    assert answer.status_code == 302
    hall = Room.objects.get(name="报告厅")
    client.post(reverse("console:documents_room_edit", args=[hall.pk]), {"name": "报告厅", "capacity": 300})
    assert Room.objects.get(pk=hall.pk).active is False  # unticked 启用
    assert client.get(reverse("console:documents_room_edit", args=[office.big.pk])).status_code == 404
    week = text(console(personas.province_admin).get(
        reverse("console:documents_room_week", args=[office.big.pk]), {"week": at(3, 9).date().isoformat()}))
    assert "全省工会工作会议" in week and "09:00—10:30" in week


def test_meeting_list_is_scoped_and_pinned(console, personas, office, meeting, django_assert_max_num_queries):
    for i in range(5):
        book(personas.province_admin, office.big, at(4 + i, 9), at(4 + i, 10), title=f"例会{i}")
    client = console(personas.province_admin)
    url = reverse("console:documents_meeting_changelist")
    client.get(url)
    with django_assert_max_num_queries(12):
        page = text(client.get(url))
    assert page.count("例会") == 5 and "全省工会工作会议" in page
    assert "全省工会工作会议" not in text(console(personas.city_cadre).get(url))
    found = text(client.get(url, {"q": "例会3"}))
    assert "例会3" in found and "例会2" not in found


def test_schedule_form_shows_the_clash(console, tree, personas, office, meeting):
    client = console(personas.province_admin)
    day = at(3, 9).date().isoformat()
    answer = client.post(reverse("console:documents_meeting_schedule"), {
        "org": tree.province.pk, "title": "办公会", "day": day, "start": "10:00", "end": "11:00",
        "room": office.big.pk})
    assert answer.status_code == 200
    assert "在该时段已被会议“全省工会工作会议”" in text(answer)
    assert Meeting.objects.count() == 1
    answer = client.post(reverse("console:documents_meeting_schedule"), {
        "org": tree.province.pk, "title": "办公会", "day": day, "start": "10:30", "end": "11:00",
        "room": office.big.pk, "people": "county_cadre", "orgs": [tree.jinan.pk]})
    created = Meeting.objects.get(title="办公会")
    assert answer.status_code == 302 and answer["Location"] == reverse("console:documents_meeting_detail",
                                                                      args=[created.pk])
    assert Invitation.objects.filter(meeting=created).count() == 2
    answer = client.post(reverse("console:documents_meeting_schedule"), {
        "org": tree.province.pk, "title": "x", "day": day, "start": "12:00", "end": "13:00", "place": "会外",
        "people": "nobody"})
    assert "找不到账号：nobody" in text(answer)


def test_detail_is_pinned_and_shows_counts(console, tree, personas, office, meeting, django_assert_max_num_queries):
    services.reply(Invitation.objects.get(meeting=meeting, org=tree.jinan), by=personas.city_cadre,
                   answer="absent", reason="另有会议")
    client = console(personas.province_admin)
    url = reverse("console:documents_meeting_detail", args=[meeting.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        page = text(client.get(url))
    assert "通知 3 · 参加 0 · 委派 0 · 请假 1 · 未回执 2 · 已签到 0" in page
    assert "请假：另有会议" in page and 'id="act-cancel"' in page
    assert "data-present" not in page  # sign-in opens an hour before the start
    assert console(personas.other_city_cadre).get(url).status_code == 200  # 青岛 is invited (its administrator)
    assert console(personas.grassroots_cadre).get(url).status_code == 404


def test_my_meetings_reply_buttons(console, tree, personas, meeting, django_assert_max_num_queries):
    client = console(personas.city_cadre)
    url = reverse("console:documents_invitation_changelist")
    client.get(url)
    with django_assert_max_num_queries(12):
        mine = text(client.get(url))
    assert "全省工会工作会议" in mine and "济南市总工会（单位）" in mine and 'value="delegate"' in mine
    assert client.get(url, {"pending": "1"}).context["cl"].queryset.count() == 1
    invitation = Invitation.objects.get(meeting=meeting, org=tree.jinan)
    client.post(reverse("console:documents_meeting_reply", args=[invitation.pk]),
                {"reply": "delegate", "delegate_name": "王芳", "next": url})
    assert Invitation.objects.get(pk=invitation.pk).delegate_name == "王芳"
    assert client.get(url, {"pending": "1"}).context["cl"].queryset.count() == 0
    answer = client.post(reverse("console:documents_meeting_reply", args=[invitation.pk]), {"reply": "absent"},
                         follow=True)
    assert "请填写请假事由" in text(answer)
    other = Invitation.objects.get(meeting=meeting, org=tree.qingdao)
    assert client.post(reverse("console:documents_meeting_reply", args=[other.pk]),
                       {"reply": "attend"}).status_code == 404
    assert "全省工会工作会议" not in text(console(personas.grassroots_cadre).get(url))


def test_qr_screen_and_phone_sign_in(console, personas, meeting, monkeypatch):
    qr = text(console(personas.province_admin).get(reverse("console:documents_meeting_qr", args=[meeting.pk])))
    token = services.checkin_token(meeting)
    assert "<svg" in qr and f"/documents/meeting/checkin/{token}/" in qr
    url = reverse("console:documents_meeting_checkin", args=[token])
    client = console(personas.county_cadre)
    page = text(client.get(url))  # before the window: the page says when it opens, no button to press in vain
    assert 'name="viewport"' in page and "全省工会工作会议" in page
    assert "签到尚未开始" in page and 'id="checkin-button"' not in page
    early = text(client.post(url))
    assert "签到尚未开始" in early
    freeze(monkeypatch, at(3, 9))
    assert 'id="checkin-button"' in text(client.get(url))
    assert "签到成功（09:00）" in text(client.post(url))
    assert "已签到（09:00）" in text(client.post(url))
    assert "已签到（09:00）" in text(client.get(url))
    wrong = client.get(reverse("console:documents_meeting_checkin", args=[token[:-2] + "00"]))
    assert wrong.status_code == 404 and "签到码无效" in text(wrong)
    stranger = text(console(personas.grassroots_cadre).get(url))
    assert "您不在本次会议的参会名单中" in stranger and 'id="checkin-button"' not in stranger


def test_cancel_needs_the_confirmation_page(console, personas, meeting):
    client = console(personas.province_admin)
    url = reverse("console:documents_meeting_cancel", args=[meeting.pk])
    assert "此操作不能撤销" in text(client.get(url))
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"
    client.post(url, {"reason": "改期"})
    assert Meeting.objects.get(pk=meeting.pk).status == "cancelled"
    assert console(personas.county_cadre).post(
        reverse("console:documents_meeting_cancel", args=[meeting.pk])).status_code == 302


def test_action_items_page_and_workbench(console, personas, office, monkeypatch, django_assert_max_num_queries):
    held = book(personas.province_admin, office.big, at(1, 9), at(1, 10), user_ids=[personas.county_cadre.pk])
    freeze(monkeypatch, at(1, 9, 30))
    today = timezone.localdate()
    late = services.add_action_item(held, by=personas.province_admin, title="报送总结", owner=personas.county_cadre,
                                    due_on=today - dt.timedelta(days=2))
    services.add_action_item(held, by=personas.province_admin, title="组织培训", owner=personas.county_cadre,
                             due_on=today + dt.timedelta(days=5))
    client = console(personas.county_cadre)
    url = reverse("console:documents_actionitem_changelist")
    client.get(url)
    with django_assert_max_num_queries(12):
        page = text(client.get(url))
    assert "（已逾期）" in page and page.count("办结</a>") == 2
    assert "报送总结" in text(console(personas.province_admin).get(url, {"scope": "org"}))
    assert "报送总结" not in text(console(personas.city_cadre).get(url))
    client.post(reverse("console:documents_actionitem_done", args=[late.pk]), {"result": "已报送"})
    assert ActionItem.objects.get(pk=late.pk).status == "done"
    queues = {q.queue.key: q for g in workbench.waiting_for(personas.county_cadre) for q in g.items}
    assert (queues["documents.meeting.reply"].count, queues["documents.action_item.open"].count) == (1, 1)
    for key in ("documents.meeting.reply", "documents.action_item.open"):  # each links to a list of the same rows
        assert client.get(queues[key].url).context["cl"].queryset.count() == 1


def test_mark_present_from_the_detail(console, personas, meeting, monkeypatch):
    when = at(3, 9, 15)
    monkeypatch.setattr(timezone, "now", lambda: when)
    invitation = Invitation.objects.get(meeting=meeting, user=personas.county_cadre)
    client = console(personas.province_admin)
    page = text(client.get(reverse("console:documents_meeting_detail", args=[meeting.pk])))
    assert f'data-present="{invitation.pk}"' in page
    client.post(reverse("console:documents_meeting_present", args=[meeting.pk, invitation.pk]))
    assert Invitation.objects.get(pk=invitation.pk).signed_in_at == when
