"""Business calendar: working days on the official Chinese holiday schedule, make-up workdays included.

The schedule comes from the maintained `chinesecalendar` package, which the State Council's yearly notice
updates. For a year the package does not know yet, we fall back to Monday–Friday and say so in the log.
"""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar

log = logging.getLogger(__name__)


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("holiday schedule for %s is not published in chinesecalendar; using weekdays", day.year)
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many deadlines' worth of days have passed."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def deadline(start: dt.datetime, days: int) -> dt.datetime:
    """End of the `days`-th working day after `start`, in start's time zone."""
    local = start
    end_day = add_working_days(local.date(), days)
    return local.replace(year=end_day.year, month=end_day.month, day=end_day.day, hour=23, minute=59, second=59,
                         microsecond=0)
