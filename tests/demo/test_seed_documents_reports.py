"""The demo information reports (demo/seed_documents_reports.py) on the test tree (济南 with 历下区, 青岛 with 市南区):
exact counts per state, the forwarded copies, and rankings with figures for this year."""

from decimal import Decimal

import pytest
from django.utils import timezone

from smartunion.demo.seed_documents_reports import build_reports
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.documents.queries.reports import inbox, ranking

pytestmark = pytest.mark.django_db


def test_the_demo_reports(tree, personas):
    messages = []
    made = build_reports(progress=messages.append)
    assert made == {"reports": 12, "adopted": 7, "declined": 1, "submitted": 3, "withdrawn": 1}
    assert messages[-1] == "信息报送：12 条（采用 7、未采用 1、待处理 3、撤回 1）"
    assert sorted(InfoReport.objects.values_list("status", flat=True)) == sorted(
        ["adopted"] * 7 + ["declined"] + ["submitted"] * 3 + ["withdrawn"])
    assert ReportScore.objects.count() == 4
    copies = InfoReport.objects.filter(org=tree.jinan, body__startswith="【转报】")
    assert sorted(copies.values_list("status", flat=True)) == ["adopted", "submitted"]
    # The demo acted as the orgs' own cadres where it found them.
    assert set(InfoReport.objects.filter(org=tree.lixia).values_list("submitted_by__username", flat=True)) == {
        "county_cadre"}
    assert [r.title for r in inbox(personas.city_cadre)] == ["历下区职工书屋建设情况"]
    assert inbox(personas.province_admin).count() == 2
    year = timezone.localdate().year
    assert [(r["org"], r["points"]) for r in ranking(tree.province, kind="city", year=year)] == [
        ("济南市总工会", Decimal("16")), ("青岛市总工会", Decimal("3"))]
    assert [(r["org"], r["points"]) for r in ranking(tree.jinan, kind="county", year=year)] == [
        ("历下区总工会", Decimal("6"))]
    decided = InfoReport.objects.exclude(decided_at=None)
    assert all(r.decided_at.year == year and r.decided_at <= timezone.now() for r in decided)
