"""/api/v1/codes (public reference tables) and the OpenAPI document."""

from __future__ import annotations

import pytest
from django.test import Client

TABLES = [
    {"table": "regions", "title": "行政区划代码", "standard": "GB/T 2260-2007"},
    {"table": "sex", "title": "人的性别代码", "standard": "GB/T 2261.1-2003"},
    {"table": "ethnicity", "title": "中国各民族名称的罗马字母拼写法和代码", "standard": "GB/T 3304-1991"},
    {"table": "education", "title": "学历代码", "standard": "GB/T 4658-2006"},
    {"table": "political_status", "title": "政治面貌代码", "standard": "GB/T 4762-1984"},
    {"table": "industry", "title": "国民经济行业分类（门类）", "standard": "GB/T 4754-2017"},
    {"table": "employment_form", "title": "用工形式代码", "standard": "SmartUnion"},
    {"table": "membership_change_type", "title": "会籍变动类型代码", "standard": "SmartUnion"},
    {"table": "membership_change_reason", "title": "会籍变动原因代码", "standard": "SmartUnion"},
]
JINAN_DISTRICTS = [
    ("370102", "历下区"), ("370103", "市中区"), ("370104", "槐荫区"), ("370105", "天桥区"), ("370112", "历城区"),
    ("370113", "长清区"), ("370114", "章丘区"), ("370115", "济阳区"), ("370116", "莱芜区"), ("370117", "钢城区"),
    ("370124", "平阴县"), ("370126", "商河县"),
]


@pytest.fixture
def anonymous(db):
    return Client()


def test_catalogue_lists_every_table_with_its_standard(anonymous):
    response = anonymous.get("/api/v1/codes")

    assert response.status_code == 200
    assert response.json() == TABLES


def test_sex_table_is_the_four_gbt_2261_1_entries(anonymous):
    response = anonymous.get("/api/v1/codes/sex")

    assert response.status_code == 200
    assert response.json() == {
        "table": "sex", "title": "人的性别代码", "standard": "GB/T 2261.1-2003",
        "entries": [{"code": "0", "name": "未知的性别"}, {"code": "1", "name": "男性"},
                    {"code": "2", "name": "女性"}, {"code": "9", "name": "未说明的性别"}],
    }


def test_regions_under_jinan_are_its_twelve_districts_and_counties(anonymous):
    response = anonymous.get("/api/v1/codes/regions", {"parent": "370100"})

    assert response.status_code == 200
    body = response.json()
    assert (body["table"], body["title"], body["standard"]) == ("regions", "行政区划代码", "GB/T 2260-2007")
    assert [(e["code"], e["name"]) for e in body["entries"]] == JINAN_DISTRICTS
    assert {e["parent"] for e in body["entries"]} == {"370100"}


@pytest.mark.parametrize(("code", "name", "level"), [
    ("370102", "历下区", "county"), ("370116", "莱芜区", "county"), ("370126", "商河县", "county"),
])
def test_jinan_district_entries_are_complete(anonymous, code, name, level):
    entries = anonymous.get("/api/v1/codes/regions", {"parent": "370100"}).json()["entries"]

    assert {"code": code, "name": name, "level": level, "parent": "370100"} in entries


def test_regions_under_shandong_are_its_sixteen_cities(anonymous):
    entries = anonymous.get("/api/v1/codes/regions", {"parent": "370000"}).json()["entries"]

    assert len(entries) == 16
    assert (entries[0]["code"], entries[0]["name"]) == ("370100", "济南市")
    assert (entries[1]["code"], entries[1]["name"]) == ("370200", "青岛市")


def test_regions_without_parent_is_the_whole_table(anonymous):
    entries = anonymous.get("/api/v1/codes/regions").json()["entries"]

    assert len(entries) == 589
    assert entries[0] == {"code": "110000", "name": "北京市", "level": "province", "parent": None}


def test_regions_under_an_unknown_parent_is_empty(anonymous):
    response = anonymous.get("/api/v1/codes/regions", {"parent": "999999"})

    assert response.status_code == 200
    assert response.json()["entries"] == []


def test_parent_is_ignored_for_other_tables(anonymous):
    response = anonymous.get("/api/v1/codes/sex", {"parent": "370100"})

    assert [e["code"] for e in response.json()["entries"]] == ["0", "1", "2", "9"]


@pytest.mark.parametrize("table", ["nope", "Sex", "regions.json"])
def test_unknown_table_is_404_json(anonymous, table):
    response = anonymous.get(f"/api/v1/codes/{table}")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "message": f"代码表“{table}”不存在", "fields": {}}


def test_codes_need_no_token_and_ignore_a_bad_one(db):
    response = Client(headers={"Authorization": "Bearer not-a-real-token"}).get("/api/v1/codes/sex")

    assert response.status_code == 200


# OpenAPI


def test_openapi_document_lists_the_api_paths(anonymous):
    response = anonymous.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "智慧工会开放接口"
    assert {"/api/v1/auth/token", "/api/v1/orgs", "/api/v1/orgs/{org_id}", "/api/v1/orgs/{org_id}/children",
            "/api/v1/employers", "/api/v1/codes/{table}"} <= set(document["paths"])


@pytest.mark.parametrize(("path", "methods"), [
    ("/api/v1/auth/token", ["post"]),
    ("/api/v1/orgs", ["get", "post"]),
    ("/api/v1/orgs/{org_id}", ["get", "patch"]),
    ("/api/v1/orgs/{org_id}/children", ["get"]),
    ("/api/v1/employers", ["get", "post"]),
    ("/api/v1/employers/{employer_id}", ["get", "patch"]),
    ("/api/v1/codes", ["get"]),
    ("/api/v1/codes/{table}", ["get"]),
])
def test_openapi_document_lists_the_methods_of_each_path(anonymous, path, methods):
    document = anonymous.get("/api/v1/openapi.json").json()

    assert sorted(document["paths"][path]) == methods


@pytest.mark.parametrize(("path", "method", "secured"), [
    ("/api/v1/orgs", "get", True),
    ("/api/v1/employers/{employer_id}", "patch", True),
    ("/api/v1/auth/token", "post", False),
    ("/api/v1/codes/{table}", "get", False),
])
def test_openapi_document_marks_which_operations_need_the_bearer_token(anonymous, path, method, secured):
    operation = anonymous.get("/api/v1/openapi.json").json()["paths"][path][method]

    assert ("security" in operation) is secured
