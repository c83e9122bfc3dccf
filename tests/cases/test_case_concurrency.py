"""Races on rights cases with real threads and transactions (PostgreSQL): concurrent filings get distinct numbers
and count exactly in the roll-up; two cadres closing the same case at once: one wins, the other is refused."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.cases.case_rows import values
from tests.conftest import make_user
from tests.members.test_concurrency import run_together, split

from smartunion.accounts.models import User
from smartunion.cases.models import Case, CaseStat
from smartunion.cases.services import cases as services
from smartunion.core.actors import SYSTEM
from smartunion.core.workflow import TransitionError
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]

FILINGS = 8


def test_concurrent_filings_get_distinct_numbers_and_count_exactly(tree, personas):
    workers = [make_user(f"w{i}", kind=User.Kind.WORKER, phone=f"1380000{i:04d}") for i in range(FILINGS)]
    results = run_together(*[(lambda w=w: services.file_case(by=w, **values())) for w in workers])
    cases, errors = split(results)
    assert errors == []
    numbers = sorted(c.number for c in cases)
    assert len(set(numbers)) == FILINGS
    assert [int(n[-6:]) for n in numbers] == list(range(1, FILINGS + 1))
    row = CaseStat.objects.get()
    assert (row.org_id, row.received) == (tree.lixia_town.pk, FILINGS)


def test_two_cadres_closing_at_once_one_wins(tree, personas):
    first, second = make_user("h1"), make_user("h2")
    for user in (first, second):
        org_services.position_grant(user=user, org=tree.lixia_town, role=Position.Role.REVIEWER, by=SYSTEM)
    case = services.accept(services.file_case(by=personas.worker, **values()), by=first)
    results = run_together(
        lambda: services.close(case, by=first, resolution="resolved", note="已解决"),
        lambda: services.close(case, by=second, resolution="answered", note="已解答"))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1
    assert isinstance(errors[0], TransitionError)
    assert errors[0].message == "当前状态为“已办结”，不能执行“办结”"
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.resolution) == ("closed", oks[0].resolution)
    assert CaseStat.objects.get().closed == 1


def test_a_rating_twice_at_once_counts_once(tree, personas, town_handler):
    case = services.accept(services.file_case(by=personas.worker, **values()), by=town_handler)
    case = services.close(case, by=town_handler, resolution="resolved", note="已解决")
    results = run_together(lambda: services.rate(case, by=personas.worker, rating=5),
                           lambda: services.rate(case, by=personas.worker, rating=4))
    oks, errors = split(results)
    assert (len(oks), [e.code for e in errors]) == (1, ["already_rated"])
    row = CaseStat.objects.get()
    assert (row.rated, row.rating_sum) == (1, oks[0].rating)
