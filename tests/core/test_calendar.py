"""The business calendar: the official schedule from chinesecalendar, a loaded schedule before it, and the statutory
holidays as a flagged estimate for years neither knows (chinesecalendar 1.11 stops at 2026)."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from tests.conftest import make_user

from smartunion.core import calendar
from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import (
    Deadline,
    Source,
    add_working_days,
    compute_deadline,
    deadline,
    format_date_ranges,
    is_working_day,
    load_holiday_schedule,
    may_load_holiday_schedules,
    parse_date_entries,
    statutory_holidays,
    working_days_between,
    year_source,
)
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent, HolidaySchedule
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def warnings_fresh(monkeypatch):
    """The once-per-year warning is process state: start each test that counts warnings from none given."""
    monkeypatch.setattr(calendar, "_warned_years", set())  # stays: process state, not a function, reset per test


# The official schedule (chinesecalendar) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "working"), [
    (dt.date(2026, 10, 1), False),   # National Day
    (dt.date(2026, 2, 14), True),    # Saturday make-up workday before the Spring Festival
    (dt.date(2026, 2, 16), False),   # Spring Festival holiday (Monday)
    (dt.date(2026, 11, 20), True),   # ordinary Friday
    (dt.date(2026, 11, 21), False),  # ordinary Saturday
    (dt.date(2026, 10, 10), True),   # Saturday make-up workday after National Day
])
def test_official_schedule(day, working):
    assert is_working_day(day) is working


def test_three_working_days_across_a_weekend():
    assert add_working_days(dt.date(2026, 11, 20), 3) == dt.date(2026, 11, 25)


def test_three_working_days_from_before_the_spring_festival_count_the_make_up_day():
    # 2026-02-13 (Fri) + 3 working days: 14 (Sat, make-up), then the holiday 15–23, then 24, 25.
    assert add_working_days(dt.date(2026, 2, 13), 3) == dt.date(2026, 2, 25)


def test_working_days_between_and_deadline():
    assert working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 25)) == 3
    assert working_days_between(dt.date(2026, 11, 25), dt.date(2026, 11, 20)) == 0
    start = dt.datetime(2026, 9, 30, 10, 0)
    assert deadline(start, 1) == dt.datetime(2026, 10, 8, 23, 59, 59)  # holiday 1–7 October
    assert compute_deadline(at(2026, 9, 30, 10, 0), 1) == Deadline(at(2026, 10, 8, 23, 59, 59), False)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 1, 1), -1)


def test_where_each_year_comes_from():
    assert [year_source(y) for y in (2004, 2026, 2027, 2003)] == [
        Source.PACKAGE, Source.PACKAGE, Source.ESTIMATE, Source.ESTIMATE]


# The estimate for years without an official schedule ---------------------------------------------------------------


@pytest.mark.parametrize(("start", "expected"), [
    # 29 Dec (Tue): 30, 31 December, then 1 January (New Year's Day, Friday) and the weekend are skipped: 4 January.
    (at(2026, 12, 29, 9, 0), at(2027, 1, 4, 23, 59, 59)),
    # 30 Dec (Wed): 31 December, 4 and 5 January.
    (at(2026, 12, 30, 15, 0), at(2027, 1, 5, 23, 59, 59)),
])
def test_a_deadline_into_an_unknown_year_skips_new_years_day_and_is_estimated(start, expected):
    assert compute_deadline(start, 3) == Deadline(expected, True)
    assert is_working_day(dt.date(2027, 1, 1)) is False


def test_a_deadline_that_ends_before_the_unknown_year_is_not_estimated():
    # 28 Dec (Mon) + 3: 29, 30, 31 December; no day of 2027 was counted.
    assert compute_deadline(at(2026, 12, 28, 9, 0), 3) == Deadline(at(2026, 12, 31, 23, 59, 59), False)
    assert compute_deadline(at(2026, 12, 31, 9, 0), 0) == Deadline(at(2026, 12, 31, 23, 59, 59), False)


def test_the_estimate_keeps_the_weekend_and_the_statutory_days_only():
    assert is_working_day(dt.date(2099, 1, 5)) is True  # a Monday
    assert is_working_day(dt.date(2099, 1, 3)) is False  # a Saturday
    # 2027: 春节 is 除夕 (5 Feb, Fri) to 初三 (8 Feb, Mon); 9 February is an ordinary Tuesday, no make-up days.
    assert [is_working_day(dt.date(2027, 2, day)) for day in range(4, 11)] == [
        True, False, False, False, False, True, True]
    assert add_working_days(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 9)
    # 劳动节 1–2 May 2027 fall on a weekend: no day off is added (the estimate has no 调休).
    assert add_working_days(dt.date(2027, 4, 30), 1) == dt.date(2027, 5, 3)
    # 国庆 1–3 October 2029 (Mon–Wed).
    assert add_working_days(dt.date(2029, 9, 28), 1) == dt.date(2029, 10, 4)


@pytest.mark.parametrize(("year", "expected"), [
    (2027, {"2027-01-01": "元旦", "2027-02-05": "春节", "2027-02-06": "春节", "2027-02-07": "春节",
            "2027-02-08": "春节", "2027-04-05": "清明节", "2027-05-01": "劳动节", "2027-05-02": "劳动节",
            "2027-06-09": "端午节", "2027-09-15": "中秋节", "2027-10-01": "国庆节", "2027-10-02": "国庆节",
            "2027-10-03": "国庆节"}),
    (2028, {"2028-01-01": "元旦", "2028-01-25": "春节", "2028-01-26": "春节", "2028-01-27": "春节",
            "2028-01-28": "春节", "2028-04-04": "清明节", "2028-05-01": "劳动节", "2028-05-02": "劳动节",
            "2028-05-28": "端午节", "2028-10-01": "国庆节", "2028-10-02": "国庆节",
            "2028-10-03": "中秋节、国庆节"}),
    (2029, {"2029-01-01": "元旦", "2029-02-12": "春节", "2029-02-13": "春节", "2029-02-14": "春节",
            "2029-02-15": "春节", "2029-04-04": "清明节", "2029-05-01": "劳动节", "2029-05-02": "劳动节",
            "2029-06-16": "端午节", "2029-09-22": "中秋节", "2029-10-01": "国庆节", "2029-10-02": "国庆节",
            "2029-10-03": "国庆节"}),
    (2030, {"2030-01-01": "元旦", "2030-02-02": "春节", "2030-02-03": "春节", "2030-02-04": "春节",
            "2030-02-05": "春节", "2030-04-05": "清明节", "2030-05-01": "劳动节", "2030-05-02": "劳动节",
            "2030-06-05": "端午节", "2030-09-12": "中秋节", "2030-10-01": "国庆节", "2030-10-02": "国庆节",
            "2030-10-03": "国庆节"}),
])
def test_statutory_holidays_of_coming_years(year, expected):
    # 春节 from 除夕 (the day before 正月初一), 清明 on the solar term, 端午 五月初五, 中秋 八月十五.
    assert {day.isoformat(): name for day, name in statutory_holidays(year).items()} == expected


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_estimate_agrees_with_the_official_schedule_of_the_years_under_the_current_law(year):
    english = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day",
               "劳动节": "Labour Day", "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival",
               "国庆节": "National Day"}
    days = statutory_holidays(year)
    assert len(days) == 13
    for day, name in days.items():
        assert chinese_calendar.get_holiday_detail(day) == (True, english[name]), day


def test_qingming_is_the_solar_term_as_chinesecalendar_computes_it():
    for year in range(2027, 2041):
        terms = dict((name, day) for day, name in chinese_calendar.get_solar_terms(
            dt.date(year, 4, 1), dt.date(year, 4, 30)))
        assert [day for day, name in statutory_holidays(year).items() if name == "清明节"] == [terms["清明"]]


def test_one_warning_per_year_not_per_day(caplog, warnings_fresh):
    with caplog.at_level(logging.WARNING, logger="smartunion.core.calendar"):
        add_working_days(dt.date(2027, 1, 1), 40)
        compute_deadline(at(2027, 3, 1, 9, 0), 3)
        add_working_days(dt.date(2026, 12, 20), 10)  # 2026 is known: no warning for it
        add_working_days(dt.date(2028, 6, 1), 3)
    years = [record.args[0] for record in caplog.records if record.name == "smartunion.core.calendar"]
    assert years == [2027, 2028]


# A loaded schedule takes precedence ---------------------------------------------------------------------------------


SCHEDULE_2027 = {
    "holidays": ["2027-01-01~2027-01-03", "2027-02-06~2027-02-12", "2027-04-03~2027-04-05", "2027-05-01~2027-05-05",
                 "2027-06-09~2027-06-11", "2027-09-15~2027-09-17", "2027-10-01~2027-10-07"],
    "workdays": ["2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"],
}


def test_a_loaded_schedule_takes_precedence_over_the_estimate(personas, warnings_fresh, caplog):
    assert is_working_day(dt.date(2027, 2, 11)) is True  # the estimate: an ordinary Thursday
    assert is_working_day(dt.date(2027, 2, 20)) is False  # an ordinary Saturday
    # A deadline walked once is kept for a minute per process; loading the schedule drops it.
    assert compute_deadline(at(2027, 2, 10, 10, 0), 1) == Deadline(at(2027, 2, 11, 23, 59, 59), True)
    result = load_holiday_schedule(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知",
                                   by=personas.province_admin, **SCHEDULE_2027)
    assert (result.created, result.recomputed, result.schedule.year) == (True, 0, 2027)
    assert year_source(2027) is Source.LOADED
    assert is_working_day(dt.date(2027, 2, 11)) is False
    assert is_working_day(dt.date(2027, 2, 20)) is True  # the make-up Saturday
    assert is_working_day(dt.date(2027, 2, 5)) is True  # 除夕 is not off in this notice
    assert compute_deadline(at(2027, 2, 10, 10, 0), 1) == Deadline(at(2027, 2, 15, 23, 59, 59), False)
    # 19 Feb (Fri) + 1 working day: the make-up Saturday 20 February.
    assert compute_deadline(at(2027, 2, 19, 10, 0), 1) == Deadline(at(2027, 2, 20, 23, 59, 59), False)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="smartunion.core.calendar"):
        compute_deadline(at(2027, 6, 1, 10, 0), 30)
    assert caplog.records == []
    row = HolidaySchedule.objects.get(year=2027)
    assert (row.holidays[:4], row.workdays, row.loaded_by) == (
        ["2027-01-01", "2027-01-02", "2027-01-03", "2027-02-06"], ["2027-02-20", "2027-05-08", "2027-09-26",
                                                                   "2027-10-09"], personas.province_admin)
    event = AuditEvent.objects.get(action="core.holiday_schedule.load")
    assert (event.actor, event.target_id, event.data) == (personas.province_admin, str(row.pk), {
        "year": 2027, "created": True, "holidays": 31, "workdays": 4, "recomputed": 0,
        "source": "国务院办公厅关于2027年部分节假日安排的通知"})


def test_a_loaded_schedule_takes_precedence_over_chinesecalendar_and_can_be_replaced(personas):
    load_holiday_schedule(year=2026, holidays=["2026-10-01~2026-10-08"], workdays=["2026-10-10"], by=SYSTEM)
    assert (is_working_day(dt.date(2026, 10, 8)), is_working_day(dt.date(2026, 2, 16))) == (False, True)
    result = load_holiday_schedule(year=2026, holidays=["2026-02-16"], by=personas.province_admin)
    assert result.created is False
    assert (is_working_day(dt.date(2026, 10, 8)), is_working_day(dt.date(2026, 2, 16))) == (True, False)
    assert HolidaySchedule.objects.count() == 1


def test_a_new_year_holiday_that_starts_in_december_belongs_to_the_next_years_notice():
    # As the 2019 notice did: the New Year holiday from 30 December, 29 December (Saturday) worked.
    load_holiday_schedule(year=2027, holidays=["2026-12-31~2027-01-03"], workdays=["2026-12-26"], by=SYSTEM)
    assert [is_working_day(dt.date(2026, 12, day)) for day in (24, 25, 26, 30, 31)] == [True, True, True, True, False]
    assert year_source(2026) is Source.PACKAGE


# Validation --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "errors"), [
    ({"year": "明年", "holidays": ["2027-01-01"]}, {"year": "请填写年份，如 2027"}),
    ({"year": 1999, "holidays": ["1999-01-01"]}, {"year": "年份应在2000年至2099年之间"}),
    ({"year": 2027, "holidays": []}, {"holidays": "请填写放假日期"}),
    ({"year": 2027, "holidays": ["2027-02-30", "2027/13/01", "明天"]},
     {"holidays": "“2027-02-30”不是有效的日期；“2027/13/01”不是有效的日期；"
                  "“明天”不是日期，应写作 2027-01-01 或 2027-02-05~2027-02-11"}),
    ({"year": 2027, "holidays": ["2027-02-11~2027-02-05", "2027-01-01~2027-03-01"]},
     {"holidays": "“2027-02-11~2027-02-05”的结束日期早于开始日期；"
                  "“2027-01-01~2027-03-01”跨度超过31天，请检查是否写错"}),
    ({"year": 2027, "holidays": ["2027-01-01", "2028-01-01", "2026-12-24"]},
     {"holidays": "2026-12-24、2028-01-01不属于2027年（仅元旦假期及其调休可从上一年12月25日开始）"}),
    ({"year": 2027, "holidays": ["2027-02-06~2027-02-12"], "workdays": ["2027-02-08", "2027-02-20", "2027-02-06"]},
     {"workdays": "调休上班日应为周六或周日，2027-02-08是星期一；"
                  "2027-02-06、2027-02-08同时填在放假日期和调休上班日期中"}),
    ({"year": 2027, "holidays": ["2027-01-01"], "source": "通" * 201}, {"source": "依据不能超过200个字"}),
])
def test_a_bad_schedule_is_refused_with_every_reason_and_nothing_is_written(values, errors):
    with pytest.raises(Invalid) as caught:
        load_holiday_schedule(**values, by=SYSTEM)
    assert (caught.value.code, caught.value.message, caught.value.fields) == (
        "invalid", "提交的数据有误，请检查后重试", errors)
    assert (HolidaySchedule.objects.count(), AuditEvent.objects.filter(action__startswith="core.holiday").count()) == (
        0, 0)
    assert year_source(2027) is Source.ESTIMATE


def test_only_operators_and_provincial_federations_may_load(personas):
    for user in (personas.city_cadre, personas.grassroots_cadre, personas.worker):
        with pytest.raises(Forbidden) as caught:
            load_holiday_schedule(year=2027, holidays=["2027-01-01"], by=user)
        assert (caught.value.status, caught.value.code, caught.value.message) == (
            403, "forbidden", "只有平台管理员和省总工会管理员可以维护节假日安排")
    with pytest.raises(TypeError):
        load_holiday_schedule(year=2027, holidays=["2027-01-01"], by=None)
    assert HolidaySchedule.objects.count() == 0


def test_who_may_load_a_schedule(tree, personas):
    def cadre(name, org, role=Position.Role.ADMINISTRATOR):
        user = make_user(name)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    seamen = org_services.org_create(parent=tree.national, kind=Organisation.Kind.INDUSTRY, name="中国海员建设工会",
                                     by=SYSTEM)
    allowed = {
        "province_admin": personas.province_admin, "province_chair": cadre("p_chair", tree.province, "chair"),
        "national_admin": cadre("n_admin", tree.national), "operator": make_user("root", is_superuser=True),
    }
    refused = {
        "province_reviewer": cadre("p_reviewer", tree.province, "reviewer"), "city_admin": personas.city_cadre,
        "national_industry_admin": cadre("seamen", seamen), "grassroots_chair": personas.grassroots_cadre,
        "worker": personas.worker, "inactive_operator": make_user("gone", is_superuser=True, is_active=False),
    }
    assert {name: may_load_holiday_schedules(user) for name, user in {**allowed, **refused}.items()} == {
        **dict.fromkeys(allowed, True), **dict.fromkeys(refused, False)}


def test_date_entries_read_and_written_as_lines():
    text = "2027-02-05~2027-02-07\n\n 2027年5月1日 至 2027年5月2日 \n2027/1/1\n2027-02-06"
    days = parse_date_entries(text)
    assert [day.isoformat() for day in days] == [
        "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-05-01", "2027-05-02"]
    assert format_date_ranges(days) == ["2027-01-01", "2027-02-05~2027-02-07", "2027-05-01~2027-05-02"]
    assert format_date_ranges(["2027-10-09", "2027-09-26"]) == ["2027-09-26", "2027-10-09"]
    assert parse_date_entries([d("2027-01-01"), dt.datetime(2027, 1, 2, 8, 0)]) == [d("2027-01-01"), d("2027-01-02")]
