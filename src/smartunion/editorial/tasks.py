"""Celery tasks of the editorial app: thin wrappers calling services with by=SYSTEM."""

from __future__ import annotations

from celery import shared_task

from smartunion.core.actors import SYSTEM
from smartunion.editorial.services.articles import run_schedule


@shared_task(name="editorial.run_schedule", ignore_result=True)
def run_article_schedule() -> dict[str, int]:
    """Scheduled go-live and expiry of articles (safe to run twice)."""
    return run_schedule(by=SYSTEM)
