"""A small process-local cache with expiry for reference look-ups on hot paths (dispatch, deadlines).

Org structure changes rarely; the services that change it call `clear_local_caches()`, and in a multi-process
deployment other processes see the change within `seconds`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

_caches: list[dict] = []


def ttl_cache(seconds: float = 60.0, maxsize: int = 10_000) -> Callable:
    def decorate(fn):
        store: dict = {}
        _caches.append(store)

        @functools.wraps(fn)
        def wrapper(*args):
            now = time.monotonic()
            hit = store.get(args)
            if hit is not None and hit[0] > now:
                return hit[1]
            value = fn(*args)
            if len(store) >= maxsize:
                store.clear()
            store[args] = (now + seconds, value)
            return value

        wrapper.cache_clear = store.clear  # type: ignore[attr-defined]  # a function attribute, as lru_cache has
        return wrapper

    return decorate


def clear_local_caches() -> None:
    for store in _caches:
        store.clear()
