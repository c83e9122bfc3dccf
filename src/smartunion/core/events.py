"""Behaviour events: what a member does (joins, takes part, reads, learns, asks for help), recorded through one
helper, in bulk and off the request's critical path. The data platform builds profiles and roll-ups from them, so
nobody fills a report twice. They are never used to rank members or to force check-ins.

    from smartunion.core import events

    events.register_kinds({"activities.signup": "报名参加活动"})   # once, in the app's apps.py ready()
    events.record(person, "activities.signup", target=activity, org=activity.org, label=activity.title)

How it stays cheap and honest:

- `record()` runs no query. Inside a transaction it appends the event to a buffer registered with
  `transaction.on_commit` for that transaction (and savepoint): the buffer is handed on only once the transaction
  commits, so the event of a rolled-back write is never recorded, and a savepoint rolled back drops its own events.
  Outside any transaction the write it records has already committed, so the event is handed on at once.
- Committed events are collected per web request (`BehaviourEventsMiddleware`) and per Celery task (task signals)
  and written when it ends with ONE bulk INSERT, however many transactions the request or task committed. Elsewhere
  (a shell, a command) each committed transaction's events are written with one INSERT as it commits.
- At the end of a web request with a Celery broker configured (CELERY_TASK_ALWAYS_EAGER off), the batch goes to the
  `core.write_behaviour_events` task instead, so the request does not wait for the INSERT; should the broker refuse
  it, the batch is written directly. In the embedded shape (no broker) it is written directly.
- A failed write is logged, never raised: a footprint must not fail, after the fact, the write it records.

Retention: events older than BEHAVIOUR_RETENTION_DAYS (default 1095) are deleted by `purge_expired`, batch by batch;
Celery beat runs it daily (`core.purge_behaviour_events`), the embedded shape runs `smartunion purge-behaviour`
from cron.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import SYSTEM, require_actor
from smartunion.core.audit import log_event
from smartunion.core.models import BehaviourEvent

log = logging.getLogger("smartunion.events")

# --- Kinds ----------------------------------------------------------------------------------------------------------

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
UNKNOWN_KIND_LABEL = "其他"
_KINDS: dict[str, str] = {}


def register_kinds(kinds: dict[str, str]) -> None:
    """Declare behaviour kinds ("<app>.<thing>.<verb>") with the Chinese label a member reads; each app declares
    its own, once (apps.py ready()). Registering a kind again with the same label is harmless."""
    for kind, label in kinds.items():
        if len(kind) > 100 or not KIND_PATTERN.match(kind):
            raise ValueError(f"behaviour kind {kind!r}: dotted lower-case names, e.g. 'members.join.submit'")
        if not label or not label.strip():
            raise ValueError(f"behaviour kind {kind!r} needs a Chinese label")
        if _KINDS.get(kind, label) != label:
            raise ValueError(f"behaviour kind {kind!r} is already registered as {_KINDS[kind]!r}")
        _KINDS[kind] = label


def kind_label(kind: str) -> str:
    """The label of a kind; a kind nobody declares any more still shows as something readable."""
    return _KINDS.get(kind, UNKNOWN_KIND_LABEL)


def registered_kinds() -> dict[str, str]:
    return dict(_KINDS)


# --- Recording ------------------------------------------------------------------------------------------------------

# The events committed so far in the current request or task; None outside both.
_collected: ContextVar[list | None] = ContextVar("smartunion_behaviour_events", default=None)


class _TransactionEvents(list):
    """The events recorded in one transaction at one savepoint level; Django calls it once that commits and drops
    it, events and all, if that savepoint or the transaction rolls back."""

    def __init__(self):
        super().__init__()
        self.closed = False
        self.__qualname__ = "behaviour events"  # Django names a failing robust callback by it

    def __call__(self):
        self.closed = True
        _committed(list(self))


def record(person, kind: str, *, target=None, org=None, at: dt.datetime | None = None, label: str = "") -> None:
    """Record that `person` (a Person or its id) did `kind` to `target`, filed under `org` (for roll-ups per subtree)
    at `at` (now by default). Runs no query; written in bulk after the transaction commits. `label` is the short
    text the member reads beside the kind (a union's or an activity's name, never personal data); there is none by
    default because str() of a model may query. An unregistered kind is a programming error (ValueError); a person
    of None records nothing (an account without a person has no footprint)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown behaviour kind {kind!r}: declare it with core.events.register_kinds() first")
    person_id = getattr(person, "pk", person)
    if person_id is None:
        return
    event = BehaviourEvent(
        person_id=person_id, kind=kind,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label or "")[:100],
        org_path=getattr(org, "path", "") or "",
        occurred_at=at or timezone.now(),
    )
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _committed([event])
        return
    _buffer_of(connection).append(event)


