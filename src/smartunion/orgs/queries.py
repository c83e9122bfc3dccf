"""Scoped reads. Every cadre-facing list, detail, export and API read starts here.

What a cadre may see is the union of the subtrees of the orgs where they hold a position. An object outside that
scope behaves exactly like a missing one.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from smartunion.orgs.models import Employer, Organisation, Position, subtree_q

_CACHE_ATTR = "_smartunion_scope_paths"
_ALL = (_CACHE_ATTR, "positions")


def managed_paths(user, *, roles: tuple[str, ...] | None = None) -> list[str]:
    """The minimal set of org paths whose subtrees the user manages (no path inside another)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache_key = (_CACHE_ATTR, roles)
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if cache_key in cache:
        return cache[cache_key]
    paths = sorted({path for role, path, _, _ in held_positions(user) if roles is None or role in roles})
    minimal: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    cache[cache_key] = minimal
    return minimal


def held_positions(user) -> list[tuple[str, str, str, int]]:
    """(role, org path, org kind, org id) of each of the user's positions in active orgs: one query per user and
    request (a cadre holds a handful). Every set of roles is then a filter in Python: the sidebar, the workbench
    and the modules' rules ask for half a dozen different sets on every console page."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if _ALL not in cache:
        cache[_ALL] = list(Position.objects.filter(user=user, org__status=Organisation.Status.ACTIVE)
                           .values_list("role", "org__path", "org__kind", "org_id"))
    return cache[_ALL]


def clear_scope_cache(user) -> None:
    user.__dict__.pop(_CACHE_ATTR, None)


def is_unrestricted(user) -> bool:
    """Platform operators (Django superusers) see everything."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def scope_q(user, *, field: str = "path", roles: tuple[str, ...] | None = None) -> Q | None:
    """A Q restricting `field` (an org path) to the user's scope; None means unrestricted."""
    if is_unrestricted(user):
        return None
    paths = managed_paths(user, roles=roles)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (subtree_q(p, field) for p in paths))


def scoped(queryset: QuerySet, user, *, field: str = "path", roles: tuple[str, ...] | None = None) -> QuerySet:
    """Restrict a queryset to the user's scope; `field` is the path of the org the rows belong to."""
    q = scope_q(user, field=field, roles=roles)
    if q is None:
        return queryset
    if not q:  # empty Q from no positions
        return queryset.none()
    return queryset.filter(q)


def visible_orgs(user) -> QuerySet[Organisation]:
    return scoped(Organisation.objects.all(), user)


def visible_employers(user) -> QuerySet[Employer]:
    """Employers whose covering union or whose area (township union, else the region's federation, kept in the
    employer's own `area_path` column) lies in the user's scope."""
    if is_unrestricted(user):
        return Employer.objects.all()
    paths = managed_paths(user)
    if not paths:
        return Employer.objects.none()
    q = reduce(or_, (subtree_q(p, "covering_union__path") | subtree_q(p, "area_path") for p in paths))
    return Employer.objects.filter(q)


def in_scope(user, org: Organisation | None, *, roles: tuple[str, ...] | None = None) -> bool:
    if org is None:
        return False
    if is_unrestricted(user):
        return True
    return any(org.path.startswith(p) for p in managed_paths(user, roles=roles))


def can_manage(user, org: Organisation | None) -> bool:
    """May the user create and change things in this org (a chair or administrator above or at it)?"""
    return in_scope(user, org, roles=Position.MANAGING_ROLES)


def get_visible_or_404(queryset: QuerySet, user, *, field: str = "path", **lookup):
    """Fetch one object within scope; outside the scope it is simply not found."""
    obj = scoped(queryset, user, field=field).filter(**lookup).first()
    if obj is None:
        raise Http404("对象不存在")
    return obj


def subtree_member_count(org: Organisation) -> int:
    """From the maintained figure: one row read, whatever the size of the subtree."""
    return Organisation.objects.filter(pk=org.pk).values_list("subtree_member_count", flat=True).first() or 0


def search_orgs(queryset: QuerySet[Organisation], text: str) -> QuerySet[Organisation]:
    text = (text or "").strip()
    if not text:
        return queryset
    if text.isdigit() and len(text) in (6, 9, 12):
        # A region code stands for its whole area: 370100 (济南市) matches every 3701… region below it.
        prefix = text[:6].rstrip("0") if len(text) == 6 else text
        if len(prefix) % 2:
            prefix += "0"
        return queryset.filter(region__code__startswith=prefix)
    return queryset.filter(Q(name__contains=text) | Q(credit_code=text.upper()))
