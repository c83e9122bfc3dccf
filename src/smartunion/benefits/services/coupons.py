"""Coupon grabs: a member claims a coupon (never oversold, never over their limit), a merchant redeems it once.

A claim, in order: the rate limits (per account and per IP, on the cache: core/ratelimit.py), the gate
(participation.admit: open now, a coupon grab, the member in its audience), an idempotency key already answered
(the same coupon again), a sold-out activity as read (no write at all), then the grab itself, in one of two shapes:

- database (SQLite, PostgreSQL): one transaction holding ONE conditional UPDATE of the activity row
  (claimed < stock, still published and running: claimed + 1 and participants + 1 together, so a claim writes the
  hot row once) and the INSERT of the coupon with the member's next sequence and day sequence. The unique
  constraints (activity, person, sequence) and (activity, person, day, day sequence) make two simultaneous claims
  of one member collide: the loser's transaction rolls back (the stock with it), counts again and either claims
  the next sequence or is refused with limit_reached.
- Redis (REDIS_URL set): one Lua script (benefits/coupon_store.py) grants the claim and queues it; the persister
  writes the rows in bulk. The activity row is not written per claim. The answer's coupon has no id yet (None).

Records: a claim is recorded as its coupon row and a behaviour event (benefits.coupon.claim), NOT as an audit row:
an audit INSERT per claim would double the writes on the hottest path, and the coupon row already says who claimed
what and when. The Redis persister logs one audit event per activity and batch (benefits.coupon.persist).
Redemptions ARE audited (benefits.coupon.redeem), with a behaviour event (benefits.coupon.redeem).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.benefits import coupon_store
from smartunion.benefits.behaviour import took_part
from smartunion.benefits.errors import AlreadyRedeemed, LimitReached, NotOpen, SoldOut
from smartunion.benefits.models import Activity, Coupon, Merchant
from smartunion.benefits.rules import can_manage
from smartunion.benefits.services.participation import Member, admit, why_not_open
from smartunion.core import ratelimit
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 32 letters and digits without 0/O and 1/I: 12 of them are 60 random bits, typed without ambiguity.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
QR_PREFIX = "smartunion-coupon"
MAX_KEY = 64  # Coupon.idempotency_key
NOT_FOUND = "券码不存在，或该券不能在本商户核销"


class TooManyClaims(DomainError):
    """Claims too fast from one account or one network (429 too_many_requests)."""

    status = 429
    default_code = "too_many_requests"


def new_code() -> str:
    """CODE_LENGTH characters of CODE_ALPHABET from one read of the system's random source: 256 is a multiple of
    the alphabet's 32 letters, so each byte modulo 32 is uniform."""
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in secrets.token_bytes(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a merchant typed or scanned, as stored: the QR payload's code, without spaces or dashes, upper case."""
    text = (text or "").strip()
    if text.lower().startswith(QR_PREFIX + ":"):
        text = text.rsplit(":", 1)[-1]
    return re.sub(r"[\s\-]+", "", text).upper()


def qr_payload(coupon: Coupon) -> str:
    """What the member's QR holds for the merchant's scanner: the platform and the code."""
    return f"{QR_PREFIX}:{settings.DEPLOYMENT_ID}:{coupon.code}"


def claim_day(now: dt.datetime) -> dt.date:
    """The day of a claim for daily limits: the calendar day in Asia/Shanghai."""
    return timezone.localtime(now, SHANGHAI).date()


def _limit_error(activity: Activity) -> LimitReached:
    return LimitReached(f"每人限领{activity.per_member_limit}张，您已领满")


def _daily_error(activity: Activity) -> LimitReached:
    return LimitReached(f"每人每天限领{activity.daily_limit}张，今天已领满，请明天再来")


def _clean_key(key: str) -> str:
    key = (key or "").strip()
    if len(key) > MAX_KEY or any(not ch.isprintable() for ch in key):
        raise Invalid.from_fields({"idempotency_key": f"请求标识（Idempotency-Key）最多{MAX_KEY}个可见字符"})
    return key


def _check_rate(by, ip: str | None) -> None:
    if not ratelimit.allow("benefits.claim.member", getattr(by, "pk", None), settings.BENEFITS_CLAIM_RATE_MEMBER):
        raise TooManyClaims("领取过于频繁，请稍后再试")
    if not ratelimit.allow("benefits.claim.ip", ip, settings.BENEFITS_CLAIM_RATE_IP):
        raise TooManyClaims("当前网络领取过于频繁，请稍后再试")


def _same_claim(coupon: Coupon, activity: Activity) -> Coupon:
    if coupon.activity_id != activity.pk:
        raise Invalid.from_fields({"idempotency_key": "该请求标识已用于领取其他活动的券，请换一个"},
                                  code="idempotency_key_reused")
    return coupon


def claim_coupon(activity: Activity, *, by, idempotency_key: str = "", ip: str | None = None,
                 member: Member | None = None) -> Coupon:
    """The member `by` claims one coupon of a published coupon grab. The same (person, idempotency key) answers
    the same coupon again. Refusals: TooManyClaims (429), NotEligible (403), NotOpen (409), LimitReached and
    SoldOut (409). In the Redis shape the coupon is returned unsaved (no id) and written by the persister, and the
    rate limits are counted by the claim script itself (one round trip). `member`: the account's membership as the
    caller read it with the token (benefits.queries.member_for_token), for the API's hot path."""
    require_actor(by)
    key = _clean_key(idempotency_key)
    if coupon_store.enabled():
        member = admit(activity, by, kind=Activity.Kind.COUPON, member=member)
        return _claim_in_redis(activity, member.person, key, rates=(
            ratelimit.window_key("benefits.claim.member", by.pk, settings.BENEFITS_CLAIM_RATE_MEMBER),
            ratelimit.window_key("benefits.claim.ip", ip, settings.BENEFITS_CLAIM_RATE_IP) if ip
            else ("ratelimit:none", 0, 1)))
    _check_rate(by, ip)
    member = admit(activity, by, kind=Activity.Kind.COUPON, member=member)
    if key:
        existing = Coupon.objects.filter(person=member.person, idempotency_key=key).first()
        if existing is not None:
            return _same_claim(existing, activity)
    if activity.stock is not None and activity.claimed >= activity.stock:
        raise SoldOut()
    for _attempt in range(activity.per_member_limit + 3):
        now = timezone.now()
        day = claim_day(now)
        total, top, today, today_top = _member_figures(activity, member.person.pk, day)
        if total >= activity.per_member_limit:
            raise _limit_error(activity)
        if activity.daily_limit and today >= activity.daily_limit:
            raise _daily_error(activity)
        try:
            with transaction.atomic():
                if not _take_one(activity, now):
                    _refuse_not_taken(activity)
                coupon = Coupon.objects.create(
                    activity=activity, person=member.person, sequence=top + 1, day=day,
                    day_sequence=today_top + 1, code=new_code(), org_path=activity.org_path,
                    valid_until=activity.valid_until, idempotency_key=key, claimed_at=now)
                took_part(member.person, "benefits.coupon.claim", activity)
            return coupon
        except IntegrityError:
            # Another claim of this member (or the same key) committed first; the stock went back with the
            # rollback. Count again: the next sequence, the same coupon for the key, or the limit.
            if key:
                existing = Coupon.objects.filter(person=member.person, idempotency_key=key).first()
                if existing is not None:
                    return _same_claim(existing, activity)
    raise _limit_error(activity)


# The member's figures and the grab itself, written out: on the path every claim of a grab takes, building these
# two statements with the ORM (an aggregate with filters, an UPDATE of F expressions) cost more than running them.
_MEMBER_FIGURES = """
SELECT COUNT(*), COALESCE(MAX(sequence), 0), COALESCE(SUM(CASE WHEN day = %s THEN 1 ELSE 0 END), 0),
       COALESCE(MAX(CASE WHEN day = %s THEN day_sequence END), 0)
FROM benefits_coupon WHERE activity_id = %s AND person_id = %s
"""
_TAKE_ONE = """
UPDATE benefits_activity SET claimed = claimed + 1, participants = participants + 1
WHERE id = %s AND claimed < stock AND status = %s AND ends_at > %s
"""


def _member_figures(activity: Activity, person_id: int, day: dt.date) -> tuple[int, int, int, int]:
    """The member's coupons of the activity: how many, the highest sequence, how many today and today's highest day
    sequence (one aggregate over the (activity, person, sequence) index)."""
    on = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_FIGURES, [on, on, activity.pk, person_id])
        total, top, today, today_top = cursor.fetchone()
    return int(total), int(top), int(today), int(today_top)


