"""Results of the registries part: 未建会企业 (sorted, ≥25 filter), 建会率 / 入会率 per child region, companies closed
while their union is active; each list from inside and outside the scope, and their query counts."""

from __future__ import annotations

import pytest

from smartunion.core.errors import NotFound
from smartunion.insight.models import CompanyRecord
from smartunion.insight.queries import registries as queries


def company(key, name, area, *, employer=None, status="active", insured=None, region="370102"):
    return CompanyRecord.objects.create(record_key=key, name=name, normalized_name=name, region_code=region,
                                        county_code=region, area_path=area.path, status=status,
                                        insured_count=insured, employer=employer,
                                        match_method="credit_code" if employer else "")


@pytest.fixture
def results(tree, personas):
    town, qd_town = tree.lixia_town, tree.shinan_town
    return {
        "a": company("A", "济南甲科技有限公司", town, employer=tree.employer, insured=120),
        "b": company("B", "济南乙商贸有限公司", town, employer=tree.employer_without_union, insured=40),
        "c": company("C", "济南丙餐饮有限公司", town, insured=26),
        "d": company("D", "济南丁咖啡有限公司", town, insured=3),
        "e": company("E", "济南戊书店", town),
        "q": company("Q", "青岛丙物流有限公司", qd_town, employer=tree.qd_employer, status="cancelled",
                     region="370202"),
        "q2": company("Q2", "青岛海滨旅游有限公司", qd_town, insured=80, region="370202"),
    }


def names(rows):
    return [r.name for r in rows]


def test_unorganised_sorted_scoped_and_filtered(tree, personas, results):
    assert names(queries.unorganised(personas.province_admin)) == [
        "青岛海滨旅游有限公司", "济南乙商贸有限公司", "济南丙餐饮有限公司", "济南丁咖啡有限公司", "济南戊书店"]
    assert names(queries.unorganised(personas.city_cadre)) == [
        "济南乙商贸有限公司", "济南丙餐饮有限公司", "济南丁咖啡有限公司", "济南戊书店"]
    assert names(queries.unorganised(personas.city_cadre, min_insured=25)) == ["济南乙商贸有限公司",
                                                                             "济南丙餐饮有限公司"]
    assert names(queries.unorganised(personas.other_city_cadre)) == ["青岛海滨旅游有限公司"]
    assert names(queries.unorganised(personas.grassroots_cadre)) == []
    assert names(queries.unorganised(personas.province_admin, root=tree.qingdao, text="海滨")) == [
        "青岛海滨旅游有限公司"]
    assert names(queries.unorganised(personas.worker)) == []


def test_closed_with_active_union(tree, personas, results):
    assert names(queries.closed_with_union(personas.province_admin)) == ["青岛丙物流有限公司"]
    assert names(queries.closed_with_union(personas.other_city_cadre)) == ["青岛丙物流有限公司"]
    assert names(queries.closed_with_union(personas.city_cadre)) == []


def test_coverage_and_membership_per_child(tree, personas, results):
    lines = queries.coverage(queries.root_for(personas.province_admin, None))
    assert [(line["org"].name, line["companies"], line["organised"], line["unorganised"], line["coverage"],
             line["insured"], line["members"], line["membership"]) for line in lines] == [
        ("济南市总工会", 5, 1, 4, 20.0, 189, 1, 0.5),
        ("青岛市总工会", 1, 0, 1, 0.0, 80, 0, 0.0),
        ("山东省总工会", 6, 1, 5, 16.7, 269, 1, 0.4),
    ]
    assert queries.root_for(personas.city_cadre, None) == tree.jinan
    with pytest.raises(NotFound):
        queries.root_for(personas.city_cadre, tree.qingdao.pk)
    with pytest.raises(NotFound):
        queries.root_for(personas.city_cadre, tree.province.pk)


def test_list_query_counts(tree, personas, results, django_assert_num_queries):
    user = personas.province_admin
    queries.root_for(user, None)  # the user's positions are read once per request
    with django_assert_num_queries(1):
        rows = list(queries.unorganised(user))
        assert [r.employer.name if r.employer_id else "" for r in rows][:2] == ["", "济南乙商贸有限公司"]
    with django_assert_num_queries(1):
        assert [r.employer.covering_union.name for r in queries.closed_with_union(user)] == ["丙公司工会委员会"]
    root = queries.root_for(user, None)
    with django_assert_num_queries(2):
        queries.coverage(root)
