"""Business calendar: working days on the official Chinese holiday schedule, make-up workdays included.

Each year's schedule comes from the first of:

1. a schedule an operator loaded (`HolidaySchedule`, the State Council's yearly notice as data);
2. the maintained `chinesecalendar` package, when it knows the year;
3. an estimate: Monday–Friday minus the statutory holidays of 《全国年节及纪念日放假办法》 as revised by State
   Council Decree No. 795 (in force from 2025-01-01), lunar dates from `lunar_python`, no make-up workdays.

A deadline that counted a day of an estimated year says so (`Deadline.estimated`), so screens can mark it and a
loaded schedule can recompute it; the log warns once per year and process, not once per day.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar.constants import holidays as _package_holidays
from django.db import transaction
from django.dispatch import Signal
from lunar_python import Lunar

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.cache import ttl_cache
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import HolidaySchedule

log = logging.getLogger(__name__)

PACKAGE_YEARS = range(min(_package_holidays).year, max(_package_holidays).year + 1)
# A year's notice may start the New Year holiday (or its make-up workday) in the last days of the year before,
# as the 2019 notice did (2018-12-29 to 2018-12-31).
SPILL_FROM = (12, 25)
WEEKDAYS = "一二三四五六日"

# What screens show next to a deadline that counted days of an estimated year.
ESTIMATED_NOTE = "（按预估假期计算）"
ESTIMATED_HINT = "该年度的官方节假日安排尚未导入，期限按法定节假日预估；导入后将自动重新计算"

# Sent inside the loading transaction once a year's schedule is saved: apps holding deadlines recompute the open
# ones whose count of working days ran through first_day..last_day, and return how many they recomputed.
holiday_schedule_loaded = Signal()


class Source(enum.StrEnum):
    LOADED = "loaded"
    PACKAGE = "package"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class Deadline:
    """The end of the N-th working day, and whether a day of an estimated year was counted on the way."""

    at: dt.datetime
    estimated: bool

    def as_fields(self, name: str) -> dict:
        """Model field values: `name` and its flag `<name>_estimated`."""
        return {name: self.at, f"{name}_estimated": self.estimated}


@dataclass(frozen=True)
class _Loaded:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


@ttl_cache(60)
def _loaded(year: int) -> _Loaded | None:
    # Process-local and short-lived: the loading process clears it at once, other processes follow within a minute.
    row = HolidaySchedule.objects.filter(year=year).values_list("holidays", "workdays").first()
    if row is None:
        return None
    return _Loaded(frozenset(map(dt.date.fromisoformat, row[0])), frozenset(map(dt.date.fromisoformat, row[1])))


def _forget() -> None:
    """Drop what this process read or computed from the loaded schedules."""
    _loaded.cache_clear()
    _count_walk.cache_clear()


def year_source(year: int) -> Source:
    """Where the schedule of `year` comes from."""
    if _loaded(year) is not None:
        return Source.LOADED
    if year in PACKAGE_YEARS:
        return Source.PACKAGE
    return Source.ESTIMATE


@functools.lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The 13 statutory days off of `year` under the law in force from 2025 (a day may carry two names)."""
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    first = dt.date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days: dict[dt.date, list[str]] = {}

    def add(day: dt.date, name: str) -> None:
        days.setdefault(day, []).append(name)

    add(dt.date(year, 1, 1), "元旦")
    for offset in range(-1, 3):  # 除夕, 正月初一 to 初三
        add(first + dt.timedelta(days=offset), "春节")
    add(dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节")
    add(dt.date(year, 5, 1), "劳动节")
    add(dt.date(year, 5, 2), "劳动节")
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        add(dt.date(solar.getYear(), solar.getMonth(), solar.getDay()), name)
    for day in (1, 2, 3):
        add(dt.date(year, 10, day), "国庆节")
    return {day: "、".join(names) for day, names in sorted(days.items())}


_warned_years: set[int] = set()


def _warn_estimate(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning("no official holiday schedule for %s (not loaded, chinesecalendar knows %s-%s): counting the "
                    "statutory holidays only; load the State Council notice with `smartunion load-holidays`",
                    year, PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1)


def _classify(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, comes from an estimate)."""
    if (day.month, day.day) >= SPILL_FROM:
        following = _loaded(day.year + 1)
        if following is not None and day in following.holidays:
            return False, False
        if following is not None and day in following.workdays:
            return True, False
    loaded = _loaded(day.year)
    if loaded is not None:
        return day in loaded.workdays or (day.weekday() < 5 and day not in loaded.holidays), False
    if day.year in PACKAGE_YEARS:
        return chinese_calendar.is_workday(day), False
    _warn_estimate(day.year)
    return day.weekday() < 5 and day not in statutory_holidays(day.year), True


def is_working_day(day: dt.date) -> bool:
    return _classify(day)[0]


def _count(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """(the day `days` working days after `start`, whether an estimated day was counted): walked once per process
    and minute for a (start, days) pair, every case filed that day asking the same (loading a schedule clears it)."""
    return _count_walk(start, days)


@ttl_cache(60)
def _count_walk(start: dt.date, days: int) -> tuple[dt.date, bool]:
    if days < 0:
        raise ValueError("days must not be negative")
    current, remaining, estimated = start, days, False
    while remaining:
        current += dt.timedelta(days=1)
        working, guessed = _classify(current)
        estimated = estimated or guessed
        if working:
            remaining -= 1
    return current, estimated


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself does not count)."""
    return _count(start, days)[0]


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


def compute_deadline(start: dt.datetime, days: int) -> Deadline:
    """End of the `days`-th working day after `start`, in start's time zone, flagged when it relied on an estimate."""
    end_day, estimated = _count(start.date(), days)
    at = start.replace(year=end_day.year, month=end_day.month, day=end_day.day, hour=23, minute=59, second=59,
                       microsecond=0)
    return Deadline(at, estimated)


def deadline(start: dt.datetime, days: int) -> dt.datetime:
    """The moment alone; store `compute_deadline(...)` where the estimated flag is kept."""
    return compute_deadline(start, days).at


# Loading a year's official schedule -------------------------------------------------------------------------------

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_ENTRY = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|--)\s*{_DATE})?$")
MAX_RANGE_DAYS = 31
SEPARATOR = "；"  # between the reasons given for one field


