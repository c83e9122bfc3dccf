"""Demo assessment (考核) and member tags (画像标签) in the demo province (issue 13).

Called by demo/seeding.py after the roll-ups (build_rollups: the scores are computed from its Figure rows):

    from smartunion.demo.seed_insight_assessment import build_assessment
    build_assessment(progress=progress)

What it makes:
- one published province scheme for the cities over the last six complete months (the previous month and the five
  before it), five indicators from the roll-ups totalling 100 points (新入会, 入会千分比, 活动参与, 诉求按期办结率,
  帮扶发放金额). The targets are round numbers a little above the cities' median in the demo data (so some cities
  reach full marks and others do not), fixed when the scheme is made, as a province would set them;
- three tag rules of the province, run at once over the demo members: 青年 (18–35 周岁), 新业态 (every gig-work
  employment form), 活跃 (at least 3 recorded events of any kind in the last 90 days).
Steps are taken by a chair or administrator of the province when the demo has one, else by the system.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.insight import formula as formulas
from smartunion.insight.models import AssessmentScheme, TagRule
from smartunion.insight.services import assessment as services
from smartunion.insight.services import tags as tag_services
from smartunion.orgs.models import Organisation, Position

K = Organisation.Kind
MONTHS = 6
# (name, formula, weight, fixed target or None: from the data, lower is better)
INDICATORS = [
    ("新入会", "joins", "25", None),
    ("入会千分比", "joins / members * 1000", "20", None),
    ("普惠活动参与", "participations", "20", None),
    ("诉求按期办结率", "pct(cases_closed_on_time, cases_closed)", "20", "95"),
    ("帮扶发放金额（万元）", "assistance_paid_fen / 1000000", "15", None),
]
TAG_RULES = [
    ("青年", "18至35周岁的会员", {"age_min": 18, "age_max": 35}),
    ("新业态", "快递员、外卖配送员、网约车司机等新就业形态会员", {"employment_forms": ["gig"]}),
    ("活跃", "近90天参加活动、办理事项不少于3次", {"events_min": 3, "events_days": 90}),
]


def _actor(org: Organisation):
    position = (Position.objects.filter(org=org, role__in=Position.MANAGING_ROLES, user__is_active=True)
                .select_related("user").order_by("id").first())
    return position.user if position is not None else SYSTEM


def _period() -> tuple[dt.date, dt.date]:
    first_of_this = timezone.localdate().replace(day=1)
    end = (first_of_this - dt.timedelta(days=1)).replace(day=1)
    months = services.months_of(dt.date(end.year - 1, end.month, 1), end)[-MONTHS:]
    return months[0], months[-1]


def _nice(value: Decimal) -> Decimal:
    """A round target a little above `value` (1, 2 or 5 times a power of ten, at least 1)."""
    value = max(value * Decimal("1.2"), Decimal(1))
    scale = Decimal(1)
    while scale * 10 <= value:
        scale *= 10
    for step in (1, 2, 5, 10):
        if scale * step >= value:
            return (scale * step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return scale * 10


def _target(formula: str, org_ids: list[int], months: list[dt.date]) -> Decimal:
    parsed = formulas.parse_indicator(formula)
    values = services.figure_values(org_ids, parsed.keys, months)
    results = [v for v in (parsed.evaluate(lambda key, agg, pk=pk: values[(pk, key)][agg]) for pk in org_ids)
               if v is not None]
    return _nice(Decimal(median(results))) if results else Decimal(1)


def build_assessment(*, progress) -> dict:
    progress("正在生成考核方案和会员画像标签演示数据……")
    province = Organisation.objects.filter(kind=K.PROVINCE).order_by("path").first()
    if province is None:
        return {"schemes": 0, "indicators": 0, "orgs": 0, "tag_rules": 0, "tagged": {}}
    by = _actor(province)
    start, end = _period()
    label = f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    scheme = AssessmentScheme.objects.filter(org=province, name__startswith="市总工会工作考核").first()
    if scheme is None:
        scheme = services.create_scheme(org=province, name=f"市总工会工作考核（{label}）", level=K.CITY,
                                        period_start=start, period_end=end, by=by)
        org_ids = [pk for pk, _, _ in services.assessed_orgs(scheme)]
        months = services.scheme_months(scheme)
        for name, formula, weight, target in INDICATORS:
            services.add_indicator(scheme, name=name, formula=formula, weight=weight,
                                   target=target or _target(formula, org_ids, months), by=by)
        services.publish_scheme(scheme, by=by)
    result = services.compute_scheme(scheme, by=by)

    tagged: dict[str, int] = {}
    started = time.perf_counter()
    for tag, description, conditions in TAG_RULES:
        rule = TagRule.objects.filter(org=province, tag=tag).first() or tag_services.create_rule(
            org=province, tag=tag, description=description, conditions=conditions, by=by)
        tagged[tag] = tag_services.run_rule(rule, by=by)["tagged"]
    seconds = time.perf_counter() - started
    progress(f"考核方案：{scheme.name}，{result['indicators']} 项指标，{result['orgs']} 个市总工会已排名；"
             f"画像标签：" + "、".join(f"{tag} {n} 人" for tag, n in tagged.items()) + f"（计算用时 {seconds:.1f} 秒）")
    return {"schemes": 1, "indicators": result["indicators"], "orgs": result["orgs"], "tag_rules": len(TAG_RULES),
            "tagged": tagged}
