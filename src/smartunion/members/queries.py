"""Reads of members data that several surfaces share: a person's active membership, the transfers and join
applications a cadre sees, the overdue counts per child org, and what waits for a cadre on the console's workbench
(the queues and their subtree's member figures).

Cadre reads are scoped like every other list (orgs.queries): what is out of scope is not there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from smartunion.members.models import JoinApplication, Membership, Person, RosterImport, Transfer
from smartunion.orgs.models import SEGMENT, Organisation, subtree_q
from smartunion.orgs.queries import is_unrestricted, managed_paths, scope_q, scoped


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


# The workbench: what waits for a cadre, each queue over the whole scope (both ends of a transfer count on their side).

RUNNING_JOB_STATES = (RosterImport.Status.QUEUED, RosterImport.Status.VALIDATING, RosterImport.Status.COMMITTING)
RELEASE_STATES = (Transfer.Status.PENDING, Transfer.Status.APPROVED)  # the old union's step is still to come


def pending_join_applications(user) -> QuerySet[JoinApplication]:
    """Applications waiting for a decision in the cadre's scope."""
    return review_queue(user).filter(status=JoinApplication.Status.PENDING)


def overdue_in_review_queue(user) -> QuerySet[JoinApplication]:
    """Pending applications in the cadre's scope past their review deadline."""
    return pending_join_applications(user).filter(deadline__lt=timezone.now())


def transfers_to_release(user) -> QuerySet[Transfer]:
    """Transfers out of a union in the cadre's scope that the old union has not released yet."""
    return scoped(Transfer.objects.filter(status__in=RELEASE_STATES), user, field="from_path")


def transfers_to_accept(user) -> QuerySet[Transfer]:
    """Released transfers into a union in the cadre's scope, waiting for the new union to accept them."""
    return scoped(Transfer.objects.filter(status=Transfer.Status.RELEASED), user, field="to_path")


def roster_jobs(user, states: Iterable[str]) -> QuerySet[RosterImport]:
    """The cadre's scope's roster jobs in `states`."""
    return scoped(RosterImport.objects.filter(status__in=list(states)), user, field="union_path")


@dataclass(frozen=True)
class MemberFigures:
    """A scope's figures: its top orgs' names, active members (the maintained subtree figures), memberships begun
    since `month_start`, and active members whose employment form is a gig worker's (新就业形态)."""

    orgs: list[str]
    members: int
    month_start: dt.date
    new_this_month: int
    gig_workers: int


def member_figures(user, *, today: dt.date | None = None) -> MemberFigures:
    """Two queries whatever the size of the scope's tree.

    `members` adds the maintained `subtree_member_count` of the scope's top orgs (disjoint subtrees: managed_paths
    keeps no path inside another), read with their names. `new_this_month` counts active memberships whose `since`
    falls in this month, from the index on (since, union_path), so it reads one month of memberships, not the
    subtree; a membership begun by a transfer or a reattachment counts too (for the union that received it, a new
    member). The gig figure is maintained like the member figure (subtree_gig_member_count: kept as memberships start
    and end, recounted nightly, since a member's employment form may change while they stay)."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    if is_unrestricted(user):
        tops = Organisation.objects.filter(parent__isnull=True)
    else:
        tops = Organisation.objects.filter(path__in=managed_paths(user))
    top_rows = list(tops.order_by("path").values_list("name", "subtree_member_count", "subtree_gig_member_count"))
    # The scope applies to an expression of union_path, not the column: the planner then reads this month's rows from
    # the index on (since, union_path) rather than the whole subtree from the scope index (SQLite, without range
    # statistics, took the scope index: 7 s for a province at 1M members).
    month = Membership.objects.filter(status=Membership.Status.ACTIVE, since__gte=month_start).annotate(
        scope_path=Concat("union_path", Value("")))
    return MemberFigures(
        orgs=[name for name, _, _ in top_rows], members=sum(row[1] for row in top_rows), month_start=month_start,
        new_this_month=scoped(month, user, field="scope_path").count(),
        gig_workers=sum(row[2] for row in top_rows),
    )


def years_before(day: dt.date, years: int) -> dt.date:
    """The same date `years` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_q(today: dt.date, age_min: int | None = None, age_max: int | None = None,
          field: str = "person__birth_date") -> Q:
    """People aged age_min to age_max (whole years, both included) on `today`, as a filter on their birth date."""
    q = Q()
    if age_min is not None:  # born on or before today minus age_min years
        q &= Q(**{f"{field}__lte": years_before(today, age_min)})
    if age_max is not None:  # not yet age_max + 1
        q &= Q(**{f"{field}__gt": years_before(today, age_max + 1)})
    return q