def parse_date_entries(entries: Iterable) -> list[dt.date]:
    """Dates from entries that are dates, or text lines holding one date ("2027-01-01") or an inclusive range
    ("2027-02-05~2027-02-11"), or a text of such lines; blank lines are skipped. Bad entries: Invalid, every
    reason in its message (separated by "；")."""
    if isinstance(entries, str):
        entries = entries.splitlines()
    days: set[dt.date] = set()
    errors: list[str] = []
    for entry in entries:
        if isinstance(entry, dt.datetime):
            entry = entry.date()
        if isinstance(entry, dt.date):
            days.add(entry)
            continue
        text = str(entry).strip()
        if not text:
            continue
        match = _ENTRY.match(text)
        if match is None:
            errors.append(f"“{text}”不是日期，应写作 2027-01-01 或 2027-02-05~2027-02-11")
            continue
        parts = [int(p) for p in match.groups() if p is not None]
        try:
            first = dt.date(*parts[:3])
            last = dt.date(*parts[3:]) if len(parts) == 6 else first
        except ValueError:
            errors.append(f"“{text}”不是有效的日期")
            continue
        if last < first:
            errors.append(f"“{text}”的结束日期早于开始日期")
        elif (last - first).days >= MAX_RANGE_DAYS:
            errors.append(f"“{text}”跨度超过{MAX_RANGE_DAYS}天，请检查是否写错")
        else:
            days.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    if errors:
        raise Invalid(SEPARATOR.join(errors))
    return sorted(days)


def format_date_ranges(days: Iterable) -> list[str]:
    """The inverse of parse_date_entries: one line per run of consecutive days."""
    ordered = sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in days})
    lines: list[str] = []
    run: list[dt.date] = []
    for day in ordered:
        if run and day != run[-1] + dt.timedelta(days=1):
            lines.append(_run_text(run))
            run = []
        run.append(day)
    if run:
        lines.append(_run_text(run))
    return lines


def _run_text(run: list[dt.date]) -> str:
    return run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()}~{run[-1].isoformat()}"


def clean_holiday_schedule(*, year, holidays: Iterable, workdays: Iterable = ()) -> tuple[int, list, list]:
    """Validate a year's schedule: (year, holidays, workdays) as sorted dates, or Invalid with every reason on the
    field it concerns (several reasons for one field separated by "；")."""
    errors: dict[str, list[str]] = {}
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        raise Invalid.from_fields({"year": "请填写年份，如 2027"}) from None
    if not 2000 <= year <= 2099:
        raise Invalid.from_fields({"year": "年份应在2000年至2099年之间"})
    parsed: dict[str, list[dt.date]] = {}
    for name, entries in (("holidays", holidays), ("workdays", workdays)):
        try:
            parsed[name] = parse_date_entries(entries or ())
        except Invalid as exc:
            errors[name] = [exc.message]
    if "holidays" in parsed and not parsed["holidays"]:
        errors["holidays"] = ["请填写放假日期"]
    earliest = dt.date(year - 1, *SPILL_FROM)
    for name, days in parsed.items():
        outside = "、".join(d.isoformat() for d in days if not earliest <= d <= dt.date(year, 12, 31))
        if outside:
            errors.setdefault(name, []).append(f"{outside}不属于{year}年（仅元旦假期及其调休可从上一年12月25日开始）")
    if "workdays" in parsed:
        weekdays = "、".join(f"{d.isoformat()}是星期{WEEKDAYS[d.weekday()]}" for d in parsed["workdays"]
                            if d.weekday() < 5)
        if weekdays:
            errors.setdefault("workdays", []).append(f"调休上班日应为周六或周日，{weekdays}")
    if "holidays" in parsed and "workdays" in parsed:
        both = sorted(set(parsed["holidays"]) & set(parsed["workdays"]))
        if both:
            errors.setdefault("workdays", []).append(
                f"{'、'.join(d.isoformat() for d in both)}同时填在放假日期和调休上班日期中")
    if errors:
        raise Invalid.from_fields({name: SEPARATOR.join(messages) for name, messages in errors.items()})
    return year, parsed["holidays"], parsed["workdays"]


