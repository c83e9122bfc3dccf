"""Celery tasks of the editorial app: thin wrappers calling services with by=SYSTEM."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.editorial.services.articles import run_schedule
from smartunion.editorial.services.metrics import fetch_channel_metrics
from smartunion.editorial.services.publishing import retry_due


@shared_task(name="editorial.run_schedule", ignore_result=True)
def run_article_schedule() -> dict[str, int]:
    """Scheduled go-live and expiry of articles (safe to run twice)."""
    return run_schedule(by=SYSTEM)


@shared_task(name="editorial.retry_publications", ignore_result=True)
def retry_publications() -> int:
    """Channel publications whose automatic retry is due (safe to run twice)."""
    return retry_due(by=SYSTEM)


@shared_task(name="editorial.fetch_feeds", ignore_result=True)
def fetch_feeds() -> dict[str, int]:
    """The public-opinion watch's feeds: fetch every active source and scan the new entries (safe to run twice)."""
    from smartunion.editorial.services.watch import fetch_due

    return fetch_due(by=SYSTEM)


@shared_task(name="editorial.fetch_channel_metrics", ignore_result=True)
def fetch_metrics(day: str | None = None) -> dict:
    """Yesterday's figures (or the given ISO day's) from the platforms' APIs (safe to run twice)."""
    when = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    report = fetch_channel_metrics(day=when, by=SYSTEM)
    return {"saved": report.saved, "unchanged": report.unchanged, "kept_imported": report.kept_imported,
            "failed": len(report.failed)}
