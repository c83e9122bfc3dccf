"""Celery tasks of the assistance app: thin wrappers calling services with by=SYSTEM."""

from celery import shared_task

from smartunion.assistance.services.hardship import remind_reverification as remind
from smartunion.core.actors import SYSTEM


@shared_task(name="assistance.remind_reverification", ignore_result=True)
def remind_reverification() -> int:
    """Daily: remind the unions' reviewers of hardship files due for their yearly re-verification within 30 days
    (or overdue); one reminder per due date, so running twice changes nothing."""
    return remind(by=SYSTEM)