def may_load_holiday_schedules(user) -> bool:
    """Platform operators and the chairs and administrators of a provincial (or the national) federation."""
    # The calendar sits below orgs; the right to change it is an org role, so the check reads orgs lazily.
    from smartunion.orgs.models import SEGMENT, Organisation, Position
    from smartunion.orgs.queries import managed_paths

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Asked by the sidebar on every console page. The national federation is a root and a provincial one a root or
    # its child, so a cadre who manages nothing that high up (most of them) needs no query beyond the cached scope.
    if not any(len(path) <= 2 * SEGMENT for path in managed_paths(user, roles=Position.MANAGING_ROLES)):
        return False
    if _MAY_LOAD_ATTR not in user.__dict__:
        user.__dict__[_MAY_LOAD_ATTR] = Position.objects.filter(
            user=user, role__in=Position.MANAGING_ROLES, org__status=Organisation.Status.ACTIVE,
            org__kind__in=(Organisation.Kind.NATIONAL, Organisation.Kind.PROVINCE),
        ).exists()
    return user.__dict__[_MAY_LOAD_ATTR]


_MAY_LOAD_ATTR = "_smartunion_may_load_holidays"


@dataclass(frozen=True)
class ScheduleLoad:
    schedule: HolidaySchedule
    created: bool
    recomputed: int  # open deadlines recomputed


def load_holiday_schedule(*, year, holidays: Iterable, workdays: Iterable = (), source: str = "",
                          by) -> ScheduleLoad:
    """Save a year's official schedule (it takes precedence from now on) and recompute the open deadlines that ran
    through that year, in one transaction. `by` is a user allowed to (may_load_holiday_schedules), or SYSTEM for an
    operator at the command line (load-holidays)."""
    require_actor(by)
    if not is_system(by) and not may_load_holiday_schedules(by):
        raise Forbidden("只有平台管理员和省总工会管理员可以维护节假日安排")
    year, holiday_days, workday_days = clean_holiday_schedule(year=year, holidays=holidays, workdays=workdays)
    source = (source or "").strip()
    if len(source) > 200:
        raise Invalid.from_fields({"source": "依据不能超过200个字"})
    actor = user_or_none(by)
    try:
        with transaction.atomic():
            existing = HolidaySchedule.objects.select_for_update().filter(year=year).first()
            created = existing is None
            before = [] if existing is None else [*existing.holidays, *existing.workdays]
            schedule = existing or HolidaySchedule(year=year)
            schedule.holidays = [d.isoformat() for d in holiday_days]
            schedule.workdays = [d.isoformat() for d in workday_days]
            schedule.source = source
            schedule.loaded_by = actor
            schedule.save()
            _forget()
            # Every day of the year may change (an estimate gives way), and so may late-December days either list.
            listed = [dt.date.fromisoformat(d) for d in before] + holiday_days + workday_days
            first_day = min([dt.date(year, 1, 1), *listed])
            responses = holiday_schedule_loaded.send(sender=HolidaySchedule, schedule=schedule, first_day=first_day,
                                                     last_day=dt.date(year, 12, 31))
            # django-stubs types a receiver's answer as str | None; ours answer with a count.
            recomputed = sum(count for _, count in responses if isinstance(count, int))  # type: ignore[misc]
            log_event("core.holiday_schedule.load", actor=by, target=schedule,
                      data={"year": year, "created": created, "holidays": len(holiday_days),
                            "workdays": len(workday_days), "source": source, "recomputed": recomputed})
            # Nothing read inside this transaction may outlive it (a caller's transaction may still roll back), and
            # other threads may have cached the old rows meanwhile.
            _forget()
            transaction.on_commit(_forget)
    except BaseException:
        _forget()
        raise
    return ScheduleLoad(schedule, created, recomputed)
