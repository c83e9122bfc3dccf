"""Who sees which case: the city cadre, another city's cadre, the grassroots chair, the worker, an outsider; the
queue's filters and order; the worker's name shown or hidden (匿名职工)."""

from __future__ import annotations

import pytest
from tests.cases.case_rows import new_case
from tests.cases.conftest import at

from smartunion.cases.errors import CaseNotFound
from smartunion.cases.queries.cases import (
    ANONYMOUS,
    case_for_cadre,
    case_for_worker,
    display_name,
    handler_queue,
    my_cases,
)
from smartunion.cases.services import cases as services


@pytest.fixture
def filed(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    town = new_case(personas.worker, contact_name="张伟")
    clock.set(at(2026, 11, 3, 9))
    union = new_case(personas.worker, contact_name="张伟", employer_name="济南甲科技有限公司")
    qingdao = new_case(personas.outsider, contact_name="刘洋", region="370202", employer_name="青岛丙物流有限公司")
    return town, union, qingdao


def test_scope_from_inside_and_outside(filed, personas):
    town, union, qingdao = filed
    assert list(handler_queue(personas.province_admin)) == [town, union, qingdao]
    assert list(handler_queue(personas.city_cadre)) == [town, union]
    assert list(handler_queue(personas.other_city_cadre)) == [qingdao]
    assert list(handler_queue(personas.grassroots_cadre)) == [union]
    assert list(handler_queue(personas.worker)) == []
    assert list(handler_queue(personas.outsider)) == []
    assert case_for_cadre(personas.city_cadre, town.pk) == town
    for user, case in ((personas.other_city_cadre, town), (personas.grassroots_cadre, town),
                       (personas.worker, town), (personas.outsider, union), (personas.city_cadre, 999999)):
        with pytest.raises(CaseNotFound):
            case_for_cadre(user, getattr(case, "pk", case))


def test_the_worker_sees_only_their_own(filed, personas):
    town, union, qingdao = filed
    assert list(my_cases(personas.worker)) == [union, town]
    assert list(my_cases(personas.outsider)) == [qingdao]
    assert case_for_worker(personas.worker, town.pk) == town
    with pytest.raises(CaseNotFound):
        case_for_worker(personas.worker, qingdao.pk)
    with pytest.raises(CaseNotFound):
        case_for_worker(personas.city_cadre, town.pk)


def test_queue_filters(filed, personas, town_handler, clock):
    town, union, _qingdao = filed
    services.accept(town, by=town_handler)
    services.supervise(union, by=personas.county_cadre, note="尽快办理")
    user = personas.city_cadre
    assert list(handler_queue(user, status="processing")) == [town]
    assert list(handler_queue(user, status="submitted")) == [union]
    assert list(handler_queue(user, supervised=True)) == [union]
    assert list(handler_queue(user, supervised=False)) == [town]
    assert list(handler_queue(personas.city_cadre, mine=True)) == []
    assert list(handler_queue(town_handler, mine=True)) == [town]
    assert list(handler_queue(user, q=union.number)) == [union]
    assert list(handler_queue(user, q="甲科技")) == [union]
    assert list(handler_queue(user, category="wages", kind="complaint")) == [town, union]
    assert list(handler_queue(user, kind="consult")) == []
    clock.set(at(2026, 11, 4, 9))  # union's first response (due 11-04) not yet late; town was answered
    assert list(handler_queue(user, overdue=True)) == []
    clock.set(at(2026, 11, 5, 9))
    assert list(handler_queue(user, overdue=True)) == [union]
    assert list(handler_queue(user, overdue=False)) == [town]
    services.close(town, by=town_handler, resolution="resolved", note="已解决")
    assert list(handler_queue(user)) == [union]
    newest_first = sorted([town, union], key=lambda case: -case.pk)  # every state: newest first, not by deadline
    assert list(handler_queue(user, status="all")) == newest_first
    assert list(handler_queue(user, status="all")[:1]) == newest_first[:1]  # a page: its ids first, then its rows
    assert list(handler_queue(user, status="all")[1:2]) == newest_first[1:]
    assert list(handler_queue(user, status="closed")[:5]) == [town]


def test_names_shown_to_the_handling_chain_and_hidden_from_others(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    hidden = new_case(personas.worker, contact_name="张伟", hide_identity=True)
    open_name = new_case(personas.worker, contact_name="张伟")
    for case in (hidden, open_name):
        services.request_assist(case, by=personas.city_cadre, org=tree.grassroots, note="协助核实")
    assert display_name(hidden, personas.city_cadre) == "张伟"
    assert display_name(hidden, personas.province_admin) == "张伟"
    assert display_name(hidden, personas.worker) == "张伟"
    assert display_name(hidden, personas.grassroots_cadre) == ANONYMOUS == "匿名职工"
    assert display_name(hidden, personas.other_city_cadre) == ANONYMOUS
    assert display_name(open_name, personas.grassroots_cadre) == "张*"
    assert hidden.masked_phone == "139****0001"
