"""Celery tasks of the cases app: thin wrappers calling services with by=SYSTEM."""

from __future__ import annotations

from celery import shared_task

from smartunion.core.actors import SYSTEM


@shared_task(name="cases.escalate_overdue")
def escalate_overdue() -> int:
    """Every 15 minutes (settings.CELERY_BEAT_SCHEDULE): overdue deadlines escalate to the parent org, once each."""
    from smartunion.cases.services.cases import escalate_overdue as run

    return run(by=SYSTEM)
