"""Information reports (信息报送): submitting, withdrawing, adopting at a level, declining, forwarding up, and the
scoring table. Scores and rankings are reads (documents/queries/reports.py), computed from the adoptions.

REPORT_WORKFLOW (core.workflow) over InfoReport.Status:

    submitted (待处理) ─ adopt (采用, at a level) ──→ adopted (已采用)
              │        ─ decline (不采用, reason) ─→ declined (未采用)
              └──────── withdraw (撤回) ───────────→ withdrawn (已撤回)

Every decision is final; only a submitted item moves. Audited as `documents.info_report.<action>`.

Decisions:
- An org submits to its parent, and only when the parent is a city or province federation (rules_reports.py
  RECEIVING_KINDS); who may adopt at which level is rules_reports.ADOPT_LEVELS (city: 市级采用; province: 省级采用,
  报送全总).
- Forwarding (转报) makes a copy: a city that adopted a county's item may pass it on to the province as a NEW
  InfoReport from the city (category, title and body copied, the body starting with a line naming the original
  item's number and org). The province then adopts or declines the copy at its own level. Chosen over raising the
  level of the same row because each row then has exactly one receiver and one decision, and a score is simply
  "the points of each adopted row, to the row's submitting org": the county keeps its 市级 point from the city, the
  city earns the 省级 points for what it passed up and the province accepted. Upgrading the same row would have
  to rewrite its receiver, reopen a decided item and lose either the city's or the county's credit. One copy per
  original (a second forward is refused while the first is not withdrawn).
- Points (ReportScore): a federation sets points per level per year; for an adoption the nearest row for that year
  and level on the receiving org's chain (the receiving org, then up) wins; with no row the defaults apply
  (DEFAULT_POINTS: 市级 1, 省级 3, 报送全总 10). Points count in the period of the decision date.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound
from smartunion.core.notifications import notify_user, notify_users
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.documents import rules_reports as rules
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.orgs.models import Organisation

S = InfoReport.Status
L = InfoReport.Level
MAX_TITLE = 200
MAX_BODY = 20000
MAX_REASON = 300
MAX_POINTS = Decimal("9999.9")
DEFAULT_POINTS: dict[str, Decimal] = {L.CITY: Decimal("1"), L.PROVINCE: Decimal("3"), L.NATIONAL: Decimal("10")}
FORWARD_MARK = "【转报】原信息编号："


def forward_prefix(report: InfoReport) -> str:
    """The first line of a forwarded copy's body, naming the original (also how a second forward is found)."""
    return f"{FORWARD_MARK}{report.pk}；原报送单位：{report.org.name}\n"


def _receivers(org: Organisation) -> list:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(
        positions__org=org, positions__role__in=rules.REPORT_ROLES, is_active=True).distinct())


def _tell_receivers(report: InfoReport) -> None:
    notify_users(_receivers(report.to_org), subject="收到报送信息",
                 body=f"{report.org.name}报送了信息《{report.title}》，请在“信息采用”中处理。")


def _tell_submitter(subject: str, body):
    def effect(report: InfoReport, step: Step) -> None:
        if report.submitted_by_id is not None and report.submitted_by is not None:
            notify_user(report.submitted_by, subject=subject, body=body(report, step))
    return effect


def _adopt(report: InfoReport, step: Step) -> dict:
    level = step.data.get("level", "")
    allowed = rules.levels_for(report.to_org)
    if level not in allowed:
        names = "、".join(L(value).label for value in allowed) or "无"
        raise Invalid.from_fields({"level": f"{report.to_org.name}可给的采用级别为：{names}"})
    return {"level": level, "reason": "", "decided_by": user_or_none(step.by), "decided_at": timezone.now()}


def _decline(report: InfoReport, step: Step) -> dict:
    return {"reason": step.note[:MAX_REASON], "level": "", "decided_by": user_or_none(step.by),
            "decided_at": timezone.now()}


REPORT_WORKFLOW = Workflow(
    name="documents.info_report",
    field="status",
    state_labels=dict(S.choices),
    org_of=lambda report: (report.org, report.to_org),
    transitions=[
        Transition("adopt", source=S.SUBMITTED, target=S.ADOPTED, label="采用", allowed=rules.can_decide,
                   apply=_adopt, effects=(_tell_submitter(
                       "报送信息已采用",
                       lambda r, s: f"《{r.title}》已被{r.to_org.name}{L(r.level).label}。"),)),
        Transition("decline", source=S.SUBMITTED, target=S.DECLINED, label="不采用", allowed=rules.can_decide,
                   note_required=True, apply=_decline, effects=(_tell_submitter(
                       "报送信息未采用",
                       lambda r, s: f"《{r.title}》未被{r.to_org.name}采用，原因：{s.note}"),)),
        Transition("withdraw", source=S.SUBMITTED, target=S.WITHDRAWN, label="撤回", allowed=rules.can_withdraw),
    ],
)


