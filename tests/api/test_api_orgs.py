"""/api/v1/orgs: scope, search, pagination, create and update."""

from __future__ import annotations

import pytest

from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_credit_code
from smartunion.orgs.models import Organisation

NOT_FOUND = {"code": "not_found", "message": "对象不存在", "fields": {}}
INVALID = "提交的数据有误，请检查后重试"
BAD_PAGE = {"code": "bad_page", "message": "页码应在1到100000之间，每页条数应在1到100之间", "fields": {}}

NAMES = {
    "national": "中华全国总工会", "province": "山东省总工会", "jinan": "济南市总工会", "lixia": "历下区总工会",
    "lixia_town": "历下区解放路街道工会", "grassroots": "甲公司工会委员会", "qingdao": "青岛市总工会",
    "shinan": "市南区总工会", "shinan_town": "市南区八大湖街道工会", "qd_grassroots": "丙公司工会委员会",
}
CHILDREN = {
    "national": ["山东省总工会"], "province": ["济南市总工会", "青岛市总工会"], "jinan": ["历下区总工会"],
    "lixia": ["历下区解放路街道工会"], "lixia_town": ["甲公司工会委员会"], "grassroots": [],
    "qingdao": ["市南区总工会"], "shinan": ["市南区八大湖街道工会"], "shinan_town": ["丙公司工会委员会"],
    "qd_grassroots": [],
}
# Who sees which orgs (tree keys, in path order).
SCOPE = {
    "province_admin": ["province", "jinan", "lixia", "lixia_town", "grassroots", "qingdao", "shinan", "shinan_town",
                       "qd_grassroots"],
    "city_cadre": ["jinan", "lixia", "lixia_town", "grassroots"],
    "other_city_cadre": ["qingdao", "shinan", "shinan_town", "qd_grassroots"],
    "county_cadre": ["lixia", "lixia_town", "grassroots"],
    "grassroots_cadre": ["grassroots"],
    "worker": [],
    "outsider": [],
}
PERSONAS = list(SCOPE)


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def missing_id() -> int:
    return Organisation.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


# Scope matrix


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_shows_exactly_the_orgs_in_scope(api, personas, persona):
    response = api(getattr(personas, persona)).get("/api/v1/orgs")

    assert response.status_code == 200
    expected = [NAMES[key] for key in SCOPE[persona]]
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_is_200_in_scope_and_404_like_a_missing_id_outside(api, tree, personas, persona):
    client = api(getattr(personas, persona))
    missing = client.get(f"/api/v1/orgs/{missing_id()}")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND

    for key, name in NAMES.items():
        response = client.get(f"/api/v1/orgs/{getattr(tree, key).pk}")
        if key in SCOPE[persona]:
            assert (key, response.status_code, response.json()["name"]) == (key, 200, name)
        else:
            assert (key, response.status_code, response.content) == (key, 404, missing.content)


@pytest.mark.parametrize("persona", PERSONAS)
def test_children_are_listed_in_scope_and_404_like_a_missing_id_outside(api, tree, personas, persona):
    client = api(getattr(personas, persona))
    missing = client.get(f"/api/v1/orgs/{missing_id()}/children")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND

    for key in NAMES:
        response = client.get(f"/api/v1/orgs/{getattr(tree, key).pk}/children")
        if key in SCOPE[persona]:
            assert (key, response.status_code, names(response)) == (key, 200, CHILDREN[key])
        else:
            assert (key, response.status_code, response.content) == (key, 404, missing.content)


def test_detail_has_every_field(api, tree, personas):
    response = api(personas.county_cadre).get(f"/api/v1/orgs/{tree.grassroots.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": tree.grassroots.pk, "name": "甲公司工会委员会", "kind": "grassroots", "kind_label": "基层工会",
        "parent_id": tree.lixia_town.pk, "depth": 5, "region": {"code": "370102", "name": "历下区"},
        "credit_code": make_credit_code("81370102MA0000001"), "address": "", "latitude": None, "longitude": None,
        "founded_on": None, "contact_name": "", "contact_phone": "", "status": "active",
        "member_count": 1, "subtree_member_count": 1,
    }


