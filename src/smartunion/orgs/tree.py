"""The org tree as a cadre browses it: the roots of their scope, a node's children one level at a time, and the
chain of ancestors above a node.

Built to stay cheap at 500k orgs: children come from the index on `parent_id` in one query, each child's
`has_children` is an EXISTS probe on the same index, and member figures are the maintained columns
(`member_count`, `subtree_member_count`), so no query counts anything and the cost does not grow with the number of
children (capped at CHILDREN_PAGE a request, the rest on demand). Callers find the node within the scope first
(orgs.queries.visible_orgs): everything below an org in scope is in scope.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from smartunion.orgs.models import Organisation, ancestor_paths
from smartunion.orgs.queries import is_unrestricted, managed_paths

CHILDREN_PAGE = 200


def with_has_children(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Annotate `has_children` (an EXISTS on the parent index)."""
    return queryset.annotate(has_children=Exists(Organisation.objects.filter(parent_id=OuterRef("pk"))))


def tree_roots(user) -> list[Organisation]:
    """The top orgs of the user's scope (the orgs of their positions, none inside another), or the tree's roots
    for a platform operator; each with `has_children`. One query."""
    if is_unrestricted(user):
        queryset = Organisation.objects.filter(parent__isnull=True)
    else:
        paths = managed_paths(user)
        if not paths:
            return []
        queryset = Organisation.objects.filter(path__in=paths)
    return list(with_has_children(queryset).order_by("path"))


def tree_children(org: Organisation, *, offset: int = 0, limit: int = CHILDREN_PAGE
                  ) -> tuple[list[Organisation], bool]:
    """One page of `org`'s direct children in path order, each with `has_children`, and whether more follow.
    One query, whatever the number of children."""
    offset = max(offset, 0)
    rows = list(with_has_children(Organisation.objects.filter(parent_id=org.pk)).order_by("path")[
        offset: offset + limit + 1])
    return rows[:limit], len(rows) > limit


def chain_in_scope(user, org: Organisation) -> list[Organisation]:
    """The org's ancestors that lie in the user's scope, then the org itself, root first (a breadcrumb that never
    names an org above the cadre's own). One query."""
    paths = ancestor_paths(org.path)
    if not is_unrestricted(user):
        roots = managed_paths(user)
        paths = [p for p in paths if any(p.startswith(root) for root in roots)]
    return list(Organisation.objects.filter(path__in=paths).order_by("depth"))
