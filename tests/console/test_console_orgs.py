"""The organisation and employer changelists: query counts, search, the add form and the Excel export."""

import pytest
from django.urls import reverse

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.orgs import services
from smartunion.orgs.models import Organisation

ORG_LIST = reverse("console:orgs_organisation_changelist")
EMPLOYER_LIST = reverse("console:orgs_employer_changelist")
ORG_ADD = reverse("console:orgs_organisation_add")
JINAN = ["济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]
EXPORT_HEADER = ("编号", "名称", "类型", "上级组织编号", "行政区划代码", "统一社会信用代码", "地址", "联系人",
                 "成立日期", "下辖会员")


# Query counts: session, user, scope paths, COUNT, managing-role paths (add button), the kinds of federation the
# cadre manages (the menu by role, console/site.py), the page itself; the org list
# adds the tree panel's roots, the children of the single root and which rows of the page have children
# (tests/console/test_tree_panel.py).


def _add_orgs(tree, n, start=0):
    for i in range(start, start + n):
        services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name=f"历下区第{i}工会",
                            region="370102", by=SYSTEM)


def _add_employers(tree, n, start=0):
    for i in range(start, start + n):
        services.employer_create(name=f"济南第{i}有限公司", region="370102", township_union=tree.lixia_town,
                                 covering_union=tree.grassroots, by=SYSTEM)


@pytest.mark.parametrize("extra", [1, 3])
def test_organisation_changelist_query_count_does_not_grow_with_rows(extra, tree, personas, console,
                                                                      django_assert_num_queries):
    _add_orgs(tree, extra)
    client = console(personas.city_cadre)
    with django_assert_num_queries(9):
        response = client.get(ORG_LIST)
    assert len(response.context["cl"].result_list) == 4 + extra


@pytest.mark.parametrize("extra", [1, 3])
def test_employer_changelist_query_count_does_not_grow_with_rows(extra, tree, personas, console,
                                                                  django_assert_num_queries):
    _add_employers(tree, extra)
    client = console(personas.city_cadre)
    with django_assert_num_queries(6):
        response = client.get(EMPLOYER_LIST)
    assert len(response.context["cl"].result_list) == 2 + extra


def test_changelists_page_at_twenty_rows(tree, personas, console):
    _add_orgs(tree, 20)
    client = console(personas.county_cadre)
    first = client.get(ORG_LIST).context["cl"]
    second = client.get(ORG_LIST + "?p=2").context["cl"]
    assert len(first.result_list) == 20
    assert [o.name for o in second.result_list] == ["历下区第17工会", "历下区第18工会", "历下区第19工会"]


# Search


def test_search_by_name_returns_matching_orgs_in_scope(tree, personas, console):
    cl = console(personas.province_admin).get(ORG_LIST + "?q=历下").context["cl"]
    assert [o.name for o in cl.result_list] == ["历下区总工会", "历下区解放路街道工会"]


def test_search_never_reaches_outside_the_scope(tree, personas, console):
    assert list(console(personas.other_city_cadre).get(ORG_LIST + "?q=历下").context["cl"].result_list) == []
    cl = console(personas.grassroots_cadre).get(ORG_LIST + "?q=历下").context["cl"]
    assert list(cl.result_list) == []


def test_search_by_credit_code(tree, personas, console):
    client = console(personas.city_cadre)
    cl = client.get(ORG_LIST + "?q=" + tree.grassroots.credit_code.lower()).context["cl"]
    assert [o.name for o in cl.result_list] == ["甲公司工会委员会"]


def test_search_by_region_code(tree, personas, console):
    client = console(personas.city_cadre)
    cl = client.get(ORG_LIST + "?q=370102").context["cl"]
    assert [o.name for o in cl.result_list] == ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]
    # A city code stands for the whole city.
    cl = client.get(ORG_LIST + "?q=370100").context["cl"]
    assert [o.name for o in cl.result_list] == JINAN
    assert list(client.get(ORG_LIST + "?q=370202").context["cl"].result_list) == []
    assert list(console(personas.other_city_cadre).get(ORG_LIST + "?q=370100").context["cl"].result_list) == []


def test_employer_search_by_name_and_credit_code(tree, personas, console):
    client = console(personas.city_cadre)
    assert [e.name for e in client.get(EMPLOYER_LIST + "?q=乙商贸").context["cl"].result_list] == ["济南乙商贸有限公司"]
    cl = client.get(EMPLOYER_LIST + "?q=" + tree.employer.credit_code).context["cl"]
    assert [e.name for e in cl.result_list] == ["济南甲科技有限公司"]
    assert list(client.get(EMPLOYER_LIST + "?q=青岛").context["cl"].result_list) == []


# Add form


def test_add_form_parent_offers_only_the_orgs_in_scope(tree, personas, console):
    response = console(personas.county_cadre).get(ORG_ADD)
    assert response.status_code == 200
    parent = response.context["adminform"].form.fields["parent"]
    assert [o.name for o in parent.queryset] == ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]


def test_parent_autocomplete_offers_only_the_orgs_in_scope(tree, personas, console):
    client = console(personas.county_cadre)
    url = "/console/autocomplete/?app_label=orgs&model_name=organisation&field_name=parent&term="
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": str(tree.lixia.pk), "text": "历下区总工会"},
        {"id": str(tree.lixia_town.pk), "text": "历下区解放路街道工会"},
        {"id": str(tree.grassroots.pk), "text": "甲公司工会委员会"},
    ]
    assert client.get(url + "市南").json()["results"] == []


