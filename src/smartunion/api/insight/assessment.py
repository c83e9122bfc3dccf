"""/api/v1 data platform: assessment (考核), read-only (schemes are defined in the console).

GET /assessment/schemes lists the schemes the caller may read, newest period first: those of the caller's orgs and
the orgs below them, and published ones of the orgs above them (a draft is never seen below its org).
GET /assessment/schemes/{id} gives one with its indicators; GET /assessment/schemes/{id}/scores the ranking (every
assessed org's total, rank, and each indicator's value and score), paginated. Out of scope answers 404.
"""

from __future__ import annotations

from ninja import Query, Schema

from smartunion.api.insight.common import router
from smartunion.api.schemas import CHOICE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.errors import Invalid
from smartunion.core.pagination import paginate
from smartunion.insight import rules_assessment as rules
from smartunion.insight.models import AssessmentScheme, AssessmentScore
from smartunion.insight.queries import assessment as queries
from smartunion.insight.services import assessment as services


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def scheme_out(scheme: AssessmentScheme) -> dict:
    return {
        "id": scheme.pk, "name": scheme.name, "org": {"id": scheme.org_id, "name": scheme.org.name},
        "level": scheme.level, "level_label": rules.LEVEL_LABELS.get(scheme.level, scheme.level),
        "period_start": scheme.period_start, "period_end": scheme.period_end,
        "period_label": services.period_label(scheme), "status": scheme.status,
        "status_label": scheme.get_status_display(), "computed_at": scheme.computed_at,
    }


def indicator_out(indicator) -> dict:
    return {"id": indicator.pk, "name": indicator.name, "formula": indicator.formula,
            "weight": _decimal(indicator.weight), "target": _decimal(indicator.target),
            "lower_is_better": indicator.lower_is_better}


class SchemeListParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = text("状态", CHOICE_INPUT, "", description="draft 草稿、published 已发布")
    q: str = text("搜索", SEARCH_INPUT, "", description="方案名称")


@router.get("/assessment/schemes", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="考核方案列表（本单位及下级的方案、上级已发布的方案）")
def list_schemes(request, params: Query[SchemeListParams]):
    rows = queries.visible_schemes(request.auth)
    if params.status:
        if params.status not in AssessmentScheme.Status.values:
            raise Invalid.from_fields({"status": "状态应为 draft 或 published"})
        rows = rows.filter(status=params.status)
    if params.q.strip():
        rows = rows.filter(name__contains=params.q.strip())
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=scheme_out)


@router.get("/assessment/schemes/{scheme_id}", response={200: dict, 404: ErrorOut}, summary="考核方案及其指标")
def get_scheme(request, scheme_id: int):
    scheme = queries.scheme_for(request.auth, scheme_id)
    return {**scheme_out(scheme), "indicators": [indicator_out(i) for i in queries.indicators(scheme)]}


class ScoreParams(Schema):
    page: int = 1
    page_size: int = 50
    q: str = text("搜索", SEARCH_INPUT, "", description="单位名称")


@router.get("/assessment/schemes/{scheme_id}/scores", response={200: dict, 400: ErrorOut, 404: ErrorOut},
            summary="考核得分与排名（按汇总数据计算；总分相同名次相同）")
def scheme_scores(request, scheme_id: int, params: Query[ScoreParams]):
    scheme = queries.scheme_for(request.auth, scheme_id)
    items = queries.indicators(scheme)
    totals = (AssessmentScore.objects.filter(scheme=scheme, indicator__isnull=True).select_related("org")
              .order_by("rank", "org_path"))
    if params.q.strip():
        totals = totals.filter(org__name__contains=params.q.strip())
    page = paginate(totals, page=params.page, page_size=params.page_size, serialize=lambda row: row)
    cells: dict[int, dict[int, AssessmentScore]] = {}
    org_ids = [row.org_id for row in page["items"]]
    for part in AssessmentScore.objects.filter(scheme=scheme, indicator__isnull=False, org_id__in=org_ids):
        cells.setdefault(part.org_id, {})[part.indicator_id] = part

    def cell(org_id: int, indicator_id: int) -> dict:
        part = cells.get(org_id, {}).get(indicator_id)
        return {"indicator_id": indicator_id, "value": _decimal(part.value) if part else None,
                "score": _decimal(part.score) if part else None}

    page["items"] = [{"rank": row.rank, "org": {"id": row.org_id, "name": row.org.name}, "total": _decimal(row.score),
                      "indicators": [cell(row.org_id, i.pk) for i in items]} for row in page["items"]]
    return {"scheme": scheme_out(scheme), "indicators": [indicator_out(i) for i in items], **page}
