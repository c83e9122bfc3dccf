"""Lotteries: enter, and the published draw (commitment, entrant-list hash, seed, winners)."""

from __future__ import annotations

from smartunion.api.benefits.common import router  # noqa: F401  (this module adds its routes to it)