def _buffer_of(connection) -> _TransactionEvents:
    """The buffer of the current transaction at the current savepoint level, registered with on_commit if new.

    Django keeps (savepoint ids, callback, robust) in connection.run_on_commit and replaces that list whenever it
    drops callbacks (a savepoint or the transaction rolled back, the transaction ended), so the buffer found last
    time is still live while the list is the same object and the savepoint level has not changed; otherwise the
    list itself is searched.
    """
    here = set(connection.savepoint_ids)
    cached = getattr(connection, "_smartunion_behaviour_buffer", None)
    if cached is not None:
        hooks, sids, buffer = cached
        if hooks is connection.run_on_commit and sids == here and not buffer.closed:
            return buffer
    for sids, func, _robust in reversed(connection.run_on_commit):
        if isinstance(func, _TransactionEvents) and sids == here and not func.closed:
            buffer = func
            break
    else:
        buffer = _TransactionEvents()
        transaction.on_commit(buffer, robust=True)
    connection._smartunion_behaviour_buffer = (connection.run_on_commit, here, buffer)
    return buffer


def _committed(events: list[BehaviourEvent]) -> None:
    collected = _collected.get()
    if collected is not None:
        collected.extend(events)
    else:
        _flush(events, defer=False)


@contextmanager
def collect(*, defer: bool = False):
    """Write the events committed inside the block with one INSERT when it ends (or, with `defer` and a Celery
    broker, hand them to a task). Nested blocks leave the writing to the outermost one."""
    if _collected.get() is not None:
        yield
        return
    events: list[BehaviourEvent] = []
    token = _collected.set(events)
    try:
        yield
    finally:
        _collected.reset(token)
        _flush(events, defer=defer)


class BehaviourEventsMiddleware:
    """One INSERT (or one queued task) per request for all the events its transactions committed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collect(defer=True):
            return self.get_response(request)


def _flush(events: list[BehaviourEvent], *, defer: bool) -> None:
    if not events:
        return
    if defer and not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            write_behaviour_events.delay([_as_row(e) for e in events])
            return
        except Exception:  # a broker that is down must not lose the events: write them here instead
            log.warning("behaviour events: the broker refused %d events, writing them directly", len(events),
                        exc_info=True)
    _write(events)


def _write(events: list[BehaviourEvent]) -> None:
    try:
        # A savepoint only if some caller's transaction is open, so a failure cannot break it.
        with transaction.atomic():
            BehaviourEvent.objects.bulk_create(events)
    except Exception:
        log.exception("behaviour events: %d events could not be written", len(events))


def _as_row(event: BehaviourEvent) -> dict:
    return {"person_id": event.person_id, "kind": event.kind, "target_type": event.target_type,
            "target_id": event.target_id, "target_label": event.target_label, "org_path": event.org_path,
            "occurred_at": event.occurred_at.isoformat()}


@shared_task(name="core.write_behaviour_events")
def write_behaviour_events(rows: list[dict]) -> int:
    """Write a request's batch of events (queued by BehaviourEventsMiddleware) with one INSERT."""
    events = [BehaviourEvent(**{**row, "occurred_at": dt.datetime.fromisoformat(row["occurred_at"])})
              for row in rows]
    BehaviourEvent.objects.bulk_create(events)
    return len(events)


# Every Celery task collects its events (a beat job releasing a hundred transfers writes one INSERT). An eager
# task run inside a request leaves them to the request's collection.
_task_collections: dict[str, tuple] = {}


@task_prerun.connect(weak=False)
def _open_task_collection(task_id=None, **kwargs):
    if _collected.get() is None and task_id is not None:
        events: list[BehaviourEvent] = []
        _task_collections[task_id] = (_collected.set(events), events)


@task_postrun.connect(weak=False)
def _close_task_collection(task_id=None, **kwargs):
    entry = _task_collections.pop(task_id, None)
    if entry is not None:
        token, events = entry
        _collected.reset(token)
        _flush(events, defer=False)


# --- Retention ------------------------------------------------------------------------------------------------------

PURGE_BATCH = 5000


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events that occurred before this are past the retention period."""
    return (now or timezone.now()) - dt.timedelta(days=settings.BEHAVIOUR_RETENTION_DAYS)


def purge_expired(*, by, now: dt.datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete the events past the retention period, batch_size at a time (each batch its own short statement, so
    neither the table nor a replica is held up); a second run deletes nothing. Returns how many were deleted."""
    require_actor(by)
    cutoff = retention_cutoff(now)
    # The base manager: the model's own queryset refuses deletes, and the retention period is the one exception.
    expired = BehaviourEvent._base_manager.filter(occurred_at__lt=cutoff).order_by()
    total = 0
    while True:
        ids = list(expired.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        deleted, _ = BehaviourEvent._base_manager.filter(pk__in=ids).delete()
        total += deleted
        if len(ids) < batch_size:
            break
    if total:
        log_event("core.behaviour_event.purge", actor=by,
                  data={"deleted": total, "before": cutoff.isoformat(),
                        "retention_days": settings.BEHAVIOUR_RETENTION_DAYS})
    return total


@shared_task(name="core.purge_behaviour_events")
def purge_behaviour_events() -> int:
    return purge_expired(by=SYSTEM)
