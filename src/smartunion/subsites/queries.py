"""Which subsite a visitor sees, and the services its grid lists, in order (keys only: the portal maps them to
pages)."""

from __future__ import annotations

from smartunion.members.queries import active_membership
from smartunion.orgs.models import ancestor_paths
from smartunion.subsites.models import Subsite

# The services of the worker portal, in their default order. Every key here is a page the portal has built (the
# portal maps each to its URL, name and icon; a test holds the two lists equal); a key is added when its page is.
SERVICE_KEYS = ("join", "membership", "card", "directory", "notices", "me")


def subsite_for(user) -> Subsite | None:
    """The subsite of the nearest federation above the worker's union that has one (the city's, else the
    province's); visitors who are not members see the deployment's top subsite."""
    if user is not None and user.is_authenticated and user.person_id:
        membership = active_membership(user.person_id)
        if membership is not None:
            subsite = (
                Subsite.objects.filter(org__path__in=ancestor_paths(membership.union.path))
                .select_related("org").order_by("-org__depth").first()
            )
            if subsite is not None:
                return subsite
    return Subsite.objects.select_related("org").order_by("org__depth", "org__path").first()


def service_keys(subsite: Subsite | None) -> list[str]:
    """The keys of the subsite's grid: its own order first, then the rest in the default order; unknown keys
    (a service since withdrawn) are left out and each key is listed once."""
    order = [*(subsite.service_order if subsite and subsite.service_order else ()), *SERVICE_KEYS]
    return [key for key in dict.fromkeys(order) if key in SERVICE_KEYS]
