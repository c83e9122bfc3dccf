"""/api/v1/registries: upload with progress and report, list and detail in scope, matching, the result lists
(unorganised, closed, coverage) in and out of scope, accept/reject of candidates; query counts of the lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.insight.test_insight_registries_import import COMPANY_ROWS
from tests.insight.test_insight_registries_results import company, results  # noqa: F401  (fixture)

from smartunion.insight import registry_formats as formats
from smartunion.insight.models import MatchCandidate

BASE = "/api/v1/registries"


@pytest.fixture(autouse=True)
def _synchronous(settings):
    settings.INSIGHT_REGISTRY_THREADS = False


def test_upload_list_and_detail(tree, personas, api):
    client = api(personas.city_cadre)
    sent = client.post(f"{BASE}/imports", {"org_id": tree.jinan.pk, "kind": "company", "file": SimpleUploadedFile(
        "企业登记.csv", formats.sample_csv("company", COMPANY_ROWS))})
    assert sent.status_code == 201
    body = sent.json()
    assert {k: body[k] for k in ("status", "rows_total", "position", "percent", "added", "changed", "unchanged",
                                  "rejected")} == {"status": "done", "rows_total": 9, "position": 9, "percent": 100,
                                                   "added": 4, "changed": 0, "unchanged": 0, "rejected": 5}
    assert [r["reason"] for r in body["rejects"]][:2] == [body["rejects"][0]["reason"], "缺少企业名称"]
    listed = client.get(f"{BASE}/imports").json()
    assert (listed["count"], listed["items"][0]["id"]) == (1, body["id"])
    assert client.get(f"{BASE}/imports/{body['id']}").json()["position"] == 9
    assert api(personas.other_city_cadre).get(f"{BASE}/imports/{body['id']}").status_code == 404
    assert api(personas.other_city_cadre).get(f"{BASE}/imports").json()["count"] == 0
    refused = api(personas.county_cadre).post(f"{BASE}/imports", {
        "org_id": tree.lixia.pk, "kind": "company", "file": SimpleUploadedFile("a.csv", b"x")})
    assert refused.status_code == 403
    outside = client.post(f"{BASE}/imports", {"org_id": tree.qingdao.pk, "kind": "company",
                                              "file": SimpleUploadedFile("a.csv", b"x")})
    assert outside.status_code == 404
    ran = client.post(f"{BASE}/match-runs", {"org_id": tree.jinan.pk}, content_type="application/json")
    assert ran.status_code == 201 and ran.json()["status"] == "done"


def test_result_lists_in_and_out_of_scope(tree, personas, api, results):  # noqa: F811
    city = api(personas.city_cadre)
    unorganised = city.get(f"{BASE}/unorganised?min_insured=25").json()
    assert [(i["name"], i["insured_count"], i["employer"] and i["employer"]["name"]) for i in unorganised["items"]] \
        == [("济南乙商贸有限公司", 40, "济南乙商贸有限公司"), ("济南丙餐饮有限公司", 26, None)]
    assert city.get(f"{BASE}/unorganised?org_id={tree.qingdao.pk}").status_code == 404
    assert api(personas.other_city_cadre).get(f"{BASE}/closed").json()["items"][0]["union"]["name"] == \
        "丙公司工会委员会"
    assert city.get(f"{BASE}/closed").json()["count"] == 0
    coverage = api(personas.province_admin).get(f"{BASE}/coverage").json()
    assert [(i["org"]["name"], i["coverage"], i["membership"]) for i in coverage["items"]] == [
        ("济南市总工会", 20.0, 0.5), ("青岛市总工会", 0.0, 0.0)]
    assert coverage["total"]["companies"] == 6
    assert city.get(f"{BASE}/coverage?org_id={tree.province.pk}").status_code == 404


def test_candidates_accept_and_reject(tree, personas, api, results):  # noqa: F811
    first = MatchCandidate.objects.create(record=results["c"], employer=tree.employer_without_union, score=0.5,
                                          area_path=tree.lixia_town.path)
    second = MatchCandidate.objects.create(record=results["d"], employer=tree.employer, score=0.3,
                                           area_path=tree.lixia_town.path)
    county = api(personas.county_cadre)
    assert [i["id"] for i in county.get(f"{BASE}/candidates").json()["items"]] == [first.pk, second.pk]
    assert api(personas.other_city_cadre).post(f"{BASE}/candidates/{first.pk}/accept").status_code == 404
    assert county.post(f"{BASE}/candidates/{first.pk}/accept").json()["status"] == "accepted"
    assert county.post(f"{BASE}/candidates/{first.pk}/accept").status_code == 409
    assert county.post(f"{BASE}/candidates/{second.pk}/reject").json()["status"] == "rejected"
    assert county.get(f"{BASE}/candidates").json()["count"] == 0
    assert county.get(f"{BASE}/candidates?status=all").json()["count"] == 2


def test_list_query_counts(tree, personas, api, results):  # noqa: F811
    client = api(personas.province_admin)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [f"{BASE}/unorganised?page_size=3", f"{BASE}/closed", f"{BASE}/coverage", f"{BASE}/imports",
            f"{BASE}/candidates"]
    before = [count(url) for url in urls]
    for n in range(5):
        company(f"X{n}", f"济南新增{n}有限公司", tree.lixia_town, insured=n)
        company(f"Y{n}", f"青岛注销{n}有限公司", tree.shinan_town, employer=tree.qd_employer, status="cancelled")
    assert [count(url) for url in urls] == before
