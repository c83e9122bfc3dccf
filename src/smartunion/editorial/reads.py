"""Counting the portal's article reads without one database write per view.

Each process keeps the reads it served in memory and adds them to the database in one batch (one UPDATE per
article read since the last batch, one upsert of the day's figures per portal channel) when FLUSH_EVERY reads have
gathered or FLUSH_SECONDS have passed since the last batch, whichever comes first, and when the process exits.
Reads of a process killed hard between two batches are lost (at most FLUSH_EVERY of them): a reach figure, not a
ledger.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.db import transaction
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
    write(batch)


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
        for article_id, count in batch.items():
            Article.objects.filter(pk=article_id).update(read_count=F("read_count") + count)
        per_org: Counter[int] = Counter()
        for org_id, count in _org_reads(batch):
            per_org[org_id] += count
        for channel_id, org_path, org_id in Channel.objects.filter(
                kind=Channel.Kind.PORTAL, org_id__in=per_org).values_list("id", "org_path", "org_id"):
            metric, created = ChannelMetric.objects.get_or_create(
                channel_id=channel_id, day=today,
                defaults={"org_path": org_path, "reads": per_org[org_id], "source": ChannelMetric.Source.PORTAL})
            if not created:
                ChannelMetric.objects.filter(pk=metric.pk).update(reads=F("reads") + per_org[org_id])
    return sum(batch.values())


def _org_reads(batch: dict[int, int]):
    from smartunion.editorial.models import Article

    for article_id, org_id in Article.objects.filter(pk__in=list(batch)).values_list("id", "org_id"):
        yield org_id, batch[article_id]


def _flush_at_exit() -> None:
    if not _pending:
        return
    try:
        flush()
    except Exception:  # the database may be gone at exit; the reads are only a reach figure
        logging.getLogger(__name__).warning("could not write %s portal reads at exit", sum(_pending.values()))


atexit.register(_flush_at_exit)
