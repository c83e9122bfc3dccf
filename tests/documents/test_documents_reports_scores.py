"""Information reports: points from the defaults and from the nearest federation's score table, the ranking by
period with ties, the scoped inbox, submissions and ranking root, and query counts that do not grow with the orgs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.documents.reports_rows import adopted, at, item

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid, NotFound
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.documents.queries import reports as queries
from smartunion.documents.services import reports as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

D = Decimal
L = InfoReport.Level
K = Organisation.Kind
pytestmark = pytest.mark.django_db


def _table(rows):
    return [(r["rank"], r["org"], r["points"], r["adopted"]) for r in rows]


def test_points_from_the_defaults(tree):
    adopted(tree.lixia, L.CITY, when=at(2025, 3))
    adopted(tree.lixia, L.CITY, when=at(2025, 4))
    adopted(tree.jinan, L.PROVINCE, when=at(2025, 5))
    adopted(tree.qingdao, L.NATIONAL, when=at(2025, 6))
    adopted(tree.qingdao, L.PROVINCE, when=at(2024, 6))  # another year
    services.decline_report(item(tree.jinan), reason="不采用", by=SYSTEM)
    assert _table(queries.ranking(tree.province, kind=K.CITY, year=2025)) == [
        (1, "青岛市总工会", Decimal("10"), 1), (2, "济南市总工会", Decimal("3"), 1)]
    assert _table(queries.ranking(tree.jinan, kind=K.COUNTY, year=2025)) == [(1, "历下区总工会", Decimal("2"), 2)]
    rows = queries.ranking(tree.province, kind=K.COUNTY, year=2025)
    assert [(r["org"], r["points"], r["city_count"], r["province_count"]) for r in rows] == [
        ("历下区总工会", Decimal("2"), 2, 0), ("市南区总工会", Decimal("0"), 0, 0)]


def test_the_nearest_federations_table_wins_per_year_and_level(tree):
    for level, points in ((L.CITY, "2"), (L.PROVINCE, "5")):
        services.set_score(org=tree.province, year=2025, level=level, points=points, by=SYSTEM)
    services.set_score(org=tree.jinan, year=2025, level=L.CITY, points="4.5", by=SYSTEM)
    services.set_score(org=tree.jinan, year=2024, level=L.CITY, points="9", by=SYSTEM)
    lixia_item = adopted(tree.lixia, L.CITY, when=at(2025, 2))
    adopted(tree.shinan, L.CITY, when=at(2025, 2))  # 青岛 has no row: the province's applies
    adopted(tree.jinan, L.PROVINCE, when=at(2025, 2))
    adopted(tree.jinan, L.NATIONAL, when=at(2025, 2))  # nobody set 报送全总: the default 10
    assert queries.points_for(lixia_item) == Decimal("4.5")
    assert _table(queries.ranking(tree.province, kind=K.COUNTY, year=2025)) == [
        (1, "历下区总工会", Decimal("4.5"), 1), (2, "市南区总工会", Decimal("2"), 1)]
    assert _table(queries.ranking(tree.province, kind=K.CITY, year=2025)) == [
        (1, "济南市总工会", Decimal("15"), 2), (2, "青岛市总工会", Decimal("0"), 0)]
    services.set_score(org=tree.jinan, year=2025, level=L.CITY, points="3", by=SYSTEM)  # replaces its row
    assert ReportScore.objects.filter(org=tree.jinan, year=2025).count() == 1
    assert queries.points_for(lixia_item) == Decimal("3")


def test_ranking_by_quarter_and_month_with_ties(tree):
    county = {name: org_services.org_create(parent=tree.jinan, kind=K.COUNTY, name=name, by=SYSTEM)
              for name in ("槐荫区总工会", "天桥区总工会")}
    adopted(tree.lixia, L.CITY, when=at(2025, 1))
    adopted(county["槐荫区总工会"], L.CITY, when=at(2025, 2))
    adopted(county["天桥区总工会"], L.CITY, when=at(2025, 4))
    adopted(county["天桥区总工会"], L.CITY, when=at(2025, 5))
    assert _table(queries.ranking(tree.jinan, kind=K.COUNTY, year=2025)) == [
        (1, "天桥区总工会", Decimal("2"), 2), (2, "历下区总工会", Decimal("1"), 1),
        (2, "槐荫区总工会", Decimal("1"), 1)]
    assert _table(queries.ranking(tree.jinan, kind=K.COUNTY, year=2025, quarter=1)) == [
        (1, "历下区总工会", Decimal("1"), 1), (1, "槐荫区总工会", Decimal("1"), 1),
        (3, "天桥区总工会", Decimal("0"), 0)]
    assert _table(queries.ranking(tree.jinan, kind=K.COUNTY, year=2025, month=5)) == [
        (1, "天桥区总工会", Decimal("1"), 1), (2, "历下区总工会", Decimal("0"), 0),
        (2, "槐荫区总工会", Decimal("0"), 0)]
    with pytest.raises(Invalid) as refused:
        queries.ranking(tree.jinan, kind=K.COUNTY, year=2025, quarter=5)
    assert refused.value.fields == {"quarter": "季度应为1至4"}


def test_period_bounds_of_a_december_month_and_a_last_quarter():
    start, end = queries.period_bounds(2025, month=12)
    assert (start.date().isoformat(), end.date().isoformat()) == ("2025-12-01", "2026-01-01")
    start, end = queries.period_bounds(2025, quarter=4)
    assert (start.date().isoformat(), end.date().isoformat()) == ("2025-10-01", "2026-01-01")


def test_only_a_federations_managing_cadre_sets_scores(tree, personas):
    with pytest.raises(Forbidden):
        services.set_score(org=tree.jinan, year=2025, level=L.CITY, points=1, by=personas.county_cadre)
    with pytest.raises(Forbidden):
        services.set_score(org=tree.province, year=2025, level=L.CITY, points=1, by=personas.city_cadre)
    with pytest.raises(Forbidden):
        services.set_score(org=tree.grassroots, year=2025, level=L.CITY, points=1, by=SYSTEM)
    with pytest.raises(Invalid) as refused:
        services.set_score(org=tree.jinan, year=1999, level="county", points="-1", by=personas.city_cadre)
    assert refused.value.fields == {"year": "年度应在2000至2100之间", "level": "请选择采用级别",
                                    "points": "分值应为0至9999.9之间的数，最多一位小数"}
    row = services.set_score(org=tree.jinan, year=2025, level=L.CITY, points="1.5", by=personas.city_cadre)
    assert (row.org_path, row.points) == (tree.jinan.path, Decimal("1.5"))
    assert [r.org for r in queries.score_rows(personas.other_city_cadre)] == []
    assert [r.org for r in queries.score_rows(personas.province_admin)] == [tree.jinan]


def test_scope_of_the_inbox_the_submissions_and_the_ranking(tree, personas):
    lixia_item = item(tree.lixia, title="历下")
    shinan_item = item(tree.shinan, title="市南")
    jinan_item = item(tree.jinan, title="济南")
    assert [r.title for r in queries.inbox(personas.city_cadre)] == ["历下"]
    assert [r.title for r in queries.inbox(personas.other_city_cadre)] == ["市南"]
    assert [r.title for r in queries.inbox(personas.province_admin)] == ["济南"]  # not the cities' inboxes
    assert [r.title for r in queries.inbox(personas.county_cadre)] == []
    assert [r.title for r in queries.my_submissions(personas.city_cadre)] == ["济南"]
    assert [r.title for r in queries.my_submissions(personas.county_cadre)] == ["历下"]
    assert queries.report_for(personas.city_cadre, lixia_item.pk) == lixia_item
    assert queries.report_for(personas.province_admin, shinan_item.pk) == shinan_item
    for user, report in ((personas.other_city_cadre, lixia_item), (personas.county_cadre, jinan_item),
                         (personas.outsider, lixia_item)):
        with pytest.raises(NotFound):
            queries.report_for(user, report.pk)
    services.adopt_report(lixia_item, level=L.CITY, by=personas.city_cadre)
    assert list(queries.inbox(personas.city_cadre)) == []
    assert queries.ranking_root(personas.city_cadre, None) == tree.jinan
    with pytest.raises(NotFound):
        queries.ranking_root(personas.city_cadre, tree.qingdao.pk)
    with pytest.raises(NotFound):
        queries.ranking_root(personas.city_cadre, 999_999)


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_ranking_and_the_inbox_cost_the_same_with_one_or_eight_orgs(tree, personas):
    adopted(tree.lixia, L.CITY)
    item(tree.lixia)
    services.set_score(org=tree.jinan, year=2025, level=L.CITY, points=2, by=SYSTEM)
    year = queries.timezone.localdate().year

    def ranking():
        assert len(queries.ranking(tree.jinan, kind=K.COUNTY, year=year)) >= 1

    def inbox():
        assert [r.to_org.name + r.org.name for r in queries.inbox(personas.city_cadre)]

    inbox()  # the cadre's positions are read once per request and kept on the user
    before = (_count(ranking), _count(inbox))
    assert before == (3, 1)
    for n in range(7):
        county = org_services.org_create(parent=tree.jinan, kind=K.COUNTY, name=f"县{n}总工会", by=SYSTEM)
        adopted(county, L.CITY)
        item(county)
    assert (_count(ranking), _count(inbox)) == before
    assert len(queries.ranking(tree.jinan, kind=K.COUNTY, year=year)) == 8
    assert queries.inbox(personas.city_cadre).count() == 8
