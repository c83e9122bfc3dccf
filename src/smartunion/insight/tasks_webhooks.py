"""Celery tasks of the open interfaces: webhook deliveries (settings.CELERY_BEAT_SCHEDULE "insight-webhooks", every
minute) and the API keys' pending use counts ("insight-apikey-usage", every five minutes: a key's last requests
before it fell quiet are counted in its row, not left in the cache)."""

from celery import shared_task

from smartunion.insight import apikeys, webhooks


@shared_task(name="insight.deliver_webhooks")
def deliver_webhooks() -> dict:
    return webhooks.run()


@shared_task(name="insight.flush_api_key_usage")
def flush_api_key_usage() -> int:
    return apikeys.flush_usage()
