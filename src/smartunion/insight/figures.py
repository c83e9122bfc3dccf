"""The figures of the roll-ups (insight.Figure.key): label, unit, definition, and how the roll-up job computes each
org's own value for a month from the raw tables of the lower apps.

Every figure is an integer per org and month. `own` is what the org's own rows give; `subtree` is the sum of `own`
over the org and everything below it (services/rollups.py). Two kinds:

- STOCK: the value at the month's end (for the current month: now). `members`, `gig_members`.
- FLOW: what happened during the month (local time, Asia/Shanghai), attributed to the org named in each definition.

Rates are never stored: the reader divides two stored counts (`RATES` below), so a subtree's rate is the ratio of
its sums, not an average of the children's rates.

Other parts read figures by key (assessment formulas, open data): the keys are a contract — add, never rename.
Only the roll-up job runs the `compute` functions (a GROUP BY per figure and month over the raw tables); dashboards
read insight.Figure rows only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

STOCK = "stock"
FLOW = "flow"


@dataclass(frozen=True)
class Month:
    """One calendar month: `start` (the first day, what Figure.month stores) and `end` (the next month's first
    day, exclusive), and the same bounds as aware datetimes in the local time zone."""

    start: dt.date

    @property
    def end(self) -> dt.date:
        return next_month(self.start)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_dt(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_dt(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(first: dt.date) -> dt.date:
    return (first.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def last_months(n: int, *, until: dt.date | None = None) -> list[dt.date]:
    """The first days of the `n` months ending with the month of `until` (default: today), oldest first."""
    current = month_of(until or timezone.localdate())
    months = [current]
    for _ in range(n - 1):
        months.append(previous_month(months[-1]))
    return months[::-1]


@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str  # on screen
    unit: str  # 人, 人次, 个, 件, 张, 篇, 分(fen)...
    kind: str  # STOCK or FLOW
    definition: str  # Chinese, shown as the column's tooltip and in the open-data dictionary
    compute: Callable[[Month], dict[int, int]]  # org id -> own value (orgs with 0 may be missing)
    money: bool = False  # an amount in fen (shown in yuan)


def _grouped(qs, org_field: str, *, value=None) -> dict[int, int]:
    """{org id: count (or the sum of `value`)} of `qs` grouped by `org_field` — the job's only GROUP BY shape."""
    agg = Sum(value) if value is not None else Count("pk")
    rows = qs.order_by().values_list(org_field).annotate(n=agg)
    return {org_id: int(n or 0) for org_id, n in rows if org_id is not None and n}


# Members ----------------------------------------------------------------------------------------------------------


def _members_at_end(month: Month, *, gig: bool = False) -> dict[int, int]:
    from smartunion.members.dispatch import gig_forms
    from smartunion.members.models import Membership

    end = month.last_day
    qs = Membership.objects.filter(since__lte=end).filter(
        Q(ended_on__isnull=True, status=Membership.Status.ACTIVE) | Q(ended_on__gt=end))
    if gig:
        qs = qs.filter(person__employment_form__in=sorted(gig_forms()))
    return _grouped(qs, "union_id")


def _members(month: Month) -> dict[int, int]:
    return _members_at_end(month)


def _gig_members(month: Month) -> dict[int, int]:
    return _members_at_end(month, gig=True)


def _joins(month: Month) -> dict[int, int]:
    from smartunion.members.changes import ChangeType
    from smartunion.members.models import MembershipChange

    qs = MembershipChange.objects.filter(change_type=ChangeType.JOIN, created_at__gte=month.start_dt,
                                         created_at__lt=month.end_dt)
    return _grouped(qs, "to_union_id")


def _completed_transfers(month: Month):
    from smartunion.members.models import Transfer

    return Transfer.objects.filter(status=Transfer.Status.COMPLETED, completed_at__gte=month.start_dt,
                                   completed_at__lt=month.end_dt)


def _transfers_out(month: Month) -> dict[int, int]:
    return _grouped(_completed_transfers(month), "from_union_id")


def _transfers_in(month: Month) -> dict[int, int]:
    return _grouped(_completed_transfers(month), "to_union_id")