def test_list_items_have_the_same_fields_as_the_detail(api, tree, personas):
    client = api(personas.county_cadre)

    item = client.get("/api/v1/orgs").json()["items"][0]

    assert item == client.get(f"/api/v1/orgs/{tree.lixia.pk}").json()
    assert item["subtree_member_count"] == 1


def test_list_can_be_filtered_by_kind(api, personas):
    response = api(personas.province_admin).get("/api/v1/orgs?kind=township")

    assert names(response) == ["历下区解放路街道工会", "市南区八大湖街道工会"]


# Search and pagination


@pytest.mark.parametrize(("persona", "q", "expected"), [
    ("province_admin", "历下", ["历下区总工会", "历下区解放路街道工会"]),
    ("city_cadre", "历下", ["历下区总工会", "历下区解放路街道工会"]),
    ("other_city_cadre", "历下", []),
    ("other_city_cadre", "市南", ["市南区总工会", "市南区八大湖街道工会"]),
    ("city_cadre", "市南", []),
    ("county_cadre", "  公司  ", ["甲公司工会委员会"]),
    ("province_admin", "公司", ["甲公司工会委员会", "丙公司工会委员会"]),
    ("province_admin", "不存在的工会", []),
    ("worker", "历下", []),
])
def test_search_returns_the_matching_orgs_in_scope(api, personas, persona, q, expected):
    response = api(getattr(personas, persona)).get("/api/v1/orgs", {"q": q})

    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


REGION_SEARCH_BUG = ("?q=<6/9/12 digits> runs search_orgs' queryset.filter(region_id__startswith=...), which Django "
                     "refuses (FieldError: Unsupported lookup 'startswith' for ForeignKey) -> HTTP 500")


