"""Counselling slots follow the calendar: when a year's official holiday schedule is loaded, free slots made for a
day that turned out to be a holiday are withdrawn (core.calendar.holiday_schedule_loaded). Imported at start-up by
cases/audit_actions_services.py (which CasesConfig.ready() imports)."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from smartunion.cases.services.counselling import withdraw_slots_on_days_off
from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import holiday_schedule_loaded
from smartunion.core.models import HolidaySchedule


@receiver(holiday_schedule_loaded, sender=HolidaySchedule, dispatch_uid="cases.counselling_slots_follow_calendar")
def slots_follow_the_calendar(*, first_day: dt.date, last_day: dt.date, **kwargs) -> None:
    # No count is answered: the loader sums its receivers' answers as "deadlines recomputed", and slots are not.
    withdraw_slots_on_days_off(by=SYSTEM, first_day=first_day, last_day=last_day)
