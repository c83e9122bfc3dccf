"""Scoped reads of assessment schemes (考核) and their scores.

Visibility (rules_assessment.py): a scheme is read by the cadres of its org and of the orgs above it; a published
scheme also by the cadres of every org in its org's subtree (one Q: the scheme's org_path is one of the ancestors of
an org the cadre holds a position in). Anything else answers as missing.

`ranking(scheme)` is two queries whatever the number of orgs: the totals with their orgs, and the indicator rows.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from smartunion.core.errors import NotFound
from smartunion.insight.models import AssessmentScheme, AssessmentScore, Indicator
from smartunion.orgs.models import ancestor_paths, subtree_q
from smartunion.orgs.queries import is_unrestricted, managed_paths


def _rows() -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.select_related("org")


def visibility_q(user) -> Q | None:
    """None: everything (platform operators)."""
    if is_unrestricted(user):
        return None
    paths = managed_paths(user)
    if not paths:
        return Q(pk__in=[])
    above = reduce(or_, (subtree_q(p, "org_path") for p in paths))
    ancestors = {a for p in paths for a in ancestor_paths(p)}
    return above | Q(status=AssessmentScheme.Status.PUBLISHED, org_path__in=sorted(ancestors))


def visible_schemes(user) -> QuerySet[AssessmentScheme]:
    q = visibility_q(user)
    rows = _rows()
    return (rows if q is None else rows.filter(q)).order_by("-period_end", "-id")


def scheme_for(user, scheme_id: int) -> AssessmentScheme:
    scheme = visible_schemes(user).filter(pk=scheme_id).first()
    if scheme is None:
        raise NotFound("考核方案不存在")
    return scheme


def indicator_for(user, scheme: AssessmentScheme, indicator_id: int) -> Indicator:
    indicator = Indicator.objects.filter(scheme=scheme, pk=indicator_id).select_related("scheme__org").first()
    if indicator is None:
        raise NotFound("考核指标不存在")
    return indicator


def indicators(scheme: AssessmentScheme) -> list[Indicator]:
    return list(scheme.indicators.all())


def ranking(scheme: AssessmentScheme, *, indicators_list: list[Indicator] | None = None,
            search: str = "") -> list[dict]:
    """The scheme's totals by rank (ties in the tree's order), each with its per-indicator value and score in the
    indicators' order: [{"rank", "org_id", "org", "total", "cells": [{"value", "score"}...]}]."""
    items = indicators_list if indicators_list is not None else indicators(scheme)
    totals = (AssessmentScore.objects.filter(scheme=scheme, indicator__isnull=True).select_related("org")
              .order_by("rank", "org_path"))
    if search:
        totals = totals.filter(org__name__contains=search)
    rows = list(totals)
    if not rows:
        return []
    cells: dict[int, dict[int, tuple]] = defaultdict(dict)
    parts = AssessmentScore.objects.filter(scheme=scheme, indicator__isnull=False)
    if search:
        parts = parts.filter(org_id__in=[t.org_id for t in rows])
    for org_id, indicator_id, value, score in parts.values_list("org_id", "indicator_id", "value", "score"):
        cells[org_id][indicator_id] = (value, score)
    out = []
    for total in rows:
        row_cells = []
        for indicator in items:
            value, score = cells[total.org_id].get(indicator.pk, (None, None))
            row_cells.append({"indicator_id": indicator.pk, "value": value, "score": score})
        out.append({"rank": total.rank, "org_id": total.org_id, "org": total.org.name, "path": total.org_path,
                    "total": total.score, "cells": row_cells})
    return out


def org_line(scheme: AssessmentScheme, org_id: int) -> dict | None:
    """One org's line of the ranking (for a cadre of an assessed org)."""
    return next((row for row in ranking(scheme) if row["org_id"] == org_id), None)
