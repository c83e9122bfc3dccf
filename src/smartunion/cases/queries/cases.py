"""Scoped reads of rights cases.

A cadre sees the cases handled in their subtree (org_path) and the cases their org co-handles while the request is
open (CaseAssist); everything else is not found, exactly like a missing case. A worker sees the cases their own
account filed. Statistics come from the CaseSubtreeStat roll-up (the org's own rows, which sum its subtree) plus
one count of the open cases on the partial index; never a GROUP BY over the cases.

Names shown (display_name): the worker's name is shown to the cadres of the handling org and the orgs above it.
When the worker asked that the employer not learn who complained (hide_identity), everyone else (co-handling orgs,
anyone outside that chain) reads "匿名职工"; otherwise they read the masked name. Phones are masked everywhere by
default (Case.masked_phone); a reveal goes through the console's audited reveal.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from smartunion.cases.categories import CATEGORIES, category_label
from smartunion.cases.errors import CaseNotFound, OrgNotFound
from smartunion.cases.models import Case, CaseAssist, CaseSubtreeStat
from smartunion.core.pagination import paged_by_ids
from smartunion.core.pii import mask_name
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import in_scope, is_unrestricted, managed_paths, scope_q

ANONYMOUS = "匿名职工"
OPEN = [s.value for s in Case.OPEN_STATES]
RUNNING = [Case.Status.SUBMITTED.value, Case.Status.PROCESSING.value]  # the clock runs (not waiting)
ALL = "all"
# The open-case filter written as literals, exactly as the partial indexes state it: SQLite only uses a partial index
# whose WHERE the query's own terms imply, and it cannot see through bound parameters (an IN of %s), so the ORM's
# status__in=... made it scan the whole subtree (0.5 s at 1M cases instead of 5 ms).
OPEN_SQL = "\"cases_case\".\"status\" IN ('submitted', 'processing', 'waiting')"


def open_only(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Only the open cases, in the shape the partial indexes (case_open_due_idx) are used for."""
    return cases.extra(where=[OPEN_SQL])  # noqa: S610  (a constant, no input)


def _assisted_ids(user) -> list[int]:
    """Cases an org in the user's scope co-handles with an open request (few; read first so that the queue's
    main query stays one range on org_path, which the indexes answer in due order)."""
    if is_unrestricted(user):
        return []
    q = scope_q(user, field="org_path")
    if q is None or not q:
        return []
    return list(CaseAssist.objects.filter(q, status=CaseAssist.Status.OPEN).values_list("case_id", flat=True)
                .order_by("case_id")[:1000])


def visible_cases(user) -> QuerySet[Case]:
    """Every case the cadre may read: the subtree's, and those co-handled by their org (any state)."""
    q = scope_q(user, field="org_path")
    if q is None:
        return Case.objects.all()
    assisted = _assisted_ids(user)
    if assisted:
        q = (q | Q(pk__in=assisted)) if q else Q(pk__in=assisted)
    if not q:
        return Case.objects.none()
    return Case.objects.filter(q)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open cases past a running deadline: the first response not given in time, or the resolution."""
    now = now or timezone.now()
    return (Q(status=Case.Status.SUBMITTED, first_response_due__lt=now)
            | Q(status__in=RUNNING, resolution_due__lt=now))


def handler_queue(user, *, status: str | None = None, kind: str | None = None, category: str | None = None,
                  overdue: bool | None = None, supervised: bool | None = None, mine: bool = False,
                  q: str = "", now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cadre's queue. status None: the open cases; "all": every state; or one state. Open states are ordered
    by the resolution deadline (earliest first); "all" and the closed, newest first (read a page in two steps).
    overdue / supervised: True or False filters, None both. mine: handled by the user. q: a case number (prefix),
    or text in the title, employer or contact name."""
    cases = visible_cases(user).select_related("org", "handler")
    if status is None:
        cases = open_only(cases)
    elif status != ALL:
        cases = cases.filter(status=status)
    if kind:
        cases = cases.filter(kind=kind)
    if category:
        cases = cases.filter(category=category)
    if overdue is True:
        cases = cases.filter(overdue_q(now))
    elif overdue is False:
        cases = cases.exclude(overdue_q(now))
    if supervised is not None:
        cases = cases.filter(supervised=supervised)
    if mine:
        cases = cases.filter(handler_id=getattr(user, "pk", None))
    text = (q or "").strip()[:100]
    if text:
        if text.upper().startswith("WQ"):
            cases = cases.filter(number__startswith=text.upper())
        else:
            cases = cases.filter(Q(title__icontains=text) | Q(employer_name__icontains=text)
                                 | Q(contact_name=text))
    if status is None or status in Case.OPEN_STATES:
        return cases.order_by("resolution_due", "id")  # the open queue: the nearest deadline first
    # Every state, or the closed: newest first, a page's ids read from the scope index before its rows.
    return paged_by_ids(cases.order_by("-id"))


