"""The reads of the assistance app that several places share, always scoped."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from smartunion.assistance.models import Application, HardshipFile, LivingStandard, Payment, Programme
from smartunion.assistance.rules import FEDERATION_REVIEW_KINDS, review_org_ids, review_positions
from smartunion.orgs.models import subtree_q
from smartunion.orgs.queries import is_unrestricted, scoped


def visible_files(user) -> QuerySet[HardshipFile]:
    return scoped(HardshipFile.objects.select_related("person", "union"), user, field="org_path")


def visible_programmes(user) -> QuerySet[Programme]:
    return scoped(Programme.objects.select_related("org"), user, field="org_path")


def visible_applications(user) -> QuerySet[Application]:
    """Applications of the unions in the cadre's subtree, and those of the programmes their orgs run."""
    base = Application.objects.select_related("programme", "person", "union", "reviewing_org")
    if is_unrestricted(user):
        return base
    by_union = scoped(Application.objects.all(), user, field="org_path").values("pk")
    by_programme = scoped(Application.objects.all(), user, field="programme__org_path").values("pk")
    return base.filter(Q(pk__in=by_union) | Q(pk__in=by_programme))


def visible_payments(user) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("programme", "person", "application"), user, field="org_path")


def visible_standards(user) -> QuerySet[LivingStandard]:
    return scoped(LivingStandard.objects.select_related("org", "region"), user, field="org_path")


def application_queue(user) -> QuerySet[Application]:
    """What waits for this cadre: pending applications whose current level is one of their reviewing orgs."""
    base = Application.objects.filter(status=Application.Status.PENDING).select_related(
        "programme", "person", "union", "reviewing_org")
    if is_unrestricted(user):
        return base
    return base.filter(reviewing_org_id__in=review_org_ids(user))


def file_queue(user) -> QuerySet[HardshipFile]:
    """Files waiting for this cadre: the grassroots step of their own unions, the federation step below the
    township unions and county federations where they review."""
    base = HardshipFile.objects.select_related("person", "union")
    if is_unrestricted(user):
        return base.filter(status__in=(HardshipFile.Status.PENDING_GRASSROOTS, HardshipFile.Status.PENDING_FEDERATION))
    q = Q(status=HardshipFile.Status.PENDING_GRASSROOTS, union_id__in=review_org_ids(user))
    paths = [path for _, kind, path in review_positions(user) if kind in FEDERATION_REVIEW_KINDS]
    for path in paths:
        q |= Q(status=HardshipFile.Status.PENDING_FEDERATION) & subtree_q(path, "org_path") & ~Q(
            org_path=path)
    return base.filter(q)


def due_files(user, *, today: dt.date | None = None, days_ahead: int = 30) -> QuerySet[HardshipFile]:
    today = today or timezone.localdate()
    return visible_files(user).filter(status=HardshipFile.Status.ACTIVE,
                                      next_verification_due__lte=today + dt.timedelta(days=days_ahead))


def open_programmes_for(person_id: int | None, union_path: str, today: dt.date | None = None) -> list[Programme]:
    """Programmes open now whose org is the member's union or above it."""
    from smartunion.orgs.models import ancestor_paths

    today = today or timezone.localdate()
    return list(Programme.objects.filter(org_path__in=ancestor_paths(union_path), status=Programme.Status.OPEN,
                                         opens_on__lte=today, closes_on__gte=today).select_related("org")
                .order_by("-id"))


def my_applications(person_id: int) -> QuerySet[Application]:
    return Application.objects.filter(person_id=person_id).select_related("programme").order_by("-id")


def on_notice(application: Application, today: dt.date | None = None) -> bool:
    """The application is among its programme's notice_list today."""
    today = today or timezone.localdate()
    return (application.status == Application.Status.NOTICE and application.notice_ends_on is not None
            and application.notice_ends_on >= today)


def notice_list(programme: Programme, today: dt.date | None = None) -> QuerySet[Application]:
    """The applications of a programme under public notice today."""
    today = today or timezone.localdate()
    return (Application.objects.filter(programme=programme, status=Application.Status.NOTICE,
                                       notice_ends_on__gte=today).select_related("person").order_by("id"))


def programme_statistics(user) -> list[dict]:
    """Per programme of the cadre's scope: applications, approved count and amounts (one grouped query)."""
    approved = (Application.Status.APPROVED, Application.Status.NOTICE, Application.Status.PAID)
    rows = (visible_programmes(user).order_by("-year", "-id")
            .annotate(n=Count("applications"),
                      n_approved=Count("applications", filter=Q(applications__status__in=approved)),
                      n_paid=Count("applications", filter=Q(applications__status=Application.Status.PAID)),
                      approved_fen=Sum("applications__amount_fen", filter=Q(applications__status__in=approved)))
            .values("id", "name", "kind", "year", "budget_fen", "committed_fen", "paid_fen", "n", "n_approved",
                    "n_paid", "approved_fen"))
    return [dict(row) for row in rows[:200]]
