"""Matching registry companies to employers on a small synthetic registry with known truth: exact credit codes,
full-width and bracket variants, a typo, a renamed company without a credit code (to review), a near miss (to
review, rejected), companies not in the employer registry; precision and recall; decisions remembered."""

from __future__ import annotations

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden
from smartunion.core.validators import make_credit_code
from smartunion.insight.models import CompanyRecord, MatchCandidate, MatchRun
from smartunion.insight.registry_formats import company_key
from smartunion.insight.services import matching
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer

A = make_credit_code("91370102MA0000001")


@pytest.fixture(autouse=True)
def _synchronous(settings):
    settings.INSIGHT_REGISTRY_THREADS = False


def employer(name, region="370102", address="", **fields):
    return org_services.employer_create(name=name, region=region, address=address, by=SYSTEM, **fields)


def record(name, region="370102", address="", credit=None, status="active", insured=None):
    from smartunion.core.text import normalize_employer_name
    from smartunion.orgs.models import Region
    from smartunion.orgs.regions import derived_township_union, federation_for_region

    normalized = normalize_employer_name(name, region=region)
    org = derived_township_union(Region.objects.get(pk=region)) or federation_for_region(region)
    return CompanyRecord.objects.create(
        record_key=company_key(credit, normalized, region), credit_code=credit, name=name,
        normalized_name=normalized, address=address, region_code=region, county_code=region[:6],
        area_path=org.path if org else "", status=status, insured_count=insured)


@pytest.fixture
def registry(tree):
    e = {
        "jia": tree.employer, "yi": tree.employer_without_union, "bing": tree.qd_employer,
        "abc": employer("济南泉城ABC软件有限公司", address="解放路10号"),
        "daminghu": employer("济南大明湖餐饮管理有限公司", address="明湖路5号"),
        "hengtong": employer("济南恒通机械制造有限公司", address="经十路100号"),
        "huaxia": employer("济南华夏建筑工程有限公司", address="和平路8号"),
        "luxin": employer("济南鲁信商贸有限公司", address="经十路200号"),
        "haibin": employer("青岛海滨旅游有限公司", region="370202", address="香港中路9号"),
    }
    r = {
        "renamed_with_code": record("济南甲科技股份有限公司", credit=A, insured=120),
        "same_name": record("济南乙商贸有限公司", insured=40),
        "full_width": record("济南泉城ＡＢＣ软件有限公司", address="解放路１０号"),
        "bracket": record("大明湖餐饮管理（济南）有限公司", address="明湖路5号"),
        "typo": record("济南恒通机戒制造有限公司", address="经十路100号"),
        "renamed_no_code": record("济南华夏智能建筑有限公司", address="和平路8号", insured=30),
        "code_not_on_employer": record("青岛海滨旅游有限公司", region="370202", address="香港中路9号",
                                       credit=make_credit_code("91370202MA0000009")),
        "closed": record("青岛丙物流有限公司", region="370202", status="cancelled"),
        "new_similar_head": record("济南恒通物流有限公司", address="工业南路1号", insured=26),
        "new": record("济南新开咖啡有限公司", insured=3),
        "other_county": record("济南鲁信商贸有限公司", region="370103"),
        "near_miss": record("济南鲁信商贸服务有限公司", address="经十路202号", insured=25),
    }
    truth_names = {"renamed_with_code": "jia", "same_name": "yi", "full_width": "abc", "bracket": "daminghu",
                   "typo": "hengtong", "renamed_no_code": "huaxia", "code_not_on_employer": "haibin",
                   "closed": "bing"}
    truth = {rec.pk: (e[truth_names[key]].pk if key in truth_names else None) for key, rec in r.items()}
    return e, r, truth


def links(r):
    found = {rec.pk: rec for rec in CompanyRecord.objects.filter(pk__in=[x.pk for x in r.values()])}
    return {key: (found[rec.pk].employer.name if found[rec.pk].employer_id else None, found[rec.pk].match_method)
            for key, rec in r.items()}


