"""core.pagination.paginate: the one page shape of every API list, with a capped count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartunion.core.errors import Invalid
from smartunion.core.pagination import BadPage, paginate
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def page(queryset, page, page_size):
    return paginate(queryset, page=page, page_size=page_size, serialize=lambda org: org.name)


@pytest.fixture
def orgs(tree):
    return Organisation.objects.order_by("path")  # ten orgs in the test tree


def test_a_middle_page_and_its_count(orgs):
    with CaptureQueriesContext(connection) as queries:
        body = page(orgs, 2, 3)
    assert body == {"count": 10, "count_capped": False, "page": 2, "page_size": 3,
                    "items": [o.name for o in list(orgs)[3:6]]}
    assert len(queries.captured_queries) == 2  # the page, the count


def test_the_page_holding_the_end_needs_no_count(orgs):
    with CaptureQueriesContext(connection) as queries:
        last = page(orgs, 4, 3)
        whole = page(orgs, 1, 20)
    assert (last["count"], last["count_capped"], last["items"]) == (10, False, [list(orgs)[9].name])
    assert (whole["count"], len(whole["items"])) == (10, 10)
    assert len(queries.captured_queries) == 2  # one page each


def test_past_the_end_is_an_empty_page_with_the_count(orgs):
    assert page(orgs, 5, 3) == {"count": 10, "count_capped": False, "page": 5, "page_size": 3, "items": []}
    assert page(orgs.none(), 1, 3) == {"count": 0, "count_capped": False, "page": 1, "page_size": 3, "items": []}


def test_the_count_stops_at_the_cap(orgs, settings):
    settings.PAGE_COUNT_CAP = 4
    assert (page(orgs, 1, 3)["count"], page(orgs, 1, 3)["count_capped"]) == (4, True)
    # A page that ends the list past the cap still says "more than the cap".
    assert (page(orgs, 2, 6)["count"], page(orgs, 2, 6)["count_capped"]) == (4, True)


@pytest.mark.parametrize(("number", "size"), [(0, 20), (100_001, 20), (1, 0), (1, 101), (-1, 5)])
def test_out_of_range_is_bad_page(orgs, number, size):
    with pytest.raises(BadPage) as exc:
        page(orgs, number, size)
    assert isinstance(exc.value, Invalid)
    assert (exc.value.status, exc.value.code, exc.value.message) == (
        400, "bad_page", "页码应在1到100000之间，每页条数应在1到100之间")