# Benefits ---------------------------------------------------------------------------------------------------------


def _activities(month: Month) -> dict[int, int]:
    from smartunion.benefits.models import Activity

    qs = Activity.objects.filter(published_at__gte=month.start_dt, published_at__lt=month.end_dt)
    return _grouped(qs, "org_id")


def _participations(month: Month) -> dict[int, int]:
    from smartunion.benefits.models import Ballot, Coupon, LotteryEntry, Participation, Signup

    total: dict[int, int] = {}
    parts = [
        _grouped(Signup.objects.filter(created_at__gte=month.start_dt, created_at__lt=month.end_dt)
                 .exclude(status=Signup.Status.CANCELLED), "activity__org_id"),
        _grouped(LotteryEntry.objects.filter(created_at__gte=month.start_dt, created_at__lt=month.end_dt),
                 "activity__org_id"),
        _grouped(Ballot.objects.filter(cast_at__gte=month.start_dt, cast_at__lt=month.end_dt), "activity__org_id"),
        _grouped(Participation.objects.filter(created_at__gte=month.start, created_at__lt=month.end),
                 "activity__org_id"),
        _grouped(Coupon.objects.filter(claimed_at__gte=month.start_dt, claimed_at__lt=month.end_dt),
                 "activity__org_id"),
    ]
    for part in parts:
        for org_id, n in part.items():
            total[org_id] = total.get(org_id, 0) + n
    return total


def _coupons_claimed(month: Month) -> dict[int, int]:
    from smartunion.benefits.models import Coupon

    qs = Coupon.objects.filter(claimed_at__gte=month.start_dt, claimed_at__lt=month.end_dt)
    return _grouped(qs, "activity__org_id")


def _coupons_redeemed(month: Month) -> dict[int, int]:
    from smartunion.benefits.models import Coupon

    qs = Coupon.objects.filter(status=Coupon.Status.REDEEMED, redeemed_at__gte=month.start_dt,
                               redeemed_at__lt=month.end_dt)
    return _grouped(qs, "activity__org_id")


# Cases ------------------------------------------------------------------------------------------------------------


def _cases_received(kind: str | None = None):
    def compute(month: Month) -> dict[int, int]:
        from smartunion.cases.models import Case

        qs = Case.objects.filter(submitted_at__gte=month.start_dt, submitted_at__lt=month.end_dt)
        if kind:
            qs = qs.filter(kind=kind)
        return _grouped(qs, "org_id")
    return compute


def _closed_cases(month: Month):
    from smartunion.cases.models import Case

    return Case.objects.filter(status=Case.Status.CLOSED, closed_at__gte=month.start_dt, closed_at__lt=month.end_dt)


def _cases_closed(month: Month) -> dict[int, int]:
    return _grouped(_closed_cases(month), "org_id")


def _cases_closed_on_time(month: Month) -> dict[int, int]:
    return _grouped(_closed_cases(month).filter(closed_on_time=True), "org_id")


def _rated_cases(month: Month):
    from smartunion.cases.models import Case

    return Case.objects.filter(rating__isnull=False, rated_at__gte=month.start_dt, rated_at__lt=month.end_dt)


def _satisfaction_sum(month: Month) -> dict[int, int]:
    return _grouped(_rated_cases(month), "org_id", value="rating")


def _satisfaction_count(month: Month) -> dict[int, int]:
    return _grouped(_rated_cases(month), "org_id")


# Assistance, editorial, documents ---------------------------------------------------------------------------------


def _paid(month: Month):
    from smartunion.assistance.models import Payment

    return Payment.objects.filter(status=Payment.Status.PAID, settled_at__gte=month.start_dt,
                                  settled_at__lt=month.end_dt)


def _assistance_paid_fen(month: Month) -> dict[int, int]:
    return _grouped(_paid(month), "application__union_id", value="amount_fen")


def _assistance_paid_count(month: Month) -> dict[int, int]:
    return _grouped(_paid(month), "application__union_id")


def _articles_published(month: Month) -> dict[int, int]:
    from smartunion.editorial.models import Article

    qs = Article.objects.filter(published_at__gte=month.start_dt, published_at__lt=month.end_dt)
    return _grouped(qs, "org_id")


