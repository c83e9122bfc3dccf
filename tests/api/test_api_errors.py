"""Every API error is JSON {"code", "message" (Chinese), "fields"}; bad input is 4xx, never 500."""

from __future__ import annotations

import json
import re

import pytest

from smartunion.orgs.models import Employer, Organisation

CJK = re.compile(r"[\u4e00-\u9fff]")
INVALID = "提交的数据有误，请检查后重试"
BAD_REQUEST = {"code": "bad_request", "message": "请求格式不正确", "fields": {}}
NOT_FOUND = {"code": "not_found", "message": "对象不存在", "fields": {}}
HUGE = 10_000

NO_LENGTH_CHECK = ("no length check before saving: SQLite stores the {n}-character {field} and answers {status}; "
                   "the column is varchar({limit}), so PostgreSQL raises DataError -> 500")
NUL_ACCEPTED = ("a NUL character in {field} is accepted and stored (201 on SQLite); PostgreSQL text cannot hold NUL, "
                "so the same request is a 500 there")


def assert_json_error(response) -> dict:
    """The shape every API error must have; returns the body."""
    assert 400 <= response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert sorted(body) == ["code", "fields", "message"]
    assert isinstance(body["code"], str) and body["code"]
    assert CJK.search(body["message"]), body["message"]
    assert isinstance(body["fields"], dict)
    assert all(CJK.search(message) for message in body["fields"].values()), body["fields"]
    return body


def invalid(**fields) -> tuple[int, dict]:
    return 422, {"code": "invalid", "message": INVALID, "fields": fields}


def required(*names) -> tuple[int, dict]:
    return invalid(**{name: "此项为必填项" for name in names})


# Raw bodies that are not a JSON object


RAW_BODIES = [
    pytest.param("{bad json", (400, BAD_REQUEST), id="broken-json"),
    pytest.param('{"name": "x",}', (400, BAD_REQUEST), id="trailing-comma"),
    pytest.param(b"\xff\xfe\x00", (400, BAD_REQUEST), id="not-utf8"),
    pytest.param("[" * 100_000, (400, BAD_REQUEST), id="deeply-nested"),
    pytest.param("", None, id="empty"),
    pytest.param("null", None, id="null"),
    pytest.param("[]", None, id="array"),
    pytest.param('"text"', None, id="string"),
    pytest.param("12", None, id="number"),
]


@pytest.mark.parametrize(("raw", "expected"), RAW_BODIES)
@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/employers"])
def test_raw_body_that_is_not_a_json_object_is_a_json_4xx(lenient_api, personas, url, raw, expected):
    response = lenient_api(personas.county_cadre).post(url, raw, content_type="application/json")

    body = assert_json_error(response)
    if expected is not None:
        assert (response.status_code, body) == expected


def test_empty_body_is_422_body_required(lenient_api, personas):
    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", "", content_type="application/json")

    assert (response.status_code, response.json()) == invalid(body="此项为必填项")


@pytest.mark.parametrize("raw", ["null", "[]", '"text"', "12"])
def test_json_that_is_not_an_object_reports_the_required_org_fields(lenient_api, personas, raw):
    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", raw, content_type="application/json")

    assert (response.status_code, response.json()) == required("name", "kind", "parent_id")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_body_that_is_not_json_under_another_content_type_is_400(lenient_api, personas, content_type):
    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", "name=x&kind=grassroots",
                                                       content_type=content_type)

    assert (response.status_code, assert_json_error(response)) == (400, BAD_REQUEST)


# Well-formed JSON with wrong types, out-of-range values and huge strings: POST /api/v1/orgs


def org_body(tree, **changes):
    body = {"name": "丁公司工会委员会", "kind": "grassroots", "parent_id": tree.lixia_town.pk}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


