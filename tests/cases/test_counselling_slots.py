"""make_slots: slots from the weekly schedules on working days of the business calendar, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from tests.cases.counselling_rows import counsellor

from smartunion.cases.models import Slot
from smartunion.cases.services import counselling
from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import load_holiday_schedule
from smartunion.core.models import AuditEvent

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def lin(tree):
    made = counsellor(tree.jinan)
    counselling.add_schedule(made, by=SYSTEM, weekday=0, start=dt.time(9), end=dt.time(11), slot_minutes=50,
                             place="济南市职工服务中心 302 室", mode="in_person")
    counselling.add_schedule(made, by=SYSTEM, weekday=2, start=dt.time(14), end=dt.time(15), slot_minutes=30)
    counselling.add_schedule(made, by=SYSTEM, weekday=5, start=dt.time(9), end=dt.time(10), slot_minutes=60)
    return made


def starts(counsellor_row) -> list[str]:
    return [timezone.localtime(s).strftime("%m-%d %H:%M") for s in
            Slot.objects.filter(counsellor=counsellor_row).order_by("starts_at").values_list("starts_at", flat=True)]


def test_slots_on_the_working_days_of_an_ordinary_week(tree, lin):
    made = counselling.make_slots(by=SYSTEM, days=7, now=dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ))
    assert made == 4
    assert starts(lin) == ["03-02 09:00", "03-02 09:50", "03-04 14:00", "03-04 14:30"]
    first = Slot.objects.filter(counsellor=lin).order_by("starts_at").first()
    assert (first.mode, first.place, first.ends_at - first.starts_at) == (
        "in_person", "济南市职工服务中心 302 室", dt.timedelta(minutes=50))


def test_running_it_twice_makes_nothing_the_second_time(tree, lin):
    now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
    assert counselling.make_slots(by=SYSTEM, days=14, now=now) == 8
    assert counselling.make_slots(by=SYSTEM, days=14, now=now) == 0
    assert Slot.objects.count() == 8
    assert list(AuditEvent.objects.filter(action="cases.slot.make").values_list("data", flat=True)) == [
        {"count": 8, "days": 14}]


def test_slots_already_started_are_not_made(tree, lin):
    assert counselling.make_slots(by=SYSTEM, days=1, now=dt.datetime(2026, 3, 2, 9, 30, tzinfo=TZ)) == 1
    assert starts(lin) == ["03-02 09:50"]


def test_national_day_holidays_have_no_slots_and_the_make_up_saturday_has(tree, lin):
    # 2026-09-28 is a Monday; 1-7 October are holidays, Saturday 10 October is a make-up working day.
    counselling.make_slots(by=SYSTEM, days=14, now=dt.datetime(2026, 9, 28, 8, 0, tzinfo=TZ))
    assert starts(lin) == ["09-28 09:00", "09-28 09:50", "09-30 14:00", "09-30 14:30", "10-10 09:00"]


def test_an_inactive_counsellor_gets_no_slots(tree, lin):
    counselling.update_counsellor(lin, by=SYSTEM, active=False)
    assert counselling.make_slots(by=SYSTEM, days=7, now=dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)) == 0


def test_the_command_and_the_task(tree, lin, capsys):
    call_command("make-slots")
    assert capsys.readouterr().out == f"已生成咨询时段 {Slot.objects.count()} 个\n"
    from smartunion.cases.counselling_tasks import make_slots

    assert make_slots() == 0  # the command made them already


def test_loading_a_holiday_schedule_withdraws_the_free_slots_of_its_new_holidays(tree, lin, personas):
    # 2031 is a year the calendar only estimates: Monday 3 March is a working day until the schedule says otherwise.
    now = dt.datetime(2031, 3, 3, 8, 0, tzinfo=TZ)
    assert counselling.make_slots(by=SYSTEM, days=3, now=now) == 4
    booked = Slot.objects.filter(counsellor=lin).order_by("starts_at").first()
    Slot.objects.filter(pk=booked.pk).update(booked=True)
    load_holiday_schedule(year=2031, holidays=["2031-03-03"], by=SYSTEM, source="测试")
    assert [(timezone.localtime(s.starts_at).strftime("%m-%d %H:%M"), s.booked, s.withdrawn)
            for s in Slot.objects.filter(counsellor=lin).order_by("starts_at")] == [
        ("03-03 09:00", True, False), ("03-03 09:50", False, True), ("03-05 14:00", False, False),
        ("03-05 14:30", False, False)]
    assert AuditEvent.objects.get(action="cases.slot.withdraw_days_off").data == {"count": 1}
    assert counselling.make_slots(by=SYSTEM, days=3, now=now) == 0  # the withdrawn slot is not made again


def test_removing_a_schedule_withdraws_its_free_future_slots_and_keeps_the_booked_ones(tree, lin, personas):
    """Nobody can book hours the counsellor no longer keeps; a booking already made stands."""
    counselling.make_slots(by=SYSTEM, days=14, now=dt.datetime(2031, 3, 3, 8, 0, tzinfo=TZ))  # all in the future
    mondays = list(Slot.objects.filter(counsellor=lin, starts_at__week_day=2).order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%m-%d %H:%M") for s in mondays] == [
        "03-03 09:00", "03-03 09:50", "03-10 09:00", "03-10 09:50"]
    counselling.book_slot(mondays[1].pk, by=personas.worker, nickname="小张")
    monday = lin.schedules.get(weekday=0)
    removed = counselling.remove_schedule(monday, by=SYSTEM)
    assert (removed.withdrawn, removed.kept) == (3, 1)
    assert list(Slot.objects.filter(counsellor=lin, withdrawn=False, starts_at__week_day=2)
                .values_list("pk", "booked")) == [(mondays[1].pk, True)]
    assert Slot.objects.filter(counsellor=lin, withdrawn=False).exclude(starts_at__week_day=2).count() == 4
    event = AuditEvent.objects.get(action="cases.schedule.delete")
    assert event.data == {"weekday": 0, "start": "09:00", "end": "11:00", "withdrawn": 3, "kept": 1}