def _articles_adopted(month: Month) -> dict[int, int]:
    from smartunion.editorial.models import PoolItem

    qs = PoolItem.objects.filter(direction=PoolItem.Direction.UP, status=PoolItem.Status.ADOPTED,
                                 decided_at__gte=month.start_dt, decided_at__lt=month.end_dt)
    return _grouped(qs, "from_org_id")


def _documents_sent(month: Month) -> dict[int, int]:
    from smartunion.documents.models import OutgoingDocument

    qs = OutgoingDocument.objects.filter(
        status__in=[OutgoingDocument.Status.DISTRIBUTION, OutgoingDocument.Status.ARCHIVED],
        printed_on__gte=month.start, printed_on__lt=month.end)
    return _grouped(qs, "org_id")


def _reports_submitted(month: Month) -> dict[int, int]:
    from smartunion.documents.models import InfoReport

    qs = InfoReport.objects.filter(submitted_at__gte=month.start_dt, submitted_at__lt=month.end_dt) \
        .exclude(status=InfoReport.Status.WITHDRAWN)
    return _grouped(qs, "org_id")


def _reports_adopted(month: Month) -> dict[int, int]:
    from smartunion.documents.models import InfoReport

    qs = InfoReport.objects.filter(status=InfoReport.Status.ADOPTED, decided_at__gte=month.start_dt,
                                   decided_at__lt=month.end_dt)
    return _grouped(qs, "org_id")


# The registry -----------------------------------------------------------------------------------------------------

FIGURES: list[FigureDef] = [
    FigureDef("members", "会员数", "人", STOCK,
              "月末在册会员数：入会日期不晚于月末、且月末时未终止或转出的会籍，计入会籍所在工会；当月为实时数",
              _members),
    FigureDef("gig_members", "新就业形态会员数", "人", STOCK,
              "月末在册会员中用工形式属新就业形态（快递员、外卖配送员、网约车司机、货车司机、网络主播、家政服务员）的人数",
              _gig_members),
    FigureDef("joins", "新入会", "人", FLOW,
              "当月入会人数（会籍变动记录中的“入会”，含审核通过和批量导入），计入接收的工会", _joins),
    FigureDef("transfers_out", "转出", "人", FLOW, "当月完成的会籍转移，计入转出工会", _transfers_out),
    FigureDef("transfers_in", "转入", "人", FLOW, "当月完成的会籍转移，计入转入工会", _transfers_in),
    FigureDef("activities", "发布活动", "个", FLOW, "当月发布的普惠活动（报名、领券、抽奖、投票、问卷），计入发布单位",
              _activities),
    FigureDef("participations", "活动参与", "人次", FLOW,
              "当月参与普惠活动的人次：报名（不含已取消）、抽奖、投票、问卷、领券各计一次，计入活动发布单位",
              _participations),
    FigureDef("coupons_claimed", "领券", "张", FLOW, "当月领取的优惠券张数，计入活动发布单位", _coupons_claimed),
    FigureDef("coupons_redeemed", "核销", "张", FLOW, "当月核销的优惠券张数，计入活动发布单位", _coupons_redeemed),
    FigureDef("cases_received", "受理诉求", "件", FLOW, "当月提交的职工诉求工单，计入当前承办单位",
              _cases_received()),
    FigureDef("cases_consult", "咨询", "件", FLOW, "当月提交的咨询类工单", _cases_received("consult")),
    FigureDef("cases_assistance", "帮扶诉求", "件", FLOW, "当月提交的帮扶类工单", _cases_received("assistance")),
    FigureDef("cases_complaint", "信访投诉", "件", FLOW, "当月提交的信访投诉类工单", _cases_received("complaint")),
    FigureDef("cases_legal_aid", "法律援助", "件", FLOW, "当月提交的法律援助类工单", _cases_received("legal_aid")),
    FigureDef("cases_suggestion", "建议", "件", FLOW, "当月提交的建议类工单", _cases_received("suggestion")),
    FigureDef("cases_closed", "办结诉求", "件", FLOW, "当月办结的工单（办结后重新办理的，以最近一次办结为准）",
              _cases_closed),
    FigureDef("cases_closed_on_time", "按期办结", "件", FLOW, "当月办结的工单中按期办结的件数", _cases_closed_on_time),
    FigureDef("satisfaction_sum", "满意度评分合计", "分", FLOW, "当月职工对办结工单的评分（1—5分）之和",
              _satisfaction_sum),
    FigureDef("satisfaction_count", "评价件数", "件", FLOW, "当月职工评分的工单件数", _satisfaction_count),
    FigureDef("assistance_paid_fen", "帮扶发放金额", "元", FLOW,
              "当月已发放（到账）的帮扶金额，计入受助职工所在工会；存储单位为分", _assistance_paid_fen, money=True),
    FigureDef("assistance_paid_count", "帮扶发放笔数", "笔", FLOW, "当月已发放（到账）的帮扶款笔数",
              _assistance_paid_count),
    FigureDef("articles_published", "发布稿件", "篇", FLOW, "当月发布的新闻稿件，计入发布单位", _articles_published),
    FigureDef("articles_adopted", "稿件被采用", "篇", FLOW, "当月报送上级稿件库并被采用的稿件，计入报送单位",
              _articles_adopted),
    FigureDef("documents_sent", "发文", "件", FLOW, "当月印发（已分发或归档）的公文，计入发文机关", _documents_sent),
    FigureDef("reports_submitted", "报送信息", "条", FLOW, "当月报送上级的信息（不含撤回），计入报送单位",
              _reports_submitted),
    FigureDef("reports_adopted", "信息被采用", "条", FLOW, "当月被上级采用的报送信息，计入报送单位", _reports_adopted),
]