ORG_CASES = [
    pytest.param({"kind": 123}, invalid(kind="应为文本"), id="kind-int"),
    pytest.param({"kind": ["grassroots"]}, invalid(kind="应为文本"), id="kind-list"),
    pytest.param({"kind": None}, invalid(kind="应为文本"), id="kind-null"),
    pytest.param({"kind": "k" * HUGE}, invalid(kind="组织类型无效"), id="kind-huge"),
    pytest.param({"parent_id": "abc"}, invalid(parent_id="应为整数"), id="parent-id-text"),
    pytest.param({"parent_id": None}, invalid(parent_id="应为整数"), id="parent-id-null"),
    pytest.param({"parent_id": 1.5}, invalid(parent_id="格式不正确"), id="parent-id-fraction"),
    pytest.param({"parent_id": {"id": 1}}, invalid(parent_id="应为整数"), id="parent-id-object"),
    pytest.param({"parent_id": 10 ** 30}, (404, NOT_FOUND), id="parent-id-huge"),
    pytest.param({"parent_id": -1}, (404, NOT_FOUND), id="parent-id-negative"),
    pytest.param({"name": ...}, required("name"), id="name-missing"),
    pytest.param({"name": 42}, invalid(name="应为文本"), id="name-int"),
    pytest.param({"name": "工" * HUGE}, invalid(name="组织名称不能超过100个字"), id="name-huge"),
    pytest.param({"latitude": "north"}, invalid(latitude="应为数字"), id="latitude-text"),
    pytest.param({"latitude": "NaN"}, invalid(latitude="格式不正确"), id="latitude-nan"),
    pytest.param({"latitude": "Infinity"}, invalid(latitude="格式不正确"), id="latitude-infinity"),
    pytest.param({"latitude": 1e308}, invalid(latitude="纬度应在 -90 到 90 之间"), id="latitude-1e308"),
    pytest.param({"latitude": "9" * HUGE}, invalid(latitude="纬度应在 -90 到 90 之间"), id="latitude-huge"),
    pytest.param({"longitude": [117]}, invalid(longitude="格式不正确"), id="longitude-list"),
    pytest.param({"longitude": 180.5}, invalid(longitude="经度应在 -180 到 180 之间"), id="longitude-range"),
    pytest.param({"founded_on": "2020-13-45"}, invalid(founded_on="日期格式应为 YYYY-MM-DD"), id="date-invalid"),
    pytest.param({"founded_on": "yesterday"}, invalid(founded_on="日期格式应为 YYYY-MM-DD"), id="date-text"),
    pytest.param({"founded_on": "2999-01-01"}, invalid(founded_on="成立日期不能晚于今天"), id="date-future"),
    pytest.param({"region": 370102}, invalid(region="应为文本"), id="region-int"),
    pytest.param({"region": "3" * HUGE}, invalid(region="行政区划代码不存在"), id="region-huge"),
    pytest.param({"credit_code": "9" * HUGE}, invalid(credit_code="统一社会信用代码应为18位"), id="credit-code-huge"),
    pytest.param({"credit_code": "91370102MA000000IO"},
                 invalid(credit_code="统一社会信用代码含有无效字符（不使用I、O、Z、S、V）"), id="credit-code-charset"),
    pytest.param({"contact_phone": "1" * HUGE},
                 invalid(contact_phone="手机号码格式不正确，应为11位中国大陆手机号"), id="phone-huge"),
    pytest.param({"address": "地" * HUGE}, None, id="address-huge"),
    pytest.param({"contact_name": "名" * HUGE}, None, id="contact-name-huge"),
    pytest.param({"name": "丁公司\x00工会"}, None, id="name-nul"),
]


@pytest.mark.parametrize(("changes", "expected"), ORG_CASES)
def test_malformed_org_is_a_json_4xx_and_creates_nothing(lenient_api, tree, personas, changes, expected):
    before = Organisation.objects.count()

    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", org_body(tree, **changes),
                                                       content_type="application/json")

    body = assert_json_error(response)
    if expected is not None:
        assert (response.status_code, body) == expected
    assert Organisation.objects.count() == before


# The same for POST /api/v1/employers


def employer_body(tree, **changes):
    body = {"name": "济南丁科技有限公司", "region": "370102", "township_union_id": tree.lixia_town.pk}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


