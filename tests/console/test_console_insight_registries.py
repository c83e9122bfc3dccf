"""Console pages of the registries: upload and progress, who may import, the company lists (unorganised, closed)
in and out of scope with their export, coverage with drill-down, the review queue; query counts of the lists."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from tests.insight.test_insight_registries_import import COMPANY_ROWS
from tests.insight.test_insight_registries_results import company, results  # noqa: F401  (fixture)

from smartunion.insight import registry_formats as formats
from smartunion.insight.models import CompanyRecord, MatchCandidate, RegistryImport

IMPORTS = "/console/insight/registryimport/"
COMPANIES = "/console/insight/companyrecord/"
CANDIDATES = "/console/insight/matchcandidate/"


@pytest.fixture(autouse=True)
def _synchronous(settings):
    settings.INSIGHT_REGISTRY_THREADS = False


def rows_of(response):
    return [obj.name for obj in response.context["cl"].result_list]


def test_upload_progress_and_rejects(tree, personas, console):
    browser = console(personas.province_admin)
    page = browser.get(IMPORTS + "upload/")
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    sent = browser.post(IMPORTS + "upload/", {
        "org": tree.province.pk, "kind": "company",
        "file": SimpleUploadedFile("企业登记.csv", formats.sample_csv("company", COMPANY_ROWS, encoding="gbk"))})
    job = RegistryImport.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"{IMPORTS}{job.pk}/progress/"
    progress = browser.get(sent["Location"]).content.decode()
    assert "已处理 9 / 9 行（100%）" in progress and "缺少企业名称" in progress and "已完成" in progress
    rejects = load_workbook(io.BytesIO(browser.get(f"{IMPORTS}{job.pk}/rejects/").content)).active
    assert [row[:2] for row in rejects.iter_rows(min_row=2, values_only=True)][1:] == [
        (7, "缺少企业名称"), (8, "未知的行政区划代码“999999”"), (9, "成立日期“2020-13-45”格式错误（应为 2015-03-01）"),
        (10, "缺少登记状态")]
    listing = browser.get(IMPORTS)
    assert [o.original_name for o in listing.context["cl"].result_list] == ["企业登记.csv"]
    assert console(personas.other_city_cadre).get(f"{IMPORTS}{job.pk}/progress/").status_code == 404
    assert console(personas.city_cadre).get(f"{IMPORTS}{job.pk}/progress/").status_code == 404


def test_who_may_import(tree, personas, console):
    assert console(personas.county_cadre).get(IMPORTS + "upload/").status_code == 403
    assert console(personas.county_cadre).get(IMPORTS + "match/").status_code == 403
    city = console(personas.city_cadre)
    page = city.get(IMPORTS + "upload/")
    assert [o.name for o in page.context["form"].fields["org"].queryset] == ["济南市总工会"]
    refused = city.post(IMPORTS + "upload/", {"org": tree.province.pk, "kind": "company",
                                              "file": SimpleUploadedFile("a.csv", b"x")})
    assert refused.status_code == 200 and not RegistryImport.objects.exists()
    ran = city.post(IMPORTS + "match/", {"org": tree.jinan.pk})
    assert ran.status_code == 302
    assert "匹配完成" in city.get(ran["Location"]).content.decode()


def test_company_lists_in_and_out_of_scope(tree, personas, console, results):  # noqa: F811
    city = console(personas.city_cadre)
    assert rows_of(city.get(COMPANIES + "?list=unorganised")) == [
        "济南乙商贸有限公司", "济南丙餐饮有限公司", "济南丁咖啡有限公司", "济南戊书店"]
    assert rows_of(city.get(COMPANIES + "?list=unorganised&insured=25")) == ["济南乙商贸有限公司",
                                                                            "济南丙餐饮有限公司"]
    assert rows_of(city.get(COMPANIES + "?list=unorganised&q=丁咖啡")) == ["济南丁咖啡有限公司"]
    assert rows_of(city.get(COMPANIES + "?list=closed")) == []
    assert rows_of(console(personas.other_city_cadre).get(COMPANIES + "?list=closed")) == ["青岛丙物流有限公司"]
    assert rows_of(console(personas.grassroots_cadre).get(COMPANIES + "?list=unorganised")) == []
    exported = city.get(COMPANIES + "export-current/?list=unorganised&insured=25")
    sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in values[4:]] == ["济南乙商贸有限公司", "济南丙餐饮有限公司"]
    qd = results["q2"]
    assert city.get(f"{COMPANIES}{qd.pk}/change/").status_code in (302, 404)


def test_coverage_page_and_drill_down(tree, personas, console, results):  # noqa: F811
    province = console(personas.province_admin)
    page = province.get(COMPANIES + "coverage/")
    assert [line["org"].name for line in page.context["lines"]] == ["济南市总工会", "青岛市总工会"]
    assert page.context["total"]["coverage"] == 16.7
    down = province.get(COMPANIES + f"coverage/?org={tree.jinan.pk}")
    assert [(line["org"].name, line["companies"]) for line in down.context["lines"]] == [("历下区总工会", 5)]
    book = load_workbook(io.BytesIO(province.get(COMPANIES + f"coverage/?org={tree.jinan.pk}&export=1").content))
    assert [row[:5] for row in book.active.iter_rows(values_only=True)] == [
        ("地区（组织）", "在业企业", "已建会", "未建会", "建会率（%）"), ("历下区总工会", 5, 1, 4, 20.0),
        ("济南市总工会（合计）", 5, 1, 4, 20.0)]
    assert console(personas.city_cadre).get(COMPANIES + f"coverage/?org={tree.qingdao.pk}").status_code == 404


def test_review_queue_accept_and_reject(tree, personas, console, results):  # noqa: F811
    accept = MatchCandidate.objects.create(record=results["c"], employer=tree.employer_without_union, score=0.5,
                                           area_path=tree.lixia_town.path)
    reject = MatchCandidate.objects.create(record=results["d"], employer=tree.employer, score=0.3,
                                           area_path=tree.lixia_town.path)
    county = console(personas.county_cadre)
    listing = county.get(CANDIDATES)
    assert [c.pk for c in listing.context["cl"].result_list] == [accept.pk, reject.pk]
    assert list(console(personas.other_city_cadre).get(CANDIDATES).context["cl"].result_list) == []
    assert console(personas.other_city_cadre).post(f"{CANDIDATES}{accept.pk}/accept/").status_code == 404
    assert county.post(f"{CANDIDATES}{accept.pk}/accept/").status_code == 302
    assert county.post(f"{CANDIDATES}{reject.pk}/reject/").status_code == 302
    assert CompanyRecord.objects.get(pk=results["c"].pk).match_method == "reviewed"
    assert sorted(MatchCandidate.objects.values_list("status", flat=True)) == ["accepted", "rejected"]
    assert list(county.get(CANDIDATES).context["cl"].result_list) == []


def test_list_query_counts_do_not_grow_with_rows(tree, personas, console, results):  # noqa: F811
    browser = console(personas.province_admin)
    browser.get(COMPANIES)  # warm the caches

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        return len(queries)

    before = [count(COMPANIES + "?list=unorganised"), count(COMPANIES + "?list=closed"), count(CANDIDATES),
              count(COMPANIES + "coverage/")]
    for n in range(6):
        company(f"X{n}", f"济南新增{n}有限公司", tree.lixia_town, employer=tree.employer, insured=n)
        company(f"Y{n}", f"青岛注销{n}有限公司", tree.shinan_town, employer=tree.qd_employer, status="cancelled")
    for employer in (tree.employer, tree.employer_without_union, tree.qd_employer):
        MatchCandidate.objects.create(record=results["e"], employer=employer, score=0.4, area_path=employer.area_path)
    after = [count(COMPANIES + "?list=unorganised"), count(COMPANIES + "?list=closed"), count(CANDIDATES),
             count(COMPANIES + "coverage/")]
    assert after == before
