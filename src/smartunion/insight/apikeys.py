"""Integrator API keys: the key format, its digest, authentication, scopes, the per-key rate limit and the use
counter.

A key reads `suk_<prefix>.<secret>`: the prefix (8 hex characters) is stored and shown in lists so people can tell
keys apart; the secret (32 URL-safe characters, 192 bits) is shown once when the key is made. Only the SHA-256
digest of the whole key is stored (like accounts' ApiToken): a database leak gives no usable key.

Rate limit: core.ratelimit's fixed window per key and minute on the Django cache (Redis when REDIS_URL is set, so
shared by every process; per process on the local-memory cache), `rate_per_minute` requests per window; above it
the request is answered 429 with Retry-After (the seconds until the window ends).

Use counting without a write per request: each authenticated request adds one to a cache counter of its key
(`apikey:uses:<id>`, one INCR) and sets the time (`apikey:last:<id>`); at most once per USE_FLUSH_SECONDS per key
(a cache `add` decides which request does it) the pending count is moved into the row with one UPDATE (uses = uses
+ n, last_used_at = the last request's time). The console's key list flushes the keys it shows, and `flush_usage()`
flushes every key (the beat job "insight-apikey-usage" every five minutes, and tests). A cache that is
cleared before a flush loses at most USE_FLUSH_SECONDS of counts; last_used_at is the time of the last request counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from smartunion.core import ratelimit
from smartunion.core.errors import Forbidden
from smartunion.insight.models import ApiKey
from smartunion.insight.rules_open import SCOPES
from smartunion.orgs.models import Organisation

KEY_PREFIX = "suk_"
USE_FLUSH_SECONDS = 60
MAX_KEY_LENGTH = 100  # a header longer than any key we issue is not looked up


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret: str  # the whole key, shown once

    @property
    def digest(self) -> str:
        return key_digest(self.secret)


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate() -> NewKey:
    prefix = secrets.token_hex(4)
    return NewKey(prefix=prefix, secret=f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(24)}")


def display_prefix(key: ApiKey) -> str:
    return f"{KEY_PREFIX}{key.prefix}…"


def is_usable(key: ApiKey, *, now=None) -> bool:
    now = now or timezone.now()
    return (key.active and key.revoked_at is None and (key.expires_at is None or key.expires_at > now)
            and key.org.status == Organisation.Status.ACTIVE)


def authenticate(raw: str | None) -> ApiKey | None:
    """The usable key for a header value (one indexed read), else None: unknown, revoked, expired, or of an org that
    is no longer active."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_LENGTH:
        return None
    key = ApiKey.objects.select_related("org").filter(digest=key_digest(raw)).first()
    if key is None or not is_usable(key):
        return None
    return key


def require_scope(key: ApiKey, scope: str) -> None:
    if scope not in (key.scopes or []):
        raise Forbidden(f"该接口密钥没有“{SCOPES.get(scope, scope)}”权限", code="scope_missing")


def rate(key: ApiKey) -> str:
    return f"{max(1, key.rate_per_minute)}/min"


def admit(key: ApiKey, *, now: float | None = None) -> int:
    """Count one request of the key against its rate: 0 when admitted, else the seconds to wait (Retry-After)."""
    now = time.time() if now is None else now
    count = ratelimit.hit("insight.apikey", key.pk, rate(key), now=now)
    limit, period = ratelimit.parse_rate(rate(key))
    if count <= limit:
        return 0
    return max(1, math.ceil(period - (now % period)))


def _uses_key(key_id: int) -> str:
    return f"apikey:uses:{key_id}"


def record_use(key: ApiKey) -> None:
    """One use of the key: a cache increment; the row is updated at most once per USE_FLUSH_SECONDS."""
    counter = _uses_key(key.pk)
    cache.set(_last_key(key.pk), time.time(), timeout=None)
    try:
        cache.incr(counter)
    except ValueError:
        if not cache.add(counter, 1, timeout=None):
            cache.incr(counter)
    if cache.add(f"apikey:flushed:{key.pk}", 1, timeout=USE_FLUSH_SECONDS):
        flush_usage([key.pk])


def _last_key(key_id: int) -> str:
    return f"apikey:last:{key_id}"


def pending_uses(key_id: int) -> int:
    return int(cache.get(_uses_key(key_id)) or 0)


def flush_usage(key_ids=None) -> int:
    """Move the pending counts of these keys (every key when None) into their rows; the number of rows changed."""
    if key_ids is None:
        key_ids = list(ApiKey.objects.values_list("pk", flat=True))
    key_ids = list(key_ids)
    if not key_ids:
        return 0
    pending = cache.get_many([_uses_key(i) for i in key_ids] + [_last_key(i) for i in key_ids])
    changed = 0
    now = timezone.now()
    for key_id in key_ids:
        count = int(pending.get(_uses_key(key_id)) or 0)
        if count <= 0:
            continue
        try:
            cache.decr(_uses_key(key_id), count)  # requests counted meanwhile stay pending
        except ValueError:
            continue  # the counter expired or was cleared between the two calls: nothing to move
        last = pending.get(_last_key(key_id))
        used_at = dt.datetime.fromtimestamp(last, tz=dt.UTC) if last else now
        changed += ApiKey.objects.filter(pk=key_id).update(uses=F("uses") + count, last_used_at=used_at)
    return changed
