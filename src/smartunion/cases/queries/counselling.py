"""Reads of counselling: open slots (any logged-in worker of the deployment may book; an org filter narrows them
to a subtree), a person's bookings, a counsellor's own bookings, the cadre's scoped counsellors.

There is deliberately no read of session notes for anyone but the booking's counsellor:
services.counselling.read_session_note is the only way to them."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from smartunion.cases.models import Booking, Counsellor, Slot
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import scoped


def active_counsellors(org: Organisation | None = None) -> QuerySet[Counsellor]:
    counsellors = Counsellor.objects.filter(active=True).select_related("org")
    if org is not None:
        counsellors = counsellors.filter(subtree_q(org.path, "org_path"))
    return counsellors.order_by("org_path", "id")


def open_slots(*, org: Organisation | None = None, day: dt.date | None = None, counsellor_id: int | None = None,
               now: dt.datetime | None = None) -> QuerySet[Slot]:
    """Free future slots of active counsellors, soonest first (the partial index slot_open_idx)."""
    now = now or timezone.now()
    slots = Slot.objects.filter(booked=False, withdrawn=False, starts_at__gt=now, counsellor__active=True)
    if org is not None:
        slots = slots.filter(subtree_q(org.path, "counsellor__org_path"))
    if counsellor_id is not None:
        slots = slots.filter(counsellor_id=counsellor_id)
    if day is not None:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        slots = slots.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
    return slots.select_related("counsellor__org").order_by("starts_at", "counsellor_id")


def my_bookings(user) -> QuerySet[Booking]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Booking.objects.none()
    return Booking.objects.filter(user=user).select_related("slot__counsellor").order_by("-slot__starts_at", "-id")


def counsellor_of(user) -> Counsellor | None:
    """The user's counsellor row (active or not), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Counsellor.objects.filter(user=user).select_related("org").first()


def counsellor_bookings(counsellor: Counsellor) -> QuerySet[Booking]:
    """The counsellor's own bookings (not cancelled), soonest first; the nickname, never the account's name."""
    return (Booking.objects.filter(slot__counsellor=counsellor).exclude(status=Booking.Status.CANCELLED)
            .select_related("slot").order_by("slot__starts_at", "id"))


def visible_counsellors(user) -> QuerySet[Counsellor]:
    return scoped(Counsellor.objects.all(), user, field="org_path")


def visible_bookings(user) -> QuerySet[Booking]:
    """Bookings of the counsellors of the cadre's scope, for figures only: no note is reachable from here."""
    return scoped(Booking.objects.all(), user, field="slot__counsellor__org_path")