def test_match_run_links_reviews_and_measures(tree, registry):
    e, r, truth = registry
    run = matching.start_run(org=tree.province, by=SYSTEM)
    assert (run.status, run.exact, run.probable, run.to_review, run.unmatched) == ("done", 1, 6, 2, 5)
    assert links(r) == {
        "renamed_with_code": ("济南甲科技有限公司", "credit_code"),
        "same_name": ("济南乙商贸有限公司", "probabilistic"),
        "full_width": ("济南泉城ABC软件有限公司", "probabilistic"),
        "bracket": ("济南大明湖餐饮管理有限公司", "probabilistic"),
        "typo": ("济南恒通机械制造有限公司", "probabilistic"),
        "renamed_no_code": (None, ""),
        "code_not_on_employer": ("青岛海滨旅游有限公司", "probabilistic"),
        "closed": ("青岛丙物流有限公司", "probabilistic"),
        "new_similar_head": (None, ""),
        "new": (None, ""),
        "other_county": (None, ""),
        "near_miss": (None, ""),
    }
    pending = {(c.record_id, c.employer_id) for c in MatchCandidate.objects.filter(status="pending")}
    assert pending == {(r["renamed_no_code"].pk, e["huaxia"].pk), (r["near_miss"].pk, e["luxin"].pk)}
    assert matching.evaluate(truth) == {"links": 7, "correct": 7, "true_pairs": 8, "precision": 1.0,
                                        "recall": 0.875}


def test_review_decisions_are_remembered_across_runs(tree, registry, personas):
    _e, r, truth = registry
    matching.start_run(org=tree.province, by=SYSTEM)
    renamed = MatchCandidate.objects.get(record=r["renamed_no_code"])
    near = MatchCandidate.objects.get(record=r["near_miss"])
    with pytest.raises(Forbidden):
        matching.accept(renamed, by=personas.other_city_cadre)
    matching.accept(renamed, by=personas.county_cadre)
    matching.reject(near, by=personas.county_cadre)
    assert matching.evaluate(truth)["recall"] == 1.0
    again = matching.start_run(org=tree.province, by=personas.province_admin)
    assert (again.exact, again.probable, again.to_review, again.unmatched) == (1, 6, 0, 4)
    assert links(r)["renamed_no_code"] == ("济南华夏建筑工程有限公司", "reviewed")
    assert links(r)["near_miss"] == (None, "")
    assert list(MatchCandidate.objects.values_list("status", flat=True).order_by("status")) == [
        "accepted", "rejected"]
    assert matching.evaluate(truth) == {"links": 8, "correct": 8, "true_pairs": 8, "precision": 1.0,
                                        "recall": 1.0}


def test_only_province_and_city_managers_run_matching(tree, personas):
    with pytest.raises(Forbidden):
        matching.start_run(org=tree.lixia, by=personas.county_cadre)
    run = matching.start_run(org=tree.jinan, by=personas.city_cadre)
    assert run.status == MatchRun.Status.DONE and run.org_path == tree.jinan.path


def test_scoring_a_county_at_a_time_gives_the_same_pairs(tree, registry, monkeypatch):
    """No blocking rule crosses a county, so chunks of whole counties score exactly the pairs one chunk does."""
    left = list(CompanyRecord.objects.values_list("pk", "normalized_name", "county_code", "region_code", "address"))
    pool = list(Employer.objects.values_list("pk", "normalized_name", "county_code", "region_id", "address"))
    chunks = []
    real = matching._score_chunk
    monkeypatch.setattr(matching, "_score_chunk",
                        lambda a, b: chunks.append(sorted({row[2] for row in a})) or real(a, b))
    whole = matching.score_pairs(left, pool)
    assert chunks == [["370102", "370202"]]
    monkeypatch.setattr(matching, "SCORE_CHUNK_ROWS", 1)
    chunks.clear()
    by_county = matching.score_pairs(left, pool)
    assert chunks == [["370102"], ["370202"]]  # 370103's record has no employer of its county: nothing to score
    def scored(pairs):
        return sorted((r, e, round(p, 9)) for r, e, p, _ in pairs)

    assert scored(by_county) == scored(whole)
    assert len(whole) == 9
