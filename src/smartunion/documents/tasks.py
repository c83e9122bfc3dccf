"""Celery tasks of the documents app: thin wrappers calling services with by=SYSTEM."""

from __future__ import annotations

from celery import shared_task

from smartunion.core.actors import SYSTEM


@shared_task(name="documents.flag_overdue_incoming")
def flag_overdue_incoming() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): notice the handlers of incoming documents that became overdue."""
    from smartunion.documents.services.incoming import flag_overdue

    return flag_overdue(by=SYSTEM)
