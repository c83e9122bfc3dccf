"""/api/v1 legal aid and counselling: exact answers, the scope of the cadre's queue, the counsellor-only endpoints,
and the query counts of the lists (1 and 3 rows)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from tests import rows
from tests.cases.counselling_rows import application, counsellor, lawyer, slot
from tests.conftest import make_user
from tests.rows import assert_queries

from smartunion.cases.models import Booking, SessionNote
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.actors import SYSTEM

JSON = "application/json"
APPLY = {"name": "张伟", "phone": "13900000001", "employer_name": "济南乙商贸有限公司", "region": "370102",
         "dispute_type": "wages", "dispute_summary": "公司拖欠三个月工资共计一万二千五百元，多次催要未果。",
         "claim_amount_fen": 1250000}


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type=JSON)


def iso(value: dt.datetime) -> str:
    """A moment as the API writes it (UTC, milliseconds)."""
    return DjangoJSONEncoder().default(value)


# Legal aid ------------------------------------------------------------------------------------------------------

def test_a_worker_applies_and_follows_their_application(api, tree, personas):
    client = api(personas.worker)
    response = post(client, "/api/v1/legal-aid/applications", APPLY)
    assert response.status_code == 201, response.content
    body = response.json()
    made = personas.worker.legal_aid_applications.get()
    assert body == {
        "id": made.pk, "number": made.number, "status": "submitted", "status_label": "待审查",
        "dispute_type": "wages", "dispute_type_label": "拖欠工资", "employer_name": "济南乙商贸有限公司",
        "claim_amount_fen": 1250000, "routed_to": {"id": tree.lixia_town.pk, "name": "历下区解放路街道工会"},
        "submitted_at": body["submitted_at"], "outcome": "", "outcome_label": "", "recovered_fen": None,
        "closed_at": None, "dispute_summary": APPLY["dispute_summary"], "region": "370102", "review_note": "",
        "lawyer": None, "notes": [], "attachments": []}
    upload = client.post(f"/api/v1/legal-aid/applications/{made.pk}/attachments",
                         {"file": SimpleUploadedFile("欠条.pdf", b"%PDF-1.4 x", "application/pdf")})
    assert upload.status_code == 201, upload.content
    assert upload.json()["content_type"] == "application/pdf"
    listed = client.get("/api/v1/legal-aid/applications").json()
    assert [(i["number"], i["status"]) for i in listed["items"]] == [(made.number, "submitted")]
    assert api(personas.outsider).get(f"/api/v1/legal-aid/applications/{made.pk}").status_code == 404
    assert api(personas.outsider).post(f"/api/v1/legal-aid/applications/{made.pk}/attachments", {
        "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")}).status_code == 404


def test_refusals_name_their_fields(api, tree, personas):
    response = post(api(personas.worker), "/api/v1/legal-aid/applications",
                    {**APPLY, "dispute_type": "fight", "region": "999999", "phone": "123"})
    assert response.status_code == 422
    assert sorted(response.json()["fields"]) == ["dispute_type", "phone", "region"]
    response = post(api(personas.worker), "/api/v1/legal-aid/applications", {**APPLY, "claim_amount_fen": -1})
    assert response.status_code == 422


def test_the_queue_is_scoped_and_masks_the_applicant(api, tree, personas):
    made = application(personas.worker)
    queue = api(personas.city_cadre).get("/api/v1/legal-aid/queue").json()
    assert [(i["id"], i["name"], i["phone"]) for i in queue["items"]] == [(made.pk, "张*", "139****0001")]
    assert api(personas.other_city_cadre).get("/api/v1/legal-aid/queue").json()["items"] == []
    assert api(personas.other_city_cadre).get(f"/api/v1/legal-aid/applications/{made.pk}").status_code == 404
    assert post(api(personas.other_city_cadre), f"/api/v1/legal-aid/applications/{made.pk}/accept").status_code \
        == 404
    assert api(personas.worker).get("/api/v1/legal-aid/queue").json()["items"] == []
    assert api(personas.city_cadre).get("/api/v1/legal-aid/queue?status=closed").json()["items"] == []
    assert api(personas.city_cadre).get("/api/v1/legal-aid/queue?status=odd").status_code == 422


def test_a_cadre_accepts_assigns_notes_and_closes(api, tree, personas):
    made = application(personas.worker)
    chosen = lawyer(tree.lixia)
    lawyer(tree.qingdao)  # not assignable here
    client = api(personas.county_cadre)
    url = f"/api/v1/legal-aid/applications/{made.pk}"
    assert post(client, f"{url}/accept", {"note": "受理"}).json()["status"] == "accepted"
    assert client.get(f"{url}/lawyers").json() == {"items": [{
        "id": chosen.pk, "name": "李律师", "firm": "山东泉城律师事务所", "phone": "138****1111",
        "specialties": "劳动争议", "org": {"id": tree.lixia.pk, "name": "历下区总工会"}}]}
    assigned = post(client, f"{url}/assign", {"lawyer_id": chosen.pk}).json()
    assert (assigned["status"], assigned["lawyer"]["id"]) == ("assigned", chosen.pk)
    assert post(client, f"{url}/notes", {"body": "已调解"}).status_code == 201
    closed = post(client, f"{url}/close", {"outcome": "mediated", "recovered_fen": 800000}).json()
    assert (closed["status"], closed["outcome_label"], closed["recovered_fen"]) == ("closed", "调解结案", 800000)
    mine = api(personas.worker).get(url).json()
    assert ([n["body"] for n in mine["notes"]], mine["lawyer"]["name"], "name" in mine) == (["已调解"], "李律师", False)
    again = post(client, f"{url}/close", {"outcome": "mediated", "recovered_fen": 1})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert post(client, f"{url}/reject", {"reason": ""}).status_code == 409


# Counselling ----------------------------------------------------------------------------------------------------

@pytest.fixture
def lin(tree):
    return counsellor(tree.jinan)


def test_slots_are_listed_with_org_and_day_filters(api, tree, personas, lin):
    other = counsellor(tree.qingdao, "counsellor2", display_name="周老师")
    first, second = slot(lin, hours_ahead=26), slot(other, hours_ahead=27)
    slot(lin, hours_ahead=-3)  # past
    taken = slot(lin, hours_ahead=30)
    counselling.book_slot(taken.pk, by=personas.outsider, nickname="阿明")
    client = api(personas.worker)
    listed = client.get("/api/v1/counselling/slots").json()
    assert [i["id"] for i in listed["items"]] == [first.pk, second.pk]
    assert listed["items"][0] == {
        "id": first.pk, "starts_at": iso(first.starts_at), "ends_at": iso(first.ends_at), "mode": "online",
        "mode_label": "线上视频", "place": "",
        "counsellor": {"id": lin.pk, "display_name": "林老师", "org": {"id": tree.jinan.pk, "name": "济南市总工会"}}}
    in_qingdao = client.get(f"/api/v1/counselling/slots?org_id={tree.qingdao.pk}").json()
    assert [i["id"] for i in in_qingdao["items"]] == [second.pk]
    day = timezone.localtime(first.starts_at).date()
    on_day = client.get(f"/api/v1/counselling/slots?date={day.isoformat()}").json()
    same_day = [s.pk for s in (first, second) if timezone.localtime(s.starts_at).date() == day]
    assert [i["id"] for i in on_day["items"]] == same_day
    next_week = (day + dt.timedelta(days=7)).isoformat()
    assert client.get(f"/api/v1/counselling/slots?date={next_week}").json()["items"] == []
    assert client.get("/api/v1/counselling/slots?org_id=999999").status_code == 404
    assert api().get("/api/v1/counselling/slots").status_code == 401


def test_book_list_and_cancel(api, tree, personas, lin):
    free = slot(lin, hours_ahead=26)
    client = api(personas.worker)
    response = post(client, "/api/v1/counselling/bookings", {"slot_id": free.pk, "nickname": "小雨",
                                                             "topic": "睡不好"})
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert response.json() == {
        "id": booking.pk, "status": "booked", "status_label": "已预约", "nickname": "小雨", "topic": "睡不好",
        "slot": {"id": free.pk, "starts_at": iso(free.starts_at), "ends_at": iso(free.ends_at), "mode": "online",
                 "mode_label": "线上视频", "place": "",
                 "counsellor": {"id": lin.pk, "display_name": "林老师",
                                "org": {"id": tree.jinan.pk, "name": "济南市总工会"}}},
        "created_at": iso(booking.created_at), "cancelled_at": None, "may_cancel": True}
    taken = post(api(personas.outsider), "/api/v1/counselling/bookings", {"slot_id": free.pk, "nickname": "阿明"})
    assert (taken.status_code, taken.json()["code"], taken.json()["message"]) == (
        409, "slot_taken", "该时段已被预约，请选择其他时段")
    assert [i["id"] for i in client.get("/api/v1/counselling/bookings").json()["items"]] == [booking.pk]
    assert api(personas.outsider).get("/api/v1/counselling/bookings").json()["items"] == []
    assert post(api(personas.outsider), f"/api/v1/counselling/bookings/{booking.pk}/cancel").status_code == 404
    cancelled = post(client, f"/api/v1/counselling/bookings/{booking.pk}/cancel", {"reason": "加班"}).json()
    assert (cancelled["status"], cancelled["may_cancel"]) == ("cancelled", False)
    again = post(api(personas.outsider), "/api/v1/counselling/bookings", {"slot_id": free.pk, "nickname": "阿明"})
    assert again.status_code == 201


def test_cancel_too_late_is_409(api, tree, personas, lin):
    booking = counselling.book_slot(slot(lin, hours_ahead=1).pk, by=personas.worker, nickname="小雨")
    response = post(api(personas.worker), f"/api/v1/counselling/bookings/{booking.pk}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, "too_late")


def test_the_counsellors_endpoints_answer_the_counsellor_only(api, tree, personas, lin):
    booking = counselling.book_slot(slot(lin).pk, by=personas.worker, nickname="小雨", topic="压力")
    mine = api(lin.user)
    sessions = mine.get("/api/v1/counselling/sessions").json()
    assert [(i["id"], i["nickname"], i["topic"]) for i in sessions["items"]] == [(booking.pk, "小雨", "压力")]
    assert "张伟" not in json.dumps(sessions, ensure_ascii=False)
    written = mine.put(f"/api/v1/counselling/bookings/{booking.pk}/note", json.dumps({"body": "首次访谈"}),
                       content_type=JSON)
    assert written.status_code == 200, written.content
    assert mine.get(f"/api/v1/counselling/bookings/{booking.pk}/note").json() == {
        "booking_id": booking.pk, "body": "首次访谈"}
    superuser = make_user("root", is_superuser=True)
    for stranger in (personas.city_cadre, personas.province_admin, superuser, personas.worker):
        client = api(stranger)
        assert client.get(f"/api/v1/counselling/bookings/{booking.pk}/note").status_code == 404
        assert client.put(f"/api/v1/counselling/bookings/{booking.pk}/note", json.dumps({"body": "x"}),
                          content_type=JSON).status_code == 404
        assert post(client, f"/api/v1/counselling/bookings/{booking.pk}/done").status_code == 404
        assert client.get("/api/v1/counselling/sessions").status_code == 403
    assert SessionNote.objects.get().body == "首次访谈"
    early = post(mine, f"/api/v1/counselling/bookings/{booking.pk}/done")
    assert (early.status_code, early.json()["code"]) == (409, "not_started")


# Query counts ---------------------------------------------------------------------------------------------------

def _measure(client, url):
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200, measured.result.content
    return measured


def test_list_query_counts_do_not_grow_with_the_rows(api, tree, personas, lin):
    worker, cadre = api(personas.worker), api(personas.city_cadre)
    urls = [(worker, "/api/v1/counselling/slots"), (worker, "/api/v1/counselling/bookings"),
            (worker, "/api/v1/legal-aid/applications"), (cadre, "/api/v1/legal-aid/queue"),
            (api(lin.user), "/api/v1/counselling/sessions")]

    def add(n, start):
        for i in range(start, start + n):
            free = slot(lin, hours_ahead=30 + i)
            if i < 2:
                Booking.objects.create(slot=free, user=personas.worker, nickname=f"小雨{i}")
            else:
                Booking.objects.create(slot=slot(lin, hours_ahead=60 + i), user=personas.worker, nickname="小雨")
            application(personas.worker)

    add(1, 0)
    before = [_measure(c, u) for c, u in urls]
    add(2, 1)
    after = [_measure(c, u) for c, u in urls]
    # token + user, then the page (slots: the org filter reads no org here); the cadre's positions; the counsellor.
    expected = [2, 2, 2, 3, 3]
    for want, one, three in zip(expected, before, after, strict=True):
        assert_queries(want, one, three)


def test_legal_aid_services_used_by_the_api_exist():
    assert legal_aid.WORKFLOW.name == "cases.legal_aid" and SYSTEM is not None
