"""Background work: Celery tasks when a broker is configured, in-process otherwise (CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task
from django.db import transaction


def after_commit(task, *args, **kwargs) -> None:
    """Queue a Celery task once the current transaction has committed."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


@shared_task(name="core.deliver_message")
def deliver_message(message_id: int) -> None:
    from smartunion.core.notifications import deliver

    deliver(message_id)
