"""Background work of the registries part: the import of a file and a matching run, as Celery tasks.

With a broker the worker runs them. In the embedded shape (CELERY_TASK_ALWAYS_EAGER) a task would run inside the
upload request; it runs in a background thread instead (as roster imports do, members/tasks.py), so the request
answers at once and the progress page follows it. INSIGHT_REGISTRY_THREADS = False (the tests, the demo seeder)
runs it synchronously in the caller.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


@shared_task(name="insight.registry_import")
def registry_import(import_id: int) -> None:
    from smartunion.insight.services.registries import run_import

    run_import(import_id)


@shared_task(name="insight.registry_match")
def registry_match(run_id: int) -> None:
    from smartunion.insight.services.matching import execute_run

    execute_run(run_id)


@shared_task(name="insight.mark_stale_imports")
def mark_stale_imports() -> int:
    """Celery beat: imports whose process died (no heartbeat for JOB_STALE_MINUTES) show as paused (resumable)."""
    from smartunion.insight.services.registries import mark_stale_imports as mark

    return mark()


def schedule(task, *args) -> None:
    """Run `task` in the background once the current transaction (if any) has committed."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.delay(*args))
    elif getattr(settings, "INSIGHT_REGISTRY_THREADS", True):
        transaction.on_commit(lambda: threading.Thread(target=_run, args=(task, args), daemon=True,
                                                       name=f"{task.name}-{args[0]}").start())
    else:
        task(*args)


def _run(task, args: tuple) -> None:
    try:
        task(*args)
    except Exception:  # the job records its own failure; this is the thread's last word
        logger.exception("%s%r failed", task.name, args)
    finally:
        connections.close_all()
