"""Coupons: claim (Idempotency-Key, 429), my coupons, redeem by a merchant; merchants for cadres."""

from __future__ import annotations

from smartunion.api.benefits.common import router  # noqa: F401  (this module adds its routes to it)