@pytest.mark.parametrize(("persona", "q", "expected"), [
    ("province_admin", "370102", ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]),
    ("grassroots_cadre", "370102", ["甲公司工会委员会"]),
    ("other_city_cadre", "370102", []),
    ("province_admin", "370202", ["市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]),
])
def test_search_by_region_code_returns_the_orgs_of_that_region_in_scope(lenient_api, personas, persona, q, expected):
    response = lenient_api(getattr(personas, persona)).get("/api/v1/orgs", {"q": q})

    assert response.status_code == 200
    assert names(response) == expected


def test_search_by_credit_code_ignores_case(api, personas):
    code = make_credit_code("81370102MA0000001").lower()

    response = api(personas.county_cadre).get("/api/v1/orgs", {"q": code})

    assert names(response) == ["甲公司工会委员会"]


def test_search_applies_to_children(api, tree, personas):
    response = api(personas.province_admin).get(f"/api/v1/orgs/{tree.province.pk}/children", {"q": "青岛"})

    assert names(response) == ["青岛市总工会"]


def test_second_page_of_one_gives_the_second_item_and_the_full_count(api, personas):
    response = api(personas.county_cadre).get("/api/v1/orgs", {"page_size": 1, "page": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 2, 1)
    assert names(response) == ["历下区解放路街道工会"]


def test_page_after_the_last_is_empty_with_the_count(api, personas):
    response = api(personas.county_cadre).get("/api/v1/orgs", {"page_size": 2, "page": 3})

    assert response.status_code == 200
    assert response.json() == {"count": 3, "count_capped": False, "page": 3, "page_size": 2, "items": []}


def test_page_size_of_100_is_allowed(api, personas):
    response = api(personas.province_admin).get("/api/v1/orgs", {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["page_size"] == 100
    assert len(response.json()["items"]) == 9


@pytest.mark.parametrize("params", [
    {"page_size": 0}, {"page_size": 101}, {"page_size": -1}, {"page": 0}, {"page": -3},
], ids=["size-0", "size-101", "size-negative", "page-0", "page-negative"])
@pytest.mark.parametrize("path", ["/api/v1/orgs", "/api/v1/orgs/{lixia}/children"])
def test_bad_page_parameters_are_400_bad_page(api, tree, personas, params, path):
    response = api(personas.county_cadre).get(path.format(lixia=tree.lixia.pk), params)

    assert response.status_code == 400
    assert response.json() == BAD_PAGE


def test_page_that_is_not_a_number_is_422_on_the_field(api, personas):
    response = api(personas.county_cadre).get("/api/v1/orgs", {"page": "two"})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"page": "应为整数"}}


# Create


def new_grassroots(tree, **extra) -> dict:
    return {"name": "丁公司工会委员会", "kind": "grassroots", "parent_id": tree.lixia_town.pk, **extra}


def test_county_cadre_creates_a_grassroots_union_under_their_township(api, tree, personas):
    body = new_grassroots(
        tree, region="370102", credit_code=make_credit_code("81370102MA0000002"), address="济南市历下区解放路1号",
        latitude="36.661200", longitude="117.034500", founded_on="2024-05-01", contact_name="王芳",
        contact_phone="13812345678",
    )

    response = post(api(personas.county_cadre), "/api/v1/orgs", body)

    assert response.status_code == 201
    created = Organisation.objects.get(name="丁公司工会委员会")
    assert response.json() == {
        "id": created.pk, "name": "丁公司工会委员会", "kind": "grassroots", "kind_label": "基层工会",
        "parent_id": tree.lixia_town.pk, "depth": 5, "region": {"code": "370102", "name": "历下区"},
        "credit_code": make_credit_code("81370102MA0000002"), "address": "济南市历下区解放路1号",
        "latitude": "36.661200", "longitude": "117.034500", "founded_on": "2024-05-01", "contact_name": "王芳",
        "contact_phone": "138****5678", "status": "active", "member_count": 0, "subtree_member_count": 0,
    }
    assert created.path == tree.lixia_town.path + f"{created.pk:08d}"
    assert created.contact_phone == "13812345678"


def test_created_org_appears_among_the_parents_children(api, tree, personas):
    client = api(personas.county_cadre)
    post(client, "/api/v1/orgs", new_grassroots(tree))

    response = client.get(f"/api/v1/orgs/{tree.lixia_town.pk}/children")

    assert names(response) == ["甲公司工会委员会", "丁公司工会委员会"]


def test_creating_an_org_leaves_an_audit_event(api, tree, personas):
    created_id = post(api(personas.county_cadre), "/api/v1/orgs", new_grassroots(tree)).json()["id"]

    event = AuditEvent.objects.get(action="orgs.organisation.create", target_id=str(created_id))

    assert event.actor_id == personas.county_cadre.pk
    assert event.actor_label == "county_cadre"
    assert (event.target_type, event.target_label) == ("orgs.organisation", "丁公司工会委员会")
    assert event.org_id == created_id
    assert event.data == {"kind": "grassroots", "parent": tree.lixia_town.pk}


@pytest.mark.parametrize(("persona", "parent"), [
    ("county_cadre", "shinan_town"),
    ("county_cadre", "jinan"),
    ("city_cadre", "qingdao"),
    ("other_city_cadre", "lixia_town"),
    ("grassroots_cadre", "lixia_town"),
    ("province_admin", "national"),
    ("worker", "grassroots"),
    ("outsider", "lixia_town"),
])
def test_create_under_a_parent_outside_scope_is_404_not_403(api, tree, personas, persona, parent):
    client = api(getattr(personas, persona))
    before = Organisation.objects.count()
    missing = post(client, "/api/v1/orgs", new_grassroots(tree, parent_id=missing_id()))

    response = post(client, "/api/v1/orgs", new_grassroots(tree, parent_id=getattr(tree, parent).pk, kind="branch"))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert response.content == missing.content
    assert Organisation.objects.count() == before


def test_invalid_credit_code_is_422_and_creates_nothing(api, tree, personas):
    valid = make_credit_code("81370102MA0000002")
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")

    response = post(api(personas.county_cadre), "/api/v1/orgs", new_grassroots(tree, credit_code=wrong_check))

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"credit_code": "统一社会信用代码校验码错误"}}
    assert not Organisation.objects.filter(name="丁公司工会委员会").exists()


