"""Every API error is JSON {"code", "message" (Chinese), "fields"}; bad input is 4xx, never 500."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include
from django.urls import path as url

from smartunion.api.errors import TEXT_PATTERN
from smartunion.orgs.models import Employer, Organisation

CJK = re.compile(r"[\u4e00-\u9fff]")
INVALID = "提交的数据有误，请检查后重试"
BAD_REQUEST = {"code": "bad_request", "message": "请求格式不正确", "fields": {}}
NOT_FOUND = {"code": "not_found", "message": "对象不存在", "fields": {}}
HUGE = 10_000



def assert_json_error(response) -> dict:
    """The shape every API error must have (the callers pin its status and body); returns the body."""
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


# The fields each list's POST requires, reported when the JSON is not an object.
REQUIRED = {"/api/v1/orgs": required("name", "kind", "parent_id"), "/api/v1/employers": required("name", "region")}

RAW_BODIES = [
    pytest.param("{bad json", (400, BAD_REQUEST), id="broken-json"),
    pytest.param('{"name": "x",}', (400, BAD_REQUEST), id="trailing-comma"),
    pytest.param(b"\xff\xfe\x00", (400, BAD_REQUEST), id="not-utf8"),
    pytest.param("[" * 100_000, (400, BAD_REQUEST), id="deeply-nested"),
    pytest.param("", required("body"), id="empty"),
    pytest.param("null", REQUIRED, id="null"),
    pytest.param("[]", REQUIRED, id="array"),
    pytest.param('"text"', REQUIRED, id="string"),
    pytest.param("12", REQUIRED, id="number"),
]


@pytest.mark.parametrize(("raw", "expected"), RAW_BODIES)
@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/employers"])
def test_raw_body_that_is_not_a_json_object_is_a_json_4xx(lenient_api, personas, url, raw, expected):
    response = lenient_api(personas.county_cadre).post(url, raw, content_type="application/json")

    assert (response.status_code, assert_json_error(response)) == (expected[url] if expected is REQUIRED else expected)


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
    pytest.param({"kind": "k" * HUGE}, invalid(kind="组织类型不能超过20个字"), id="kind-huge"),
    pytest.param({"parent_id": "abc"}, invalid(parent_id="应为整数"), id="parent-id-text"),
    pytest.param({"parent_id": None}, invalid(parent_id="应为整数"), id="parent-id-null"),
    pytest.param({"parent_id": 1.5}, invalid(parent_id="应为整数"), id="parent-id-fraction"),
    pytest.param({"parent_id": {"id": 1}}, invalid(parent_id="应为整数"), id="parent-id-object"),
    pytest.param({"parent_id": 10 ** 30}, (404, NOT_FOUND), id="parent-id-huge"),
    pytest.param({"parent_id": -1}, (404, NOT_FOUND), id="parent-id-negative"),
    pytest.param({"name": ...}, required("name"), id="name-missing"),
    pytest.param({"name": 42}, invalid(name="应为文本"), id="name-int"),
    pytest.param({"name": "工" * HUGE}, invalid(name="组织名称不能超过100个字"), id="name-huge"),
    pytest.param({"latitude": "north"}, invalid(latitude="应为数字"), id="latitude-text"),
    pytest.param({"latitude": "NaN"}, invalid(latitude="应为数字"), id="latitude-nan"),
    pytest.param({"latitude": "Infinity"}, invalid(latitude="应为数字"), id="latitude-infinity"),
    pytest.param({"latitude": 1e308}, invalid(latitude="纬度应在 -90 到 90 之间"), id="latitude-1e308"),
    pytest.param({"latitude": "9" * HUGE}, invalid(latitude="纬度应在 -90 到 90 之间"), id="latitude-huge"),
    pytest.param({"longitude": [117]}, invalid(longitude="应为数字"), id="longitude-list"),
    pytest.param({"longitude": 180.5}, invalid(longitude="经度应在 -180 到 180 之间"), id="longitude-range"),
    pytest.param({"founded_on": "2020-13-45"}, invalid(founded_on="日期格式应为 YYYY-MM-DD"), id="date-invalid"),
    pytest.param({"founded_on": "yesterday"}, invalid(founded_on="日期格式应为 YYYY-MM-DD"), id="date-text"),
    pytest.param({"founded_on": "2999-01-01"}, invalid(founded_on="成立日期不能晚于今天"), id="date-future"),
    pytest.param({"region": 370102}, invalid(region="应为文本"), id="region-int"),
    pytest.param({"region": "3" * HUGE}, invalid(region="行政区划代码不能超过12个字"), id="region-huge"),
    pytest.param({"credit_code": "9" * HUGE}, invalid(credit_code="统一社会信用代码不能超过64个字"),
                 id="credit-code-huge"),
    pytest.param({"credit_code": "91370102MA000000IO"},
                 invalid(credit_code="统一社会信用代码含有无效字符（不使用I、O、Z、S、V）"), id="credit-code-charset"),
    pytest.param({"contact_phone": "1" * HUGE}, invalid(contact_phone="联系电话不能超过32个字"), id="phone-huge"),
    pytest.param({"address": "地" * HUGE}, invalid(address="地址不能超过200个字"), id="address-huge"),
    pytest.param({"contact_name": "名" * HUGE}, invalid(contact_name="联系人不能超过50个字"), id="contact-name-huge"),
    pytest.param({"name": "工" * 101}, invalid(name="组织名称不能超过100个字"), id="name-101"),
    pytest.param({"name": "丁公司\x00工会"}, invalid(name="不能包含控制字符"), id="name-nul"),
    pytest.param({"address": "解放路\x1b[31m1号"}, invalid(address="不能包含控制字符"), id="address-escape"),
    pytest.param({"name": "丁公司\ud800工会"}, invalid(name="含有无法识别的字符"), id="name-lone-surrogate"),
    pytest.param({"name": "😀😀"}, invalid(name="名称应包含汉字或字母"), id="name-emoji-only"),
    pytest.param({"name": "\u200b\u200b"}, invalid(name="名称不能包含不可见字符"), id="name-invisible"),
    pytest.param({"contact_name": "\u3164"}, invalid(contact_name="联系人不能包含不可见字符"), id="contact-filler"),
    pytest.param({"address": None}, invalid(address="应为文本"), id="address-null"),
]


@pytest.mark.parametrize(("changes", "expected"), ORG_CASES)
def test_malformed_org_is_a_json_4xx_and_creates_nothing(lenient_api, tree, personas, changes, expected):
    before = Organisation.objects.count()

    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", org_body(tree, **changes),
                                                       content_type="application/json")

    assert (response.status_code, assert_json_error(response)) == expected
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
    pytest.param({"region": "3" * HUGE}, invalid(region="所在区划不能超过12个字"), id="region-huge"),
    pytest.param({"township_union_id": "abc"}, invalid(township_union_id="应为整数"), id="township-text"),
    pytest.param({"township_union_id": []}, invalid(township_union_id="应为整数"), id="township-list"),
    pytest.param({"township_union_id": 10 ** 30}, invalid(township_union_id="组织不存在"), id="township-huge"),
    pytest.param({"covering_union_id": "north"}, invalid(covering_union_id="应为整数"), id="covering-text"),
    pytest.param({"credit_code": 91370102}, invalid(credit_code="应为文本"), id="credit-code-int"),
    pytest.param({"credit_code": "9" * HUGE}, invalid(credit_code="统一社会信用代码不能超过64个字"),
                 id="credit-code-huge"),
    pytest.param({"credit_code": "9" * 19}, invalid(credit_code="统一社会信用代码应为18位"), id="credit-code-19"),
    pytest.param({"industry": "C" * HUGE}, invalid(industry="行业不能超过20个字"), id="industry-huge"),
    pytest.param({"industry": "CC"}, invalid(industry="行业代码无效（应为 GB/T 4754 门类 A–T）"), id="industry-bad"),
    pytest.param({"size": "s" * HUGE}, invalid(size="规模不能超过20个字"), id="size-huge"),
    pytest.param({"size": "huge"}, invalid(size="单位规模无效"), id="size-bad"),
    pytest.param({"size": 3}, invalid(size="应为文本"), id="size-int"),
    pytest.param({"name": "丁" * HUGE}, invalid(name="单位名称不能超过150个字"), id="name-huge"),
    pytest.param({"name": "１２３"}, invalid(name="单位名称应包含汉字或字母"), id="name-digits-only"),
    pytest.param({"address": "地" * HUGE}, invalid(address="地址不能超过200个字"), id="address-huge"),
    pytest.param({"address": "\udfff"}, invalid(address="含有无法识别的字符"), id="address-lone-surrogate"),
]


@pytest.mark.parametrize(("changes", "expected"), EMPLOYER_CASES)
def test_malformed_employer_is_a_json_4xx_and_creates_nothing(lenient_api, tree, personas, changes, expected):
    response = lenient_api(personas.county_cadre).post("/api/v1/employers", employer_body(tree, **changes),
                                                       content_type="application/json")

    assert (response.status_code, assert_json_error(response)) == expected
    assert Employer.objects.count() == 3


def test_patch_with_a_huge_employer_name_is_a_json_4xx(lenient_api, tree, personas):
    response = lenient_api(personas.county_cadre).patch(f"/api/v1/employers/{tree.employer.pk}",
                                                        {"name": "丁" * HUGE}, content_type="application/json")

    assert (response.status_code, assert_json_error(response)) == invalid(name="单位名称不能超过150个字")


# Path and query parameters


@pytest.mark.parametrize(("url", "field"), [("/api/v1/orgs/abc", "org_id"), ("/api/v1/orgs/1.5/children", "org_id"),
                                            ("/api/v1/employers/x", "employer_id")])
def test_non_numeric_id_in_the_path_is_422_json(lenient_api, personas, url, field):
    response = lenient_api(personas.county_cadre).get(url)

    assert (response.status_code, assert_json_error(response)) == invalid(**{field: "应为整数"})


@pytest.mark.parametrize("url", [f"/api/v1/orgs/{10 ** 30}", f"/api/v1/orgs/{10 ** 30}/children",
                                 f"/api/v1/employers/{10 ** 30}", "/api/v1/orgs/0", "/api/v1/orgs/-5"])
def test_out_of_range_id_in_the_path_is_404_json(lenient_api, personas, url):
    response = lenient_api(personas.county_cadre).get(url)

    assert (response.status_code, assert_json_error(response)) == (404, NOT_FOUND)


BAD_PAGE = (400, {"code": "bad_page", "message": "页码应在1到100000之间，每页条数应在1到100之间", "fields": {}})


@pytest.mark.parametrize(("params", "expected"), [({"page": "x"}, invalid(page="应为整数")),
                                                  ({"page_size": "1.5"}, invalid(page_size="应为整数")),
                                                  ({"page_size": 10 ** 30}, BAD_PAGE)],
                         ids=["page-text", "size-fraction", "size-huge"])
def test_page_parameter_that_is_not_an_integer_is_a_json_4xx(lenient_api, personas, params, expected):
    response = lenient_api(personas.county_cadre).get("/api/v1/orgs", params)

    assert (response.status_code, assert_json_error(response)) == expected


@pytest.mark.parametrize("page", [10 ** 18, 10 ** 30], ids=["1e18", "1e30"])
@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/employers", "/api/v1/orgs/{lixia}/children"])
def test_huge_page_number_is_a_bad_page(lenient_api, tree, personas, url, page):
    response = lenient_api(personas.county_cadre).get(url.format(lixia=tree.lixia.pk), {"page": page})

    assert (response.status_code, assert_json_error(response)) == BAD_PAGE


# Errors outside the operations themselves


@pytest.mark.parametrize(("method", "url"), [("delete", "/api/v1/orgs/1"), ("put", "/api/v1/orgs"),
                                             ("get", "/api/v1/auth/token")])
def test_unsupported_method_is_405_json(lenient_api, personas, method, url):
    response = getattr(lenient_api(personas.county_cadre), method)(url)

    assert (response.status_code, assert_json_error(response)) == (405, {
        "code": "method_not_allowed", "message": "不支持该请求方法", "fields": {}})


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v1/orgs/", "/api/v1/orgs/1/parents"])
def test_unknown_api_url_is_404_json(lenient_api, personas, url):
    response = lenient_api(personas.county_cadre).get(url)

    assert (response.status_code, assert_json_error(response)) == (404, {
        "code": "not_found", "message": "接口不存在", "fields": {}})


# Bodies over the size limit: 413 before anything is parsed


TOO_LARGE = {"code": "too_large", "message": "请求体过大，不能超过10 KB", "fields": {}}


@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/auth/token", "/api/v1/cards/verify"])
def test_json_body_over_the_limit_is_413(lenient_api, settings, personas, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    body = json.dumps({"name": "工" * 5000, "token": "x"})

    response = lenient_api(personas.county_cadre).post(url, body, content_type="application/json")

    assert (response.status_code, response.json()) == (413, TOO_LARGE)


def test_form_fields_over_the_limit_in_an_upload_are_413(lenient_api, settings, tree, personas):
    # The upload itself may be larger (its own limit); the form fields beside it may not.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    upload = SimpleUploadedFile("名册.xlsx", b"PK" + b"\0" * 100)

    response = lenient_api(personas.county_cadre).post(
        "/api/v1/roster-imports", {"union_id": tree.grassroots.pk, "note": "注" * 20_000, "file": upload})

    assert (response.status_code, response.json()) == (413, TOO_LARGE)


def test_body_just_under_the_limit_is_read(lenient_api, settings, personas):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    body = json.dumps({"password": "x", "username": "a" * 200})

    response = lenient_api(personas.county_cadre).post("/api/v1/auth/token", body, content_type="application/json")

    assert (response.status_code, response.json()) == invalid(username="用户名不能超过150个字")


# Explicit nulls: accepted as "no value" where the schema allows null, else a 422 naming the field


def test_null_for_a_field_that_cannot_be_null_is_422(lenient_api, tree, personas):
    client = lenient_api(personas.county_cadre)

    patched = client.patch(f"/api/v1/orgs/{tree.grassroots.pk}", {"name": None, "address": None},
                           content_type="application/json")
    created = client.post("/api/v1/employers", employer_body(tree, industry=None), content_type="application/json")

    assert (patched.status_code, patched.json()) == invalid(name="应为文本", address="应为文本")
    assert (created.status_code, created.json()) == invalid(industry="应为文本")
    tree.grassroots.refresh_from_db()
    assert tree.grassroots.name == "甲公司工会委员会"


def test_null_where_the_schema_allows_it_clears_the_value(api, tree, personas):
    client = api(personas.county_cadre)

    org = client.patch(f"/api/v1/orgs/{tree.grassroots.pk}", {"latitude": None, "founded_on": None},
                       content_type="application/json")
    employer = client.patch(f"/api/v1/employers/{tree.employer.pk}", {"credit_code": None},
                            content_type="application/json")
    token = client.post("/api/v1/auth/token", {"username": None, "phone": None, "password": "x"},
                        content_type="application/json")

    assert (org.status_code, org.json()["latitude"], org.json()["founded_on"]) == (200, None, None)
    assert (employer.status_code, employer.json()["credit_code"]) == (200, None)
    assert (token.status_code, token.json()["fields"]) == (400, {"username": "请填写用户名或手机号码"})


def test_the_openapi_says_which_fields_take_null(api):
    schemas = api().get("/api/v1/openapi.json").json()["components"]["schemas"]
    org_patch, employer_patch = schemas["OrgPatch"]["properties"], schemas["EmployerPatch"]["properties"]

    assert org_patch["name"] == {"title": "组织名称", "type": "string", "maxLength": 100, "pattern": TEXT_PATTERN}
    assert {"type": "null"} in org_patch["latitude"]["anyOf"]
    assert {"type": "null"} in employer_patch["credit_code"]["anyOf"]
    assert "default" not in employer_patch["name"]
    assert schemas["OrgIn"]["properties"]["address"]["default"] == ""


# Characters no service can store: unpaired surrogates and control characters, in bodies and query strings


@pytest.mark.parametrize(("raw", "fields"), [
    ('{"name": "\\ud800", "kind": "grassroots", "parent_id": 1}', {"name": "含有无法识别的字符"}),
    ('{"name": "甲\\udc00乙", "kind": "grassroots", "parent_id": 1}', {"name": "含有无法识别的字符"}),
    ('{"name": "甲", "kind": "grassroots\\u0000", "parent_id": 1}', {"kind": "不能包含控制字符"}),
    ('{"name": "甲", "kind": "grassroots", "parent_id": 1, "extra": [{"a": "\\ud83d"}]}',
     {"extra.0.a": "含有无法识别的字符"}),
    ('{"\\ud800": 1, "name": "甲", "kind": "grassroots", "parent_id": 1}', {"body": "字段名含有无法识别的字符"}),
], ids=["lone-high", "lone-low-inside", "nul", "nested-unknown-field", "in-a-key"])
def test_unpaired_surrogates_and_control_characters_in_json_are_422(lenient_api, personas, raw, fields):
    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", raw, content_type="application/json")

    assert (response.status_code, response.json()) == invalid(**fields)


def test_a_proper_surrogate_pair_is_one_character_and_accepted(api, tree, personas):
    # "\ud842\udfb7" is U+20BB7 𠮷, a real family name.
    raw = json.dumps({"name": "𠮷家公司工会", "kind": "grassroots", "parent_id": tree.lixia_town.pk,
                      "credit_code": "91370102MA0000002X"})

    response = api(personas.county_cadre).post("/api/v1/orgs", raw, content_type="application/json")

    assert "\\ud842\\udfb7" in raw
    assert (response.status_code, response.json().get("name")) in {(201, "𠮷家公司工会"), (422, None)}
    assert response.json().get("fields", {}).get("name") is None


@pytest.mark.parametrize(("query", "fields"), [
    ("q=%ED%A0%80", {"q": "含有无法识别的字符"}),  # "\ud800" in UTF-8 (as CESU-8 would write it)
    ("q=%FF%FE", {"q": "含有无法识别的字符"}),
    ("q=%00", {"q": "不能包含控制字符"}),
    ("page=1&q=%1B%5B31m", {"q": "不能包含控制字符"}),
    ("%ED%A0%80=1", {"query": "参数名含有无法识别的字符"}),
    ("page=1&=0", {"query": "参数名不能为空"}),
], ids=["surrogate", "not-utf8", "nul", "escape", "in-a-name", "no-name"])
@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/codes/regions"])
def test_bad_characters_in_the_query_string_are_422(lenient_api, personas, url, query, fields):
    response = lenient_api(personas.county_cadre).get(f"{url}?{query}")

    assert (response.status_code, response.json()) == invalid(**fields)


def test_a_query_in_chinese_is_fine(api, personas):
    response = api(personas.county_cadre).get("/api/v1/orgs?q=%E5%8E%86%E4%B8%8B&page_size=5")

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["历下区总工会", "历下区解放路街道工会"]


# Multipart uploads that are not well formed, and bodies of the wrong kind


def test_multipart_without_a_boundary_is_400(lenient_api, tree, personas):
    response = lenient_api(personas.county_cadre).post("/api/v1/roster-imports", b"--x\r\n\r\n--x--",
                                                       content_type="multipart/form-data")

    assert (response.status_code, response.json()) == (400, {
        "code": "bad_request", "message": "上传格式不正确，请使用 multipart/form-data 并附上文件", "fields": {}})


def test_upload_sent_as_json_reports_the_missing_fields(lenient_api, tree, personas):
    response = lenient_api(personas.county_cadre).post("/api/v1/roster-imports", {"union_id": tree.grassroots.pk},
                                                       content_type="application/json")

    assert (response.status_code, response.json()) == invalid(union_id="此项为必填项", file="此项为必填项")


def test_multipart_sent_to_a_json_endpoint_is_400(lenient_api, tree, personas):
    response = lenient_api(personas.county_cadre).post("/api/v1/orgs", {"name": "甲", "kind": "grassroots"})

    assert (response.status_code, response.json()) == (400, BAD_REQUEST)


# Join applications: names and lengths at the edge and in the service


JOIN = {"id_number": "830000199001010055", "phone": "13900000002", "employer_name": "济南新开张科技有限公司",
        "work_region": "370102"}


@pytest.mark.parametrize(("changes", "fields"), [
    ({"name": "😀"}, {"name": "姓名应包含汉字或字母"}),
    ({"name": "\u3164\u3164"}, {"name": "姓名不能包含不可见字符"}),
    ({"name": "张\ufeff伟"}, {"name": "姓名不能包含不可见字符"}),
    ({"name": "张" * 51}, {"name": "姓名不能超过50个字"}),
    ({"name": "张\n伟"}, {"name": "姓名不能包含控制字符"}),
    ({"name": "张伟", "address": "路" * 201}, {"address": "住址不能超过200个字"}),
    ({"name": "张伟", "employer_name": "１２３"}, {"employer_name": "工作单位应包含汉字或字母"}),
    ({"name": "张伟", "id_number": "810102199001010010"}, {"id_number": "身份证号码的地区码无效"}),
], ids=["emoji", "hangul-filler", "bom-inside", "too-long", "line-break", "address", "employer-digits",
        "permit-prefix"])
def test_join_application_names_and_text(lenient_api, personas, changes, fields):
    response = lenient_api(personas.outsider).post("/api/v1/join-applications", {**JOIN, **changes},
                                                   content_type="application/json")

    assert (response.status_code, response.json()) == invalid(**fields)


def test_join_application_with_a_taiwan_residence_permit_is_accepted(api, tree, personas):
    response = api(personas.outsider).post("/api/v1/join-applications", {**JOIN, "name": "陈志明"},
                                           content_type="application/json")

    assert response.status_code == 201
    assert response.json()["id_number"].startswith("830")


# What the OpenAPI document declares


def test_every_operation_declares_its_json_errors(api):
    paths = api().get("/api/v1/openapi.json").json()["paths"]

    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "400" in responses, (method, path)
            if operation.get("security"):
                assert responses["401"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"}, (method, path)
            if operation.get("requestBody") or operation.get("parameters"):
                assert "422" in responses, (method, path)
            if operation.get("requestBody"):
                assert "413" in responses, (method, path)


def test_every_string_a_client_sends_has_a_maximum_length(api):
    schema = api().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                return walk(components[name], name)
            if node.get("type") == "string" and node.get("format") not in ("date", "binary") \
                    and "maxLength" not in node and "pattern" in node and node["pattern"] == TEXT_PATTERN:
                unbounded.append(where)
            for key, value in node.items():
                if key == "properties":
                    for name, sub in value.items():
                        walk(sub, f"{where}.{name}")
                elif key in ("anyOf", "items", "schema", "content"):
                    walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)
        return None

    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["schema"].get("type") == "string":
                    walk(parameter["schema"], f"{method} {path} ?{parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media["schema"], f"{method} {path}")
    assert unbounded == []


# Errors that no operation produced: Django's own 400 and 500 under /api/ are JSON too


def _failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [url("api/v1/boom", _failing_view), url("", include("smartunion.urls"))]


@pytest.mark.urls(__name__)
def test_server_error_under_the_api_is_json(lenient_api, db):
    response = lenient_api().get("/api/v1/boom")

    assert (response.status_code, response.json()) == (500, {
        "code": "server_error", "message": "服务暂时出现问题，请稍后再试", "fields": {}})


def test_disallowed_host_under_the_api_is_a_json_400(lenient_api, db):
    response = lenient_api().get("/api/v1/codes", HTTP_HOST="evil.example")

    assert (response.status_code, response.json()) == (400, BAD_REQUEST)


# A service's refusal (core.errors.DomainError) is answered in one place, whatever the endpoint


def _refusing_api():
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from smartunion.api import errors as api_errors
    from smartunion.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, StateError

    refusals = {
        "not-found": NotFound(),
        "forbidden": Forbidden("您无权修改该组织"),
        "conflict": Conflict("该职工已是会员", code="already_member", fields={"id_number": "已是会员"}),
        "invalid": Invalid.from_fields({"covering_union": "组织不存在", "name": "请填写名称"}),
        "state": StateError("该申请已处理"),
        "base": DomainError("无法完成", code="custom"),
        # An OSError: a file the process may not read, never a refusal to answer with its path.
        "os": PermissionError(13, "Permission denied", "/var/lib/smartunion/keyring.json"),
    }
    test_api = NinjaAPI(urls_namespace="refusing-api-test")
    api_errors.install(test_api)

    @test_api.get("/{kind}")
    def refuse(request, kind: str):
        raise refusals[kind]

    return TestClient(test_api)


@pytest.mark.parametrize("kind, status, body", [
    ("not-found", 404, {"code": "not_found", "message": "对象不存在", "fields": {}}),
    ("forbidden", 403, {"code": "forbidden", "message": "您无权修改该组织", "fields": {}}),
    ("conflict", 409, {"code": "already_member", "message": "该职工已是会员", "fields": {"id_number": "已是会员"}}),
    ("invalid", 422, {"code": "invalid", "message": INVALID,
                      "fields": {"covering_union_id": "组织不存在", "name": "请填写名称"}}),
    ("state", 409, {"code": "invalid_transition", "message": "该申请已处理", "fields": {}}),
    ("base", 422, {"code": "custom", "message": "无法完成", "fields": {}}),
])
def test_a_domain_error_is_answered_with_its_status_code_message_and_api_field_names(kind, status, body):
    response = _refusing_api().get(f"/{kind}")

    assert (response.status_code, response.json()) == (status, body)


def test_a_permission_error_is_no_refusal_and_is_not_answered_as_one():
    # Unhandled, so Django's error path turns it into the JSON 500 (test_server_error_under_the_api_is_json).
    with pytest.raises(PermissionError):
        _refusing_api().get("/os")
