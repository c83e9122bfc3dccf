"""Console 信息报送: submitting, the inbox with adopt / decline, withdraw and forward behind confirmations, the score
table, the ranking with its chart and Excel export, the workbench queue; scope and query counts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from tests.documents.reports_rows import adopted, at, item

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.orgs import services as org_services

pytestmark = pytest.mark.django_db
L = InfoReport.Level


def test_submit_from_the_console(tree, personas, console):
    client = console(personas.county_cadre)
    page = client.get(reverse("console:documents_reports_submit"))
    assert page.status_code == 200
    assert "历下区总工会（报送至济南市总工会）" in page.content.decode()
    refused = client.post(reverse("console:documents_reports_submit"),
                          {"org": tree.lixia.pk, "category": "news", "title": " ", "body": "内容"})
    assert refused.status_code == 200 and InfoReport.objects.count() == 0
    done = client.post(reverse("console:documents_reports_submit"),
                       {"org": tree.lixia.pk, "category": "practice", "title": "送温暖", "body": "内容"})
    assert done.status_code == 302
    report = InfoReport.objects.get()
    assert (report.org, report.to_org, report.category) == (tree.lixia, tree.jinan, "practice")
    listing = client.get(reverse("console:documents_inforeport_changelist")).content.decode()
    assert "送温暖" in listing and "待处理" in listing


def test_the_inbox_adopts_and_declines_behind_a_confirmation(tree, personas, console):
    first, second = item(tree.lixia, title="一号信息"), item(tree.lixia, title="二号信息")
    item(tree.shinan, title="青岛的信息")
    client = console(personas.city_cadre)
    inbox = client.get(reverse("console:documents_reports_inbox")).content.decode()
    assert "一号信息" in inbox and "二号信息" in inbox and "青岛的信息" not in inbox
    detail = client.get(reverse("console:documents_reports_detail", args=[first.pk])).content.decode()
    assert 'data-confirm="确定提交处理结果吗？提交后不能更改。"' in detail
    assert '<option value="city">市级采用</option>' in detail and "省级采用</option>" not in detail
    response = client.post(reverse("console:documents_reports_decide", args=[first.pk]),
                           {"decision": "adopt", "level": "city"})
    assert response.status_code == 302
    refused = client.post(reverse("console:documents_reports_decide", args=[second.pk]),
                          {"decision": "decline", "reason": ""})
    assert "请填写未采用的原因" in refused.content.decode()
    client.post(reverse("console:documents_reports_decide", args=[second.pk]),
                {"decision": "decline", "reason": "重复"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.level, second.status, second.reason) == ("adopted", "city", "declined", "重复")
    assert "没有待处理的报送信息" in client.get(reverse("console:documents_reports_inbox")).content.decode()
    other = console(personas.other_city_cadre)
    assert other.get(reverse("console:documents_reports_detail", args=[first.pk])).status_code == 404


def test_withdraw_and_forward_ask_first(tree, personas, console):
    county, city = console(personas.county_cadre), console(personas.city_cadre)
    pending = item(tree.lixia, title="待撤回")
    url = reverse("console:documents_reports_step", args=[pending.pk, "withdraw"])
    assert "确定撤回“待撤回”吗？" in county.get(url).content.decode()
    pending.refresh_from_db()
    assert pending.status == "submitted"
    county.post(url)
    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    done = adopted(tree.lixia, L.CITY, title="好经验")
    url = reverse("console:documents_reports_step", args=[done.pk, "forward"])
    assert "转报上级" in city.get(reverse("console:documents_reports_detail", args=[done.pk])).content.decode()
    assert city.get(url).status_code == 200
    assert city.post(url).status_code == 302
    copy = InfoReport.objects.get(org=tree.jinan)
    assert (copy.to_org, copy.title) == (tree.province, "好经验")


def test_score_table_and_workbench_queue(tree, personas, console):
    client = console(personas.city_cadre)
    page = client.get(reverse("console:documents_reports_score_create")).content.decode()
    assert "没有任何总工会设置时按默认：市级采用1分、省级采用3分、报送全总10分" in page
    assert "山东省总工会" not in page
    client.post(reverse("console:documents_reports_score_create"),
                {"org": tree.jinan.pk, "year": 2025, "level": "city", "points": "2.5"})
    assert list(ReportScore.objects.values_list("org_id", "year", "level", "points")) == [
        (tree.jinan.pk, 2025, "city", Decimal("2.5"))]
    listing = client.get(reverse("console:documents_reportscore_changelist")).content.decode()
    assert "2.5" in listing
    item(tree.lixia)
    home = client.get(reverse("console:index")).content.decode()
    assert "待采用信息" in home


def test_ranking_with_chart_and_excel(tree, personas, console):
    huaiyin = org_services.org_create(parent=tree.jinan, kind="county", name="槐荫区总工会", by=SYSTEM)
    adopted(tree.lixia, L.CITY, when=at(2025, 3))
    adopted(huaiyin, L.CITY, when=at(2025, 3))
    adopted(huaiyin, L.CITY, when=at(2025, 8))
    client = console(personas.city_cadre)
    url = reverse("console:documents_reports_ranking")
    page = client.get(url, {"org": tree.jinan.pk, "year": 2025}).content.decode()
    assert 'class="results-chart"' in page and "unfold/js/chart/chart.js" in page
    assert page.index("槐荫区总工会</td>") < page.index("历下区总工会</td>")
    response = client.get(url, {"org": tree.jinan.pk, "year": 2025, "period": "q1", "kind": "county", "export": "1"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["名次", "单位", "得分", "采用条数", "市级采用", "省级采用", "报送全总"],
        [1, "历下区总工会", 1, 1, 1, 0, 0], [1, "槐荫区总工会", 1, 1, 1, 0, 0]]
    assert AuditEvent.objects.filter(action="documents.report_ranking.export").count() == 1
    other = client.get(url, {"org": tree.qingdao.pk, "year": 2025}).content.decode()
    assert "青岛" not in other  # out of scope: the chooser falls back to the cadre's own org


def test_list_pages_cost_the_same_with_one_or_three_items(tree, personas, console):
    client = console(personas.city_cadre)
    item(tree.lixia)
    item(tree.jinan)
    pages = [reverse("console:documents_reports_inbox"), reverse("console:documents_inforeport_changelist"),
             reverse("console:documents_reports_ranking")]

    def measure():
        counts = []
        for url in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    measure()
    before = measure()
    for n in range(2):
        item(tree.lixia)
        item(tree.jinan)
        org_services.org_create(parent=tree.jinan, kind="county", name=f"新区{n}总工会", by=SYSTEM)
    assert measure() == before
