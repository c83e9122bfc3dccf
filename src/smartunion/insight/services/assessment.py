"""Assessment (考核) from the roll-ups: schemes, their indicators, and the scores computed, never typed in.

A scheme belongs to a federation (rules_assessment.ASSESSED_LEVELS: the province assesses its cities or counties, a
city its counties) and covers whole months (period_start is kept as the first day of its month, period_end as the
first day of the last month). Each indicator is a formula over figure keys (insight/formula.py), a weight in points,
a target, and whether lower is better.

Computing a scheme (`compute_scheme`, on demand and by `recompute_after_rollup` after each roll-up):
- the orgs assessed: every active org of the scheme's level in the scheme org's subtree;
- each figure is read from insight.Figure `subtree` (the org and everything below it) for the period's months, in
  one query for the whole scheme; a month without a row counts 0. A bare key in a formula is summed over the months
  when the figure is a FLOW (joins, activities, cases_closed ...) and taken at the period's last month when it is a
  STOCK (members, gig_members): insight/figures.py marks each. sum(), last() and avg() choose explicitly;
- value: the formula's result, rounded half up to 4 decimals (no value when it divides by zero);
- score = weight × min(value ÷ target, 1), never below 0, rounded half up to 2 decimals; when lower is better the
  full weight for value ≤ target, else weight × target ÷ value. No value scores 0. A target of 0 is refused when
  higher is better (every org would have full marks); when lower is better, 0 means "none at all": value ≤ 0 scores
  the full weight, anything above scores 0;
- total: the sum of the rounded indicator scores; rank by total, highest first, equal totals share a rank (1, 1, 3).
The previous scores of the scheme are replaced in one transaction. Indicators are edited while the scheme is a
draft; a published scheme keeps its indicators and is still recomputed (late data of the period counts).
Audited as insight.assessment_scheme.* and insight.indicator.*.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.insight import formula as formulas
from smartunion.insight import rules_assessment as rules
from smartunion.insight.models import AssessmentScheme, AssessmentScore, Figure, Indicator
from smartunion.orgs.models import Organisation, subtree_q

S = AssessmentScheme.Status
MAX_MONTHS = 36
MAX_INDICATORS = 30
MAX_WEIGHT = Decimal("1000")
MAX_TARGET = Decimal("9999999999")
VALUE_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")
MAX_VALUE = Decimal("99999999999999")


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from start's month to end's month, inclusive."""
    months, current = [], month_first(start)
    while current <= end:
        months.append(current)
        current = (current.replace(year=current.year + 1, month=1) if current.month == 12
                   else current.replace(month=current.month + 1))
    return months


def scheme_months(scheme: AssessmentScheme) -> list[dt.date]:
    return months_of(scheme.period_start, scheme.period_end)


def period_label(scheme: AssessmentScheme) -> str:
    start, end = scheme.period_start, scheme.period_end
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


# Scoring (pure) ---------------------------------------------------------------------------------------------------


def score_of(value: Decimal | None, *, weight: Decimal, target: Decimal, lower_is_better: bool) -> Decimal:
    """One indicator's score, rounded half up to 2 decimals (see the module's rules)."""
    if value is None:
        return Decimal("0.00")
    if lower_is_better:
        if value <= target:
            raw = weight
        elif target <= 0:
            raw = Decimal(0)
        else:
            raw = weight * target / value
    else:
        if target <= 0:
            raw = weight  # refused at input; kept total for rows written before the rule
        else:
            raw = weight * min(value / target, Decimal(1))
    raw = max(raw, Decimal(0))
    return raw.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def rank(totals: list[tuple[str, int, Decimal]]) -> dict[int, int]:
    """{org id: rank} from (path, org id, total): highest first, equal totals share a rank (1, 1, 3)."""
    ordered = sorted(totals, key=lambda row: (-row[2], row[0]))
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    current = 0
    for index, (_, org_id, total) in enumerate(ordered, start=1):
        if previous is None or total != previous:
            current = index
        ranks[org_id] = current
        previous = total
    return ranks


# Validation -------------------------------------------------------------------------------------------------------