EMPLOYER_CASES = [
    pytest.param({"name": ...}, required("name"), id="name-missing"),
    pytest.param({"name": 123}, invalid(name="应为文本"), id="name-int"),
    pytest.param({"region": ...}, required("region"), id="region-missing"),
    pytest.param({"region": 370102}, invalid(region="应为文本"), id="region-int"),
    pytest.param({"region": "3" * HUGE}, invalid(region="行政区划代码不存在"), id="region-huge"),
    pytest.param({"township_union_id": "abc"}, invalid(township_union_id="应为整数"), id="township-text"),
    pytest.param({"township_union_id": []}, invalid(township_union_id="应为整数"), id="township-list"),
    pytest.param({"township_union_id": 10 ** 30}, invalid(township_union_id="组织不存在"), id="township-huge"),
    pytest.param({"covering_union_id": "north"}, invalid(covering_union_id="应为整数"), id="covering-text"),
    pytest.param({"credit_code": 91370102}, invalid(credit_code="应为文本"), id="credit-code-int"),
    pytest.param({"credit_code": "9" * HUGE}, invalid(credit_code="统一社会信用代码应为18位"), id="credit-code-huge"),
    pytest.param({"industry": "C" * HUGE}, invalid(industry="行业代码无效（应为 GB/T 4754 门类 A–T）"),
                 id="industry-huge"),
    pytest.param({"size": "s" * HUGE}, invalid(size="单位规模无效"), id="size-huge"),
    pytest.param({"size": 3}, invalid(size="应为文本"), id="size-int"),
    pytest.param({"name": "丁" * HUGE}, None, id="name-huge"),
    pytest.param({"address": "地" * HUGE}, None, id="address-huge"),
]


@pytest.mark.parametrize(("changes", "expected"), EMPLOYER_CASES)
def test_malformed_employer_is_a_json_4xx_and_creates_nothing(lenient_api, tree, personas, changes, expected):
    response = lenient_api(personas.county_cadre).post("/api/v1/employers", employer_body(tree, **changes),
                                                       content_type="application/json")

    body = assert_json_error(response)
    if expected is not None:
        assert (response.status_code, body) == expected
    assert Employer.objects.count() == 3


def test_patch_with_a_huge_employer_name_is_a_json_4xx(lenient_api, tree, personas):
    response = lenient_api(personas.county_cadre).patch(f"/api/v1/employers/{tree.employer.pk}",
                                                        {"name": "丁" * HUGE}, content_type="application/json")

    assert_json_error(response)


# Path and query parameters


@pytest.mark.parametrize("url", ["/api/v1/orgs/abc", "/api/v1/orgs/1.5/children", "/api/v1/employers/x"])
def test_non_numeric_id_in_the_path_is_422_json(lenient_api, personas, url):
    response = lenient_api(personas.county_cadre).get(url)

    assert response.status_code == 422
    assert assert_json_error(response)["code"] == "invalid"


@pytest.mark.parametrize("url", [f"/api/v1/orgs/{10 ** 30}", f"/api/v1/orgs/{10 ** 30}/children",
                                 f"/api/v1/employers/{10 ** 30}", "/api/v1/orgs/0", "/api/v1/orgs/-5"])
def test_out_of_range_id_in_the_path_is_404_json(lenient_api, personas, url):
    response = lenient_api(personas.county_cadre).get(url)

    assert (response.status_code, assert_json_error(response)) == (404, NOT_FOUND)


@pytest.mark.parametrize("params", [{"page": "x"}, {"page_size": "1.5"}, {"page_size": 10 ** 30}],
                         ids=["page-text", "size-fraction", "size-huge"])
def test_page_parameter_that_is_not_an_integer_is_a_json_4xx(lenient_api, personas, params):
    response = lenient_api(personas.county_cadre).get("/api/v1/orgs", params)

    assert_json_error(response)


@pytest.mark.parametrize("page", [10 ** 18, 10 ** 30], ids=["1e18", "1e30"])
@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/employers", "/api/v1/orgs/{lixia}/children"])
def test_huge_page_number_is_not_a_500(lenient_api, tree, personas, url, page):
    response = lenient_api(personas.county_cadre).get(url.format(lixia=tree.lixia.pk), {"page": page})

    assert response.status_code != 500
    assert response["Content-Type"].startswith("application/json")


# Errors outside the operations themselves


@pytest.mark.parametrize(("method", "url"), [("delete", "/api/v1/orgs/1"), ("put", "/api/v1/orgs"),
                                             ("get", "/api/v1/auth/token")])
def test_unsupported_method_is_405_json(lenient_api, personas, method, url):
    response = getattr(lenient_api(personas.county_cadre), method)(url)

    assert response.status_code == 405
    assert assert_json_error(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v1/orgs/", "/api/v1/orgs/1/parents"])
def test_unknown_api_url_is_404_json(lenient_api, personas, url):
    response = lenient_api(personas.county_cadre).get(url)

    assert response.status_code == 404
    assert assert_json_error(response)["code"] == "not_found"
