"""Celery tasks of the editorial app: thin wrappers calling services with by=SYSTEM."""

from __future__ import annotations

from celery import shared_task

from smartunion.core.actors import SYSTEM
from smartunion.editorial.services.articles import run_schedule
from smartunion.editorial.services.publishing import retry_due


@shared_task(name="editorial.run_schedule", ignore_result=True)
def run_article_schedule() -> dict[str, int]:
    """Scheduled go-live and expiry of articles (safe to run twice)."""
    return run_schedule(by=SYSTEM)


@shared_task(name="editorial.retry_publications", ignore_result=True)
def retry_publications() -> int:
    """Channel publications whose automatic retry is due (safe to run twice)."""
    return retry_due(by=SYSTEM)
