"""Scoped reads of information reports (信息报送): the receiving org's inbox, an org's own submissions, one item,
the points an adoption is worth, and the rankings by period.

Visibility: an item is visible to the cadres of every org above or at its submitting org (the receiving org is the
submitter's parent, so its cadres see it too); out of scope answers as missing. The inbox holds the items sent to
the orgs where the cadre holds a reporting role (rules_reports.REPORT_ROLES), not those of orgs below.

The ranking costs three queries whatever the number of orgs or items: the orgs of the level, the adoptions grouped
by (org, level, receiving org), and the score rows on the receiving orgs' chains.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from smartunion.core.errors import Invalid, NotFound
from smartunion.documents import rules_reports as rules
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.documents.services.reports import DEFAULT_POINTS
from smartunion.orgs.models import Organisation, ancestor_paths, subtree_q
from smartunion.orgs.queries import in_scope, is_unrestricted, scoped

S = InfoReport.Status
L = InfoReport.Level
K = Organisation.Kind
# The level a ranking under an org shows by default: the orgs that submit to it.
CHILD_KIND: dict[str, str] = {K.NATIONAL: K.PROVINCE, K.PROVINCE: K.CITY, K.CITY: K.COUNTY, K.COUNTY: K.TOWNSHIP}
RANK_KINDS = (K.PROVINCE, K.CITY, K.COUNTY, K.INDUSTRY, K.TOWNSHIP, K.GRASSROOTS)


def _rows() -> QuerySet[InfoReport]:
    return InfoReport.objects.select_related("org", "to_org", "submitted_by", "decided_by")


def visible_reports(user) -> QuerySet[InfoReport]:
    return scoped(_rows(), user, field="org_path")


def report_for(user, report_id: int) -> InfoReport:
    report = visible_reports(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound("信息不存在")
    return report


def inbox(user, *, status: str | None = S.SUBMITTED) -> QuerySet[InfoReport]:
    """Items sent to the orgs the cadre decides for (submitted ones by default), oldest first."""
    rows = _rows() if is_unrestricted(user) else _rows().filter(to_path__in=rules.acting_paths(user))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("submitted_at", "id")


def my_submissions(user) -> QuerySet[InfoReport]:
    """Items submitted by the orgs where the cadre holds a reporting role, newest first."""
    rows = _rows() if is_unrestricted(user) else _rows().filter(org_path__in=rules.acting_paths(user))
    return rows.order_by("-submitted_at", "-id")


def inbox_count(user) -> int:
    return inbox(user).count()


# Points and rankings --------------------------------------------------------------------------------------------


def period_bounds(year: int, *, quarter: int | None = None, month: int | None = None) -> tuple[dt.datetime,
                                                                                                 dt.datetime]:
    """[start, end) of a year, a quarter or a month in the deployment's time zone."""
    errors = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = "年度应在2000至2100之间"
    if quarter is not None and month is not None:
        errors["quarter"] = "季度和月份只能选一个"
    elif quarter is not None and not 1 <= quarter <= 4:
        errors["quarter"] = "季度应为1至4"
    elif month is not None and not 1 <= month <= 12:
        errors["month"] = "月份应为1至12"
    if errors:
        raise Invalid.from_fields(errors)
    if month is not None:
        first, months = month, 1
    elif quarter is not None:
        first, months = quarter * 3 - 2, 3
    else:
        first, months = 1, 12
    last = first + months
    start = dt.date(year, first, 1)
    end = dt.date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone), dt.datetime.combine(end, dt.time.min, tzinfo=zone))


def point_table(year: int, to_paths) -> dict[tuple[str, str], Decimal]:
    """{(receiving org path, level): points} for the year: the nearest row on each receiving org's chain (itself
    first, then up), else the default. One query."""
    to_paths = set(to_paths)
    chains = {path: ancestor_paths(path) for path in to_paths}
    wanted = {p for chain in chains.values() for p in chain}
    rows: dict[tuple[str, str], Decimal] = {}
    if wanted:
        for org_path, level, points in ReportScore.objects.filter(year=year, org_path__in=wanted).values_list(
                "org_path", "level", "points"):
            rows[(org_path, level)] = points
    table: dict[tuple[str, str], Decimal] = {}
    for path, chain in chains.items():
        for level in L.values:
            found = next((rows[(p, level)] for p in reversed(chain) if (p, level) in rows), None)
            table[(path, level)] = found if found is not None else DEFAULT_POINTS[level]
    return table


def points_for(report: InfoReport) -> Decimal:
    """What one adopted item is worth to its submitting org (0 when not adopted)."""
    if report.status != S.ADOPTED or not report.level or report.decided_at is None:
        return Decimal(0)
    year = timezone.localtime(report.decided_at).year
    return point_table(year, [report.to_path])[(report.to_path, report.level)]


def ranking(root: Organisation, *, kind: str, year: int, quarter: int | None = None,
            month: int | None = None) -> list[dict]:
    """Every active org of `kind` in root's subtree (root excluded) with its points and adoptions in the period,
    highest first; equal points share a rank (1, 1, 3) and keep the tree's order."""
    if kind not in K.values:
        raise Invalid.from_fields({"kind": "请选择单位层级"})
    start, end = period_bounds(year, quarter=quarter, month=month)
    orgs = list(Organisation.objects.filter(subtree_q(root.path), kind=kind, status=Organisation.Status.ACTIVE)
                .exclude(pk=root.pk).order_by("path").values_list("pk", "name", "path"))
    if not orgs:
        return []
    tallies = list(
        InfoReport.objects.filter(subtree_q(root.path, "org_path"), org__kind=kind, status=S.ADOPTED,
                                  decided_at__gte=start, decided_at__lt=end)
        .values_list("org_id", "level", "to_path").annotate(n=Count("id")).order_by())
    table = point_table(year, {to_path for _, _, to_path, _ in tallies}) if tallies else {}
    points: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(L.values, 0))
    for org_id, level, to_path, n in tallies:
        points[org_id] += table[(to_path, level)] * n
        counts[org_id][level] += n
    rows: list[dict[str, Any]] = []
    for pk, name, path in orgs:
        by_level = counts[pk] if pk in counts else dict.fromkeys(L.values, 0)
        rows.append({"org_id": pk, "org": name, "path": path, "points": points.get(pk, Decimal(0)),
                     "adopted": sum(by_level.values()), **{f"{level}_count": n for level, n in by_level.items()}})
    rows.sort(key=lambda r: -r["points"])  # stable: ties keep the tree's order
    previous = None
    for index, row in enumerate(rows, start=1):
        if previous is None or row["points"] != previous["points"]:
            row["rank"] = index
        else:
            row["rank"] = previous["rank"]
        previous = row
    return rows


def ranking_root(user, org_id: int | None) -> Organisation:
    """The org a ranking is asked for: in the cadre's scope, else not found; by default the top of the scope."""
    if org_id is None:
        org = scoped(Organisation.objects.all(), user).order_by("path").first()
    else:
        org = Organisation.objects.filter(pk=org_id).first()
    if org is None or not in_scope(user, org):
        raise NotFound("单位不存在")
    return org


def default_kind(root: Organisation) -> str:
    return CHILD_KIND.get(root.kind, K.GRASSROOTS.value)


def score_rows(user) -> QuerySet[ReportScore]:
    return scoped(ReportScore.objects.select_related("org"), user, field="org_path").order_by(
        "-year", "org_path", "level")
