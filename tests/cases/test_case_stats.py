"""Subtree statistics from the CaseStat roll-up: exact figures after filings, responses, closes (on time and
late), ratings, a reopening and a transfer; open and overdue counts; the scope of the org asked for."""

from __future__ import annotations

import pytest
from tests.cases.case_rows import new_case
from tests.cases.conftest import at

from smartunion.cases.errors import OrgNotFound
from smartunion.cases.models import Case, CaseStat, CaseSubtreeStat
from smartunion.cases.queries.cases import stats
from smartunion.cases.services import cases as services
from smartunion.cases.services.stats import COUNTERS, ancestor_ids, contribution, rebuild_subtree_stats


def by_code(rows):
    return {row["code"]: row["received"] for row in rows if row["received"]}


def test_the_figures_of_a_subtree(tree, personas, town_handler, clock):
    clock.set(at(2026, 10, 12, 9))  # October: one case, answered late, closed on time, rated 5
    october = new_case(personas.worker, kind="consult", category="contract", subcategory="unsigned")
    clock.set(at(2026, 10, 14, 9))  # first response due 10-13: late
    services.accept(october, by=town_handler)
    october = services.close(Case.objects.get(pk=october.pk), by=town_handler, resolution="answered", note="已解答")
    services.rate(october, by=personas.worker, rating=5)

    clock.set(at(2026, 11, 2, 9))  # November: four cases
    on_time = services.accept(new_case(personas.worker), by=town_handler)
    late_close = services.accept(new_case(personas.worker), by=town_handler)
    new_case(personas.worker, category="work_injury", subcategory="")  # never answered
    by_union = new_case(personas.worker, employer_name="济南甲科技有限公司")  # 甲公司工会委员会, below the township
    clock.set(at(2026, 11, 5, 9))
    on_time = services.close(on_time, by=town_handler, resolution="resolved", note="已解决")
    services.rate(on_time, by=personas.worker, rating=2)
    clock.set(at(2026, 11, 12, 9))  # after the resolution deadline (11-11)
    services.close(late_close, by=town_handler, resolution="partly", note="部分解决")
    clock.set(at(2026, 11, 13, 9))

    figures = stats(personas.city_cadre, tree.jinan, months=3)
    assert figures["org"] == {"id": tree.jinan.pk, "name": "济南市总工会"}
    assert figures["months"] == [{"month": "2026-09", "received": 0}, {"month": "2026-10", "received": 1},
                                 {"month": "2026-11", "received": 4}]
    assert by_code(figures["by_kind"]) == {"consult": 1, "complaint": 4}
    assert by_code(figures["by_category"]) == {"wages": 3, "contract": 1, "work_injury": 1}
    assert [row["label"] for row in figures["by_category"]][:3] == ["工资报酬", "劳动合同", "社会保险"]
    assert figures["totals"] == {"received": 5, "responded": 3, "responded_on_time": 2, "closed": 3,
                                 "closed_on_time": 2, "rated": 2, "rating_sum": 7, "satisfied": 1}
    assert (figures["first_response_on_time_rate"], figures["resolution_on_time_rate"],
            figures["satisfaction_rate"], figures["average_rating"]) == (0.6667, 0.6667, 0.5, 3.5)
    assert (figures["open"], figures["overdue"]) == (2, 2)

    union = stats(personas.grassroots_cadre, tree.grassroots)
    assert (union["totals"]["received"], union["open"], union["overdue"]) == (1, 1, 1)
    assert by_union.org_id == tree.grassroots.pk

    # Reopening uncounts the close; a transfer moves the whole contribution to the new org's row.
    services.reopen(Case.objects.get(pk=on_time.pk), by=personas.worker, note="公司又拖欠了")
    services.transfer(Case.objects.get(pk=on_time.pk), by=personas.county_cadre, org=tree.lixia, note="区总办理")
    figures = stats(personas.city_cadre, tree.jinan, months=3)
    assert figures["totals"] == {"received": 5, "responded": 3, "responded_on_time": 2, "closed": 2,
                                 "closed_on_time": 1, "rated": 2, "rating_sum": 7, "satisfied": 1}
    county_only = CaseStat.objects.filter(org=tree.lixia).values(*COUNTERS).get()
    assert county_only == {**contribution(Case.objects.get(pk=on_time.pk))}
    assert county_only == {"received": 1, "responded": 1, "responded_on_time": 1, "closed": 0,
                           "closed_on_time": 0, "rated": 1, "rating_sum": 2, "satisfied": 0}
    town = stats(personas.county_cadre, tree.lixia_town, months=3)
    assert town["totals"]["received"] == 4  # three of the township and one of 甲公司工会委员会 below it


def test_the_roll_up_equals_a_recount_of_the_cases(tree, personas, town_handler, clock):
    clock.set(at(2026, 11, 2, 9))
    cases = [new_case(personas.worker) for _ in range(4)]
    services.accept(cases[0], by=town_handler)
    services.close(services.accept(cases[1], by=town_handler), by=town_handler, resolution="resolved", note="好")
    services.rate(Case.objects.get(pk=cases[1].pk), by=personas.worker, rating=4)
    services.transfer(cases[2], by=personas.county_cadre, org=tree.lixia, note="区总办理")
    recount: dict = {}
    for case in Case.objects.all():
        row = recount.setdefault(case.org_id, dict.fromkeys(COUNTERS, 0))
        for name, value in contribution(case).items():
            row[name] += value
    kept = {row["org"]: {k: row[k] for k in COUNTERS} for row in CaseStat.objects.values("org", *COUNTERS)}
    assert kept == recount
    # The subtree rows of every org are the recount of the cases handled anywhere in its subtree; the transfer
    # moved one case from the township's rows (and the county's, city's, province's) to the county's.
    subtree: dict = {}
    for case in Case.objects.select_related("org"):
        for pk in ancestor_ids(case.org.path):
            row = subtree.setdefault(pk, dict.fromkeys(COUNTERS, 0))
            for name, value in contribution(case).items():
                row[name] += value
    kept_subtree = {row["org"]: {k: row[k] for k in COUNTERS}
                    for row in CaseSubtreeStat.objects.values("org", *COUNTERS)}
    assert kept_subtree == subtree
    assert kept_subtree[tree.lixia_town.pk]["received"] == 3
    assert kept_subtree[tree.lixia.pk]["received"] == 4 == kept_subtree[tree.province.pk]["received"]
    assert rebuild_subtree_stats() == CaseSubtreeStat.objects.count()
    assert {row["org"]: {k: row[k] for k in COUNTERS}
            for row in CaseSubtreeStat.objects.values("org", *COUNTERS)} == subtree


def test_statistics_of_an_org_out_of_scope_are_not_found(tree, personas):
    with pytest.raises(OrgNotFound):
        stats(personas.other_city_cadre, tree.jinan)
    with pytest.raises(OrgNotFound):
        stats(personas.grassroots_cadre, tree.lixia_town)
    with pytest.raises(OrgNotFound):
        stats(personas.worker, tree.grassroots)
    assert stats(personas.province_admin, tree.jinan)["totals"]["received"] == 0
