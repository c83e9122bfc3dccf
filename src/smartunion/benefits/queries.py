"""The reads of the benefits app that several places share, always scoped."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from smartunion.benefits import audience
from smartunion.benefits.models import Activity, Coupon, Merchant
from smartunion.members.models import Membership, Person
from smartunion.orgs.models import ancestor_paths
from smartunion.orgs.queries import scoped


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
