"""Region fields as a cascader: the public region endpoints, core.widgets.RegionCascaderWidget, the console's org and
employer forms (region, 经纬度 in one field, the gig-worker fields as multi-selects) and the 所在地区 filter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from smartunion.console.admin.orgs import parse_location
from smartunion.core.widgets import RegionCascaderWidget
from smartunion.orgs.models import Employer, Organisation, Region

CHILDREN = reverse("region_children")
PATH = reverse("region_path")
ORG_LIST = reverse("console:orgs_organisation_changelist")
EMPLOYER_LIST = reverse("console:orgs_employer_changelist")
JINAN_COUNTIES = [("370102", "历下区"), ("370103", "市中区"), ("370104", "槐荫区"), ("370105", "天桥区"),
                  ("370112", "历城区"), ("370113", "长清区"), ("370114", "章丘区"), ("370115", "济阳区"),
                  ("370116", "莱芜区"), ("370117", "钢城区"), ("370124", "平阴县"), ("370126", "商河县")]


def townships(county: str, n: int) -> list[Region]:
    return Region.objects.bulk_create([Region(code=f"{county}{i:03d}", name=f"第{i}街道", level="township",
                                              parent_id=county) for i in range(1, n + 1)])


# The endpoints


def test_children_of_a_city_are_its_counties_with_whether_they_have_townships(db, client):
    townships("370102", 2)
    response = client.get(CHILDREN, {"parent": "370100"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    data = response.json()
    assert data["parent"] == "370100"
    assert [(i["code"], i["name"]) for i in data["items"]] == JINAN_COUNTIES
    assert data["items"][0] == {"code": "370102", "name": "历下区", "level": "county", "has_children": True}
    assert {i["has_children"] for i in data["items"][1:]} == {False}


def test_without_a_parent_the_provinces_come_first(db, client):
    items = client.get(CHILDREN).json()["items"]
    assert len(items) == 34
    assert items[0] == {"code": "110000", "name": "北京市", "level": "province", "has_children": True}
    assert {i["level"] for i in items} == {"province"}


def test_townships_of_a_county(db, client):
    townships("370102", 3)
    items = client.get(CHILDREN, {"parent": "370102"}).json()["items"]
    assert items == [{"code": f"370102{i:03d}", "name": f"第{i}街道", "level": "township", "has_children": False}
                     for i in (1, 2, 3)]


@pytest.mark.parametrize("n", [1, 8])
def test_children_are_one_query_whatever_their_number(n, db, client, django_assert_num_queries):
    townships("370103", n)
    with django_assert_num_queries(1):
        response = client.get(CHILDREN, {"parent": "370103"})
    assert len(response.json()["items"]) == n


def test_the_path_of_a_township_is_province_city_county_township(db, client):
    townships("370102", 1)
    assert client.get(PATH, {"code": "370102001"}).json() == {"code": "370102001", "chain": [
        {"code": "370000", "name": "山东省", "level": "province"},
        {"code": "370100", "name": "济南市", "level": "city"},
        {"code": "370102", "name": "历下区", "level": "county"},
        {"code": "370102001", "name": "第1街道", "level": "township"}]}
    assert client.get(PATH, {"code": "379999"}).json() == {"code": "379999", "chain": []}


@pytest.mark.parametrize("query", [{"parent": "37"}, {"parent": "3701001"}, {"parent": "abcdef"},
                                   {"parent": "3" * 13}])
def test_a_malformed_code_is_refused(query, db, client):
    response = client.get(CHILDREN, query)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "行政区划代码应为6、9或12位数字"}
    assert client.get(PATH, {"code": query["parent"]}).status_code == 400
    assert client.post(CHILDREN, {"parent": "370100"}).status_code == 405


# The widget


def test_the_widget_is_a_code_input_with_a_hint_and_the_endpoints():
    class F(forms.Form):
        region = forms.CharField(widget=RegionCascaderWidget(deepest="county", root="370000", input_class="in",
                                                             select_class="sel"))

    html = str(F(initial={"region": "370102"})["region"])
    assert html == (
        '<div class="su-cascader" data-children-url="/regions/children/" data-path-url="/regions/path/" '
        'data-deepest="county" data-root="370000" data-select-class="sel">\n'
        '  <input type="text" name="region" value="370102" inputmode="numeric" maxlength="12" autocomplete="off" '
        'placeholder="行政区划代码" class="in" required id="id_region">\n\n'
        '  <p class="su-cascader-hint" id="id_region_hint">请填写行政区划代码：区（县）6位，乡镇（街道）9位或12位，'
        '如 370102（济南市历下区）</p>\n'
        '  <div class="su-cascader-selects" hidden></div>\n'
        '</div>')
    assert str(F().media) == ('<link href="/static/core/region-cascader.css" media="all" rel="stylesheet">\n'
                              '<script src="/static/core/region-cascader.js"></script>')
    with pytest.raises(ValueError):
        RegionCascaderWidget(deepest="village")


# 经纬度 in one field


@pytest.mark.parametrize(("text", "expected"), [
    ("36.6512,117.12", (Decimal("36.651200"), Decimal("117.120000"))),
    (" 36.651234567 ， 117.1 ", (Decimal("36.651235"), Decimal("117.100000"))),
    ("３６.５，１１７", (Decimal("36.500000"), Decimal("117.000000"))),
    ("-33.86 151.21", (Decimal("-33.860000"), Decimal("151.210000"))),
    ("", None),
])
def test_location_is_read_as_latitude_then_longitude(text, expected):
    assert parse_location(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("117.12,36.65", "纬度应在 -90 到 90 之间（纬度在前、经度在后）"),
    ("36.65,190", "经度应在 -180 到 180 之间"),
    ("36.65", "请按“纬度,经度”填写两个数字，如 36.651200,117.120000"),
    ("36.65,117.1,5", "请按“纬度,经度”填写两个数字，如 36.651200,117.120000"),
    ("北纬36,东经117", "请按“纬度,经度”填写两个数字，如 36.651200,117.120000"),
    ("nan,inf", "请按“纬度,经度”填写两个数字，如 36.651200,117.120000"),
])
def test_a_wrong_location_is_refused_with_what_to_type(text, message):
    with pytest.raises(forms.ValidationError) as exc:
        parse_location(text)
    assert exc.value.messages == [message]


# The org form


def _change(tree, org, **values):
    data = {"name": org.name, "region": org.region_id or "", "review_days": "", "location": "",
            "other_platforms": "", "_save": "1"}
    data.update(values)
    return data


def test_the_org_form_saves_region_location_and_the_gig_worker_fields(tree, personas, console):
    from smartunion.core.actors import SYSTEM
    from smartunion.orgs import services

    joint = services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.JOINT, name="历下区快递外卖联合工会",
                                region="370102", by=SYSTEM)
    url = reverse("console:orgs_organisation_change", args=[joint.pk])
    client = console(personas.city_cadre)
    response = client.post(url, {**_change(tree, joint), "location": "36.6512，117.1209",
                                 "serves_employment_forms": ["11", "12"], "serves_platforms": ["美团", "顺丰"],
                                 "other_platforms": "闪送、达达, 美团"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    joint.refresh_from_db()
    assert (joint.latitude, joint.longitude) == (Decimal("36.651200"), Decimal("117.120900"))
    assert joint.serves_employment_forms == ["11", "12"]
    assert joint.serves_platforms == ["美团", "顺丰", "闪送", "达达"]

    form = client.get(url).context["adminform"].form
    assert (form["location"].value(), form["serves_platforms"].value(), form["other_platforms"].value()) == (
        "36.6512,117.1209", ["美团", "顺丰"], "闪送、达达")
    assert form["serves_employment_forms"].value() == ["11", "12"]
    page = client.get(url).content.decode()
    assert 'name="serves_employment_forms" value="12"' in page and "外卖配送员" in page
    assert '<textarea' not in page  # no JSON text areas left
    assert 'class="su-cascader"' in page

    client.post(url, _change(tree, joint))
    joint.refresh_from_db()
    assert (joint.latitude, joint.longitude, joint.serves_employment_forms, joint.serves_platforms) == (
        None, None, [], [])


def test_a_wrong_location_shows_on_its_field_and_saves_nothing(tree, personas, console):
    url = reverse("console:orgs_organisation_change", args=[tree.lixia_town.pk])
    response = console(personas.city_cadre).post(url, _change(tree, tree.lixia_town, location="117.12,36.65"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"location": ["纬度应在 -90 到 90 之间（纬度在前、经度在后）"]}
    tree.lixia_town.refresh_from_db()
    assert tree.lixia_town.latitude is None


def test_the_region_field_takes_a_code_and_refuses_an_unknown_one(tree, personas, console):
    townships("370102", 1)
    url = reverse("console:orgs_organisation_change", args=[tree.lixia_town.pk])
    client = console(personas.city_cadre)
    assert client.post(url, _change(tree, tree.lixia_town, region="370102001")).status_code == 302
    tree.lixia_town.refresh_from_db()
    assert tree.lixia_town.region_id == "370102001"
    response = client.post(url, _change(tree, tree.lixia_town, region="370102999"))
    assert response.context["adminform"].form.errors == {"region": ["行政区划代码不存在，请逐级选择"]}


def test_the_employer_form_draws_the_region_as_a_cascader(tree, personas, console):
    page = console(personas.city_cadre).get(reverse("console:orgs_employer_change", args=[tree.employer.pk]))
    html = page.content.decode()
    assert 'name="region" value="370102"' in html and 'class="su-cascader"' in html
    assert "/static/core/region-cascader.js" in html


# The 所在地区 filter


def test_the_region_filter_takes_everything_below_the_chosen_region(tree, personas, console):
    client = console(personas.province_admin)
    names = [o.name for o in client.get(ORG_LIST, {"region_code": "370200"}).context["cl"].result_list]
    assert names == ["青岛市总工会", "市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]
    names = [o.name for o in client.get(ORG_LIST, {"region_code": "370102"}).context["cl"].result_list]
    assert names == ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]
    assert [o.name for o in client.get(ORG_LIST, {"region_code": "370000"}).context["cl"].result_list][:2] == [
        "山东省总工会", "济南市总工会"]
    assert len(client.get(ORG_LIST, {"region_code": "abc"}).context["cl"].result_list) == 9


def test_the_region_filter_stays_in_the_scope_and_works_on_employers(tree, personas, console):
    client = console(personas.city_cadre)
    assert list(client.get(ORG_LIST, {"region_code": "370200"}).context["cl"].result_list) == []
    employers = client.get(EMPLOYER_LIST, {"region_code": "370100"}).context["cl"].result_list
    assert sorted(e.name for e in employers) == ["济南乙商贸有限公司", "济南甲科技有限公司"]
    qd = console(personas.province_admin).get(EMPLOYER_LIST, {"region_code": "370202"}).context["cl"].result_list
    assert [e.name for e in qd] == ["青岛丙物流有限公司"]
    assert Employer.objects.count() == 3
