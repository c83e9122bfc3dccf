"""/api/v1/reports: submit, the lists, one item, adopt / decline / withdraw / forward, the ranking; scope as 404."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.documents.reports_rows import adopted, at, item

from smartunion.documents.models import InfoReport

pytestmark = pytest.mark.django_db
L = InfoReport.Level


def _post(client, url, payload=None):
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def test_submit_list_and_read(tree, personas, api):
    county = api(personas.county_cadre)
    response = _post(county, "/api/v1/reports", {"category": "news", "title": "职工运动会", "body": "历下区举办。"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["org"]["name"], body["to_org"]["name"], body["status"], body["status_label"], body["body"]) == (
        "历下区总工会", "济南市总工会", "submitted", "待处理", "历下区举办。")
    assert body["may_decide"] is False
    refused = _post(county, "/api/v1/reports", {"category": "news", "title": "", "body": "内容"})
    assert (refused.status_code, refused.json()["fields"]) == (422, {"title": "请填写标题"})
    assert [r["title"] for r in county.get("/api/v1/reports").json()["items"]] == ["职工运动会"]
    city = api(personas.city_cadre)
    assert [r["title"] for r in city.get("/api/v1/reports?box=inbox").json()["items"]] == ["职工运动会"]
    assert city.get("/api/v1/reports").json()["items"] == []
    detail = city.get(f"/api/v1/reports/{body['id']}").json()
    assert (detail["may_decide"], detail["levels"]) == (True, [{"value": "city", "label": "市级采用"}])
    assert api(personas.other_city_cadre).get(f"/api/v1/reports/{body['id']}").status_code == 404
    other = _post(api(personas.other_city_cadre), "/api/v1/reports",
                  {"org_id": tree.lixia.pk, "category": "news", "title": "t", "body": "b"})
    assert other.status_code == 404


def test_adopt_decline_withdraw_and_forward(tree, personas, api):
    city, county = api(personas.city_cadre), api(personas.county_cadre)
    first, second, third = (item(tree.lixia, title=t) for t in ("一", "二", "三"))
    wrong = _post(city, f"/api/v1/reports/{first.pk}/adopt", {"level": "province"})
    assert (wrong.status_code, wrong.json()["fields"]) == (422, {"level": "济南市总工会可给的采用级别为：市级采用"})
    forbidden = _post(county, f"/api/v1/reports/{first.pk}/adopt", {"level": "city"})
    assert forbidden.status_code == 403
    done = _post(city, f"/api/v1/reports/{first.pk}/adopt", {"level": "city"}).json()
    assert (done["status"], done["level_label"], done["points"]) == ("adopted", "市级采用", "1")
    declined = _post(city, f"/api/v1/reports/{second.pk}/decline", {"reason": "已有同类信息"}).json()
    assert (declined["status"], declined["reason"]) == ("declined", "已有同类信息")
    withdrawn = _post(county, f"/api/v1/reports/{third.pk}/withdraw").json()
    assert withdrawn["status"] == "withdrawn"
    again = _post(county, f"/api/v1/reports/{first.pk}/withdraw")
    assert (again.status_code, again.json()["message"]) == (409, "当前状态为“已采用”，不能执行“撤回”")
    copy = _post(city, f"/api/v1/reports/{first.pk}/forward")
    assert copy.status_code == 201
    assert (copy.json()["org"]["name"], copy.json()["to_org"]["name"]) == ("济南市总工会", "山东省总工会")
    province = api(personas.province_admin)
    adopted_copy = _post(province, f"/api/v1/reports/{copy.json()['id']}/adopt", {"level": "national"}).json()
    assert (adopted_copy["level"], adopted_copy["points"]) == ("national", "10")


def test_ranking(tree, personas, api):
    adopted(tree.jinan, L.PROVINCE, when=at(2025, 2))
    adopted(tree.qingdao, L.NATIONAL, when=at(2025, 7))
    province = api(personas.province_admin)
    body = province.get("/api/v1/reports/ranking?year=2025").json()
    assert (body["org"]["name"], body["kind"]) == ("山东省总工会", "city")
    assert [(r["rank"], r["org"]["name"], r["points"], r["national"]) for r in body["items"]] == [
        (1, "青岛市总工会", "10", 1), (2, "济南市总工会", "3", 0)]
    q1 = province.get(f"/api/v1/reports/ranking?org_id={tree.province.pk}&year=2025&quarter=1").json()
    assert [(r["org"]["name"], r["points"]) for r in q1["items"]] == [("济南市总工会", "3"), ("青岛市总工会", "0")]
    both = province.get("/api/v1/reports/ranking?year=2025&quarter=1&month=2")
    assert (both.status_code, both.json()["fields"]) == (422, {"quarter": "季度和月份只能选一个"})
    assert api(personas.city_cadre).get(
        f"/api/v1/reports/ranking?org_id={tree.province.pk}&year=2025").status_code == 404


def test_the_inbox_list_costs_the_same_with_one_or_three_items(tree, personas, api):
    city = api(personas.city_cadre)
    item(tree.lixia)
    city.get("/api/v1/reports?box=inbox")

    def measure():
        with CaptureQueriesContext(connection) as captured:
            assert city.get("/api/v1/reports?box=inbox").status_code == 200
        return len(captured.captured_queries)

    before = measure()
    item(tree.lixia)
    item(tree.lixia)
    assert measure() == before
