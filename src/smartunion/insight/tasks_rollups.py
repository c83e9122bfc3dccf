"""Celery task of the roll-ups: a thin wrapper calling the service with by=SYSTEM.

Beat entry (settings.CELERY_BEAT_SCHEDULE):
    "insight-rollups": {"task": "insight.rollup_recent", "schedule": crontab(hour=2, minute=30)},
"""

from __future__ import annotations

from celery import shared_task

from smartunion.core.actors import SYSTEM


@shared_task(name="insight.rollup_recent")
def rollup_recent() -> int:
    """Daily: the current and the previous month's figures of every org; returns the number of rows written."""
    from smartunion.insight.services.rollups import rollup_recent as run

    return run(by=SYSTEM).rows