def case_for_cadre(user, pk) -> Case:
    """One case the cadre may read; outside their scope it does not exist."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise CaseNotFound() from None
    case = visible_cases(user).select_related("org", "handler", "region", "employer", "escalated_to").filter(
        pk=pk).first()
    if case is None:
        raise CaseNotFound()
    return case


def my_cases(user) -> QuerySet[Case]:
    """The cases the account filed, newest first."""
    if user is None or getattr(user, "pk", None) is None:
        return Case.objects.none()
    return Case.objects.filter(filer_id=user.pk).select_related("org").order_by("-id")


def case_for_worker(user, pk) -> Case:
    """One of the account's own cases; any other is not found."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise CaseNotFound() from None
    case = my_cases(user).select_related("region").filter(pk=pk).first()
    if case is None:
        raise CaseNotFound()
    return case


def supervised_cases(user) -> QuerySet[Case]:
    """The supervised (督办) open cases of the cadre's subtree, by deadline."""
    q = scope_q(user, field="org_path")
    cases = open_only(Case.objects.filter(supervised=True)).select_related("org", "handler", "supervised_by")
    if q is not None:
        if not q:
            return Case.objects.none()
        cases = cases.filter(q)
    return cases.order_by("resolution_due", "id")


def messages_for(case: Case, *, worker: bool):
    """The conversation: the worker reads replies, their own messages and system lines, never internal notes."""
    messages = case.messages.select_related("author", "org").order_by("id")
    if worker:
        messages = messages.exclude(kind="note")
    return messages


def in_handling_chain(user, case: Case) -> bool:
    """A cadre of the handling org or of an org above it."""
    return in_scope(user, case.org) if case.org_id else False


def display_name(case: Case, user) -> str:
    """The worker's name as `user` may read it (see the module's docstring)."""
    if user is not None and getattr(user, "pk", None) is not None and case.filer_id == user.pk:
        return case.contact_name
    if user is not None and (is_unrestricted(user) or any(case.org_path.startswith(p) for p in managed_paths(user))):
        return case.contact_name
    if case.hide_identity:
        return ANONYMOUS
    return mask_name(case.contact_name)


def is_estimated(case: Case) -> bool:
    return bool(case.first_response_due_estimated or case.resolution_due_estimated)


# Statistics -------------------------------------------------------------------------------------------------------


def _month_starts(now: dt.datetime, months: int) -> list[dt.date]:
    today = timezone.localtime(now).date()
    year, month = today.year, today.month
    result = []
    for _ in range(months):
        result.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(result))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def stats(user, org: Organisation, *, months: int = 12, now: dt.datetime | None = None) -> dict:
    """Figures of the org's subtree over the last `months` months (by month of submission, this month included):
    volume by kind, by category and by month, first-response and resolution on-time rates, satisfaction (4-5 of
    the rated) and the average rating, from CaseSubtreeStat; open and overdue counts now, from the cases' open index.
    An org outside the user's scope is not found."""
    if org is None or not in_scope(user, org):
        raise OrgNotFound()
    months = max(1, min(int(months), 120))
    now = now or timezone.now()
    starts = _month_starts(now, months)
    counters = ("received", "responded", "responded_on_time", "closed", "closed_on_time", "rated", "rating_sum",
                "satisfied")
    rows = (CaseSubtreeStat.objects.filter(org_id=org.pk, month__gte=starts[0])  # the subtree's own rows
            .values("month", "kind", "category", *counters).order_by())
    totals = dict.fromkeys(counters, 0)
    by_kind = dict.fromkeys(Case.Kind.values, 0)
    by_category = dict.fromkeys(CATEGORIES, 0)
    by_month = {m: 0 for m in starts}
    for row in rows:
        values: dict = dict(row)
        for name in counters:
            totals[name] += values[name] or 0
        received = row["received"] or 0
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + received
        by_category[row["category"]] = by_category.get(row["category"], 0) + received
        by_month[row["month"]] = by_month.get(row["month"], 0) + received
    live = (open_only(Case.objects.filter(subtree_q(org.path, "org_path")))
            .aggregate(open=Count("id"), overdue=Count("id", filter=overdue_q(now))))
    return {
        "org": {"id": org.pk, "name": org.name},
        "months": [{"month": m.strftime("%Y-%m"), "received": by_month[m]} for m in starts],
        "by_kind": [{"code": code, "label": Case.Kind(code).label if code in Case.Kind.values else code,
                     "received": n} for code, n in by_kind.items()],
        "by_category": [{"code": code, "label": category_label(code), "received": n}
                        for code, n in by_category.items()],
        "totals": totals,
        "first_response_on_time_rate": _rate(totals["responded_on_time"], totals["responded"]),
        "resolution_on_time_rate": _rate(totals["closed_on_time"], totals["closed"]),
        "satisfaction_rate": _rate(totals["satisfied"], totals["rated"]),
        "average_rating": round(totals["rating_sum"] / totals["rated"], 2) if totals["rated"] else None,
        "open": live["open"] or 0,
        "overdue": live["overdue"] or 0,
    }
