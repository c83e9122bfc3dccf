"""Dashboard reads: an org's figures from the roll-ups (insight.Figure), never from the raw tables.

Every read is a fixed number of indexed queries whatever the size of the subtree: an org's months are one range on
the unique (org, month, key) index; its children's figures of a month one read on the (parent, month, key) index.
A missing Figure row reads as 0 (the job writes non-zero values only). The live member figures come from the org
row itself (Organisation.subtree_member_count, maintained with every membership change).

Scope: the org must lie in the caller's scope; anything else is NotFound (404), as a missing org.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from smartunion.core.errors import NotFound
from smartunion.insight.figures import BY_KEY, KEYS, RATES, last_months, month_of, with_rates
from smartunion.insight.models import Figure, RollupRun
from smartunion.orgs.models import Organisation, ancestor_paths
from smartunion.orgs.queries import in_scope, is_unrestricted, managed_paths

NOT_FOUND = "单位不存在或不在您的管辖范围内"
CHILDREN_PAGE = 100


def top_org(user) -> Organisation | None:
    """The org a cadre's dashboard opens on: the highest org of their scope (the first, for a cadre of several
    subtrees); for a platform operator, the root."""
    if is_unrestricted(user):
        return Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    paths = managed_paths(user)
    if not paths:
        return None
    return Organisation.objects.select_related("region").filter(path=paths[0]).first()


def dashboard_org(user, org_id: int | str | None = None) -> Organisation:
    """The org a dashboard shows: `org_id` when it is in the caller's scope, else their top org. NotFound
    otherwise (a foreign org and a missing one alike)."""
    if org_id in (None, ""):
        org = top_org(user)
    else:
        try:
            pk = int(org_id)
        except (TypeError, ValueError):
            raise NotFound(NOT_FOUND) from None
        org = Organisation.objects.select_related("region").filter(pk=pk).first()
    if org is None or not in_scope(user, org):
        raise NotFound(NOT_FOUND)
    return org


def breadcrumbs(user, org: Organisation) -> list[Organisation]:
    """The org's ancestors the caller may open (root first), then the org: one query."""
    paths = ancestor_paths(org.path)[:-1]
    if not paths:
        return [org]
    if not is_unrestricted(user):
        scope = managed_paths(user)
        paths = [p for p in paths if any(p.startswith(s) for s in scope)]
    above = list(Organisation.objects.filter(path__in=paths).order_by("depth")) if paths else []
    return [*above, org]


def parse_month(value: str | None, *, default: dt.date | None = None) -> dt.date:
    """"2026-11" (or "2026-11-05") -> 2026-11-01; a missing or malformed value gives the current month."""
    if value:
        try:
            parts = [int(p) for p in str(value).split("-")[:2]]
            return dt.date(parts[0], parts[1], 1)
        except (ValueError, IndexError):
            pass
    return default or month_of(dt.date.today())


@dataclass
class OrgFigures:
    org: Organisation
    values: dict[str, int | None] = field(default_factory=dict)  # figure key or rate key -> value (subtree)

    def get(self, key: str) -> int | None:
        return self.values.get(key)


def months_of(org: Organisation, months: list[dt.date]) -> dict[dt.date, dict[str, int | None]]:
    """{month: {key: subtree value, rate: ...}} of the org for each month (one query)."""
    out = {m: {k: 0 for k in KEYS} for m in months}
    rows = Figure.objects.filter(org=org, month__in=months).values_list("month", "key", "subtree")
    for month, key, value in rows:
        if month in out and key in BY_KEY:
            out[month][key] = value
    return {m: with_rates(v) for m, v in out.items()}


def trend(org: Organisation, *, n: int = 12, until: dt.date | None = None):
    """The org's figures for the last `n` months (oldest first): (months, {month: values})."""
    months = last_months(n, until=until)
    return months, months_of(org, months)


def children(org: Organisation, month: dt.date, *, search: str = "", page: int = 1,
             page_size: int = CHILDREN_PAGE) -> tuple[list[OrgFigures], int]:
    """The org's children (ordered by region code, then name) with their subtree figures of the month, and the
    number of children matching `search`: three queries (the count, the page, its figures)."""
    qs = Organisation.objects.filter(parent=org).exclude(status=Organisation.Status.DISSOLVED)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(region__name__contains=search))
    total = qs.count()
    page = max(1, page)
    kids = list(qs.select_related("region").order_by("region_id", "name", "id")
                [(page - 1) * page_size: page * page_size])
    values = {kid.pk: {k: 0 for k in KEYS} for kid in kids}
    if kids:
        rows = Figure.objects.filter(parent=org, month=month).values_list("org_id", "key", "subtree")
        if total > len(kids):
            rows = rows.filter(org_id__in=list(values))
        for org_id, key, value in rows:
            if org_id in values and key in BY_KEY:
                values[org_id][key] = value
    return [OrgFigures(kid, with_rates(values[kid.pk])) for kid in kids], total


def subtree_figures(org: Organisation, month: dt.date) -> dict[str, int | None]:
    """One org's subtree figures of one month (one query): what assessment and open data read."""
    return months_of(org, [month])[month]


def last_run() -> RollupRun | None:
    return RollupRun.objects.filter(finished_at__isnull=False, error="").order_by("-finished_at").first()


TABLE_KEYS = [
    "members", "gig_members", "joins", "transfers_in", "transfers_out", "activities", "participations",
    "coupons_claimed", "coupons_redeemed", "cases_received", "cases_closed", "cases_on_time_rate",
    "satisfaction_avg", "assistance_paid_fen", "articles_published", "articles_adopted", "documents_sent",
    "reports_adopted",
]
HEADLINE_KEYS = ["joins", "transfers_in", "transfers_out", "participations", "coupons_redeemed", "cases_received",
                 "cases_on_time_rate", "satisfaction_avg", "assistance_paid_fen", "articles_adopted",
                 "reports_adopted"]
MAP_KEYS = [k for k in TABLE_KEYS]
RATE_KEYS = [r.key for r in RATES]
