"""The org tree panel on the organisation list: the scope's roots, children loaded one level at a time from the tree
endpoint (scoped, fixed query count whatever the number of children), the breadcrumb, and 下级 only where there are
children."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartunion.core.actors import SYSTEM
from smartunion.orgs import services
from smartunion.orgs.models import Organisation
from smartunion.orgs.tree import tree_children

ORG_LIST = reverse("console:orgs_organisation_changelist")


def tree_url(org):
    return reverse("console:orgs_organisation_tree", args=[org.pk])


def node(org, *, members, own=0, has_children, kind, status=""):
    return {"id": org.pk, "name": org.name, "kind": kind, "status": status, "members": members, "own_members": own,
            "has_children": has_children, "list_url": f"{ORG_LIST}?parent__id__exact={org.pk}"}


# The endpoint


def test_children_of_a_node_with_figures_and_whether_they_have_children(tree, personas, console):
    response = console(personas.city_cadre).get(tree_url(tree.lixia))
    assert response.status_code == 200
    assert response.json() == {
        "id": tree.lixia.pk,
        "items": [node(tree.lixia_town, members=1, has_children=True, kind="乡镇（街道）工会")],
        "more": False, "next_offset": 1,
    }
    town = console(personas.city_cadre).get(tree_url(tree.lixia_town)).json()
    assert town["items"] == [node(tree.grassroots, members=1, own=1, has_children=False, kind="基层工会")]
    assert console(personas.city_cadre).get(tree_url(tree.grassroots)).json()["items"] == []


def test_a_province_sees_its_cities_and_the_status_of_a_suspended_one(tree, personas, console):
    Organisation.objects.filter(pk=tree.qingdao.pk).update(status=Organisation.Status.SUSPENDED)
    items = console(personas.province_admin).get(tree_url(tree.province)).json()["items"]
    assert items == [node(tree.jinan, members=1, has_children=True, kind="市总工会"),
                     node(tree.qingdao, members=0, has_children=True, kind="市总工会", status="暂停")]


@pytest.mark.parametrize(("persona", "org"), [
    ("city_cadre", "qingdao"), ("city_cadre", "province"), ("city_cadre", "national"), ("other_city_cadre", "jinan"),
    ("grassroots_cadre", "lixia_town"), ("county_cadre", "shinan_town"),
])
def test_a_cadre_cannot_expand_an_org_outside_the_scope(persona, org, tree, personas, console):
    response = console(getattr(personas, persona)).get(tree_url(getattr(tree, org)))
    missing = console(getattr(personas, persona)).get(reverse("console:orgs_organisation_tree", args=[999999]))
    assert response.status_code == 404
    assert response.content == missing.content == '{"code": "not_found", "message": "组织不存在"}'.encode()


def test_a_worker_gets_no_tree(tree, personas, console):
    response = console(personas.worker).get(tree_url(tree.jinan))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def _grassroots_under(town, n):
    return [services.org_create(parent=town, kind=Organisation.Kind.GRASSROOTS, name=f"第{i:02d}工会",
                                region="370102", by=SYSTEM) for i in range(n)]


@pytest.mark.parametrize("children", [1, 8])
def test_endpoint_query_count_is_the_same_for_one_and_eight_children(children, tree, personas, console,
                                                                      django_assert_num_queries):
    town = services.org_create(parent=tree.lixia, kind=Organisation.Kind.TOWNSHIP, name="历下区新街道工会",
                               region="370102", by=SYSTEM)
    made = _grassroots_under(town, children)
    services.org_create(parent=made[0], kind=Organisation.Kind.BRANCH, name="第一分会", by=SYSTEM)
    client = console(personas.city_cadre)
    # session, user, scope paths, the node (in scope), its children with has_children: five, whatever their number
    with django_assert_num_queries(5):
        response = client.get(tree_url(town))
    items = response.json()["items"]
    assert [i["name"] for i in items] == [f"第{i:02d}工会" for i in range(children)]
    assert [i["has_children"] for i in items] == [True] + [False] * (children - 1)


def test_children_come_a_page_at_a_time(tree):
    made = _grassroots_under(tree.lixia_town, 4)
    first, more = tree_children(tree.lixia_town, limit=3)
    rest, no_more = tree_children(tree.lixia_town, offset=3, limit=3)
    assert ([o.name for o in first], more) == (["甲公司工会委员会", "第00工会", "第01工会"], True)
    assert ([o.pk for o in rest], no_more) == ([made[2].pk, made[3].pk], False)


def test_the_endpoint_pages_with_an_offset(tree, personas, console):
    _grassroots_under(tree.lixia_town, 2)
    data = console(personas.city_cadre).get(tree_url(tree.lixia_town) + "?offset=2").json()
    assert ([i["name"] for i in data["items"]], data["more"], data["next_offset"]) == (["第01工会"], False, 3)
    bad = console(personas.city_cadre).get(tree_url(tree.lixia_town) + "?offset=-1").json()
    assert [i["name"] for i in bad["items"]] == ["甲公司工会委员会", "第00工会", "第01工会"]


# The panel on the list


def test_the_cadres_own_root_is_selected_and_open_on_entry(tree, personas, console):
    response = console(personas.city_cadre).get(ORG_LIST)
    panel = response.context["org_tree"]
    assert panel["roots"] == [node(tree.jinan, members=1, has_children=True, kind="市总工会")]
    assert panel["selected"] == tree.jinan.pk
    assert panel["expanded"] == {"children": [node(tree.lixia, members=1, has_children=True, kind="县（区）总工会")],
                                 "more": False}
    assert (panel["chain"], panel["open"]) == ([], "")
    page = response.content.decode()
    assert f'<li class="su-tree-node is-selected" role="treeitem" data-id="{tree.jinan.pk}"' in page
    assert 'data-endpoint="/console/orgs/organisation/tree/"' in page
    assert "青岛" not in page and "山东省总工会" not in page


def test_a_breadcrumb_of_the_ancestors_in_scope_leads_back_up(tree, personas, console):
    response = console(personas.city_cadre).get(ORG_LIST + f"?parent__id__exact={tree.lixia_town.pk}")
    panel = response.context["org_tree"]
    assert panel["chain"] == [{"name": o.name, "url": f"{ORG_LIST}?parent__id__exact={o.pk}"}
                              for o in (tree.jinan, tree.lixia, tree.lixia_town)]
    assert panel["open"] == f"{tree.lixia.pk},{tree.lixia_town.pk}"
    assert panel["selected"] == tree.lixia_town.pk
    assert [o.name for o in response.context["cl"].result_list] == ["甲公司工会委员会"]
    assert "山东省总工会" not in response.content.decode()
    province = console(personas.province_admin).get(ORG_LIST + f"?parent__id__exact={tree.lixia.pk}")
    chain = [c["name"] for c in province.context["org_tree"]["chain"]]
    assert chain == ["山东省总工会", "济南市总工会", "历下区总工会"]


def test_a_node_outside_the_scope_selects_nothing_and_names_nothing(tree, personas, console):
    response = console(personas.city_cadre).get(ORG_LIST + f"?parent__id__exact={tree.qingdao.pk}")
    assert response.context["org_tree"]["chain"] == []
    assert list(response.context["cl"].result_list) == []
    assert "青岛" not in response.content.decode()


def test_a_platform_operator_starts_at_the_national_federation(tree, personas, console):
    from tests.conftest import make_user

    panel = console(make_user("operator", is_superuser=True)).get(ORG_LIST).context["org_tree"]
    assert [r["name"] for r in panel["roots"]] == ["中华全国总工会"]
    assert [c["name"] for c in panel["expanded"]["children"]] == ["山东省总工会"]


def test_the_children_link_shows_only_where_there_are_children(tree, personas, console):
    response = console(personas.city_cadre).get(ORG_LIST)
    admin = response.context["cl"].model_admin
    links = {o.name: admin.children_link(o) for o in response.context["cl"].result_list}
    assert links == {
        "济南市总工会": f'<a href="{ORG_LIST}?parent__id__exact={tree.jinan.pk}">下级</a>',
        "历下区总工会": f'<a href="{ORG_LIST}?parent__id__exact={tree.lixia.pk}">下级</a>',
        "历下区解放路街道工会": f'<a href="{ORG_LIST}?parent__id__exact={tree.lixia_town.pk}">下级</a>',
        "甲公司工会委员会": "—",
    }


def test_the_list_query_count_with_a_node_selected_does_not_grow_with_children(tree, personas, console):
    client = console(personas.city_cadre)
    url = ORG_LIST + f"?parent__id__exact={tree.lixia_town.pk}"
    # Besides the list's own queries and the console's frame: the tree's roots and the root's children, the selected
    # node and its chain, whether the page's rows have children.
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _grassroots_under(tree.lixia_town, 7)
    with CaptureQueriesContext(connection) as eight:
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 8
    assert len(eight.captured_queries) == len(one.captured_queries)
    count = next(q["sql"] for q in eight.captured_queries if "COUNT(" in q["sql"])
    assert "EXISTS" not in count
