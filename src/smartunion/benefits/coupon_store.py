"""The Redis shape of coupon grabs (settings.REDIS_URL set): the grab is one Lua script, the rows follow in bulk.

Why: every claim in the database shape updates the activity row (the stock counter), and one hot PostgreSQL row
tops out near 3.5k commits/s on this class of machine. Here a claim touches Redis only:

    the claim script (one round trip, atomic in Redis)
        1. the idempotency key, if any: a claim already granted for (person, key) is answered again as it was;
        2. the activity's grab state must be loaded ("cold" otherwise: `warm()` loads it, then the script runs again);
           then the account's and the network's rate-limit windows are counted (core.ratelimit.window_key);
        3. the member's total (hash `members`, person -> highest sequence) against the per-member limit, the
           member's count today (hash `day:<YYYY-MM-DD>`, Asia/Shanghai days) against the daily limit, then the
           activity's `taken` counter against the stock;
        4. INCR taken, HINCRBY both hashes (the results are the coupon's sequence and day sequence), RPUSH the claim
           (code, activity, activity tag, person, sequence, day, day sequence, idempotency key, time) onto the queue
           list, and SET the idempotency key (24 hours) to the same claim.

    The stock itself is not copied into Redis: the script gets it from the activity row the request read anyway,
    so a publisher's stock change before anyone claimed needs no invalidation (after the first claim the stock is
    frozen, services/activities.py). What is loaded into Redis, on the first claim after a cold start (`warm()`,
    SETNX/HSETNX, so two loaders agree), is what the database already holds: the number of coupons and each
    member's highest sequence, and today's day sequences.

    the persister (`persist_claims()`: Celery beat every 2 s as benefits.persist_claims, or `smartunion
    persist-claims [--follow]`), a reliable queue:
        1. one persister at a time (a lock key with a deadline; should two overlap, the unique constraints still
           make the second write nothing);
        2. first it writes whatever is left in the processing list (`reconcile_claims()`: a persister killed after
           it took claims and before it removed them), then, batch after batch, it moves up to 1,000 claims from
           the queue to the processing list in one atomic step (a Lua LRANGE + RPUSH + LTRIM: LMOVE for a batch),
           writes them with bulk_create(ignore_conflicts=True) and Activity.claimed/participants recounted from the
           database, commits, and only then trims them from the processing list. A claim is in the queue, in the
           processing list or in the database at every moment, so a kill anywhere loses nothing, and a claim
           written twice is written once: (activity, person, sequence) and the code are unique.

Keys carry the activity's "tag" (id and creation time in microseconds), so a Redis that outlived its database (a
test run, a restored backup) never feeds one activity's state or claims to another that got the same id; the
persister drops (and logs) claims whose tag matches no activity.

Redis must keep these keys: no maxmemory eviction (`noeviction`) and persistence (AOF) in production. Should the
whole Redis be lost, the state is rebuilt from the database on the next claim; claims granted and not yet
persisted at that moment are lost with it (the member still sees the code in the answer they got).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from smartunion.benefits.models import Activity, Coupon
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.events import record

log = logging.getLogger("smartunion.benefits.coupons")

PREFIX = "smartunion:benefits:coupons:"
QUEUE = PREFIX + "claims"
PROCESSING = PREFIX + "claims:processing"
LOCK = PREFIX + "persister"
LOCK_MS = 60_000
IDEMPOTENCY_SECONDS = 24 * 3600
DAY_SECONDS = 3 * 86400
BATCH = 1000
WARM_CHUNK = 2000

CLAIM = """
local key = ARGV[10]
if key ~= '' then
  local previous = redis.call('GET', KEYS[4])
  if previous then return {'repeat', previous} end
end
local function over(counter, limit, period)
  if tonumber(limit) <= 0 then return false end
  local n = redis.call('INCR', counter)
  if n == 1 then redis.call('EXPIRE', counter, tonumber(period) + 1) end
  return n > tonumber(limit)
end
local taken = redis.call('GET', KEYS[1])
if not taken then return {'cold', ''} end
if over(KEYS[6], ARGV[13], ARGV[14]) then return {'rate_member', ''} end
if over(KEYS[7], ARGV[15], ARGV[16]) then return {'rate_ip', ''} end
local person = ARGV[4]
if tonumber(redis.call('HGET', KEYS[2], person) or '0') >= tonumber(ARGV[2]) then return {'limit', ''} end
local daily = tonumber(ARGV[3])
if daily > 0 and tonumber(redis.call('HGET', KEYS[3], person) or '0') >= daily then return {'daily', ''} end
if tonumber(taken) >= tonumber(ARGV[1]) then return {'sold_out', ''} end
redis.call('INCR', KEYS[1])
local sequence = redis.call('HINCRBY', KEYS[2], person, 1)
local day_sequence = redis.call('HINCRBY', KEYS[3], person, 1)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[12]))
local claim = cjson.encode({c = ARGV[5], a = tonumber(ARGV[6]), g = ARGV[7], p = tonumber(person), s = sequence,
                            d = ARGV[8], ds = day_sequence, k = key, t = ARGV[9]})
