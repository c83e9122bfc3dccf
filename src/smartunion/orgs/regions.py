"""Regions as reference data: containment along the parent chain, and the orgs responsible for an area.

Region rows change only when townships are loaded, so their parent chain is cached per process (an hour, and cleared
with the other local caches). The org look-ups are cached for a minute, as dispatch's always were, and the services
that change orgs clear them.
"""

from __future__ import annotations

from smartunion.core.cache import ttl_cache
from smartunion.orgs.models import Organisation, Region, ancestor_paths

ACTIVE = Organisation.Status.ACTIVE


@ttl_cache(3600, maxsize=200_000)
def _parent_of(code: str) -> str | None:
    row = Region.objects.filter(pk=code).values_list("parent_id", flat=True)
    if not row:
        raise Region.DoesNotExist(code)  # not cached: the code may be loaded later
    return row[0]


def region_chain(code: str) -> tuple[str, ...]:
    """The region and its ancestors, nearest first (370102001 → 370102, 370100, 370000)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        try:
            current = _parent_of(current)
        except Region.DoesNotExist:
            break
    return tuple(chain)


def region_within(inner: str, outer: str) -> bool:
    """Is `inner` the region `outer` or one below it?"""
    return outer in region_chain(inner)


def regions_related(a: str, b: str) -> bool:
    """Does one region contain the other (a county-level employer and the township union of one of its townships)?"""
    return region_within(a, b) or region_within(b, a)


def code_prefix(code: str) -> str:
    """The code prefix shared by everything below a GB/T 2260 region: 370000 → 37, 370100 → 3701, 370102 → 370102."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def nearest_federation(org: Organisation, *, include_self: bool = True) -> tuple[str, str, str] | None:
    """(region code, region name, org name) of the nearest federation at or above `org` that has a region."""
    paths = ancestor_paths(org.path)
    if not include_self:
        paths = paths[:-1]
    return (
        Organisation.objects.filter(path__in=paths, kind__in=Organisation.FEDERATION_KINDS, region__isnull=False)
        .order_by("-depth").values_list("region_id", "region__name", "name").first()
    )


# The orgs responsible for an area. Townships count as their county (the first six digits of the code).


@ttl_cache(60)
def region_by_code(code: str) -> Region | None:
    """The region of a statistical division code (reference data: a found row is remembered per process for an
    hour, like the parent chain; an unknown code is not, as it may be loaded later)."""
    try:
        return _region_row(code)
    except Region.DoesNotExist:
        return None


@ttl_cache(3600)
def _region_row(code: str) -> Region:
    return Region.objects.get(pk=code)


@ttl_cache(60)
def org_by_id(pk: int) -> Organisation | None:
    """An org by id, remembered for a minute like the look-ups below (routing reads an employer's union)."""
    return Organisation.objects.filter(pk=pk).order_by().first()


@ttl_cache(60)
def township_union_of_region(code: str) -> Organisation | None:
    """The active township union sitting on this (township-level) region."""
    return Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP, region_id=code,
                                       status=ACTIVE).order_by("path").first()


@ttl_cache(60)
def only_township_union_of_county(county_code: str) -> Organisation | None:
    """The county's township union when it has exactly one, else None."""
    towns = list(Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP, region__code__startswith=county_code,
                                             status=ACTIVE).order_by("path")[:2])
    return towns[0] if len(towns) == 1 else None


def derived_township_union(region: Region) -> Organisation | None:
    """The township union an employer in `region` belongs to when nobody names one: that of a township-level region,
    or the only one of a county-level region; None elsewhere (the county federation then receives its workers)."""
    if region.level == Region.Level.TOWNSHIP:
        return township_union_of_region(region.code)
    if region.level == Region.Level.COUNTY:
        return only_township_union_of_county(region.code)
    return None


@ttl_cache(60)
def county_federation(county_code: str) -> Organisation | None:
    return Organisation.objects.filter(kind=Organisation.Kind.COUNTY, region_id=county_code,
                                       status=ACTIVE).order_by("path").first()


@ttl_cache(60)
def _federation_at(code: str) -> Organisation | None:
    return Organisation.objects.filter(kind__in=Organisation.FEDERATION_KINDS, region_id=code,
                                       status=ACTIVE).order_by("path").first()


def federation_for_region(code: str) -> Organisation | None:
    """The nearest active federation whose region is this one or above it: the county federation of a township,
    else the city's, and so on."""
    for step in region_chain(code):
        found = _federation_at(step)
        if found is not None:
            return found
    return None
