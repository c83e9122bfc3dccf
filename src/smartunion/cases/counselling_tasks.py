"""Scheduled work of counselling (Celery): make the coming weeks' slots from the weekly schedules, as SYSTEM.
Beat runs "cases.make_slots" daily (settings); safe to run twice."""

from celery import shared_task

from smartunion.cases.services.counselling import make_slots as make_slots_service
from smartunion.core.actors import SYSTEM


@shared_task(name="cases.make_slots", ignore_result=True)
def make_slots() -> int:
    """Slots for the next 14 days on working days; a slot that exists is not made again. Returns the slots made."""
    return make_slots_service(by=SYSTEM)
