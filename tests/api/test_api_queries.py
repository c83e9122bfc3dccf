"""The list endpoints cost a fixed number of queries, whatever the number of rows in scope; every list answers the
same page shape (core.pagination.paginate)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartunion.core.validators import make_id_number
from smartunion.members.models import JoinApplication, Membership
from smartunion.members.services import transfer_request
from smartunion.orgs import services
from smartunion.orgs.models import Organisation

# token -> user, the cadre's positions, the page of rows (related rows joined). A page that does not end the list
# adds the capped count.
LIST_QUERIES = 3
PAGE_KEYS = ["count", "count_capped", "items", "page", "page_size"]


def measure(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert sorted(response.json()) == PAGE_KEYS
    return len(queries.captured_queries), response.json()["count"]


def test_org_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    queries_for_one, count_before = measure(client, "/api/v1/orgs")
    for name in ("第一分会", "第二分会"):
        services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name=name, region="370102",
                            by=personas.grassroots_cadre)

    queries_for_three, count_after = measure(client, "/api/v1/orgs")
    queries_paged, count_paged = measure(client, "/api/v1/orgs?page_size=2")

    assert (count_before, count_after, count_paged) == (1, 3, 3)
    assert queries_for_one == queries_for_three == LIST_QUERIES
    assert queries_paged == LIST_QUERIES + 1


def test_employer_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    queries_for_one, count_before = measure(client, "/api/v1/employers")
    for name in ("济南戊科技有限公司", "济南己科技有限公司"):
        services.employer_create(name=name, region="370102", covering_union=tree.grassroots,
                                 by=personas.grassroots_cadre)

    queries_for_three, count_after = measure(client, "/api/v1/employers")

    assert (count_before, count_after) == (1, 3)
    assert queries_for_one == queries_for_three == LIST_QUERIES


def test_children_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    url = f"/api/v1/orgs/{tree.grassroots.pk}/children"
    services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name="第一分会", region="370102",
                        by=personas.grassroots_cadre)
    queries_for_one, count_before = measure(client, url)
    for name in ("第二分会", "第三分会"):
        services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name=name, region="370102",
                            by=personas.grassroots_cadre)

    queries_for_three, count_after = measure(client, url)

    assert (count_before, count_after) == (1, 3)
    # One more than a list: the parent is fetched (within scope) first.
    assert queries_for_one == queries_for_three == LIST_QUERIES + 1


def pending(union: Organisation, n: int, *, overdue: bool = False) -> JoinApplication:
    return JoinApplication.objects.create(
        name="王芳", id_number=make_id_number("370102", dt.date(1990, 1, 1) + dt.timedelta(days=n), n),
        phone="13800000000",
        employer_name="某单位", work_region_id="370102", union=union, union_path=union.path,
        dispatch_reason=JoinApplication.Dispatch.TOWNSHIP, dispatch_note="挂靠",
        deadline=timezone.now() + dt.timedelta(days=-1 if overdue else 7),
    )


def test_review_queue_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.county_cadre)
    pending(tree.lixia_town, 1)
    queries_for_one, count_before = measure(client, "/api/v1/join-applications")
    pending(tree.grassroots, 2)
    pending(tree.lixia_town, 3)

    queries_for_three, count_after = measure(client, "/api/v1/join-applications")
    queries_paged, count_paged = measure(client, "/api/v1/join-applications?page=2&page_size=1")

    assert (count_before, count_after, count_paged) == (1, 3, 3)
    assert queries_for_one == queries_for_three == LIST_QUERIES
    assert queries_paged == LIST_QUERIES + 1


def test_transfer_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    from smartunion.core.actors import SYSTEM
    from smartunion.members.services import membership_start, person_upsert

    client = api(personas.county_cadre)
    transfer_request(membership=Membership.objects.get(), by=personas.grassroots_cadre, to_union=tree.qd_grassroots)
    queries_for_one, count_before = measure(client, "/api/v1/transfers")
    for n in (2, 3):
        person, _ = person_upsert(name="李娜", id_number=make_id_number("370102", dt.date(1991, 1, n), n), by=SYSTEM)
        membership = membership_start(person=person, union=tree.grassroots, card_number=f"JN-{n}", by=SYSTEM)
        transfer_request(membership=membership, by=personas.grassroots_cadre, to_union=tree.qd_grassroots)

    queries_for_three, count_after = measure(client, "/api/v1/transfers")

    assert (count_before, count_after) == (1, 3)
    # A cadre's transfers are scoped at both ends: the positions are read once for both.
    assert queries_for_one == queries_for_three == LIST_QUERIES


@pytest.mark.parametrize("children", [1, 8])
def test_overdue_counts_cost_the_same_for_one_or_eight_children(api, tree, personas, children):
    for i in range(2, children + 1):
        services.org_create(parent=tree.lixia, kind=Organisation.Kind.TOWNSHIP, name=f"历下区第{i}街道工会",
                            region="370102", by=personas.county_cadre)
    towns = list(Organisation.objects.filter(parent=tree.lixia).order_by("path"))
    n = 0
    for index, town in enumerate(towns):
        for _ in range(index + 1):
            n += 1
            pending(town, n, overdue=True)
    pending(tree.grassroots, 100, overdue=True)
    pending(tree.lixia_town, 101)  # not overdue

    with CaptureQueriesContext(connection) as queries:
        response = api(personas.county_cadre).get(f"/api/v1/join-applications/overdue-counts?org_id={tree.lixia.pk}")

    body = response.json()
    assert body["org"] == {"id": tree.lixia.pk, "name": "历下区总工会"}
    assert body["total"] == n + 1
    assert body["children"] == [{"id": town.pk, "name": town.name, "overdue": index + 1 + (town == tree.lixia_town)}
                                for index, town in enumerate(towns)]
    # token, user, positions, the root, its children, one grouped count.
    assert len(queries.captured_queries) == 6
