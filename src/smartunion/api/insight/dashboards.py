"""/api/v1 data platform: dashboards (routes added to api.insight.common.router).

GET /figures?org=&months=  an org's figures (the org and everything below it) for each month, from the roll-ups:
    `months` is a number of months ending with the current one (default 12, at most 36) or a comma-separated list of
    months ("2026-09,2026-10"). Counts are integers; money in fen; the rates (cases_on_time_rate,
    redemption_rate: thousandths; satisfaction_avg: tenths of a point) are computed from the sums, null when there
    is nothing to divide by. `live` has the member figures of this moment (the maintained counters).
GET /figures/children?org=&month=&page=&page_size=&search=  the org's children with their figures of one month.
GET /figures/keys  the figure keys with their Chinese labels, units and definitions.
`org` defaults to the top org of the caller's scope; an org outside it answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Schema
from pydantic import Field

from smartunion.api.insight.common import router
from smartunion.api.schemas import ErrorOut, text
from smartunion.core.errors import Invalid
from smartunion.insight.figures import FIGURES, RATES, last_months, month_of
from smartunion.insight.queries import dashboards as q
from smartunion.orgs.models import Organisation

MAX_MONTHS = 36


def org_out(org: Organisation) -> dict:
    return {"id": org.pk, "name": org.name, "kind": org.kind, "kind_label": org.get_kind_display(),
            "region": org.region_id or ""}


def _months(value: str) -> list[dt.date]:
    value = (value or "").strip()
    if not value:
        return last_months(12)
    if value.isdigit():
        n = int(value)
        if not 1 <= n <= MAX_MONTHS:
            raise Invalid.from_fields({"months": f"月数应在1到{MAX_MONTHS}之间"})
        return last_months(n)
    months = []
    for part in value.split(","):
        try:
            year, month = (int(p) for p in part.strip().split("-")[:2])
            months.append(dt.date(year, month, 1))
        except ValueError:
            raise Invalid.from_fields({"months": "月份格式应为 2026-09，多个月份用逗号分隔"}) from None
    if len(months) > MAX_MONTHS:
        raise Invalid.from_fields({"months": f"最多查询{MAX_MONTHS}个月"})
    return sorted(set(months))


class FiguresParams(Schema):
    org: int | None = Field(None, description="单位编号；默认本人管辖范围的最高单位")
    months: str = text("月份", 300, "12", description="最近几个月（默认12），或逗号分隔的月份 2026-09,2026-10")


@router.get("/figures", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="单位（含下级）各月统计数据：来自每日汇总")
def figures(request, params: Query[FiguresParams]):
    org = q.dashboard_org(request.auth, params.org)
    months = _months(params.months)
    values = q.months_of(org, months)
    return {
        "org": org_out(org),
        "live": {"members": org.subtree_member_count, "gig_members": org.subtree_gig_member_count},
        "months": [{"month": f"{m:%Y-%m}", "values": values[m]} for m in months],
    }


class ChildrenParams(Schema):
    org: int | None = Field(None, description="单位编号；默认本人管辖范围的最高单位")
    month: str = text("月份", 10, "", description="2026-09；默认本月")
    search: str = text("单位或地区名称", 50, "")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(100, ge=1, le=500)


@router.get("/figures/children", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="下级单位某月统计数据（逐级下钻）")
def children(request, params: Query[ChildrenParams]):
    org = q.dashboard_org(request.auth, params.org)
    month = month_of(dt.date.today())
    if params.month:
        try:
            year, number = (int(p) for p in params.month.split("-")[:2])
            month = dt.date(year, number, 1)
        except ValueError:
            raise Invalid.from_fields({"month": "月份格式应为 2026-09"}) from None
    kids, total = q.children(org, month, search=params.search.strip(), page=params.page,
                             page_size=params.page_size)
    return {"org": org_out(org), "month": f"{month:%Y-%m}", "count": total, "page": params.page,
            "page_size": params.page_size,
            "items": [{"org": org_out(k.org), "values": k.values} for k in kids]}


@router.get("/figures/keys", response={200: list}, summary="统计指标说明")
def keys(request):
    return [*({"key": f.key, "label": f.label, "unit": f.unit, "kind": f.kind, "money_in_fen": f.money,
               "definition": f.definition} for f in FIGURES),
            *({"key": r.key, "label": r.label, "unit": "‰" if r.scale == 1000 else "0.1分", "kind": "rate",
               "money_in_fen": False, "definition": r.definition} for r in RATES)]
