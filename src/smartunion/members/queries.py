"""Reads of members data that several surfaces share: a person's active membership, the transfers and join
applications a cadre sees, and the overdue counts per child org.

Cadre reads are scoped like every other list (orgs.queries): what is out of scope is not there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from smartunion.members.models import JoinApplication, Membership, Person, Transfer
from smartunion.orgs.models import SEGMENT, Organisation, subtree_q
from smartunion.orgs.queries import scope_q, scoped


def _person_id(person_or_id: Person | int | None) -> int | None:
    return person_or_id.pk if isinstance(person_or_id, Person) else person_or_id


def active_membership(person_or_id: Person | int | None, *, related: Iterable[str] = ("union",)
                      ) -> Membership | None:
    """The person's active membership (the database allows one), with its union; None when they are not a member."""
    person_id = _person_id(person_or_id)
    if person_id is None:
        return None
    return Membership.objects.filter(person_id=person_id, status=Membership.Status.ACTIVE).select_related(
        *related).first()


def is_member(person_or_id: Person | int | None) -> bool:
    """Does the person hold an active membership?"""
    person_id = _person_id(person_or_id)
    return person_id is not None and Membership.objects.filter(
        person_id=person_id, status=Membership.Status.ACTIVE).exists()


def visible_transfers(user) -> QuerySet[Transfer]:
    """Transfers whose old or new union is in the cadre's scope, and the user's own (as the member moving)."""
    queryset = Transfer.objects.select_related("person", "from_union", "to_union", "membership")
    q_from = scope_q(user, field="from_path")
    if q_from is None:
        return queryset
    q_to = scope_q(user, field="to_path") or Q(pk__in=[])
    person_id = getattr(user, "person_id", None)
    mine = Q(person_id=person_id) if person_id else Q(pk__in=[])
    return queryset.filter(q_from | q_to | mine)


def review_queue(user) -> QuerySet[JoinApplication]:
    """Join applications received by unions in the cadre's scope (every state; filter by status as needed)."""
    return scoped(JoinApplication.objects.select_related("union", "membership", "submitted_by"), user,
                  field="union_path")


def overdue_join_applications() -> QuerySet[JoinApplication]:
    """Pending applications past their review deadline, everywhere (the scheduler's view)."""
    return JoinApplication.objects.filter(status=JoinApplication.Status.PENDING, deadline__lt=timezone.now())


@dataclass(frozen=True)
class OverdueCounts:
    """Overdue applications under `root`: in its whole subtree (`total`), at the root itself (`own`), and in each
    child's subtree (`children`, every child in path order, zero included)."""

    root: Organisation
    total: int
    own: int
    children: list[tuple[Organisation, int]]


def overdue_counts(user, root: Organisation) -> OverdueCounts:
    """The overdue counts under `root` (an org the caller found in the user's scope) per child subtree.

    One grouped query for the counts, on the first path segment below the root, whatever the number of children
    (and one for the children themselves)."""
    child_length = len(root.path) + SEGMENT
    rows = (
        scoped(overdue_join_applications(), user, field="union_path")
        .filter(subtree_q(root.path, "union_path"))
        .annotate(branch=Substr("union_path", 1, child_length))
        .order_by().values("branch").annotate(n=Count("pk")).values_list("branch", "n")
    )
    by_branch = dict(rows)
    children = list(Organisation.objects.filter(parent=root).order_by("path"))
    return OverdueCounts(
        root=root, total=sum(by_branch.values()), own=by_branch.get(root.path, 0),
        children=[(child, by_branch.get(child.path, 0)) for child in children],
    )