def _take_one(activity: Activity, now: dt.datetime) -> bool:
    """ONE conditional UPDATE of the activity row: a coupon of the stock while it lasts and the activity runs."""
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_ONE, [activity.pk, Activity.Status.PUBLISHED,
                                   connection.ops.adapt_datetimefield_value(now)])
        return cursor.rowcount == 1


def _refuse_not_taken(activity: Activity) -> None:
    """The conditional UPDATE took nothing: sold out, or the activity stopped since the request read it."""
    current = Activity.objects.get(pk=activity.pk)
    reason = why_not_open(current)
    if reason:
        raise NotOpen(reason)
    raise SoldOut()


def _claim_in_redis(activity: Activity, person, key: str, *, rates) -> Coupon:
    """The grab in one Redis round trip; the persister writes the row and its behaviour event (no database write
    here)."""
    if activity.stock is not None and activity.claimed >= activity.stock:
        raise SoldOut()
    now = timezone.now()
    status, granted = coupon_store.claim(activity, person.pk, code=new_code(), key=key, now=now, day=claim_day(now),
                                         rates=rates)
    if status == "rate_member":
        raise TooManyClaims("领取过于频繁，请稍后再试")
    if status == "rate_ip":
        raise TooManyClaims("当前网络领取过于频繁，请稍后再试")
    if status == "limit":
        raise _limit_error(activity)
    if status == "daily":
        raise _daily_error(activity)
    if status == "sold_out":
        raise SoldOut()
    assert granted is not None
    coupon = Coupon(activity=activity, person=person, sequence=granted["s"], day=dt.date.fromisoformat(granted["d"]),
                    day_sequence=granted["ds"], code=granted["c"], org_path=activity.org_path,
                    valid_until=activity.valid_until, idempotency_key=granted["k"],
                    claimed_at=dt.datetime.fromisoformat(granted["t"]))
    if status == "repeat" and granted["a"] != activity.pk:
        _same_claim(Coupon(activity_id=granted["a"]), activity)
    return coupon


