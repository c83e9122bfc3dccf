"""/api/v1/employers: scope, search, pagination, registration and update."""

from __future__ import annotations

import pytest

from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_credit_code
from smartunion.orgs.models import Employer

NOT_FOUND = {"code": "not_found", "message": "对象不存在", "fields": {}}
INVALID = "提交的数据有误，请检查后重试"
BAD_PAGE = {"code": "bad_page", "message": "页码应在1到100000之间，每页条数应在1到100之间", "fields": {}}

NAMES = {"employer": "济南甲科技有限公司", "employer_without_union": "济南乙商贸有限公司",
         "qd_employer": "青岛丙物流有限公司"}
SCOPE = {
    "province_admin": ["employer", "employer_without_union", "qd_employer"],
    "city_cadre": ["employer", "employer_without_union"],
    "other_city_cadre": ["qd_employer"],
    "county_cadre": ["employer", "employer_without_union"],
    "grassroots_cadre": ["employer"],
    "worker": [],
    "outsider": [],
}
PERSONAS = list(SCOPE)
JIA_CODE = make_credit_code("91370102MA0000001")


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def missing_id() -> int:
    return Employer.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000


def post(client, body):
    return client.post("/api/v1/employers", body, content_type="application/json")


def patch(client, employer_id, body):
    return client.patch(f"/api/v1/employers/{employer_id}", body, content_type="application/json")


# Scope matrix


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_shows_exactly_the_employers_in_scope(api, personas, persona):
    response = api(getattr(personas, persona)).get("/api/v1/employers")

    assert response.status_code == 200
    expected = [NAMES[key] for key in SCOPE[persona]]
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_is_200_in_scope_and_404_like_a_missing_id_outside(api, tree, personas, persona):
    client = api(getattr(personas, persona))
    missing = client.get(f"/api/v1/employers/{missing_id()}")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND

    for key, name in NAMES.items():
        response = client.get(f"/api/v1/employers/{getattr(tree, key).pk}")
        if key in SCOPE[persona]:
            assert (key, response.status_code, response.json()["name"]) == (key, 200, name)
        else:
            assert (key, response.status_code, response.content) == (key, 404, missing.content)


def test_detail_has_every_field(api, tree, personas):
    response = api(personas.county_cadre).get(f"/api/v1/employers/{tree.employer.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": tree.employer.pk, "name": "济南甲科技有限公司", "normalized_name": "甲科技",
        "credit_code": JIA_CODE, "region": {"code": "370102", "name": "历下区"}, "industry": "", "size": "",
        "address": "", "covering_union_id": tree.grassroots.pk, "township_union_id": tree.lixia_town.pk,
    }


def test_employer_without_union_is_seen_through_its_township_union(api, tree, personas):
    response = api(personas.county_cadre).get(f"/api/v1/employers/{tree.employer_without_union.pk}")

    assert response.status_code == 200
    assert (response.json()["covering_union_id"], response.json()["credit_code"]) == (None, None)


# Search and pagination


