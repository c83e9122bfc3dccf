"""The reads of the benefits app that several places share, always scoped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from smartunion.benefits import audience
from smartunion.benefits.models import Activity, Coupon, Merchant, Signup
from smartunion.members.models import Membership, Person
from smartunion.orgs.models import ancestor_paths
from smartunion.orgs.queries import scoped

SHANGHAI = ZoneInfo("Asia/Shanghai")


def managed_activities(user) -> QuerySet[Activity]:
    """Activities of the cadre's subtree (any state), newest first."""
    return scoped(Activity.objects.select_related("org"), user, field="org_path").order_by("-id")


def visible_merchants(user) -> QuerySet[Merchant]:
    return scoped(Merchant.objects.select_related("org"), user, field="org_path")


def issued_coupons(user) -> QuerySet[Coupon]:
    """Coupons of the activities in the cadre's subtree (the redemption log reads these)."""
    return scoped(Coupon.objects.select_related("activity", "merchant"), user, field="org_path")


def open_activities_for(membership: Membership, person: Person, *, kind: str | None = None,
                        now: dt.datetime | None = None) -> list[Activity]:
    """Published (or paused) activities the member may take part in, newest first: published by their union or
    any org above it, still running, with the member inside the audience. The candidates are the few activities of
    the member's chain of orgs; the audience rules are checked in Python (no query per activity)."""
    now = now or timezone.now()
    candidates = Activity.objects.filter(
        org_path__in=ancestor_paths(membership.union_path),
        status__in=(Activity.Status.PUBLISHED, Activity.Status.PAUSED), ends_at__gt=now,
    ).select_related("org").order_by("-id")
    if kind:
        candidates = candidates.filter(kind=kind)
    return [a for a in candidates
            if audience.ineligible_reason(a.org_path, a.audience, membership, person, today=now.date()) is None]


def my_coupons(person: Person) -> QuerySet[Coupon]:
    return Coupon.objects.filter(person=person).select_related("activity").order_by("-id")


def activity_signups(activity: Activity, *, status: str | None = None) -> QuerySet[Signup]:
    """An activity's sign-ups in the order they came (the waiting list's order); the caller found the activity in
    the cadre's scope (managed_activities)."""
    queryset = Signup.objects.filter(activity=activity).select_related("person").order_by("id")
    return queryset.filter(status=status) if status else queryset


def redemption_log(user) -> QuerySet[Coupon]:
    """Redeemed coupons of the cadre's subtree, latest first (the console's redemption log)."""
    return (issued_coupons(user).filter(status=Coupon.Status.REDEEMED).select_related("redeemed_by")
            .order_by("-redeemed_at", "-id"))


def redemption_totals(merchants, *, since: dt.date | None = None, until: dt.date | None = None) -> list[dict]:
    """Redemptions per merchant and per day (Asia/Shanghai days), in ONE grouped query, ordered by merchant then
    day: [{"merchant_id", "merchant", "day", "count"}]. `merchants`: a Merchant, or a queryset of them (e.g.
    visible_merchants(user)); `since`/`until`: days included at both ends."""
    day = TruncDate("redeemed_at", tzinfo=SHANGHAI)
    rows = Coupon.objects.filter(status=Coupon.Status.REDEEMED)
    if isinstance(merchants, Merchant):
        rows = rows.filter(merchant=merchants)
    else:
        rows = rows.filter(merchant__in=merchants)
    rows = rows.annotate(redeemed_on=day)
    if since is not None:
        rows = rows.filter(redeemed_on__gte=since)
    if until is not None:
        rows = rows.filter(redeemed_on__lte=until)
    grouped = (rows.order_by().values("merchant_id", "redeemed_on")
               .annotate(merchant_name=F("merchant__name"), n=Count("id")).order_by("merchant_id", "redeemed_on"))
    return [{"merchant_id": r["merchant_id"], "merchant": r["merchant_name"], "day": r["redeemed_on"],
             "count": r["n"]} for r in grouped]

