"""Reads of legal aid: the cadre's scoped queue and directory, the worker's own applications, the lawyers an
application may be given."""

from __future__ import annotations

from django.db.models import QuerySet

from smartunion.cases.models import Lawyer, LegalAidApplication, LegalAidNote
from smartunion.orgs.models import ancestor_paths
from smartunion.orgs.queries import scoped


def visible_applications(user) -> QuerySet[LegalAidApplication]:
    """The applications received by the orgs of the cadre's scope (out of scope is not found)."""
    return scoped(LegalAidApplication.objects.all(), user, field="org_path")


def my_applications(user) -> QuerySet[LegalAidApplication]:
    """The worker's own applications, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return LegalAidApplication.objects.none()
    return LegalAidApplication.objects.filter(applicant=user).order_by("-id")


def my_application(user, pk) -> LegalAidApplication | None:
    return my_applications(user).select_related("org", "lawyer", "region").filter(pk=pk).first()


def visible_lawyers(user) -> QuerySet[Lawyer]:
    return scoped(Lawyer.objects.all(), user, field="org_path")


def lawyers_for(application: LegalAidApplication) -> QuerySet[Lawyer]:
    """Active lawyers of the directory of the application's org or an org above it, nearest first."""
    return (Lawyer.objects.filter(active=True, org_path__in=ancestor_paths(application.org_path))
            .select_related("org").order_by("-org_path", "name"))


def notes_of(application: LegalAidApplication) -> QuerySet[LegalAidNote]:
    return application.notes.select_related("author").order_by("id")
