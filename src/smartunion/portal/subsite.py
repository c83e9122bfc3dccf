"""The subsite (城市分站) a visitor is on and its brand, looked up once per request: the header, the <title>, the
messages and the manifest all name the same one (subsites.queries: 济南工惠 for Jinan's workers, the province's name
for everybody else, settings.PLATFORM_NAME without any subsite)."""

from __future__ import annotations

from smartunion.subsites.models import Subsite
from smartunion.subsites.queries import brand_of, subsite_for

_UNSET = object()


def current_subsite(request) -> Subsite | None:
    """The subsite `request`'s visitor sees (cached on the request)."""
    found = getattr(request, "_portal_subsite", _UNSET)
    if found is _UNSET:
        found = subsite_for(getattr(request, "user", None))
        request._portal_subsite = found
    return found  # type: ignore[return-value]


def brand(request) -> str:
    """The subsite's name."""
    return brand_of(current_subsite(request))
