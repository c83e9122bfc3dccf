"""Case deadlines on the business calendar: weekends, the 2026 National Day holiday with its make-up workdays (as
chinesecalendar 1.11 has the State Council's 2026 notice: 10-01 to 10-07 off, Sunday 09-20 and Saturday 10-10
worked), pauses that extend the resolution deadline, a year beyond the known schedules (estimated and flagged), a
schedule loaded later recomputing it, the deadline table of an org and its defaults."""

from __future__ import annotations

import pytest
from tests.cases.case_rows import new_case
from tests.cases.conftest import at

from smartunion.cases import deadlines
from smartunion.cases.models import Case, CaseClass, DeadlineRule
from smartunion.cases.services import cases as services
from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import is_working_day, load_holiday_schedule
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent


def test_the_calendar_has_the_2026_national_day_schedule_the_tests_rely_on(db):
    import datetime as dt

    days = {dt.date(2026, 9, d): is_working_day(dt.date(2026, 9, d)) for d in (20, 27, 28)}
    days |= {dt.date(2026, 10, d): is_working_day(dt.date(2026, 10, d)) for d in range(1, 13)}
    assert [d.isoformat() for d, working in days.items() if working] == [
        "2026-09-20", "2026-09-28", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]


def test_a_general_case_filed_before_national_day_counts_working_days_across_it(tree, personas, clock):
    clock.set(at(2026, 9, 29, 10))
    case = new_case(personas.worker)
    assert (case.case_class, case.first_response_days, case.resolution_days) == ("general", 1, 7)
    # 09-30 is the one working day before the holiday; then 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13,
    # 10-14.
    assert case.first_response_due == at(2026, 9, 30, 23, 59, 59)
    assert case.resolution_due == at(2026, 10, 14, 23, 59, 59)
    assert (case.first_response_due_estimated, case.resolution_due_estimated) == (False, False)


def test_a_difficult_case_runs_past_the_holiday_and_two_weekends(tree, personas, town_handler, clock):
    clock.set(at(2026, 9, 29, 10))
    case = new_case(personas.worker)
    case = services.set_class(case, by=town_handler, case_class=CaseClass.DIFFICULT)
    assert (case.first_response_days, case.resolution_days) == (2, 15)
    assert case.first_response_due == at(2026, 10, 8, 23, 59, 59)
    assert case.resolution_due == at(2026, 10, 26, 23, 59, 59)
    case = services.set_class(case, by=town_handler, case_class=CaseClass.COMPLEX)
    assert (case.first_response_due, case.resolution_due) == (at(2026, 10, 9, 23, 59, 59),
                                                              at(2026, 11, 16, 23, 59, 59))


def test_a_pause_across_the_holiday_extends_the_resolution_by_the_working_days_it_took(tree, personas,
                                                                                    town_handler, clock):
    clock.set(at(2026, 9, 29, 10))
    case = new_case(personas.worker)
    clock.set(at(2026, 9, 29, 11))
    case = services.accept(case, by=town_handler)
    assert case.first_responded_at == at(2026, 9, 29, 11)
    clock.set(at(2026, 9, 30, 9))
    case = services.pause(case, by=town_handler, note="请提供劳动合同和工资条照片")
    assert (case.status, case.paused_at) == ("waiting", at(2026, 9, 30, 9))
    # Waiting from 09-30 to 10-09: the working days 10-08 and 10-09 (the holiday does not count).
    clock.set(at(2026, 10, 9, 10))
    services.worker_message(case, by=personas.worker, body="已上传劳动合同和工资条。")
    case.refresh_from_db()
    assert (case.status, case.paused_at, case.paused_working_days) == ("processing", None, 2)
    assert case.resolution_due == at(2026, 10, 16, 23, 59, 59)  # 7 + 2 working days
    assert case.first_response_due == at(2026, 9, 30, 23, 59, 59)  # met: never recomputed
    # A second pause over a weekend: Friday 10-16 to Monday 10-19 took one working day (the Monday).
    clock.set(at(2026, 10, 16, 15))
    case = services.pause(case, by=town_handler, note="请补充考勤记录")
    clock.set(at(2026, 10, 19, 9))
    case = services.resume(case, by=town_handler, note="已电话联系职工")
    assert (case.paused_working_days, case.resolution_due) == (3, at(2026, 10, 19, 23, 59, 59))