@pytest.mark.parametrize(("kind", "message"), [
    ("county", "“乡镇（街道）工会”下不能设立“县（区）总工会”"),
    ("branch", "“乡镇（街道）工会”下不能设立“分工会”"),
    ("national", "“乡镇（街道）工会”下不能设立“全国总工会”"),
    ("club", "组织类型无效"),
])
def test_wrong_kind_for_the_parent_is_422_on_kind(api, tree, personas, kind, message):
    response = post(api(personas.county_cadre), "/api/v1/orgs", new_grassroots(tree, kind=kind))

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"kind": message}}
    assert not Organisation.objects.filter(name="丁公司工会委员会").exists()


def test_missing_name_is_422_required(api, tree, personas):
    body = new_grassroots(tree)
    del body["name"]

    response = post(api(personas.county_cadre), "/api/v1/orgs", body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"name": "此项为必填项"}}


def test_blank_name_is_422(api, tree, personas):
    response = post(api(personas.county_cadre), "/api/v1/orgs", new_grassroots(tree, name="   "))

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"name": "请填写组织名称"}}


def test_several_invalid_fields_are_reported_together(api, tree, personas):
    body = new_grassroots(tree, region="999999", contact_phone="12345", latitude="91", founded_on="2999-01-01")

    response = post(api(personas.county_cadre), "/api/v1/orgs", body)

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "region": "行政区划代码不存在", "contact_phone": "手机号码格式不正确，应为11位中国大陆手机号",
        "latitude": "纬度应在 -90 到 90 之间", "founded_on": "成立日期不能晚于今天",
    }


def test_grassroots_chair_creates_a_branch_under_their_union(api, tree, personas):
    body = {"name": "甲公司工会第一分会", "kind": "branch", "parent_id": tree.grassroots.pk}

    response = post(api(personas.grassroots_cadre), "/api/v1/orgs", body)

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["kind_label"], response.json()["parent_id"],
            response.json()["depth"]) == ("甲公司工会第一分会", "分工会", tree.grassroots.pk, 6)
    assert names(api(personas.grassroots_cadre).get("/api/v1/orgs")) == ["甲公司工会委员会", "甲公司工会第一分会"]


def test_suspended_parent_is_422_on_parent_id(api, tree, personas):
    Organisation.objects.filter(pk=tree.lixia_town.pk).update(status=Organisation.Status.SUSPENDED)

    response = post(api(personas.county_cadre), "/api/v1/orgs", new_grassroots(tree))

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"parent_id": "上级组织不是正常状态，不能新建下级组织"}}


# Update


def test_patch_updates_name_and_address(api, tree, personas):
    body = {"name": "历下区解放路街道总工会", "address": "济南市历下区解放路100号"}

    response = patch(api(personas.county_cadre), f"/api/v1/orgs/{tree.lixia_town.pk}", body)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"], response.json()["address"]) == (
        tree.lixia_town.pk, "历下区解放路街道总工会", "济南市历下区解放路100号")
    assert response.json()["region"] == {"code": "370102", "name": "历下区"}
    tree.lixia_town.refresh_from_db()
    assert (tree.lixia_town.name, tree.lixia_town.address) == ("历下区解放路街道总工会", "济南市历下区解放路100号")


def test_patch_leaves_an_audit_event_with_the_changed_fields(api, tree, personas):
    patch(api(personas.county_cadre), f"/api/v1/orgs/{tree.lixia_town.pk}",
          {"name": "历下区解放路街道总工会", "address": "济南市历下区解放路100号", "region": "370102"})

    event = AuditEvent.objects.get(action="orgs.organisation.update", target_id=str(tree.lixia_town.pk))

    assert event.actor_id == personas.county_cadre.pk
    assert event.data == {"fields": ["address", "name"]}


