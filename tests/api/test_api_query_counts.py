"""Every list and count of the API costs a fixed number of queries: the same for 1 row as for 3, and for 1 child org
as for 8. A relation read lazily per row, or a COUNT per child, shows here as a query count that grows.

Each test measures the same request before and after adding rows (tests/rows.py) and pins the exact number; a
failure prints the SQL of both requests.
"""

from __future__ import annotations

import pytest
from tests import rows
from tests.rows import Measured, assert_queries

from smartunion.core.actors import SYSTEM
from smartunion.members.models import JoinApplication, Membership
from smartunion.members.services import transfer_approve, transfer_release, transfer_request
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

PAGE_KEYS = ["count", "count_capped", "items", "page", "page_size"]

# The token (and its user), the cadre's positions, the page with its related rows joined in.
LIST = 3
# A page that does not end the list adds its capped COUNT.
PAGED_LIST = LIST + 1


def get(client, url: str) -> Measured:
    """The request as a client sends it a second time: process-wide caches are warm in a running server, whatever
    the test that ran before."""
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    response = measured.result
    assert response.status_code == 200, response.content
    measured.result = response.json()
    return measured


def page(client, url: str) -> Measured:
    measured = get(client, url)
    assert sorted(measured.result) == PAGE_KEYS
    return measured


def counts(*measured: Measured) -> list[int]:
    return [m.result["count"] for m in measured]


def test_org_list(api, tree, personas):
    client = api(personas.grassroots_cadre)  # sees 甲公司工会委员会 and what is below it
    one = page(client, "/api/v1/orgs")
    rows.orgs(tree, 2)
    three = page(client, "/api/v1/orgs")
    paged = page(client, "/api/v1/orgs?page_size=2")

    assert counts(one, three, paged) == [1, 3, 3]
    assert [len(m.result["items"]) for m in (one, three, paged)] == [1, 3, 2]
    assert_queries(LIST, one, three)
    assert_queries(PAGED_LIST, paged)


def test_org_list_of_the_province(api, tree, personas):
    client = api(personas.province_admin)
    one = page(client, "/api/v1/orgs?q=第0分会")
    rows.orgs(tree, 3)
    three = page(client, "/api/v1/orgs?q=分会")

    assert counts(one, three) == [0, 3]
    assert_queries(LIST, one, three)


@pytest.mark.parametrize(("first", "then"), [(1, 3), (1, 8)])
def test_org_children(api, tree, personas, first, then):
    client = api(personas.grassroots_cadre)
    url = f"/api/v1/orgs/{tree.grassroots.pk}/children"
    rows.orgs(tree, first)
    one = page(client, url)
    rows.orgs(tree, then - first, start=first)
    more = page(client, url)

    assert counts(one, more) == [first, then]
    assert [o["name"] for o in more.result["items"]] == [f"第{i}分会" for i in range(then)]
    # The parent, found within the scope, first.
    assert_queries(LIST + 1, one, more)


def test_employer_list(api, tree, personas):
    client = api(personas.grassroots_cadre)  # sees the one employer its union covers
    one = page(client, "/api/v1/employers")
    rows.employers(tree, 2)
    three = page(client, "/api/v1/employers")

    assert counts(one, three) == [1, 3]
    assert_queries(LIST, one, three)


def test_review_queue(api, tree, personas):
    """Every row names its union, its filer and (approved) its membership's card number."""
    client = api(personas.county_cadre)
    rows.applications(tree, 1, status=JoinApplication.Status.APPROVED)
    one = page(client, "/api/v1/join-applications")
    rows.applications(tree, 2, start=1, status=JoinApplication.Status.APPROVED)
    three = page(client, "/api/v1/join-applications")
    paged = page(client, "/api/v1/join-applications?page=2&page_size=1")

    assert counts(one, three, paged) == [1, 3, 3]
    assert [(a["card_number"], a["submitted_by"]["name"]) for a in three.result["items"]] == [
        ("JN000700", "reviewer900"), ("JN000701", "reviewer901"), ("JN000702", "reviewer901")]
    assert_queries(LIST, one, three)
    assert_queries(PAGED_LIST, paged)


def test_review_queue_overdue_filter(api, tree, personas):
    client = api(personas.county_cadre)
    rows.applications(tree, 1, overdue=True)
    one = page(client, "/api/v1/join-applications?overdue=true&status=pending")
    rows.applications(tree, 2, start=1, overdue=True)
    three = page(client, "/api/v1/join-applications?overdue=true&status=pending")

    assert counts(one, three) == [1, 3]
    assert_queries(LIST, one, three)