# Redemption ---------------------------------------------------------------------------------------------------------

def same_branch(merchant: Merchant, activity: Activity) -> bool:
    """A merchant of the publishing org, of an org above it or of one below it."""
    return activity.org_path.startswith(merchant.org_path) or merchant.org_path.startswith(activity.org_path)


def may_redeem_at(activity: Activity, merchant: Merchant) -> bool:
    """The activity's merchant list holds the merchant; an empty list: any active merchant on the org's branch."""
    listed = set(activity.merchants.values_list("pk", flat=True))
    return merchant.pk in listed if listed else same_branch(merchant, activity)


def _find(code: str) -> Coupon | None:
    return Coupon.objects.select_related("activity", "activity__org", "person").filter(code=code).first()


def _merchant_for(by, merchant: Merchant | None, coupon: Coupon) -> Merchant | None:
    """The merchant the redemption is booked to, or NotFound when `by` may not redeem this coupon (told apart from
    an unknown code by nobody)."""
    activity = coupon.activity
    if is_system(by) or getattr(by, "kind", None) != User.Kind.MERCHANT:
        if not (is_system(by) or can_manage(by, activity.org)):
            raise NotFound(NOT_FOUND)
        if merchant is not None and not may_redeem_at(activity, merchant):
            raise NotFound(NOT_FOUND)
        return merchant
    mine = list(by.merchants.filter(status=Merchant.Status.ACTIVE))
    if merchant is not None:
        if merchant.pk not in {m.pk for m in mine}:
            raise NotFound(NOT_FOUND)
    elif len(mine) == 1:
        merchant = mine[0]
    elif not mine:
        raise Forbidden("该账号未关联正常营业的商户，不能核销")
    else:
        raise Invalid.from_fields({"merchant_id": "该账号关联了多个商户，请选择核销商户"})
    if not may_redeem_at(activity, merchant):
        raise NotFound(NOT_FOUND)
    return merchant


def redeem_coupon(code: str, *, by, merchant: Merchant | None = None) -> Coupon:
    """Redeem a coupon by its code (typed with spaces or in lower case, or the QR payload), once. `by` is a
    merchant account (booked to its merchant, or to `merchant` among its merchants) or a cadre who manages the
    activity's org (optionally booking it to `merchant`). NotFound (404) for an unknown code and for a coupon this
    merchant or cadre may not redeem alike; AlreadyRedeemed (409); Conflict expired (409)."""
    require_actor(by)
    if not (is_system(by) or getattr(by, "kind", None) in (User.Kind.MERCHANT, User.Kind.CADRE)):
        raise Forbidden("只有商户或工会干部可以核销优惠券")
    normalised = normalise_code(code)
    if not normalised:
        raise Invalid.from_fields({"code": "请输入券码"})
    if len(normalised) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalised):
        raise NotFound(NOT_FOUND)
    coupon = _find(normalised)
    if coupon is None and coupon_store.enabled() and coupon_store.pending():
        coupon_store.persist_claims()  # claimed a moment ago, not written yet
        coupon = _find(normalised)
    if coupon is None:
        raise NotFound(NOT_FOUND)
    merchant = _merchant_for(by, merchant, coupon)
    if coupon.status == Coupon.Status.REDEEMED:
        raise AlreadyRedeemed()
    today = timezone.localdate(timezone=SHANGHAI)
    if coupon.valid_until is not None and today > coupon.valid_until:
        raise Conflict(f"该券已过有效期（{coupon.valid_until:%Y年%-m月%-d日}）", code="expired")
    now = timezone.now()
    activity = coupon.activity
    with transaction.atomic():
        done = Coupon.objects.filter(pk=coupon.pk, status=Coupon.Status.ISSUED).update(
            status=Coupon.Status.REDEEMED, redeemed_at=now, merchant=merchant, redeemed_by=user_or_none(by))
        if not done:
            raise AlreadyRedeemed()
        coupon.status, coupon.redeemed_at, coupon.merchant = Coupon.Status.REDEEMED, now, merchant
        coupon.redeemed_by = user_or_none(by)
        log_event("benefits.coupon.redeem", actor=by, target=coupon, org=activity.org,
                  data={"merchant": merchant.name if merchant else "", "activity": activity.title})
        took_part(coupon.person, "benefits.coupon.redeem", activity)
    return coupon
