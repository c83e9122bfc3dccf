"""Which subsite a visitor sees, the brand (the subsite's name) the platform speaks to them under, and the services
its grid lists, in order (keys only: the portal maps them to pages)."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from smartunion.core.cache import ttl_cache
from smartunion.members.queries import active_membership
from smartunion.orgs.models import Organisation, ancestor_paths
from smartunion.subsites.models import Subsite

# The services of the worker portal, in their default order. Every key here is a page the portal has built (the
# portal maps each to its URL, name and icon; a test holds the two lists equal); a key is added when its page is.
SERVICE_KEYS = ("join", "membership", "card", "directory", "notices", "news", "rights", "legal_aid", "counselling",
                "assistance", "me")


def top_subsite() -> Subsite | None:
    """The deployment's top subsite (the province's): what visitors who are not members see. Read once per process
    and minute (every anonymous portal page needs it); saving or deleting a subsite clears it in that process."""
    return _top_subsite()


@ttl_cache(60)
def _top_subsite() -> Subsite | None:
    return Subsite.objects.select_related("org").order_by("org__depth", "org__path").first()


def _subsites_changed(**_ignored) -> None:
    _top_subsite.cache_clear()


post_save.connect(_subsites_changed, sender=Subsite, dispatch_uid="subsites.top.save")
post_delete.connect(_subsites_changed, sender=Subsite, dispatch_uid="subsites.top.delete")


def subsite_above(org: Organisation | None) -> Subsite | None:
    """The subsite of the nearest federation at or above `org` that has one (the city's, else the province's), else
    the top one."""
    if org is not None:
        subsite = (
            Subsite.objects.filter(org__path__in=ancestor_paths(org.path))
            .select_related("org").order_by("-org__depth").first()
        )
        if subsite is not None:
            return subsite
    return top_subsite()


def subsite_for(user) -> Subsite | None:
    """The subsite of the nearest federation above the worker's union that has one (the city's, else the
    province's); visitors who are not members see the deployment's top subsite."""
    if user is not None and user.is_authenticated and user.person_id:
        membership = active_membership(user.person_id)
        if membership is not None:
            return subsite_above(membership.union)
    return top_subsite()


def brand_of(subsite: Subsite | None) -> str:
    """The name the portal, its messages and SMS signatures use: the subsite's, else settings.PLATFORM_NAME."""
    return subsite.name if subsite is not None else settings.PLATFORM_NAME


def brand_for(user) -> str:
    """The brand a worker (or an anonymous visitor, or None) sees: see subsite_for."""
    return brand_of(subsite_for(user))


def brand_for_org(org: Organisation | None) -> str:
    """The brand of messages about `org` (an application it reviews, a member it holds): see subsite_above."""
    return brand_of(subsite_above(org))


def service_keys(subsite: Subsite | None) -> list[str]:
    """The keys of the subsite's grid: its own order first, then the rest in the default order; unknown keys
    (a service since withdrawn) are left out and each key is listed once."""
    order = [*(subsite.service_order if subsite and subsite.service_order else ()), *SERVICE_KEYS]
    return [key for key in dict.fromkeys(order) if key in SERVICE_KEYS]
