"""Celery task of the webhooks (settings.CELERY_BEAT_SCHEDULE "insight-webhooks", every minute)."""

from celery import shared_task

from smartunion.insight import webhooks


@shared_task(name="insight.deliver_webhooks")
def deliver_webhooks() -> dict:
    return webhooks.run()
