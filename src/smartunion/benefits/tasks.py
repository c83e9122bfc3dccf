"""Scheduled work of the benefits app (Celery): thin wrappers around the services, acting as SYSTEM."""

from celery import shared_task

from smartunion.benefits import coupon_store


@shared_task(name="benefits.persist_claims", ignore_result=True)
def persist_claims() -> int:
    """Redis shape of coupon grabs: write granted claims as Coupon rows (beat, every 2 s). Every run, the first
    after a start included, reconciles first: it writes what a killed persister left in the processing list.
    A no-op without REDIS_URL."""
    return coupon_store.persist_claims()
