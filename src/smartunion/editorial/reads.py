"""Counting the portal's article reads without one database write per view.

Each process keeps the reads it served in memory and adds them to the database in one batch (one UPDATE per
article read since the last batch, one upsert of the day's figures per portal channel) when FLUSH_EVERY reads have
gathered or FLUSH_SECONDS have passed since the last batch, whichever comes first, and when the process exits.
Reads of a process killed hard between two batches are lost (at most FLUSH_EVERY of them): a reach figure, not a
ledger. Batches of several processes touch the same rows: each writes its articles and channels in id order (two
batches never wait on each other's rows in opposite orders, which PostgreSQL ends as a deadlock), and a batch that
fails anyway goes back to the process's pending reads instead of failing the reader's page.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

FLUSH_EVERY = 200
FLUSH_SECONDS = 30.0

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()


def count_read(article_id: int) -> None:
    """One read of a published article on the portal."""
    global _last_flush
    with _lock:
        _pending[article_id] += 1
        due = sum(_pending.values()) >= FLUSH_EVERY or time.monotonic() - _last_flush >= FLUSH_SECONDS
        if not due:
            return
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    try:
        write(batch)
    except DatabaseError:
        logging.getLogger(__name__).warning("portal reads not written yet (%s): kept for the next batch",
                                            sum(batch.values()), exc_info=True)
        with _lock:
            _pending.update(batch)


def flush() -> int:
    """Write whatever this process has gathered now; returns the reads written."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    return write(batch)


def write(batch: dict[int, int]) -> int:
    """Add a batch of reads: to each article's read_count and to its org's portal channel's figures of today."""
    if not batch:
        return 0
    from smartunion.editorial.models import Article, Channel, ChannelMetric

    today = timezone.localdate()
    with transaction.atomic():
        for article_id, count in sorted(batch.items()):  # id order in every process: no deadlock between batches
            Article.objects.filter(pk=article_id).update(read_count=F("read_count") + count)
        per_org: Counter[int] = Counter()
        for org_id, count in _org_reads(batch):
            per_org[org_id] += count
        for channel_id, org_path, org_id in Channel.objects.filter(
                kind=Channel.Kind.PORTAL, org_id__in=per_org).order_by("id").values_list("id", "org_path", "org_id"):
            day_row = ChannelMetric.objects.filter(channel_id=channel_id, day=today)
            if day_row.update(reads=F("reads") + per_org[org_id]):
                continue
            try:
                with transaction.atomic():
                    ChannelMetric.objects.create(channel_id=channel_id, day=today, org_path=org_path,
                                                 reads=per_org[org_id], source=ChannelMetric.Source.PORTAL)
            except IntegrityError:  # another process made the day's row first: add to it
                day_row.update(reads=F("reads") + per_org[org_id])
    return sum(batch.values())


def _org_reads(batch: dict[int, int]):
    from smartunion.editorial.models import Article

    for article_id, org_id in Article.objects.filter(pk__in=list(batch)).values_list("id", "org_id"):
        yield org_id, batch[article_id]


def _flush_at_exit() -> None:
    pending = sum(_pending.values())
    if not pending:
        return
    try:
        flush()
    except Exception:  # the database may be gone at exit; the reads are only a reach figure
        logging.getLogger(__name__).warning("could not write %s portal reads at exit", pending)


atexit.register(_flush_at_exit)