def test_a_year_beyond_the_known_schedules_is_estimated_and_says_so(tree, personas, clock):
    clock.set(at(2031, 9, 30, 10))
    case = new_case(personas.worker)
    # 2031 is estimated: weekdays without the statutory days (10-01 to 10-03), no make-up workdays.
    assert case.first_response_due == at(2031, 10, 6, 23, 59, 59)
    assert case.resolution_due == at(2031, 10, 14, 23, 59, 59)
    assert (case.first_response_due_estimated, case.resolution_due_estimated) == (True, True)


def test_loading_that_years_schedule_recomputes_the_open_case(tree, personas, clock):
    clock.set(at(2031, 9, 30, 10))
    case = new_case(personas.worker)
    closed_case = new_case(personas.worker)
    Case.objects.filter(pk=closed_case.pk).update(status="closed", closed_at=at(2031, 9, 30, 11))
    result = load_holiday_schedule(year=2031, holidays=["2031-10-01~2031-10-07"], workdays=["2031-10-11"],
                                   by=SYSTEM)
    assert result.recomputed >= 1
    case.refresh_from_db()
    assert case.first_response_due == at(2031, 10, 8, 23, 59, 59)
    assert case.resolution_due == at(2031, 10, 15, 23, 59, 59)  # 10-08, 09, 10, 11 (Saturday worked), 13, 14, 15
    assert (case.first_response_due_estimated, case.resolution_due_estimated) == (False, False)
    closed_case.refresh_from_db()
    assert closed_case.resolution_due_estimated is True  # closed cases keep what they were judged by
    event = AuditEvent.objects.get(action="cases.case.recompute_deadline")
    assert (event.target_id, event.data["to"]) == (str(case.pk), "2031-10-15T23:59:59+08:00")


def test_an_orgs_table_applies_to_its_subtree_and_the_nearest_wins(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))  # a Monday
    assert deadlines.rule_days(tree.lixia_town, "general") == (1, 7)
    deadlines.set_deadline_rule(by=personas.city_cadre, org=tree.jinan, case_class="general",
                                first_response_days=2, resolution_days=10)
    deadlines.set_deadline_rule(by=personas.county_cadre, org=tree.lixia, case_class="general",
                                first_response_days=1, resolution_days=5)
    assert deadlines.rule_days(tree.lixia_town, "general") == (1, 5)
    assert deadlines.rule_days(tree.jinan, "general") == (2, 10)
    assert deadlines.rule_days(tree.shinan_town, "general") == (1, 7)
    case = new_case(personas.worker)
    assert (case.first_response_days, case.resolution_days) == (1, 5)
    assert case.resolution_due == at(2026, 11, 9, 23, 59, 59)
    table = deadlines.rules_for(tree.lixia_town)
    assert table["general"] == (1, 5, tree.lixia)
    assert table["complex"] == (3, 30, None)


def test_setting_a_table_is_for_the_orgs_managers_and_checks_the_days(tree, personas):
    with pytest.raises(Forbidden):
        deadlines.set_deadline_rule(by=personas.other_city_cadre, org=tree.jinan, case_class="general",
                                    first_response_days=1, resolution_days=5)
    with pytest.raises(Invalid) as refused:
        deadlines.set_deadline_rule(by=personas.city_cadre, org=tree.jinan, case_class="urgent",
                                    first_response_days=0, resolution_days=300)
    assert refused.value.fields == {"case_class": "期限类别应为一般、难点或特别复杂",
                                    "first_response_days": "首次响应时限应为1到250个工作日",
                                    "resolution_days": "办结时限应为1到250个工作日"}
    with pytest.raises(Invalid) as refused:
        deadlines.set_deadline_rule(by=personas.city_cadre, org=tree.jinan, case_class="general",
                                    first_response_days=5, resolution_days=3)
    assert refused.value.fields == {"resolution_days": "办结时限不能短于首次响应时限"}
    rule = deadlines.set_deadline_rule(by=personas.city_cadre, org=tree.jinan, case_class="general",
                                       first_response_days=2, resolution_days=9)
    again = deadlines.set_deadline_rule(by=personas.city_cadre, org=tree.jinan, case_class="general",
                                        first_response_days=3, resolution_days=9)
    assert rule.pk == again.pk and DeadlineRule.objects.count() == 1
    assert [e.data["created"] for e in AuditEvent.objects.filter(action="cases.deadline_rule.set").order_by("id")] \
        == [True, False]
