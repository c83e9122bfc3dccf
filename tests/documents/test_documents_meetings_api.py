"""/api/v1/meetings: rooms, booking with the clash answer, detail, notify, reply, sign-in, cancel, minutes, action
items; out-of-scope meetings answer 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.documents.meetings_rows import at, book, freeze, make_office

from smartunion.documents.models import ActionItem, Meeting
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_rooms_list_and_create(api, tree, personas, office):
    city = api(personas.city_cadre)
    answer = city.get("/api/v1/meetings/rooms").json()
    assert [r["name"] for r in answer["items"]] == ["小会议室"]
    created = post(city, "/api/v1/meetings/rooms", {"org_id": tree.jinan.pk, "name": "报告厅", "capacity": 200})
    assert created.status_code == 201
    assert created.json()["org"] == {"id": tree.jinan.pk, "name": "济南市总工会"}
    refused = post(city, "/api/v1/meetings/rooms", {"org_id": tree.province.pk, "name": "省总会议室"})
    assert refused.status_code == 404  # the province is outside the city's scope


def test_book_clash_and_detail(api, tree, personas, office):
    client = api(personas.province_admin)
    body = {"room_id": office.big.pk, "title": "党组会", "starts_at": at(3, 9).isoformat(),
            "ends_at": at(3, 10).isoformat(), "invitees": {"user_ids": [personas.county_cadre.pk],
                                                           "org_ids": [tree.jinan.pk]}}
    answer = post(client, "/api/v1/meetings", body)
    assert answer.status_code == 201, answer.json()
    meeting = answer.json()
    assert (meeting["org"]["name"], meeting["where"], meeting["tally"]["invited"]) == ("山东省总工会",
                                                                                      "第一会议室（三楼）", 2)
    clash = post(client, "/api/v1/meetings", {**body, "title": "办公会", "starts_at": at(3, 9, 30).isoformat(),
                                               "ends_at": at(3, 11).isoformat()})
    assert clash.status_code == 409
    assert clash.json()["code"] == "room_taken"
    assert "已被会议“党组会”" in clash.json()["message"]
    off_grid = post(client, "/api/v1/meetings", {**body, "starts_at": at(3, 12, 10).isoformat(),
                                                  "ends_at": at(3, 13).isoformat()})
    assert (off_grid.status_code, off_grid.json()["message"]) == (422, "会议时间须为整点或半点（如 09:00、09:30）")
    assert client.get(f"/api/v1/meetings/{meeting['id']}").json()["title"] == "党组会"
    assert api(personas.other_city_cadre).get(f"/api/v1/meetings/{meeting['id']}").status_code == 404
    # the invited county cadre sees it and their own notice
    mine = api(personas.county_cadre).get(f"/api/v1/meetings/{meeting['id']}").json()
    assert mine["my_invitation"]["reply"] == "pending"
    listed = client.get("/api/v1/meetings", {"q": "党组"}).json()
    assert [m["title"] for m in listed["items"]] == ["党组会"]


def test_notify_reply_sign_in_cancel(api, tree, personas, office, monkeypatch):
    meeting = book(personas.province_admin, office.big, at(3, 9), at(3, 10), org_ids=[tree.jinan.pk])
    url = f"/api/v1/meetings/{meeting.pk}"
    added = post(api(personas.province_admin), f"{url}/notify", {"user_ids": [personas.county_cadre.pk]})
    assert added.json()["added"] == 1
    replied = post(api(personas.city_cadre), f"{url}/reply", {"reply": "delegate", "delegate_name": "王芳"})
    assert (replied.json()["org"]["name"], replied.json()["reply_label"]) == ("济南市总工会", "委派他人参加")
    missing = post(api(personas.county_cadre), f"{url}/reply", {"reply": "absent"})
    assert (missing.status_code, missing.json()["message"]) == (422, "请填写请假事由")
    token = services.checkin_token(meeting)
    early = post(api(personas.county_cadre), f"{url}/sign-in", {"token": token})
    assert early.status_code == 409
    freeze(monkeypatch, at(3, 9))
    first = post(api(personas.county_cadre), f"{url}/sign-in", {"token": token}).json()
    again = post(api(personas.county_cadre), f"{url}/sign-in", {"token": token}).json()
    assert (first["already"], again["already"], again["message"]) == (False, True, "已签到（09:00）")
    wrong = post(api(personas.county_cadre), f"{url}/sign-in", {"token": token[:-1] + "x"})
    assert (wrong.status_code, wrong.json()["message"]) == (404, "签到码无效")
    freeze(monkeypatch, at(2, 9))
    assert post(api(personas.county_cadre), f"{url}/cancel", {}).status_code == 403
    cancelled = post(api(personas.province_admin), f"{url}/cancel", {"reason": "改期"})
    assert cancelled.json()["status_label"] == "已取消"


def test_minutes_and_action_items(api, personas, office, monkeypatch):
    meeting = book(personas.province_admin, office.big, at(2, 9), at(2, 10), user_ids=[personas.county_cadre.pk])
    freeze(monkeypatch, at(2, 9, 30))
    client = api(personas.province_admin)
    url = f"/api/v1/meetings/{meeting.pk}"
    saved = client.post(f"{url}/minutes", {"body": "会议议定三项工作"})
    assert (saved.status_code, saved.json()["has_file"]) == (200, False)
    due = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    item = post(client, f"{url}/action-items", {"title": "报送总结", "owner_id": personas.county_cadre.pk,
                                                 "due_on": due})
    assert item.status_code == 201
    assert (item.json()["overdue"], item.json()["status"]) == (True, "open")
    mine = api(personas.county_cadre).get("/api/v1/meetings/action-items").json()
    assert [(i["title"], i["overdue"]) for i in mine["items"]] == [("报送总结", True)]
    done = post(api(personas.county_cadre), f"/api/v1/meetings/action-items/{item.json()['id']}/done",
                {"result": "已报送"})
    assert (done.json()["status_label"], done.json()["overdue"]) == ("已完成", False)
    stranger = post(api(personas.other_city_cadre), f"/api/v1/meetings/action-items/{item.json()['id']}/done",
                    {"result": "x"})
    assert stranger.status_code == 404
    detail = client.get(url).json()
    assert (detail["minutes"]["body"], [i["title"] for i in detail["action_items"]]) == ("会议议定三项工作",
                                                                                       ["报送总结"])
    assert ActionItem.objects.get().status == "done"
    assert Meeting.objects.get().status == "scheduled"