@pytest.mark.parametrize(("persona", "q", "expected"), [
    ("province_admin", "济南", ["济南甲科技有限公司", "济南乙商贸有限公司"]),
    ("county_cadre", "乙商贸", ["济南乙商贸有限公司"]),
    ("other_city_cadre", "济南", []),
    ("grassroots_cadre", "乙商贸", []),
    ("province_admin", JIA_CODE.lower(), ["济南甲科技有限公司"]),
    ("other_city_cadre", JIA_CODE, []),
    ("province_admin", "  物流 ", ["青岛丙物流有限公司"]),
])
def test_search_returns_the_matching_employers_in_scope(api, personas, persona, q, expected):
    response = api(getattr(personas, persona)).get("/api/v1/employers", {"q": q})

    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_second_page_of_one_gives_the_second_item_and_the_full_count(api, personas):
    response = api(personas.county_cadre).get("/api/v1/employers", {"page_size": 1, "page": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 2, 1)
    assert names(response) == ["济南乙商贸有限公司"]


@pytest.mark.parametrize("params", [{"page_size": 0}, {"page_size": 101}, {"page": 0}],
                         ids=["size-0", "size-101", "page-0"])
def test_bad_page_parameters_are_400_bad_page(api, personas, params):
    response = api(personas.county_cadre).get("/api/v1/employers", params)

    assert response.status_code == 400
    assert response.json() == BAD_PAGE


# Register


def test_county_cadre_registers_an_employer_with_every_field(api, tree, personas):
    body = {
        "name": "济南  丁（科技）有限公司", "region": "370102", "credit_code": make_credit_code("91370102MA0000004"),
        "industry": "C", "size": "small", "address": "济南市历下区解放路8号", "township_union_id": tree.lixia_town.pk,
    }

    response = post(api(personas.county_cadre), body)

    assert response.status_code == 201
    created = Employer.objects.get(credit_code=make_credit_code("91370102MA0000004"))
    assert response.json() == {
        "id": created.pk, "name": "济南  丁（科技）有限公司", "normalized_name": "丁科技",
        "credit_code": make_credit_code("91370102MA0000004"), "region": {"code": "370102", "name": "历下区"},
        "industry": "C", "size": "small", "address": "济南市历下区解放路8号", "covering_union_id": None,
        "township_union_id": tree.lixia_town.pk,
    }


def test_registered_employer_appears_in_the_list(api, tree, personas):
    client = api(personas.county_cadre)
    post(client, {"name": "济南丁科技有限公司", "region": "370102", "township_union_id": tree.lixia_town.pk})

    assert names(client.get("/api/v1/employers")) == ["济南甲科技有限公司", "济南乙商贸有限公司", "济南丁科技有限公司"]


def test_registering_leaves_an_audit_event(api, tree, personas):
    created_id = post(api(personas.county_cadre), {"name": "济南丁科技有限公司", "region": "370102",
                                                   "township_union_id": tree.lixia_town.pk}).json()["id"]

    event = AuditEvent.objects.get(action="orgs.employer.create", target_id=str(created_id))

    assert (event.actor_id, event.target_type, event.target_label, event.org_id) == (
        personas.county_cadre.pk, "orgs.employer", "济南丁科技有限公司", tree.lixia_town.pk)


def test_grassroots_chair_registers_an_employer_covered_by_their_union(api, tree, personas):
    body = {"name": "甲科技第二分公司", "region": "370102", "covering_union_id": tree.grassroots.pk}

    response = post(api(personas.grassroots_cadre), body)

    # The covering union is theirs; the township union is derived (历下区 has one) without being theirs to name.
    assert response.status_code == 201
    assert (response.json()["normalized_name"], response.json()["covering_union_id"],
            response.json()["township_union_id"]) == ("甲科技第二分公司", tree.grassroots.pk, tree.lixia_town.pk)


@pytest.mark.parametrize("credit_code", [JIA_CODE, JIA_CODE.lower(), f" {JIA_CODE} "],
                         ids=["same", "lower-case", "padded"])
def test_duplicate_credit_code_is_422(api, tree, personas, credit_code):
    body = {"name": "济南丁科技有限公司", "region": "370102", "credit_code": credit_code,
            "township_union_id": tree.lixia_town.pk}

    response = post(api(personas.county_cadre), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"credit_code": "该统一社会信用代码已登记为其他单位"}}
    assert Employer.objects.count() == 3


@pytest.mark.parametrize(("persona", "key", "union"), [
    ("county_cadre", "covering_union_id", "qd_grassroots"),
    ("county_cadre", "township_union_id", "shinan_town"),
    ("other_city_cadre", "covering_union_id", "grassroots"),
    ("grassroots_cadre", "township_union_id", "lixia_town"),
    ("worker", "township_union_id", "lixia_town"),
    ("outsider", "covering_union_id", "grassroots"),
    ("county_cadre", "covering_union_id", None),
])
def test_union_outside_scope_is_422_organisation_not_found(api, tree, personas, persona, key, union):
    union_id = getattr(tree, union).pk if union else missing_id() + 10_000_000
    body = {"name": "济南丁科技有限公司", "region": "370102", key: union_id}

    response = post(api(getattr(personas, persona)), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {key: "组织不存在"}}
    assert Employer.objects.count() == 3


def test_name_and_region_alone_register_an_employer_under_the_derived_township_union(api, tree, personas):
    response = post(api(personas.county_cadre), {"name": "济南丁科技有限公司", "region": "370102"})

    assert response.status_code == 201
    created = Employer.objects.get(pk=response.json()["id"])
    assert (response.json()["covering_union_id"], response.json()["township_union_id"]) == (None, tree.lixia_town.pk)
    assert (created.county_code, created.area_path, created.normalized_name) == ("370102", tree.lixia_town.path,
                                                                                  "丁科技")