def _clean(category: str, title: str, body: str) -> tuple[str, str, str]:
    category, title, body = (category or "").strip(), (title or "").strip(), (body or "").strip()
    errors: dict[str, str] = {}
    if category not in InfoReport.Category.values:
        errors["category"] = "请选择类别：工作动态、经验做法或问题建议"
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > MAX_TITLE:
        errors["title"] = f"标题不能超过{MAX_TITLE}个字"
    if not body:
        errors["body"] = "请填写内容"
    elif len(body) > MAX_BODY:
        errors["body"] = f"内容不能超过{MAX_BODY}个字"
    if errors:
        raise Invalid.from_fields(errors)
    return category, title, body


def receiver_of(org: Organisation) -> Organisation:
    """The org an org's items go to: its parent, when that parent takes reports."""
    parent = org.parent if org.parent_id else None
    if parent is None or parent.kind not in rules.RECEIVING_KINDS or parent.status != Organisation.Status.ACTIVE:
        raise Invalid.from_fields({"org": f"{org.name}没有接收信息报送的上级单位（只有市总工会和省总工会接收）"},
                                  message=f"{org.name}没有接收信息报送的上级单位")
    return parent


def submit_report(*, org: Organisation, category: str, title: str, body: str, by) -> InfoReport:
    """A cadre of `org` submits an item to the org above."""
    require_actor(by)
    if org is None:
        raise NotFound("单位不存在")
    if not rules.can_submit(by, org):
        raise Forbidden("只有本单位的干部可以报送信息")
    category, title, body = _clean(category, title, body)
    to_org = receiver_of(org)
    with transaction.atomic():
        report = InfoReport.objects.create(org=org, to_org=to_org, category=category, title=title, body=body,
                                           submitted_by=user_or_none(by))
        log_event("documents.info_report.submit", actor=by, target=report, org=org, also_org=to_org,
                  data={"category": category, "to": to_org.name})
        _tell_receivers(report)
    return report


def withdraw_report(report: InfoReport, *, by) -> InfoReport:
    return transition(report, "withdraw", workflow=REPORT_WORKFLOW, by=by)


def adopt_report(report: InfoReport, *, level: str, by) -> InfoReport:
    return transition(report, "adopt", workflow=REPORT_WORKFLOW, by=by, data={"level": (level or "").strip()})


def decline_report(report: InfoReport, *, reason: str, by) -> InfoReport:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid.from_fields({"reason": f"原因不能超过{MAX_REASON}个字"})
    if not reason:
        raise Invalid.from_fields({"reason": "请填写未采用的原因"})
    return transition(report, "decline", workflow=REPORT_WORKFLOW, by=by, note=reason)


def forward_report(report: InfoReport, *, by) -> InfoReport:
    """转报: the receiving city passes an item it adopted on to the org above, as a new item from the city."""
    require_actor(by)
    if not rules.can_decide(by, report):
        raise Forbidden("只有接收单位的干部可以转报")
    city = report.to_org
    if city.kind not in rules.FORWARDING_KINDS:
        raise Invalid("只有市总工会可以把采用的信息转报上级")
    if report.status != S.ADOPTED:
        raise Conflict("只能转报已采用的信息", code="not_adopted")
    prefix = forward_prefix(report)
    with transaction.atomic():
        InfoReport.objects.select_for_update().filter(pk=report.pk).first()
        if InfoReport.objects.filter(org=city, body__startswith=prefix).exclude(status=S.WITHDRAWN).exists():
            raise Conflict("这条信息已经转报过", code="already_forwarded")
        to_org = receiver_of(city)
        copy = InfoReport.objects.create(org=city, to_org=to_org, category=report.category, title=report.title,
                                         body=prefix + report.body, submitted_by=user_or_none(by))
        log_event("documents.info_report.forward", actor=by, target=copy, org=city, also_org=to_org,
                  data={"source": report.pk, "to": to_org.name})
        _tell_receivers(copy)
    return copy


def set_score(*, org: Organisation, year: int, level: str, points, by) -> ReportScore:
    """A federation's points for an adoption at `level` in `year` (its subtree; replaces its earlier value)."""
    require_actor(by)
    if org is None:
        raise NotFound("单位不存在")
    if not rules.can_set_scores(by, org):
        raise Forbidden("只有总工会的主席或管理员可以设置本级及下级的计分规则")
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = "年度应在2000至2100之间"
    if level not in L.values:
        errors["level"] = "请选择采用级别"
    try:
        value = Decimal(str(points)).quantize(Decimal("0.1"))
        if not Decimal(0) <= value <= MAX_POINTS:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["points"] = f"分值应为0至{MAX_POINTS}之间的数，最多一位小数"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        row, created = ReportScore.objects.update_or_create(org=org, year=year, level=level,
                                                            defaults={"points": value})
        log_event("documents.report_score.set", actor=by, target=row, org=org,
                  data={"year": year, "level": level, "points": str(value), "created": created})
    return row


def default_points(level: str) -> Decimal:
    return DEFAULT_POINTS[level]


