"""Open statistics (GET /api/v1/open/statistics): per region of the key's org's subtree, from Figure rows and live
counters, small cells suppressed ("<5"), the complementary cell hidden ("*"), region and month filters, CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.insight.models import Figure
from smartunion.insight.services import open as services

pytestmark = pytest.mark.django_db
URL = "/api/v1/open/statistics"
OCT = dt.date(2026, 10, 1)
COLUMNS = ["region_code", "region_name", "org_name", "level", "month", "members", "gig_members", "joins",
           "transfers_in", "transfers_out", "unions", "employers", "organised_employers", "coverage_rate"]


def figures(tree):
    values = {  # subtree values of October: members, joins, transfers_in
        tree.province: (120, 10, 7), tree.jinan: (117, 6, 0), tree.lixia: (117, 6, 0),
        tree.qingdao: (3, 4, 7), tree.shinan: (3, 4, 7),
    }
    for org, (members, joins, transfers_in) in values.items():
        for key, value in (("members", members), ("joins", joins), ("transfers_in", transfers_in)):
            Figure.objects.create(org=org, org_path=org.path, parent_id=org.parent_id, month=OCT, key=key,
                                  own=0, subtree=value)
    # Another month's rows are not read.
    Figure.objects.create(org=tree.qingdao, org_path=tree.qingdao.path, parent_id=tree.province.pk,
                          month=dt.date(2026, 9, 1), key="members", own=0, subtree=999)


def key_for(org, scopes=("open:statistics",)):
    _, secret = services.create_key(org=org, name="共享平台", scopes=list(scopes), rate_per_minute=100, by=SYSTEM)
    return Client(headers={"X-Api-Key": secret})


def row(region, name, level, members, joins, transfers_in, unions, employers, organised, rate):
    values = [region[0], region[1], name, level, "2026-10", members, 0, joins, transfers_in, 0, unions, employers,
              organised, rate]
    return dict(zip(COLUMNS, values, strict=True))


PROVINCE = ("370000", "山东省"), "山东省总工会", "省总工会", 120, 10, 7, 4, 3, 2, 667
JINAN = ("370100", "济南市"), "济南市总工会", "市总工会", "*", "*", 0, 2, 2, 1, 500
LIXIA = ("370102", "历下区"), "历下区总工会", "县（区）总工会", 117, 6, 0, 2, 2, 1, 500
QINGDAO = ("370200", "青岛市"), "青岛市总工会", "市总工会", "<5", "<5", 7, 2, 1, 1, 1000
SHINAN = ("370202", "市南区"), "市南区总工会", "县（区）总工会", "<5", "<5", 7, 2, 1, 1, 1000


def test_statistics_with_suppression_exact(tree):
    figures(tree)
    answer = key_for(tree.province).get(URL, {"month": "2026-10"})
    assert answer.status_code == 200
    data = answer.json()
    assert [c["key"] for c in data["columns"]] == COLUMNS
    assert (data["org"], data["month"], data["region"]) == ("山东省总工会", "2026-10", "")
    assert data["rows"] == [row(*PROVINCE), row(*JINAN), row(*LIXIA), row(*QINGDAO), row(*SHINAN)]
    assert "<5" in data["suppression"]


def test_region_filter_hides_what_the_full_answer_hides(tree):
    figures(tree)
    client = key_for(tree.province)
    data = client.get(URL, {"month": "2026-10", "region": "370200"}).json()
    assert data["rows"] == [row(*QINGDAO), row(*SHINAN)]
    data = client.get(URL, {"month": "2026-10", "region": "370100"}).json()
    assert data["rows"] == [row(*JINAN), row(*LIXIA)]  # 济南 stays hidden ("*") in its own region's answer


def test_scope_a_city_key_sees_its_subtree_only(tree):
    figures(tree)
    client = key_for(tree.jinan)
    data = client.get(URL, {"month": "2026-10"}).json()
    # Alone under its parent in this answer: 济南's own values show (its key holder is 济南 itself).
    jinan = row(*JINAN)
    jinan.update(members=117, joins=6)
    assert data["rows"] == [jinan, row(*LIXIA)]
    outside = client.get(URL, {"month": "2026-10", "region": "370200"})
    assert outside.status_code == 404
    assert outside.json()["message"] == "该地区不在本单位范围内或没有总工会"


def test_bad_input_is_refused_in_chinese(tree):
    client = key_for(tree.province)
    answer = client.get(URL, {"month": "2026-13"})
    assert (answer.status_code, answer.json()["fields"]) == (422, {"month": "月份格式应为 YYYY-MM"})
    answer = client.get(URL, {"region": "37ab00"})
    assert (answer.status_code, answer.json()["fields"]) == (422, {"region": "地区应为6位行政区划代码"})
    assert client.get(URL, {"format": "xml"}).status_code == 422


def test_current_month_members_come_from_the_live_counters(tree, personas):
    data = key_for(tree.province).get(URL).json()  # personas hold one member under 历下
    assert data["month"] == f"{timezone.localdate():%Y-%m}"
    assert [(r["region_code"], r["members"]) for r in data["rows"]] == [
        ("370000", "<5"), ("370100", "<5"), ("370102", "<5"), ("370200", "*"), ("370202", 0)]


def test_csv(tree):
    figures(tree)
    answer = key_for(tree.province).get(URL, {"month": "2026-10", "region": "370200", "format": "csv"})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    text = answer.content.decode("utf-8")
    assert text.splitlines() == [
        "\ufeff行政区划代码,地区,总工会,层级,月份,会员数,新就业形态会员数,新入会,转入,转出,基层工会数,登记用人单位数,已建会单位数,建会率",
        "370200,青岛市,青岛市总工会,市总工会,2026-10,<5,0,<5,7,0,2,1,1,1000",
        "370202,市南区,市南区总工会,县（区）总工会,2026-10,<5,0,<5,7,0,2,1,1,1000",
    ]
