"""What the assistance app records in a worker's footprint (core.events): applying and being helped, labelled with
the programme's name only (never amounts or the hardship category)."""

from __future__ import annotations

from smartunion.core.events import register_kinds

KINDS = {
    "assistance.application.submit": "申请困难帮扶",
    "assistance.payment.paid": "获得帮扶救助",
}
register_kinds(KINDS)
