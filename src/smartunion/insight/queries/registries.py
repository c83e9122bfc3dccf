"""Scoped reads of the registries part: imports, registry companies, the review queue, and the results.

Definitions (the console pages and the API say the same):
- 未建会企业 (unorganised): a registry company in business (登记状态 存续/在业) that either matched no employer of the
  platform, or matched one without a covering union (no grassroots union of its own and no joint union). Sorted
  for organising campaigns: the largest insured headcount first (25 or more employees may found a union
  committee), companies without a headcount last.
- 建会率 (coverage) of a region: organised companies / companies in business, both counted over the registry's
  companies in business whose area lies in the region's org subtree; organised = matched to an employer with a
  covering union.
- 入会率 (membership): the members of the unions in the org's subtree (Organisation.subtree_member_count, the
  maintained figure) / the insured headcount (latest month) of the registry's companies in business in that
  subtree. Members outside registered companies (gig workers, retirees kept on the roll) make it an upper bound,
  and it can exceed 100%.
- 注销仍在册工会: a registry company revoked (吊销) or cancelled (注销) whose matched employer still has an active
  covering union.
Every list is scoped by the company's area (area_path, as Employer.area_path): a cadre sees the companies of their
subtree, anything else is not found.
"""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When

from smartunion.core.errors import NotFound
from smartunion.insight.models import CompanyRecord, MatchCandidate, RegistryImport
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped

ACTIVE = CompanyRecord.Status.ACTIVE
CLOSED = (CompanyRecord.Status.REVOKED, CompanyRecord.Status.CANCELLED)
UNION_COMMITTEE_SIZE = 25  # employees from which a union committee can be founded


def visible_imports(user) -> QuerySet[RegistryImport]:
    return scoped(RegistryImport.objects.all(), user, field="org_path").select_related("org")


def visible_records(user) -> QuerySet[CompanyRecord]:
    return scoped(CompanyRecord.objects.all(), user, field="area_path")


def visible_candidates(user) -> QuerySet[MatchCandidate]:
    return scoped(MatchCandidate.objects.all(), user, field="area_path").select_related("record", "employer")


def root_for(user, org_id: int | None) -> Organisation:
    """The org whose subtree a result covers: the one asked for (in scope, else not found), else the top org of the
    user's scope."""
    if org_id is not None:
        org = scoped(Organisation.objects.all(), user).filter(pk=org_id).first()
    elif is_unrestricted(user):
        org = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    else:
        paths = managed_paths(user)
        org = Organisation.objects.filter(path=paths[0]).first() if paths else None
    if org is None:
        raise NotFound("单位不存在")
    return org


def search(queryset: QuerySet[CompanyRecord], text: str) -> QuerySet[CompanyRecord]:
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(Q(name__contains=text) | Q(credit_code=text.upper()))


def unorganised(user, *, root: Organisation | None = None, min_insured: int | None = None,
                text: str = "") -> QuerySet[CompanyRecord]:
    rows = visible_records(user).filter(status=ACTIVE).filter(
        Q(employer__isnull=True) | Q(employer__covering_union__isnull=True))
    if root is not None:
        rows = rows.filter(subtree_q(root.path, "area_path"))
    if min_insured:
        rows = rows.filter(insured_count__gte=min_insured)
    return search(rows, text).select_related("employer").order_by(
        F("insured_count").desc(nulls_last=True), "name", "pk")


def closed_with_union(user, *, root: Organisation | None = None, text: str = "") -> QuerySet[CompanyRecord]:
    rows = visible_records(user).filter(status__in=CLOSED, employer__covering_union__isnull=False,
                                        employer__covering_union__status=Organisation.Status.ACTIVE)
    if root is not None:
        rows = rows.filter(subtree_q(root.path, "area_path"))
    return search(rows, text).select_related("employer__covering_union").order_by("name", "pk")


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def coverage(root: Organisation) -> list[dict]:
    """建会率 and 入会率 of each active child org of `root` (its region), then of `root` itself as the total: two
    queries whatever the number of children."""
    children = list(Organisation.objects.filter(parent=root, status=Organisation.Status.ACTIVE)
                    .order_by("path").only("pk", "name", "path", "kind", "subtree_member_count"))
    which = Case(*(When(subtree_q(child.path, "area_path"), then=Value(child.pk)) for child in children),
                 default=Value(0), output_field=IntegerField()) if children else Value(0)
    figures = {row["child"]: row for row in CompanyRecord.objects.filter(
        subtree_q(root.path, "area_path"), status=ACTIVE).annotate(child=which).values("child").annotate(
        companies=Count("pk"), organised=Count("pk", filter=Q(employer__covering_union__isnull=False)),
        insured=Sum("insured_count"))}

    def line(org, rows: list, members: int) -> dict:
        companies = sum(r["companies"] for r in rows)
        organised = sum(r["organised"] for r in rows)
        insured = sum(r["insured"] or 0 for r in rows)
        return {"org": org, "companies": companies, "organised": organised, "unorganised": companies - organised,
                "coverage": _rate(organised, companies), "insured": insured, "members": members,
                "membership": _rate(members, insured)}

    lines = [line(child, [figures[child.pk]] if child.pk in figures else [], child.subtree_member_count)
             for child in children]
    lines.append(line(root, list(figures.values()), root.subtree_member_count))
    return lines