@pytest.mark.parametrize(("extra", "fields"), [
    ({"credit_code": "91370102MA000000"}, {"credit_code": "统一社会信用代码应为18位"}),
    ({"region": "999999"}, {"region": "行政区划代码不存在"}),
    ({"region": ""}, {"region": "请填写所在行政区划"}),
    ({"industry": "Z"}, {"industry": "行业代码无效（应为 GB/T 4754 门类 A–T）"}),
    ({"size": "huge"}, {"size": "单位规模无效"}),
    ({"name": "  "}, {"name": "请填写单位名称"}),
])
def test_invalid_values_are_422_on_the_field(api, tree, personas, extra, fields):
    body = {"name": "济南丁科技有限公司", "region": "370102", "township_union_id": tree.lixia_town.pk, **extra}

    response = post(api(personas.county_cadre), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": fields}
    assert Employer.objects.count() == 3


def test_covering_union_of_the_wrong_kind_is_422_on_covering_union_id(api, tree, personas):
    body = {"name": "济南丁科技有限公司", "region": "370102", "covering_union_id": tree.lixia_town.pk}

    response = post(api(personas.county_cadre), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"covering_union_id": "所属工会应为基层工会或联合基层工会"}}


def test_township_union_of_the_wrong_kind_is_422_on_township_union_id(api, tree, personas):
    body = {"name": "济南丁科技有限公司", "region": "370102", "township_union_id": tree.grassroots.pk}

    response = post(api(personas.county_cadre), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"township_union_id": "属地工会应为乡镇（街道）工会"}}


# Update


def test_patch_updates_name_and_normalized_name(api, tree, personas):
    body = {"name": "济南乙新商贸有限责任公司", "address": "济南市历下区泉城路1号"}

    response = patch(api(personas.county_cadre), tree.employer_without_union.pk, body)

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["normalized_name"], response.json()["address"]) == (
        "济南乙新商贸有限责任公司", "乙新商贸", "济南市历下区泉城路1号")
    tree.employer_without_union.refresh_from_db()
    assert tree.employer_without_union.normalized_name == "乙新商贸"


def test_patch_leaves_an_audit_event(api, tree, personas):
    patch(api(personas.county_cadre), tree.employer.pk, {"address": "济南市历下区泉城路1号"})

    event = AuditEvent.objects.get(action="orgs.employer.update", target_id=str(tree.employer.pk))

    assert (event.actor_id, event.data) == (personas.county_cadre.pk, {"fields": ["address"]})


def test_patch_may_give_an_employer_its_new_union(api, tree, personas):
    response = patch(api(personas.county_cadre), tree.employer_without_union.pk,
                     {"covering_union_id": tree.grassroots.pk})

    assert response.status_code == 200
    assert response.json()["covering_union_id"] == tree.grassroots.pk
    assert names(api(personas.grassroots_cadre).get("/api/v1/employers")) == ["济南甲科技有限公司",
                                                                              "济南乙商贸有限公司"]


def test_patch_keeping_its_own_credit_code_is_allowed(api, tree, personas):
    response = patch(api(personas.county_cadre), tree.employer.pk, {"credit_code": JIA_CODE.lower()})

    assert response.status_code == 200
    assert response.json()["credit_code"] == JIA_CODE


@pytest.mark.parametrize(("persona", "target"), [
    ("county_cadre", "qd_employer"),
    ("other_city_cadre", "employer"),
    ("grassroots_cadre", "employer_without_union"),
    ("worker", "employer"),
    ("outsider", "employer"),
])
def test_patch_of_an_employer_outside_scope_is_404_and_changes_nothing(api, tree, personas, persona, target):
    client = api(getattr(personas, persona))
    missing = patch(client, missing_id(), {"name": "改名有限公司"})

    response = patch(client, getattr(tree, target).pk, {"name": "改名有限公司"})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert response.content == missing.content
    assert Employer.objects.get(pk=getattr(tree, target).pk).name == NAMES[target]


def test_patch_to_another_employers_credit_code_is_422(api, tree, personas):
    response = patch(api(personas.county_cadre), tree.employer_without_union.pk, {"credit_code": JIA_CODE})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID,
                               "fields": {"credit_code": "该统一社会信用代码已登记为其他单位"}}


