"""The rights-case API (issue 10): filing, the worker's own cases and the cadre's queue, the detail, every step,
statistics; 404 out of scope, 422 with Chinese messages, 403 for the wrong person; query counts of the list and
the statistics."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests import rows
from tests.cases.case_rows import DESCRIPTION, new_case
from tests.cases.conftest import Clock, at
from tests.cases.conftest import town_handler as town_handler  # a fixture

from smartunion.cases.models import Attachment, Case

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def body(**overrides):
    payload = {"kind": "complaint", "category": "wages", "subcategory": "arrears", "description": DESCRIPTION,
               "employer_name": "济南乙商贸有限公司", "region": "370102", "phone": "13900000001",
               "hide_identity_from_employer": False}
    payload.update(overrides)
    return payload


def post(client, url, payload=None):
    return client.post(url, payload or {}, content_type=JSON)


def test_filing_answers_201_with_the_routing_and_deadlines(api, tree, personas, clock):
    clock.set(at(2026, 9, 29, 10))
    answer = post(api(personas.worker), "/api/v1/cases", body())
    assert answer.status_code == 201, answer.content
    data = answer.json()
    case = Case.objects.get()
    assert (data["id"], data["number"], data["routed_to"]) == (
        case.pk, "WQ20260929000001", {"id": tree.lixia_town.pk, "name": "历下区解放路街道工会"})
    assert (data["due_at"], data["first_response_due"], data["status"]) == (
        "2026-10-14T23:59:59+08:00", "2026-09-30T23:59:59+08:00", "submitted")
    assert (data["first_response_due_estimated"], data["resolution_due_estimated"], data["estimated_note"]) == (
        False, False, "")
    assert (data["contact_name"], data["phone"], case.channel) == ("worker", "139****0001", "api")


def test_an_estimated_year_says_so(api, tree, personas, clock):
    clock.set(at(2031, 9, 30, 10))
    data = post(api(personas.worker), "/api/v1/cases", body()).json()
    assert (data["resolution_due_estimated"], data["estimated_note"]) == (True, "（按预估假期计算）")


def test_filing_refusals_in_chinese(api, tree, personas):
    client = api(personas.worker)
    answer = post(client, "/api/v1/cases", body(kind="praise", description="短", phone="1", region="999999"))
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"kind": "诉求类型应为咨询、帮扶、信访投诉、法律援助或建议",
                                       "description": "请详细描述您遇到的问题（至少10个字）",
                                       "phone": "手机号码格式不正确，应为11位中国大陆手机号",
                                       "region": "发生地的区划代码不存在"}
    too_long = post(client, "/api/v1/cases", body(description="长" * 5001))
    assert too_long.status_code == 422 and "description" in too_long.json()["fields"]
    assert api().post("/api/v1/cases", body(), content_type=JSON).status_code == 401
    assert Case.objects.count() == 0


def test_the_worker_lists_their_own_and_the_cadre_the_scoped_queue(api, tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    mine = new_case(personas.worker)
    theirs = new_case(personas.outsider, region="370202", employer_name="青岛丙物流有限公司")
    listed = api(personas.worker).get("/api/v1/cases").json()
    assert (listed["count"], [c["id"] for c in listed["items"]]) == (1, [mine.pk])
    assert "routing_note" not in listed["items"][0]
    queue = api(personas.city_cadre).get("/api/v1/cases").json()
    assert [c["id"] for c in queue["items"]] == [mine.pk]
    assert queue["items"][0]["routing_note"] == "按发生地由“历下区解放路街道工会”办理"
    assert [c["id"] for c in api(personas.other_city_cadre).get("/api/v1/cases").json()["items"]] == [theirs.pk]
    assert api(personas.city_cadre).get("/api/v1/cases?status=closed").json()["count"] == 0
    assert api(personas.city_cadre).get("/api/v1/cases?status=all&q=WQ").json()["count"] == 1
    bad = api(personas.city_cadre).get("/api/v1/cases?status=lost")
    assert (bad.status_code, bad.json()["fields"]) == (422, {"status": "状态不正确"})


def test_detail_for_the_worker_and_the_cadre_and_404_outside(api, tree, personas, clock, town_handler):
    clock.set(at(2026, 11, 2, 9))
    case = new_case(personas.worker, contact_name="张伟", hide_identity=True)
    post(api(town_handler), f"/api/v1/cases/{case.pk}/reply", {"body": "已受理，请稍候。"})
    post(api(town_handler), f"/api/v1/cases/{case.pk}/reply", {"body": "内部：先联系公司", "internal": True})
    worker_view = api(personas.worker).get(f"/api/v1/cases/{case.pk}").json()
    assert [m["kind"] for m in worker_view["messages"]] == ["reply"]
    assert (worker_view["description"], worker_view["contact_name"]) == (DESCRIPTION, "张伟")
    cadre_view = api(personas.city_cadre).get(f"/api/v1/cases/{case.pk}").json()
    assert [m["kind"] for m in cadre_view["messages"]] == ["reply", "note"]
    assert cadre_view["handler"] == {"id": town_handler.pk, "name": "town_handler"}
    for user in (personas.other_city_cadre, personas.grassroots_cadre, personas.outsider):
        answer = api(user).get(f"/api/v1/cases/{case.pk}")
        assert (answer.status_code, answer.json()["message"]) == (404, "工单不存在")
    assert api(personas.city_cadre).get("/api/v1/cases/999999").status_code == 404


def test_every_step_through_the_api(api, tree, personas, clock, town_handler, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clock.set(at(2026, 11, 2, 9))
    case_id = post(api(personas.worker), "/api/v1/cases", body()).json()["id"]
    cadre, worker = api(town_handler), api(personas.worker)
    url = f"/api/v1/cases/{case_id}"
    assert post(cadre, f"{url}/assign", {"handler_id": town_handler.pk}).json()["handler"]["id"] == town_handler.pk
    answer = post(cadre, f"{url}/assign", {"handler_id": personas.other_city_cadre.pk})
    assert (answer.status_code, answer.json()["fields"]) == (
        422, {"handler_id": "承办人不存在，或不在承办单位及其上级单位任职"})
    reply = post(cadre, f"{url}/reply", {"body": "您好，已受理。"})
    assert (reply.status_code, reply.json()["kind"]) == (201, "reply")
    assert post(cadre, f"{url}/pause", {"note": "请上传工资条"}).json()["status"] == "waiting"
    upload = worker.post(f"{url}/attachments", {"file": SimpleUploadedFile("工资条.png",
                                                                              b"\x89PNG\r\n\x1a\n" + b"0" * 20)})
    assert upload.status_code == 201, upload.content
    assert upload.json()["attachments"][0]["name"] == "工资条.png"
    bad = worker.post(f"{url}/attachments", {"file": SimpleUploadedFile("a.png", b"GIF89a....")})
    assert (bad.status_code, bad.json()["fields"]) == (
        422, {"attachments": "“a.png”不是允许的文件类型（只能上传 JPG、PNG、WebP 图片或 PDF 文件）"})
    assert Attachment.objects.count() == 1
    message = post(worker, f"{url}/reply", {"body": "工资条已上传。"})
    assert (message.status_code, message.json()["kind"]) == (201, "worker")
    assert cadre.get(url).json()["status"] == "processing"
    assert post(cadre, f"{url}/pause", {"note": "再补充考勤"}).json()["status"] == "waiting"
    assert post(cadre, f"{url}/resume").json()["status"] == "processing"
    answer = post(cadre, f"{url}/close", {"resolution": "won", "note": "办结"})
    assert (answer.status_code, answer.json()["fields"]) == (422, {"resolution": "请选择办理结果"})
    closed = post(cadre, f"{url}/close", {"resolution": "resolved", "note": "已补发工资"})
    assert (closed.json()["status"], closed.json()["resolution_label"]) == ("closed", "已解决")
    forbidden = post(cadre, f"{url}/rate", {"rating": 5})
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    assert post(worker, f"{url}/rate", {"rating": 6}).status_code == 422
    rated = post(worker, f"{url}/rate", {"rating": 5, "comment": "谢谢"})
    assert (rated.status_code, rated.json()["rating"]) == (200, 5)
    again = post(worker, f"{url}/rate", {"rating": 4})
    assert (again.status_code, again.json()["code"], again.json()["message"]) == (409, "already_rated",
                                                                                  "您已评价过该工单")
    reopened = post(worker, f"{url}/reopen", {"note": "公司又开始拖欠"})
    assert (reopened.json()["status"], reopened.json()["reopen_count"]) == ("processing", 1)
    county = tree.lixia
    out = post(cadre, f"{url}/transfer", {"org_id": county.pk, "note": "转区总"})
    assert (out.status_code, out.json()["message"]) == (404, "单位不存在")  # above the township: not visible
    moved = post(api(personas.county_cadre), f"{url}/transfer", {"org_id": county.pk, "note": "区总办理"})
    assert moved.json()["routed_to"] == {"id": county.pk, "name": "历下区总工会"}
    gone = post(cadre, f"{url}/close", {"resolution": "resolved", "note": "办结"})
    assert gone.status_code == 404  # no longer in the township's scope


def test_steps_out_of_scope_answer_404(api, tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    case = new_case(personas.worker)
    client = api(personas.other_city_cadre)
    for step, payload in (("assign", {"handler_id": 1}), ("transfer", {"org_id": tree.qingdao.pk, "note": "x"}),
                          ("pause", {"note": "x"}), ("resume", {}), ("close", {"resolution": "resolved",
                                                                                "note": "x"}),
                          ("reply", {"body": "x"}), ("rate", {"rating": 5}), ("reopen", {"note": "x"})):
        answer = post(client, f"/api/v1/cases/{case.pk}/{step}", payload)
        assert (step, answer.status_code) == (step, 404)
    answer = post(api(personas.city_cadre), f"/api/v1/cases/{case.pk}/transfer",
                  {"org_id": tree.qingdao.pk, "note": "转青岛"})
    assert (answer.status_code, answer.json()["message"]) == (404, "单位不存在")
    wrong_state = post(api(personas.city_cadre), f"/api/v1/cases/{case.pk}/close",
                       {"resolution": "resolved", "note": "办结"})
    assert (wrong_state.status_code, wrong_state.json()["message"]) == (409, "当前状态为“待受理”，不能执行“办结”")


def test_statistics_scoped(api, tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    new_case(personas.worker)
    data = api(personas.city_cadre).get(f"/api/v1/cases/stats?org_id={tree.jinan.pk}&months=2").json()
    assert (data["totals"]["received"], data["open"], data["months"]) == (
        1, 1, [{"month": "2026-10", "received": 0}, {"month": "2026-11", "received": 1}])
    for user, org in ((personas.other_city_cadre, tree.jinan), (personas.worker, tree.grassroots),
                      (personas.city_cadre, None)):
        answer = api(user).get(f"/api/v1/cases/stats?org_id={org.pk if org else 999999}")
        assert (answer.status_code, answer.json()["message"]) == (404, "单位不存在")


def measured_get(client, url):
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200, measured.result.content
    return measured


def test_the_list_and_the_statistics_cost_a_fixed_number_of_queries(api, tree, personas, clock, town_handler):
    clock.set(at(2026, 11, 2, 9))
    cadre, worker = api(personas.city_cadre), api(personas.worker)
    new_case(personas.worker)
    stats_url = f"/api/v1/cases/stats?org_id={tree.jinan.pk}"
    before = [measured_get(cadre, "/api/v1/cases"), measured_get(worker, "/api/v1/cases"),
              measured_get(cadre, stats_url)]
    for _ in range(2):
        case = new_case(personas.worker, hide_identity=True)
        from smartunion.cases.services import cases as services

        services.accept(case, by=town_handler)
    after = [measured_get(cadre, "/api/v1/cases"), measured_get(worker, "/api/v1/cases"),
             measured_get(cadre, stats_url)]
    assert [m.result.json().get("count") for m in after[:2]] == [3, 3]
    rows.assert_queries(4, before[0], after[0])  # token, positions, co-handled ids, the page
    rows.assert_queries(3, before[1], after[1])  # token, positions (is a cadre?), the page
    rows.assert_queries(5, before[2], after[2])  # token, the org, positions, the roll-up, the open count
