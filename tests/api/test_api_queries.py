"""The list endpoints cost a fixed number of queries, whatever the number of rows in scope."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartunion.orgs import services
from smartunion.orgs.models import Organisation

# token -> user, the cadre's positions, the page of rows (regions joined), the count.
LIST_QUERIES = 4


def measure(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.json()["count"]


def test_org_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    queries_for_one, count_before = measure(client, "/api/v1/orgs")
    for name in ("第一分会", "第二分会"):
        services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name=name, region="370102")

    queries_for_three, count_after = measure(client, "/api/v1/orgs")

    assert (count_before, count_after) == (1, 3)
    assert queries_for_one == queries_for_three == LIST_QUERIES


def test_employer_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    queries_for_one, count_before = measure(client, "/api/v1/employers")
    for name in ("济南戊科技有限公司", "济南己科技有限公司"):
        services.employer_create(name=name, region="370102", covering_union=tree.grassroots)

    queries_for_three, count_after = measure(client, "/api/v1/employers")

    assert (count_before, count_after) == (1, 3)
    assert queries_for_one == queries_for_three == LIST_QUERIES


def test_children_list_queries_do_not_grow_with_the_rows(api, tree, personas):
    client = api(personas.grassroots_cadre)
    url = f"/api/v1/orgs/{tree.grassroots.pk}/children"
    services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name="第一分会", region="370102")
    queries_for_one, count_before = measure(client, url)
    for name in ("第二分会", "第三分会"):
        services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name=name, region="370102")

    queries_for_three, count_after = measure(client, url)

    assert (count_before, count_after) == (1, 3)
    # One more than a list: the parent is fetched (within scope) first.
    assert queries_for_one == queries_for_three == LIST_QUERIES + 1