def test_patch_to_a_union_outside_scope_is_422_and_changes_nothing(api, tree, personas):
    response = patch(api(personas.county_cadre), tree.employer.pk, {"covering_union_id": tree.qd_grassroots.pk})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {"covering_union_id": "组织不存在"}}
    tree.employer.refresh_from_db()
    assert tree.employer.covering_union_id == tree.grassroots.pk


def test_patch_clearing_the_township_union_derives_it_again_from_the_region(api, tree, personas):
    client = api(personas.county_cadre)

    response = patch(client, tree.employer.pk, {"covering_union_id": None, "township_union_id": None})

    assert response.status_code == 200
    assert (response.json()["covering_union_id"], response.json()["township_union_id"]) == (None, tree.lixia_town.pk)
    assert client.get(f"/api/v1/employers/{tree.employer.pk}").status_code == 200


# Regions: an employer is registered only where its cadre answers for it


# A scope refusal names the field whose value is out of reach.
SCOPE_REFUSED = {"code": "forbidden", "message": "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会",
                 "fields": {"region": "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"}}


@pytest.mark.parametrize(("persona", "region"), [
    ("city_cadre", "370202"), ("county_cadre", "370202"), ("county_cadre", "370103"),
    ("other_city_cadre", "370102"), ("grassroots_cadre", "370102"),
])
def test_registering_under_a_region_out_of_scope_is_403(api, personas, persona, region):
    response = post(api(getattr(personas, persona)), {"name": "越权物流有限公司", "region": region})

    assert response.status_code == 403
    assert response.json() == SCOPE_REFUSED
    assert Employer.objects.count() == 3


def test_a_city_cadre_registers_in_a_county_without_a_union(api, tree, personas):
    response = post(api(personas.city_cadre), {"name": "济南壬机械有限公司", "region": "370103"})

    assert response.status_code == 201
    assert (response.json()["covering_union_id"], response.json()["township_union_id"]) == (None, None)
    assert Employer.objects.get(pk=response.json()["id"]).area_path == tree.jinan.path


def test_an_employer_outside_its_covering_unions_area_is_422(api, tree, personas):
    body = {"name": "青岛甲科技有限公司", "region": "370202", "covering_union_id": tree.grassroots.pk}

    response = post(api(personas.city_cadre), body)

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": INVALID, "fields": {
        "region": "单位所在行政区划应在所属工会“甲公司工会委员会”所在的区域（历下区）内"}}


def test_patch_of_the_region_into_another_city_is_refused(api, tree, personas):
    client = api(personas.city_cadre)

    refused = patch(client, tree.employer_without_union.pk, {"region": "370202"})

    # 市南区's township union would answer for it: not the 济南 cadre's to hand over.
    assert (refused.status_code, refused.json()) == (403, {
        "code": "forbidden", "message": "您无权修改该单位", "fields": {"covering_union_id": "您无权修改该单位"}})
    assert Employer.objects.get(pk=tree.employer_without_union.pk).region_id == "370102"


# No existence oracle on union ids


@pytest.mark.parametrize(("persona", "key", "hidden"), [
    ("county_cadre", "covering_union_id", "qd_grassroots"),
    ("county_cadre", "township_union_id", "shinan_town"),
    ("grassroots_cadre", "township_union_id", "lixia_town"),
    ("other_city_cadre", "covering_union_id", "grassroots"),
])
def test_union_ids_out_of_scope_read_like_missing_ones(api, tree, personas, persona, key, hidden):
    client = api(getattr(personas, persona))
    missing, hidden_id = missing_id() + 10_000_000, getattr(tree, hidden).pk
    own = {"county_cadre": tree.employer, "grassroots_cadre": tree.employer, "other_city_cadre": tree.qd_employer}
    for region in ("370102", "370202"):
        body = {"name": "济南丁科技有限公司", "region": region}
        absent, present = post(client, {**body, key: missing}), post(client, {**body, key: hidden_id})
        assert (present.status_code, present.content) == (422, absent.content)
    employer_id = own[persona].pk
    absent, present = patch(client, employer_id, {key: missing}), patch(client, employer_id, {key: hidden_id})
    assert (present.status_code, present.content) == (422, absent.content)
    assert Employer.objects.count() == 3