BY_KEY: dict[str, FigureDef] = {f.key: f for f in FIGURES}
KEYS: list[str] = [f.key for f in FIGURES]
# Stock figures the job takes from the counters orgs already maintain, for the current month ("live").
LIVE = {"members": ("member_count", "subtree_member_count"),
        "gig_members": ("gig_member_count", "subtree_gig_member_count")}


@dataclass(frozen=True)
class RateDef:
    key: str
    label: str
    numerator: str
    denominator: str
    scale: int  # 1000: thousandths (shown as a percentage with one decimal); 10: tenths (an average score)
    definition: str


RATES: list[RateDef] = [
    RateDef("cases_on_time_rate", "按期办结率", "cases_closed_on_time", "cases_closed", 1000,
            "按期办结件数 ÷ 办结件数"),
    RateDef("satisfaction_avg", "满意度", "satisfaction_sum", "satisfaction_count", 10,
            "评分合计 ÷ 评价件数（5分制）"),
    RateDef("redemption_rate", "核销率", "coupons_redeemed", "coupons_claimed", 1000, "核销张数 ÷ 领券张数"),
]
RATE_BY_KEY = {r.key: r for r in RATES}


def rate(values: dict[str, int], r: RateDef) -> int | None:
    """The rate (in 1/scale) from a dict of figure values; None when the denominator is 0."""
    den = values.get(r.denominator) or 0
    if not den:
        return None
    return round((values.get(r.numerator) or 0) * r.scale / den)


def format_rate(value: int | None, r: RateDef) -> str:
    if value is None:
        return "—"
    if r.scale == 1000:
        return f"{value / 10:.1f}%"
    return f"{value / r.scale:.1f}"


def format_value(key: str, value: int | None) -> str:
    """A figure for the screen: money in yuan with two decimals, counts as integers with thousands separators."""
    if key in RATE_BY_KEY:
        return format_rate(value, RATE_BY_KEY[key])
    if value is None:
        return "0"
    if BY_KEY[key].money:
        return f"{value / 100:,.2f}"
    return f"{value:,}"


def label(key: str) -> str:
    if key in RATE_BY_KEY:
        return RATE_BY_KEY[key].label
    return BY_KEY[key].label


def with_rates(values: dict[str, int]) -> dict[str, int | None]:
    """The figure values plus every rate computed from them."""
    out: dict[str, int | None] = dict(values)
    for r in RATES:
        out[r.key] = rate(values, r)
    return out
