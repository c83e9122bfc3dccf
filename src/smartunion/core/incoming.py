"""Incoming text from people outside the unions (a worker's case description, a comment, an imported feed entry),
announced for whoever watches it (the editorial app's public-opinion watch, 舆情监测), without the app that keeps the
text importing the one that watches it: data apps at the same layer do not import each other.

    from smartunion.core import incoming

    transaction.on_commit(lambda: incoming.announce(kind="case", ref=case.pk, title=case.title or case.number,
                                                    text=case.description, org_path=case.org_path, link=...))

Receivers get the keyword arguments kind, ref, title, text, org_path, link and new (True when the item was written
in this very transaction, so nothing can have read it before: a watcher skips looking for its earlier reports).
Announce after the commit that keeps the text, so that a watcher never reports an item that was rolled back; or, on
a hot path, with `announce_within` inside the transaction that keeps it: what the watchers write then commits (or
rolls back) with the item in one commit, and a watcher that fails is rolled back to its savepoint and logged without
failing the item.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from smartunion.core import notifications

log = logging.getLogger(__name__)

# Sent with kind ("case", "comment", "feed"), ref (the item's id, as text), title, text, org_path (the org the item
# belongs to), link (where a cadre reads the item; may be empty) and new (the item is written by this transaction).
incoming_text = Signal()


def announce(*, kind: str, ref, title: str, text: str, org_path: str, link: str = "", new: bool = False) -> None:
    incoming_text.send(sender=kind, kind=kind, ref=str(ref), title=title or "", text=text or "",
                       org_path=org_path or "", link=link or "", new=new)


def announce_within(*, kind: str, ref, title: str, text: str, org_path: str, link: str = "",
                    new: bool = False) -> None:
    """announce() inside the caller's transaction, under a savepoint: a watcher's error is logged (the item's kind
    and id, never its text) and what the watchers wrote is undone (in-app messages they left in the caller's
    `notifications.one_insert()` block too); the caller's transaction goes on. `new`: the
    caller inserted the item in this transaction (no one can have read it yet)."""
    try:
        with transaction.atomic(), notifications.dropping_on_error():
            announce(kind=kind, ref=ref, title=title, text=text, org_path=org_path, link=link, new=new)
    except Exception as error:  # a watcher must never fail the item it reads
        log.error("a watcher of incoming text failed on %s %s: %s", kind, ref, type(error).__name__)
