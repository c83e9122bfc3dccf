"""/api/v1/reports: information reports (信息报送).

An item is read by the cadres of its submitting org and of the orgs above it (its receiving org included); anything
else answers 404 like a missing one. GET /reports lists `box=mine` (the items of the orgs where the caller holds a
reporting role, newest first: the default), `box=inbox` (items sent to those orgs, oldest first; submitted ones
unless `status` says otherwise) or `box=all` (every item in scope). Steps answer the item as GET /reports/{id} does.
The ranking counts the points of adoptions decided in the period (a year, or one quarter or month of it) for every
org of a level in the chosen org's subtree; equal points share a rank.
"""

from __future__ import annotations

from ninja import Query, Schema, Status
from pydantic import Field

from smartunion.api.documents.common import router
from smartunion.api.schemas import CHOICE_INPUT, ErrorOut, text
from smartunion.core.errors import Invalid, NotFound
from smartunion.core.pagination import paginate
from smartunion.documents import rules_reports as rules
from smartunion.documents.models import InfoReport
from smartunion.documents.queries import reports as queries
from smartunion.documents.services import reports as services
from smartunion.orgs.models import Organisation

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, **ERRORS}


def report_out(report: InfoReport) -> dict:
    return {
        "id": report.pk, "org": {"id": report.org_id, "name": report.org.name},
        "to_org": {"id": report.to_org_id, "name": report.to_org.name},
        "category": report.category, "category_label": report.get_category_display(), "title": report.title,
        "status": report.status, "status_label": report.get_status_display(),
        "level": report.level, "level_label": report.get_level_display() if report.level else "",
        "reason": report.reason, "submitted_at": report.submitted_at, "decided_at": report.decided_at,
    }


def detail_out(report: InfoReport, user) -> dict:
    out = report_out(report)
    out.update(
        body=report.body, submitted_by=str(report.submitted_by) if report.submitted_by_id else "",
        decided_by=str(report.decided_by) if report.decided_by_id else "",
        points=str(queries.points_for(report)),
        may_decide=report.status == InfoReport.Status.SUBMITTED and rules.can_decide(user, report),
        levels=[{"value": v, "label": InfoReport.Level(v).label} for v in rules.levels_for(report.to_org)]
        if rules.can_decide(user, report) else [],
    )
    return out


def _answer(request, report: InfoReport) -> dict:
    return detail_out(queries.report_for(request.auth, report.pk), request.auth)


class ReportListParams(Schema):
    page: int = 1
    page_size: int = 20
    box: str = text("列表", CHOICE_INPUT, "mine",
                    description="mine 本单位报送的（默认）、inbox 报送给本单位的、all 范围内全部")
    status: str = text("状态", CHOICE_INPUT, "", description="submitted、adopted、declined、withdrawn")


@router.get("/reports", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="信息报送列表：本单位报送的、报送给本单位的（待处理）或范围内全部")
def list_reports(request, params: Query[ReportListParams]):
    user = request.auth
    if params.status and params.status not in InfoReport.Status.values:
        raise Invalid.from_fields({"status": "状态应为 submitted、adopted、declined 或 withdrawn"})
    if params.box == "inbox":
        rows = queries.inbox(user, status=params.status or InfoReport.Status.SUBMITTED)
    elif params.box == "mine":
        rows = queries.my_submissions(user)
    elif params.box == "all":
        rows = queries.visible_reports(user).order_by("-submitted_at", "-id")
    else:
        raise Invalid.from_fields({"box": "列表应为 mine、inbox 或 all"})
    if params.status and params.box != "inbox":
        rows = rows.filter(status=params.status)
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=report_out)


class ReportIn(Schema):
    org_id: int | None = Field(None, description="报送单位；只在一个单位任职时可省略")
    category: str = text("类别", CHOICE_INPUT, description="news 工作动态、practice 经验做法、issue 问题建议")
    title: str = text("标题", 200)
    body: str = text("内容", 20000)


@router.post("/reports", response={201: dict, **ERRORS}, summary="报送信息（本单位干部；报送至上级市总或省总）")
def submit(request, payload: ReportIn):
    user = request.auth
    if payload.org_id is None:
        paths = rules.acting_paths(user)
        if len(paths) != 1:
            raise Invalid.from_fields({"org_id": "请选择报送单位"})
        org = Organisation.objects.filter(path=paths[0]).first()
    else:
        org = Organisation.objects.filter(pk=payload.org_id).first()
    if org is None or not rules.can_submit(user, org):
        raise NotFound("单位不存在")
    report = services.submit_report(org=org, category=payload.category, title=payload.title, body=payload.body,
                                    by=user)
    return Status(201, _answer(request, report))


class ReportRankingParams(Schema):
    org_id: int | None = Field(None, description="在其下级中排名的单位；默认本人范围的最高单位")
    year: int = Field(..., ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    month: int | None = Field(None, ge=1, le=12)
    kind: str = text("单位层级", CHOICE_INPUT, "", description="city、county…；默认所选单位的下一级")


@router.get("/reports/ranking", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="信息采用排行：所选单位下某一层级的各单位在年度（或季度、月份）内的采用得分")
def ranking(request, params: Query[ReportRankingParams]):
    root = queries.ranking_root(request.auth, params.org_id)
    kind = params.kind or queries.default_kind(root)
    rows = queries.ranking(root, kind=kind, year=params.year, quarter=params.quarter, month=params.month)
    return {"org": {"id": root.pk, "name": root.name}, "kind": kind, "year": params.year,
            "quarter": params.quarter, "month": params.month,
            "items": [{"rank": r["rank"], "org": {"id": r["org_id"], "name": r["org"]}, "points": str(r["points"]),
                       "adopted": r["adopted"], "city": r["city_count"], "province": r["province_count"],
                       "national": r["national_count"]} for r in rows]}


@router.get("/reports/{report_id}", response={200: dict, 404: ErrorOut}, summary="信息详情")
def get_report(request, report_id: int):
    return detail_out(queries.report_for(request.auth, report_id), request.auth)


class AdoptIn(Schema):
    level: str = text("采用级别", CHOICE_INPUT,
                      description="city 市级采用（市总）、province 省级采用、national 报送全总（省总）")


class DeclineIn(Schema):
    reason: str = text("未采用原因", 300)


@router.post("/reports/{report_id}/adopt", response=STEP, summary="采用（接收单位的干部，按本单位可给的级别）")
def adopt(request, report_id: int, payload: AdoptIn):
    report = queries.report_for(request.auth, report_id)
    return _answer(request, services.adopt_report(report, level=payload.level, by=request.auth))


@router.post("/reports/{report_id}/decline", response=STEP, summary="不采用（接收单位的干部，须填写原因）")
def decline(request, report_id: int, payload: DeclineIn):
    report = queries.report_for(request.auth, report_id)
    return _answer(request, services.decline_report(report, reason=payload.reason, by=request.auth))


@router.post("/reports/{report_id}/withdraw", response=STEP, summary="撤回（报送单位的干部，处理之前）")
def withdraw(request, report_id: int):
    report = queries.report_for(request.auth, report_id)
    return _answer(request, services.withdraw_report(report, by=request.auth))


@router.post("/reports/{report_id}/forward", response={201: dict, **ERRORS},
             summary="转报上级（市总把已采用的信息作为本单位的信息报送省总）")
def forward(request, report_id: int):
    report = queries.report_for(request.auth, report_id)
    return Status(201, _answer(request, services.forward_report(report, by=request.auth)))