def test_county_cadre_creates_an_org_under_the_township(tree, personas, console, messages_of):
    client = console(personas.county_cadre)
    response = client.post(ORG_ADD, {"name": "历下区丁公司工会委员会", "kind": "grassroots",
                                     "parent": tree.lixia_town.pk, "region": "370102", "_save": "1"}, follow=True)
    assert response.redirect_chain == [(ORG_LIST, 302)]
    org = Organisation.objects.get(name="历下区丁公司工会委员会")
    assert (org.kind, org.parent_id, org.region_id, org.depth, org.path) == (
        "grassroots", tree.lixia_town.pk, "370102", 5, tree.lixia_town.path + f"{org.pk:08d}")
    event = AuditEvent.objects.get(action="orgs.organisation.create", target_id=str(org.pk))
    assert (event.actor_id, event.actor_label, event.org_id, event.data) == (
        personas.county_cadre.pk, "county_cadre", org.pk, {"kind": "grassroots", "parent": tree.lixia_town.pk})
    assert [o.name for o in response.context["cl"].result_list] == [
        "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会", "历下区丁公司工会委员会"]


def test_add_form_refuses_a_parent_out_of_scope(tree, personas, console):
    before = Organisation.objects.count()
    response = console(personas.county_cadre).post(
        ORG_ADD, {"name": "越权工会", "kind": "grassroots", "parent": tree.shinan_town.pk, "_save": "1"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"parent": ["选择一个有效的选项： 该选择不在可用的选项中。"]}
    assert Organisation.objects.count() == before


def test_add_form_shows_the_kind_rule_on_the_form(tree, personas, console):
    before = Organisation.objects.count()
    response = console(personas.county_cadre).post(
        ORG_ADD, {"name": "错误类型", "kind": "province", "parent": tree.lixia_town.pk, "_save": "1"})
    assert response.status_code == 200  # the form again, as the cadre filled it in
    form = response.context["adminform"].form
    assert (form.errors["kind"], form["name"].value()) == (["“乡镇（街道）工会”下不能设立“省总工会”"], "错误类型")
    assert Organisation.objects.count() == before
    assert not AuditEvent.objects.filter(target_label="错误类型").exists()


# Export


def _export(client, url, ids, **extra):
    return client.post(url, {"action": "export_xlsx", "_selected_action": ids, "index": 0, **extra})


def test_export_contains_the_header_and_only_rows_in_scope(tree, personas, console, excel):
    client = console(personas.city_cadre)
    response = _export(client, ORG_LIST, [tree.jinan.pk, tree.lixia.pk, tree.qingdao.pk, tree.qd_grassroots.pk])
    assert response.status_code == 200
    assert response["Content-Type"] == excel.content_type
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E5%B7%A5%E4%BC%9A%E7%BB%84%E7%BB%87.xlsx")  # 工会组织.xlsx
    assert excel.rows(response) == [
        EXPORT_HEADER,
        (tree.jinan.pk, "济南市总工会", "市总工会", tree.province.pk, "370100", None, None, None, None, 1),
        (tree.lixia.pk, "历下区总工会", "县（区）总工会", tree.jinan.pk, "370102", None, None, None, None, 1),
    ]
    event = AuditEvent.objects.get(action="orgs.organisation.export")
    assert (event.actor_id, event.data) == (personas.city_cadre.pk, {"count": 2})


def test_export_across_all_pages_stays_in_scope(tree, personas, console, excel):
    response = _export(console(personas.county_cadre), ORG_LIST, [tree.lixia.pk], select_across="1")
    assert [row[1] for row in excel.rows(response)] == ["名称", "历下区总工会", "历下区解放路街道工会",
                                                         "甲公司工会委员会"]
    assert excel.rows(response)[3] == (tree.grassroots.pk, "甲公司工会委员会", "基层工会", tree.lixia_town.pk,
                                       "370102", "81370102MA0000001X", None, None, None, 1)
    assert AuditEvent.objects.get(action="orgs.organisation.export").data == {"count": 3}


def test_export_of_only_out_of_scope_ids_is_just_the_header(tree, personas, console, excel):
    response = _export(console(personas.city_cadre), ORG_LIST, [tree.qingdao.pk])
    assert excel.rows(response) == [EXPORT_HEADER]


def test_export_event_is_visible_in_the_superior_audit_log(tree, personas, console):
    _export(console(personas.county_cadre), ORG_LIST, [tree.lixia.pk])
    cl = console(personas.city_cadre).get(reverse("console:core_auditevent_changelist")).context["cl"]
    assert "orgs.organisation.export" in [e.action for e in cl.queryset]


def test_employer_export_is_scoped_and_audited(tree, personas, console, excel):
    response = _export(console(personas.city_cadre), EMPLOYER_LIST, [tree.employer.pk, tree.qd_employer.pk])
    assert excel.rows(response) == [
        ("编号", "单位名称", "统一社会信用代码", "行政区划代码", "行业门类", "规模", "所属工会编号", "属地工会编号",
         "地址"),
        (tree.employer.pk, "济南甲科技有限公司", tree.employer.credit_code, "370102", None, None,
         tree.grassroots.pk, tree.lixia_town.pk, None),
    ]
    event = AuditEvent.objects.get(action="orgs.employer.export")
    assert (event.actor_id, event.data) == (personas.city_cadre.pk, {"count": 1})
