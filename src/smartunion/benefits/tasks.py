"""Scheduled work of the benefits app (Celery): thin wrappers around the services, acting as SYSTEM."""

from celery import shared_task

from smartunion.benefits import coupon_store
from smartunion.benefits.services import birthday
from smartunion.core.actors import SYSTEM


@shared_task(name="benefits.persist_claims", ignore_result=True)
def persist_claims() -> int:
    """Redis shape of coupon grabs: write granted claims as Coupon rows (beat, every 2 s). Every run, the first
    after a start included, reconciles first: it writes what a killed persister left in the processing list.
    A no-op without REDIS_URL."""
    return coupon_store.persist_claims()


@shared_task(name="benefits.grant_birthdays", ignore_result=True)
def grant_birthdays() -> int:
    """Birthday benefit (beat, every 6 hours): each enabled programme's months so far this year that are not granted yet
    (safe to run twice; catches up after downtime). Returns the coupons granted."""
    return birthday.grant_birthdays(by=SYSTEM)