def test_patch_of_own_org_is_allowed(api, tree, personas):
    response = patch(api(personas.grassroots_cadre), f"/api/v1/orgs/{tree.grassroots.pk}", {"address": "甲公司3楼"})

    assert response.status_code == 200
    assert response.json()["address"] == "甲公司3楼"


@pytest.mark.parametrize(("persona", "target"), [
    ("county_cadre", "shinan_town"),
    ("county_cadre", "jinan"),
    ("other_city_cadre", "jinan"),
    ("grassroots_cadre", "lixia_town"),
    ("province_admin", "national"),
    ("worker", "grassroots"),
    ("outsider", "grassroots"),
])
def test_patch_of_an_org_outside_scope_is_404_and_changes_nothing(api, tree, personas, persona, target):
    client = api(getattr(personas, persona))
    org = getattr(tree, target)
    missing = patch(client, f"/api/v1/orgs/{missing_id()}", {"name": "改名"})

    response = patch(client, f"/api/v1/orgs/{org.pk}", {"name": "改名"})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert response.content == missing.content
    org.refresh_from_db()
    assert org.name == NAMES[target]


@pytest.mark.parametrize(("body", "fields"), [
    ({"name": "工" * 101}, {"name": "组织名称不能超过100个字"}),
    ({"name": ""}, {"name": "请填写组织名称"}),
    ({"region": "999999"}, {"region": "行政区划代码不存在"}),
    ({"credit_code": "91370102MA0000001"}, {"credit_code": "统一社会信用代码应为18位"}),
    ({"contact_phone": "110"}, {"contact_phone": "手机号码格式不正确，应为11位中国大陆手机号"}),
    ({"longitude": "-181"}, {"longitude": "经度应在 -180 到 180 之间"}),
])
def test_patch_with_invalid_values_is_422_and_changes_nothing(api, tree, personas, body, fields):
    response = patch(api(personas.county_cadre), f"/api/v1/orgs/{tree.lixia_town.pk}", body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": fields}
    tree.lixia_town.refresh_from_db()
    assert (tree.lixia_town.name, tree.lixia_town.region_id) == ("历下区解放路街道工会", "370102")


def test_counts_are_capped(settings, api, personas):
    settings.PAGE_COUNT_CAP = 2  # ten thousand in production
    body = api(personas.city_cadre).get("/api/v1/orgs").json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (2, True, 4)


# Regions: an org stays within its federation, and only a manager above it moves it


FORBIDDEN_REGION = {"code": "forbidden", "message": "变更组织的行政区划须由上级组织的管理员办理",
                    "fields": {"region": "变更组织的行政区划须由上级组织的管理员办理"}}


@pytest.fixture
def quancheng(db):
    from smartunion.orgs.models import Region

    return Region.objects.create(code="370102002000", name="泉城路街道", level=Region.Level.TOWNSHIP,
                                 parent_id="370102")


@pytest.mark.parametrize(("persona", "target", "region"), [
    ("county_cadre", "lixia", "370102002000"),      # their own county federation
    ("grassroots_cadre", "grassroots", "370102"),   # their own union, even to the same county
    ("other_city_cadre", "qingdao", "370100"),
])
def test_patch_of_the_region_by_the_orgs_own_admin_is_403(api, tree, personas, quancheng, persona, target, region):
    org = getattr(tree, target)
    before = org.region_id
    if before == region:
        region = "370102002000"

    response = patch(api(getattr(personas, persona)), f"/api/v1/orgs/{org.pk}", {"region": region})

    assert response.status_code == 403
    assert response.json() == FORBIDDEN_REGION
    org.refresh_from_db()
    assert org.region_id == before
    assert not AuditEvent.objects.filter(action="orgs.organisation.change_region").exists()


def test_patch_of_the_region_by_the_manager_above_is_audited(api, tree, personas, quancheng):
    response = patch(api(personas.county_cadre), f"/api/v1/orgs/{tree.lixia_town.pk}", {"region": "370102002000"})

    assert response.status_code == 200
    assert response.json()["region"] == {"code": "370102002000", "name": "泉城路街道"}
    event = AuditEvent.objects.get(action="orgs.organisation.change_region", target_id=str(tree.lixia_town.pk))
    assert (event.actor_id, event.org_id, event.data) == (
        personas.county_cadre.pk, tree.lixia_town.pk, {"old": "370102", "new": "370102002000"})
    assert not AuditEvent.objects.filter(action="orgs.organisation.update", target_id=str(tree.lixia_town.pk)).exists()


@pytest.mark.parametrize(("persona", "target", "region", "message"), [
    ("city_cadre", "lixia_town", "370202", "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"),
    ("city_cadre", "lixia", "370202", "行政区划应在上级总工会“济南市总工会”的区域（济南市）内"),
    ("province_admin", "jinan", "370200", "下级组织的行政区划不在新的行政区划内，不能变更"),
    ("province_admin", "lixia", "370203", "行政区划应在上级总工会“济南市总工会”的区域（济南市）内"),
])
def test_patch_of_the_region_into_another_city_is_422(api, tree, personas, persona, target, region, message):
    org = getattr(tree, target)
    before = org.region_id

    response = patch(api(getattr(personas, persona)), f"/api/v1/orgs/{org.pk}", {"region": region})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"region": message}}
    org.refresh_from_db()
    assert org.region_id == before


