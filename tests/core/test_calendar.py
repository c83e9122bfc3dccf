import datetime as dt

import pytest

from smartunion.core.calendar import add_working_days, deadline, is_working_day, working_days_between


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


def test_unpublished_year_falls_back_to_weekdays():
    assert is_working_day(dt.date(2099, 1, 5)) is True  # a Monday
    assert is_working_day(dt.date(2099, 1, 3)) is False  # a Saturday


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 1, 1), -1)