redis.call('RPUSH', KEYS[5], claim)
if key ~= '' then redis.call('SET', KEYS[4], claim, 'EX', tonumber(ARGV[11])) end
return {'ok', claim}
"""

# KEYS: taken, members, day. ARGV: taken, final ("1" on the last chunk), day ttl, then "m" or "d" + person, value...
WARM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 4, #ARGV, 2 do
  local field = ARGV[i]
  if string.sub(field, 1, 1) == 'm' then
    redis.call('HSETNX', KEYS[2], string.sub(field, 2), ARGV[i + 1])
  else
    redis.call('HSETNX', KEYS[3], string.sub(field, 2), ARGV[i + 1])
  end
end
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[3]))
if ARGV[2] == '1' then redis.call('SET', KEYS[1], ARGV[1], 'NX') end
return 1
"""

MOVE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return 0 end
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('LTRIM', KEYS[1], #items, -1)
return #items
"""

UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def enabled() -> bool:
    """The Redis shape is on when REDIS_URL is set."""
    return bool(getattr(settings, "REDIS_URL", ""))


class _Store:
    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.claim = self.redis.register_script(CLAIM)
        self.warm = self.redis.register_script(WARM)
        self.move = self.redis.register_script(MOVE)
        self.unlock = self.redis.register_script(UNLOCK)


@lru_cache(maxsize=4)
def _store(url: str) -> _Store:
    return _Store(url)


def store() -> _Store:
    return _store(settings.REDIS_URL)


def tag(activity: Activity) -> str:
    """The activity as its keys and claims name it: id and creation time (ids repeat across databases)."""
    return f"{activity.pk}.{int(activity.created_at.timestamp() * 1_000_000)}"


def _keys(activity: Activity, day: dt.date) -> tuple[str, str, str]:
    base = f"{PREFIX}{tag(activity)}:"
    return base + "taken", base + "members", base + f"day:{day.isoformat()}"


# The grab ----------------------------------------------------------------------------------------------------------

def claim(activity: Activity, person_id: int, *, code: str, key: str, now: dt.datetime, day: dt.date,
          rates: tuple[tuple[str, int, int], tuple[str, int, int]] | None = None) -> tuple[str, dict | None]:
    """Run the claim script: ("ok", claim) for a new claim, ("repeat", claim) for a key already answered, or
    ("rate_member" | "rate_ip" | "limit" | "daily" | "sold_out", None). `rates`: the account's and the network's
    rate-limit windows (core.ratelimit.window_key), counted in the same round trip; a limit of 0 is no limit."""
    s = store()
    taken, members, today = _keys(activity, day)
    (member_key, member_limit, member_period), (ip_key, ip_limit, ip_period) = rates or (
        (f"{PREFIX}norate", 0, 1), (f"{PREFIX}norate", 0, 1))
    keys = [taken, members, today, f"{PREFIX}idem:{person_id}:{key}", QUEUE, member_key, ip_key]
    args = [activity.stock or 0, activity.per_member_limit, activity.daily_limit or 0, person_id, code, activity.pk,
            tag(activity), day.isoformat(), now.isoformat(), key, IDEMPOTENCY_SECONDS, DAY_SECONDS,
            member_limit, member_period, ip_limit, ip_period]
    status, payload = s.claim(keys=keys, args=args)
    if status == b"cold":
        warm(activity, day)
        status, payload = s.claim(keys=keys, args=args)
    return status.decode(), json.loads(payload) if payload else None


def warm(activity: Activity, day: dt.date) -> None:
    """Load the activity's grab state from the database (coupons taken, each member's highest sequence, today's
    day sequences), unless another process already did. The counter is set last, so no claim runs on half a state."""
    s = store()
    keys = list(_keys(activity, day))
    coupons = Coupon.objects.filter(activity=activity).order_by()
    taken = coupons.count()
    pairs: list = []
    for person_id, top in coupons.values_list("person_id").annotate(top=Max("sequence")):
        pairs += [f"m{person_id}", top]
    for person_id, top in coupons.filter(day=day).values_list("person_id").annotate(top=Max("day_sequence")):
        pairs += [f"d{person_id}", top]
    chunks = [pairs[i:i + 2 * WARM_CHUNK] for i in range(0, len(pairs), 2 * WARM_CHUNK)] or [[]]
    for index, chunk in enumerate(chunks):
        final = "1" if index == len(chunks) - 1 else "0"
        if not s.warm(keys=keys, args=[taken, final, DAY_SECONDS, *chunk]):
            return  # another process loaded it first


def granted(activity: Activity) -> int:
    """How many coupons Redis has granted for the activity (persisted or not); 0 when its state is not loaded."""
    if not enabled() or activity.kind != Activity.Kind.COUPON or activity.pk is None:
        return 0
    return int(store().redis.get(_keys(activity, dt.date.today())[0]) or 0)


# The persister -----------------------------------------------------------------------------------------------------

def take_batch(size: int = BATCH) -> int:
    """Move up to `size` claims from the queue to the processing list, atomically; how many moved. The persister's
    first half: a process killed after this leaves them in the processing list for reconcile_claims()."""
    return int(store().move(keys=[QUEUE, PROCESSING], args=[size]))


def _lock() -> str | None:
    token = secrets.token_hex(8)
    return token if store().redis.set(LOCK, token, nx=True, px=LOCK_MS) else None


def _unlock(token: str) -> None:
    store().unlock(keys=[LOCK], args=[token])


def _drain_processing(size: int = BATCH) -> int:
    r = store().redis
    written = 0
    while True:
        raw = r.lrange(PROCESSING, 0, size - 1)
        if not raw:
            return written
        written += write_claims([json.loads(item) for item in raw])
        r.ltrim(PROCESSING, len(raw), -1)  # only after the commit: a kill before this writes them again, harmlessly
        r.pexpire(LOCK, LOCK_MS)


def reconcile_claims() -> int:
    """Write the claims a persister took and did not finish (the processing list); run at start. Returns how many
    claims were read (rows already written are not written twice)."""
    if not enabled():
        return 0
    token = _lock()
    if token is None:
        return 0  # a persister is at work: it reconciles first anyway
    try:
        return _drain_processing()
    finally:
        _unlock(token)


def persist_claims(*, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Write granted claims into Coupon rows: the processing list first (reconcile), then the queue, batch after
    batch until it is empty (or `max_batches`). Returns how many claims were read; 0 if another persister runs."""
    if not enabled():
        return 0
    token = _lock()
    if token is None:
        return 0
    try:
        written = _drain_processing(batch)
        batches = 0
        while max_batches is None or batches < max_batches:
            if not take_batch(batch):
                break
            written += _drain_processing(batch)
            batches += 1
        return written
    finally:
        _unlock(token)