@pytest.mark.parametrize("children", [1, 8])
def test_overdue_counts_per_child_org(api, tree, personas, children):
    """The overdue count of each child of 历下区总工会 (one to eight township unions), all in one grouped query."""
    towns = [tree.lixia_town] + [
        org_services.org_create(parent=tree.lixia, kind=Organisation.Kind.TOWNSHIP, name=f"历下区第{i}街道工会",
                                     region="370102", by=SYSTEM) for i in range(2, children + 1)]
    for index, town in enumerate(towns):
        rows.applications(tree, index + 1, start=10 * index, union=town, overdue=True)
    rows.applications(tree, 1, start=500, union=tree.grassroots, overdue=True)
    rows.applications(tree, 1, start=600)  # not overdue

    measured = get(api(personas.county_cadre), f"/api/v1/join-applications/overdue-counts?org_id={tree.lixia.pk}")

    assert measured.result == {
        "org": {"id": tree.lixia.pk, "name": "历下区总工会"},
        "total": sum(range(1, children + 1)) + 1,
        "children": [{"id": town.pk, "name": town.name, "overdue": index + 1 + (town == tree.lixia_town)}
                     for index, town in enumerate(towns)],
    }
    # The token, the positions, the root, its children, one grouped count.
    assert_queries(LIST + 2, measured)


def test_transfer_list(api, tree, personas):
    """Every row names the person, both unions and the membership's card number."""
    client = api(personas.county_cadre)
    rows.transfers(tree, 1)
    one = page(client, "/api/v1/transfers")
    rows.transfers(tree, 2, start=1)
    three = page(client, "/api/v1/transfers")

    assert counts(one, three) == [1, 3]
    assert [(t["card_number"], t["to_union"]["name"]) for t in three.result["items"]] == [
        ("JN000102", "丙公司工会委员会"), ("JN000101", "丙公司工会委员会"), ("JN000100", "丙公司工会委员会")]
    # A cadre's transfers are scoped at both ends: the positions are read once for both.
    assert_queries(LIST, one, three)


def test_roster_job_list(api, tree, personas, settings, tmp_path):
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = api(personas.city_cadre)
    rows.roster_jobs(tree, 1, by=personas.city_cadre)
    one = page(client, "/api/v1/roster-imports")
    rows.roster_jobs(tree, 2, by=personas.city_cadre)
    three = page(client, "/api/v1/roster-imports")

    assert counts(one, three) == [1, 3]
    assert [j["status"] for j in three.result["items"]] == ["validated"] * 3
    assert_queries(LIST, one, three)


def test_my_membership_history(api, tree, personas):
    """The worker's page lists their membership changes with both unions named: two rows for a transfer to 丙公司,
    three more for a transfer back to a township union (out, in, and attached there)."""
    client = api(personas.worker)

    def move(to_union, *, approver, releaser):
        membership = Membership.objects.get(person=personas.worker.person, status=Membership.Status.ACTIVE)
        transfer = transfer_request(membership=membership, by=personas.worker, to_union=to_union)
        transfer_release(transfer_approve(transfer, by=approver), by=releaser)

    move(tree.qd_grassroots, approver=personas.other_city_cadre, releaser=personas.county_cadre)
    two = get(client, "/api/v1/me/membership")
    move(tree.lixia_town, approver=personas.county_cadre, releaser=personas.other_city_cadre)
    five = get(client, "/api/v1/me/membership")

    assert [len(m.result["history"]) for m in (two, five)] == [2, 5]
    assert [(h["from_union"], h["to_union"]) for h in five.result["history"]] == [
        ("甲公司工会委员会", "丙公司工会委员会"), ("甲公司工会委员会", "丙公司工会委员会"),
        ("丙公司工会委员会", "历下区解放路街道工会"), ("丙公司工会委员会", "历下区解放路街道工会"),
        (None, "历下区解放路街道工会")]
    # The token, the membership with its union, the applications, the history with both unions.
    assert_queries(4, two, five)


def test_code_tables_are_read_without_queries(api, tree):
    client = api()
    index = get(client, "/api/v1/codes")
    regions = get(client, "/api/v1/codes/regions?parent=370100")

    assert (len(index.result), len(regions.result["entries"])) == (9, 12)
    assert_queries(0, index, regions)