@pytest.mark.parametrize(("persona", "parent", "kind", "region", "message"), [
    ("county_cadre", "lixia_town", "grassroots", "370202", "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"),
    ("county_cadre", "lixia", "township", "370203", "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"),
    ("city_cadre", "jinan", "county", "370202", "行政区划应在上级总工会“济南市总工会”的区域（济南市）内"),
    ("other_city_cadre", "qingdao", "county", "370102", "行政区划应在上级总工会“青岛市总工会”的区域（青岛市）内"),
])
def test_create_under_another_citys_region_is_422(api, tree, personas, persona, parent, kind, region, message):
    before = Organisation.objects.count()
    body = {"name": "越界工会", "kind": kind, "parent_id": getattr(tree, parent).pk, "region": region}

    response = post(api(getattr(personas, persona)), "/api/v1/orgs", body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"region": message}}
    assert Organisation.objects.count() == before


# No existence oracle: another object's id out of scope is answered byte for byte like a missing one


@pytest.mark.parametrize(("persona", "hidden"), [
    ("county_cadre", "shinan_town"), ("county_cadre", "jinan"), ("other_city_cadre", "grassroots"),
    ("grassroots_cadre", "lixia_town"), ("city_cadre", "province"),
])
def test_parent_and_children_ids_out_of_scope_read_like_missing_ones(api, tree, personas, persona, hidden):
    client = api(getattr(personas, persona))
    hidden_id, missing = getattr(tree, hidden).pk, missing_id()
    for kind in ("grassroots", "branch", "county"):  # whatever the kind rule would say about the real parent
        absent = post(client, "/api/v1/orgs", new_grassroots(tree, parent_id=missing, kind=kind))
        present = post(client, "/api/v1/orgs", new_grassroots(tree, parent_id=hidden_id, kind=kind))
        assert (present.status_code, present.content) == (absent.status_code, absent.content) == (404, absent.content)
    for suffix in ("", "/children"):
        absent = client.get(f"/api/v1/orgs/{missing}{suffix}")
        present = client.get(f"/api/v1/orgs/{hidden_id}{suffix}")
        assert (present.status_code, present.content) == (404, absent.content)
        absent = patch(client, f"/api/v1/orgs/{missing}", {"region": "370202"})
        present = patch(client, f"/api/v1/orgs/{hidden_id}", {"region": "370202"})
        assert (present.status_code, present.content) == (404, absent.content)
