"""A small fixed-window rate limiter on the Django cache, for hot paths that must not touch the database.

    from smartunion.core.ratelimit import allow, parse_rate

    if not allow("benefits.claim.member", user.pk, settings.BENEFITS_CLAIM_RATE_MEMBER):
        raise TooManyClaims(...)

A rate is "<count>/<period>" with the period one of s, sec, second, m, min, minute, h, hour, d, day, optionally
with a number in front ("30/10s"). Each (scope, identity) gets a counter per window of that period, keyed by the
window's number, so a window ends by itself (the key expires one second after it). The first hit of a window costs
one failed `incr` and one `add`; every later hit one `incr` (one round trip on Redis).

With the Redis cache (REDIS_URL set) the counters are shared by every process; with the local-memory cache (the
embedded shape) each process counts for itself, so the limit is per process there.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

from django.core.cache import cache

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
           "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@lru_cache(maxsize=64)
def parse_rate(rate: str) -> tuple[int, int]:
    """"20/min" -> (20, 60); "5/10s" -> (5, 10). ValueError for anything else."""
    match = _RATE.match(rate.lower())
    if not match or match.group(3) not in PERIODS:
        raise ValueError(f"rate {rate!r}: expected '<count>/<period>', e.g. '20/min'")
    return int(match.group(1)), int(match.group(2) or 1) * PERIODS[match.group(3)]


def window_key(scope: str, identity, rate: str, *, now: float | None = None) -> tuple[str, int, int]:
    """(key, limit, period) of the current window: the counter `hit` uses, for a caller that counts elsewhere (the
    coupon claim's Lua script counts in the same Redis round trip as the claim)."""
    limit, period = parse_rate(rate)
    window = int((time.time() if now is None else now) // period)
    return f"ratelimit:{scope}:{identity}:{window}", limit, period


def hit(scope: str, identity, rate: str, *, now: float | None = None) -> int:
    """Count one hit of `identity` in `scope` for the current window; returns the count including this hit."""
    key, _, period = window_key(scope, identity, rate, now=now)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first hit (or its key just expired)
        if cache.add(key, 1, timeout=period + 1):
            return 1
        return cache.incr(key)


def allow(scope: str, identity, rate: str, *, now: float | None = None) -> bool:
    """True while `identity` stays within `rate` in `scope`; an empty identity (no IP known) is never limited."""
    if identity in (None, ""):
        return True
    limit, _ = parse_rate(rate)
    return hit(scope, identity, rate, now=now) <= limit
