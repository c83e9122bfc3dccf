"""Sign-ups (waiting list, check-in), votes and surveys, and results."""

from __future__ import annotations

from smartunion.api.benefits.common import router  # noqa: F401  (this module adds its routes to it)
