"""Background work for roster imports: Celery tasks, run by a worker when a broker is configured.

In the embedded shape (CELERY_TASK_ALWAYS_EAGER) a task would run inside the upload request; instead it runs in a
background thread so the request returns at once and the progress page can follow it. ROSTER_IMPORT_THREADS = False
(the test suite) runs it synchronously in the caller.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


@shared_task(name="members.roster_validate")
def roster_validate(job_id: int) -> None:
    from smartunion.members.roster import validate_job

    validate_job(job_id)


@shared_task(name="members.roster_commit")
def roster_commit(job_id: int, actor_id: int | None = None) -> None:
    from smartunion.members.roster import commit_job

    commit_job(job_id, actor_id)


@shared_task(name="members.mark_stale_jobs")
def mark_stale_jobs() -> int:
    """Celery beat: roster jobs whose process died (no heartbeat for JOB_STALE_MINUTES) are marked failed."""
    from smartunion.members.roster import mark_stale_jobs

    return mark_stale_jobs()


def schedule(task, *args) -> None:
    """Run `task` in the background once the current transaction (if any) has committed."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.delay(*args))
    elif getattr(settings, "ROSTER_IMPORT_THREADS", True):
        transaction.on_commit(lambda: _start_thread(task, args))
    else:
        task(*args)


def _start_thread(task, args: tuple) -> threading.Thread:
    thread = threading.Thread(target=_run, args=(task, args), name=f"{task.name}-{args[0]}", daemon=True)
    thread.start()
    return thread


def _run(task, args: tuple) -> None:
    try:
        task(*args)
    except Exception:  # the job is already marked failed; keep the thread's failure in the log
        logger.exception("background task %s%r failed", task.name, args)
    finally:
        connections.close_all()