def _decimal(value, places: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite():
        return None
    return number.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _clean_scheme(org: Organisation, *, name: str, level: str, period_start, period_end) -> dict:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写方案名称"
    elif len(name) > 100:
        errors["name"] = "方案名称最多100个字"
    allowed = rules.levels_for(org)
    if level not in allowed:
        names = "、".join(rules.LEVEL_LABELS[k] for k in allowed) or "（无）"  # type: ignore[index]
        errors["level"] = f"{org.name}可考核的层级：{names}"
    if not isinstance(period_start, dt.date) or not isinstance(period_end, dt.date):
        errors["period_start"] = "请填写考核期"
    elif period_end < period_start:
        errors["period_end"] = "考核期止不能早于考核期起"
    elif len(months_of(period_start, period_end)) > MAX_MONTHS:
        errors["period_end"] = f"考核期最长{MAX_MONTHS}个月"
    if errors:
        raise Invalid.from_fields(errors, message="考核方案有误")
    return {"name": name, "level": level, "period_start": month_first(period_start),
            "period_end": month_first(period_end)}


def check_indicator(*, name: str, formula: str, weight, target, lower_is_better: bool) -> dict:
    """The indicator's fields as stored, or Invalid with a message per field (the 2023 rule first)."""
    name = (name or "").strip()
    formula = (formula or "").strip()
    forbidden = rules.forbidden_reason(name, formula)
    if forbidden:
        raise Invalid(forbidden, code="forbidden_indicator", fields={"formula": forbidden})
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写指标名称"
    elif len(name) > 100:
        errors["name"] = "指标名称最多100个字"
    try:
        formulas.parse_indicator(formula)
    except formulas.FormulaError as exc:
        errors["formula"] = exc.message
    weight_value = _decimal(weight, "0.01")
    if weight_value is None or not Decimal(0) < weight_value <= MAX_WEIGHT:
        errors["weight"] = f"分值应为大于0、不超过{MAX_WEIGHT}的数，最多两位小数"
    target_value = _decimal(target, "0.0001")
    if target_value is None or not Decimal(0) <= target_value <= MAX_TARGET:
        errors["target"] = "目标值应为不小于0的数，最多四位小数"
    elif target_value == 0 and not lower_is_better:
        errors["target"] = "目标值为0时所有单位都得满分；越高越好的指标目标值应大于0"
    if errors:
        raise Invalid.from_fields(errors, message="考核指标有误")
    return {"name": name, "formula": formula, "weight": weight_value, "target": target_value,
            "lower_is_better": bool(lower_is_better)}


def _require_define(by, org: Organisation) -> None:
    require_actor(by)
    if not rules.can_define(by, org):
        raise Forbidden("只有考核单位（或其上级）的主席、管理员可以制定和计算考核方案")


def _require_draft(scheme: AssessmentScheme) -> None:
    """From the database: the caller's object may be older than a publish."""
    if not AssessmentScheme.objects.filter(pk=scheme.pk, status=S.DRAFT).exists():
        raise StateError("方案已发布，指标和考核期不能再修改")


# Writes -----------------------------------------------------------------------------------------------------------


def create_scheme(*, org: Organisation, name: str, level: str, period_start, period_end, by) -> AssessmentScheme:
    if org is None:
        raise NotFound("单位不存在")
    _require_define(by, org)
    fields = _clean_scheme(org, name=name, level=level, period_start=period_start, period_end=period_end)
    with transaction.atomic():
        scheme = AssessmentScheme.objects.create(org=org, created_by=user_or_none(by), **fields)
        log_event("insight.assessment_scheme.create", actor=by, target=scheme, org=org,
                  data={"level": scheme.level, "period": period_label(scheme)})
    return scheme


def update_scheme(scheme: AssessmentScheme, *, name: str, level: str, period_start, period_end,
                  by) -> AssessmentScheme:
    _require_define(by, scheme.org)
    _require_draft(scheme)
    fields = _clean_scheme(scheme.org, name=name, level=level, period_start=period_start, period_end=period_end)
    with transaction.atomic():
        for key, value in fields.items():
            setattr(scheme, key, value)
        scheme.save(update_fields=[*fields])
        scheme.scores.all().delete()  # computed for another level or period
        AssessmentScheme.objects.filter(pk=scheme.pk).update(computed_at=None)
        scheme.computed_at = None
        log_event("insight.assessment_scheme.update", actor=by, target=scheme, org=scheme.org,
                  data={"level": scheme.level, "period": period_label(scheme)})
    return scheme


def add_indicator(scheme: AssessmentScheme, *, name: str, formula: str, weight, target,
                  lower_is_better: bool = False, by) -> Indicator:
    _require_define(by, scheme.org)
    _require_draft(scheme)
    fields = check_indicator(name=name, formula=formula, weight=weight, target=target,
                             lower_is_better=lower_is_better)
    with transaction.atomic():
        locked = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
        existing = list(locked.indicators.values_list("position", flat=True))
        if len(existing) >= MAX_INDICATORS:
            raise Invalid(f"一个方案最多{MAX_INDICATORS}项指标")
        indicator = Indicator.objects.create(scheme=locked, position=max(existing, default=0) + 1, **fields)
        log_event("insight.indicator.add", actor=by, target=indicator, org=scheme.org,
                  data={"scheme": scheme.name, "formula": indicator.formula, "weight": str(indicator.weight),
                        "target": str(indicator.target)})
    return indicator


def update_indicator(indicator: Indicator, *, name: str, formula: str, weight, target, lower_is_better: bool,
                     by) -> Indicator:
    scheme = indicator.scheme
    _require_define(by, scheme.org)
    _require_draft(scheme)
    fields = check_indicator(name=name, formula=formula, weight=weight, target=target,
                             lower_is_better=lower_is_better)
    with transaction.atomic():
        for key, value in fields.items():
            setattr(indicator, key, value)
        indicator.save(update_fields=[*fields])
        log_event("insight.indicator.update", actor=by, target=indicator, org=scheme.org,
                  data={"scheme": scheme.name, "formula": indicator.formula, "weight": str(indicator.weight),
                        "target": str(indicator.target)})
    return indicator


def remove_indicator(indicator: Indicator, *, by) -> None:
    scheme = indicator.scheme
    _require_define(by, scheme.org)
    _require_draft(scheme)
    with transaction.atomic():
        log_event("insight.indicator.remove", actor=by, target=indicator, org=scheme.org,
                  data={"scheme": scheme.name, "formula": indicator.formula})
        indicator.delete()


def publish_scheme(scheme: AssessmentScheme, *, by) -> AssessmentScheme:
    """Compute, then publish: the cadres of the assessed orgs see the ranking from now on."""
    _require_define(by, scheme.org)
    _require_draft(scheme)
    if not scheme.indicators.exists():
        raise Invalid("方案还没有考核指标，不能发布")
    with transaction.atomic():
        compute_scheme(scheme, by=by)
        AssessmentScheme.objects.filter(pk=scheme.pk).update(status=S.PUBLISHED)
        scheme.status = S.PUBLISHED
        log_event("insight.assessment_scheme.publish", actor=by, target=scheme, org=scheme.org,
                  data={"period": period_label(scheme)})
    return scheme


def assessed_orgs(scheme: AssessmentScheme) -> list[tuple[int, str, str]]:
    """(id, name, path) of the active orgs of the scheme's level in its org's subtree, in the tree's order."""
    return list(Organisation.objects.filter(subtree_q(scheme.org_path), kind=scheme.level,
                                            status=Organisation.Status.ACTIVE)
                .exclude(pk=scheme.org_id).order_by("path").values_list("pk", "name", "path"))


def figure_values(org_ids: list[int], keys: set[str], months: list[dt.date]) -> dict[tuple[int, str], dict]:
    """{(org id, key): {"sum", "last", "avg"}} from the Figure rows' subtree values: one query."""
    sums: dict[tuple[int, str], int] = defaultdict(int)
    lasts: dict[tuple[int, str], int] = {}
    if org_ids and keys and months:
        rows = Figure.objects.filter(org_id__in=org_ids, key__in=sorted(keys), month__gte=months[0],
                                     month__lte=months[-1]).values_list("org_id", "month", "key", "subtree")
        for org_id, month, key, subtree in rows.iterator(chunk_size=5000):
            sums[(org_id, key)] += subtree
            if month == months[-1]:
                lasts[(org_id, key)] = subtree
    n = Decimal(len(months) or 1)
    out: dict[tuple[int, str], dict] = {}
    for org_id in org_ids:
        for key in keys:
            total = Decimal(sums.get((org_id, key), 0))
            out[(org_id, key)] = {"sum": total, "last": Decimal(lasts.get((org_id, key), 0)), "avg": total / n}
    return out


def _stored_value(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    value = value.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)
    return value if abs(value) <= MAX_VALUE else None


def compute_scheme(scheme: AssessmentScheme, *, by) -> dict:
    """Compute every assessed org's values, scores, totals and ranks; replaces the scheme's scores. Returns
    {"orgs": n, "indicators": m}. Queries: the scheme lock, the orgs, the indicators, the figures, the delete and
    the inserts, whatever the number of orgs."""
    require_actor(by)
    if not rules.can_define(by, scheme.org):
        raise Forbidden("只有考核单位（或其上级）的主席、管理员可以计算考核方案")
    with transaction.atomic():
        AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).first()
        orgs = assessed_orgs(scheme)
        indicators = list(scheme.indicators.all())
        parsed = {}
        for indicator in indicators:
            try:
                parsed[indicator.pk] = formulas.parse_indicator(indicator.formula)
            except formulas.FormulaError as exc:  # a figure removed from the registry since
                raise Invalid(f"指标“{indicator.name}”{exc.message}") from exc
        keys = {key for f in parsed.values() for key in f.keys}
        months = scheme_months(scheme)
        values = figure_values([pk for pk, _, _ in orgs], keys, months)
        rows: list[AssessmentScore] = []
        totals: list[tuple[str, int, Decimal]] = []
        for org_id, _, path in orgs:
            total = Decimal("0.00")
            for indicator in indicators:
                def lookup(key: str, agg: str, org_id: int = org_id):
                    return values[(org_id, key)][agg]

                value = _stored_value(parsed[indicator.pk].evaluate(lookup))
                score = score_of(value, weight=indicator.weight, target=indicator.target,
                                 lower_is_better=indicator.lower_is_better)
                total += score
                rows.append(AssessmentScore(scheme=scheme, indicator=indicator, org_id=org_id, org_path=path,
                                            value=value, score=score))
            totals.append((path, org_id, total))
        ranks = rank(totals)
        rows += [AssessmentScore(scheme=scheme, indicator=None, org_id=org_id, org_path=path, value=None,
                                 score=total, rank=ranks[org_id]) for path, org_id, total in totals]
        AssessmentScore.objects.filter(scheme=scheme).delete()
        AssessmentScore.objects.bulk_create(rows, batch_size=2000)
        now = timezone.now()
        AssessmentScheme.objects.filter(pk=scheme.pk).update(computed_at=now)
        scheme.computed_at = now
        log_event("insight.assessment_scheme.compute", actor=by, target=scheme, org=scheme.org,
                  data={"count": len(orgs), "indicators": len(indicators)})
    return {"orgs": len(orgs), "indicators": len(indicators)}


def recompute_after_rollup(*, months: list[dt.date] | None = None, by) -> int:
    """After a roll-up run: recompute every scheme with indicators whose period overlaps `months` (all schemes
    when None). Returns the number of schemes computed; one scheme's failure does not stop the others."""
    require_actor(by)
    schemes = AssessmentScheme.objects.select_related("org").filter(indicators__isnull=False).distinct()
    if months:
        first, last = min(months), max(months)
        schemes = schemes.filter(period_start__lte=last, period_end__gte=month_first(first))
    done = 0
    for scheme in schemes.order_by("pk"):
        try:
            compute_scheme(scheme, by=by)
        except Invalid:
            continue
        done += 1
    return done