def pending() -> int:
    """Claims granted and not yet written (queue and processing list)."""
    if not enabled():
        return 0
    r = store().redis
    return int(r.llen(QUEUE)) + int(r.llen(PROCESSING))


def write_claims(claims: list[dict]) -> int:
    """Coupon rows for claims from the queue, in one transaction: inserted in bulk, conflicts ignored (a claim
    written before), the activities' counters recounted from the rows. A claim whose idempotency key the database
    already holds (a retry after the key's 24 hours in Redis) is written without the key; one the database refuses
    even so (its sequence taken: a Redis that lost its state) is logged as an error. Returns len(claims)."""
    activities = Activity.objects.select_related("org").in_bulk({c["a"] for c in claims})
    rows: list[Coupon] = []
    for c in claims:
        activity = activities.get(c["a"])
        if activity is None or tag(activity) != c["g"]:
            log.warning("coupon claim for an unknown activity %s dropped (code %s)", c.get("g"), c.get("c"))
            continue
        rows.append(Coupon(
            activity_id=activity.pk, person_id=c["p"], sequence=c["s"], day=dt.date.fromisoformat(c["d"]),
            day_sequence=c["ds"], code=c["c"], org_path=activity.org_path, valid_until=activity.valid_until,
            idempotency_key=c["k"], claimed_at=dt.datetime.fromisoformat(c["t"])))
    if not rows:
        return len(claims)
    with transaction.atomic():
        codes = [row.code for row in rows]
        before = set(Coupon.objects.filter(code__in=codes).values_list("code", flat=True))
        Coupon.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        landed = set(Coupon.objects.filter(code__in=codes).values_list("code", flat=True))
        retry = [row for row in rows if row.code not in landed and row.idempotency_key]
        if retry:
            for row in retry:
                row.idempotency_key = ""
            Coupon.objects.bulk_create(retry, ignore_conflicts=True)
            landed = set(Coupon.objects.filter(code__in=codes).values_list("code", flat=True))
        # The claim's behaviour event, written here with its row (once: a claim written before is in `before`)
        # rather than per request, so the grab itself writes nothing to the database.
        for row in rows:
            if row.code not in before and row.code in landed:
                activity = activities[row.activity_id]
                record(row.person_id, "benefits.coupon.claim", target=activity, org=activity.org, at=row.claimed_at,
                       label=activity.title)
        for row in rows:
            if row.code not in landed:
                log.error("granted coupon %s (activity %s, person %s, sequence %s) refused by the database",
                          row.code, row.activity_id, row.person_id, row.sequence)
        touched = sorted({row.activity_id for row in rows})
        count = (Coupon.objects.filter(activity_id=OuterRef("pk")).order_by().values("activity_id")
                 .annotate(n=Count("id")).values("n"))
        Activity.objects.filter(pk__in=touched).update(claimed=Coalesce(Subquery(count), 0),
                                                       participants=Coalesce(Subquery(count), 0))
        for activity_id in touched:
            activity = activities[activity_id]
            log_event("benefits.coupon.persist", actor=SYSTEM, target=activity, org=activity.org,
                      data={"count": sum(1 for row in rows if row.activity_id == activity_id)})
    return len(claims)
