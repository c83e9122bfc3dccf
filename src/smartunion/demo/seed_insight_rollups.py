"""Demo roll-ups (issue 13): twelve months of figures for the dashboards of the demo province.

Called by demo/seeding.py after every other builder (it reads what they made):

    from smartunion.demo.seed_insight_rollups import build_rollups
    build_rollups(progress=progress)

The demo's other builders make this month's activity only (cases, coupons, articles, documents filed "now"), and the
seeded members all joined before this year with no join record. So, before the job runs:

1. Membership history, consistent with the raw tables: for each of the last 12 months, JOIN_SHARE of the seeded
   memberships (those without any history line) get their `since` moved into that month and a 入会 history line
   (MembershipChange) dated in it. The job then computes `members` and `joins` for every month from the raw rows.
2. The roll-up job runs for the last 12 months (services.rollups.rollup, by=SYSTEM): every figure from the raw
   tables.
3. Demo history of the other apps' flows (HISTORY_KEYS): for a month before this one where the raw tables hold
   nothing for a figure, each org's value is this month's own value scaled by a seasonal factor (a deterministic
   random in 0.6–1.2), summed up the tree as the job does. These rows are the one thing in the demo not derived
   from raw rows; the job replaces a month's rows with the raw counts whenever it recomputes that month. The
   previous month is filled too (the trend charts would otherwise drop to nothing before this month): the daily
   job, where a deployment schedules it (Celery beat; the embedded demo has none), recomputes the previous month
   from the raw rows and so takes that month's demo history back to zero.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.insight.figures import last_months, month_of, next_month
from smartunion.insight.models import Figure
from smartunion.insight.services.rollups import CHUNK, OrgTree, compute_month, rollup
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.models import Membership, MembershipChange

MONTHS = 12
JOIN_SHARE = 0.008  # of the seeded memberships, per month
HISTORY_KEYS = [
    "activities", "participations", "coupons_claimed", "coupons_redeemed", "cases_received", "cases_consult",
    "cases_assistance", "cases_complaint", "cases_legal_aid", "cases_suggestion", "cases_closed",
    "cases_closed_on_time", "satisfaction_sum", "satisfaction_count", "assistance_paid_fen", "assistance_paid_count",
    "articles_published", "articles_adopted", "documents_sent", "reports_submitted", "reports_adopted",
]


def _membership_history(months: list[dt.date], rng: random.Random) -> int:
    """Move a share of the seeded memberships' join dates into each month, with a 入会 line dated in it."""
    today = timezone.localdate()
    seeded = list(Membership.objects.filter(status=Membership.Status.ACTIVE, changes__isnull=True)
                  .order_by("pk").values_list("pk", "person_id", "union_id"))
    rng.shuffle(seeded)
    per_month = max(1, int(len(seeded) * JOIN_SHARE)) if seeded else 0
    moved = 0
    for i, month in enumerate(months):
        chosen = seeded[i * per_month:(i + 1) * per_month]
        if not chosen:
            break
        last_day = min(next_month(month) - dt.timedelta(days=1), today)
        with transaction.atomic():
            for pk, person_id, union_id in chosen:
                day = month + dt.timedelta(days=rng.randrange(0, (last_day - month).days + 1))
                Membership.objects.filter(pk=pk).update(since=day)
                change = MembershipChange.objects.create(person_id=person_id, membership_id=pk,
                                                         change_type=ChangeType.JOIN, reason=Reason.JOIN_IMPORT,
                                                         to_union_id=union_id, note="演示数据：历史入会记录")
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
                MembershipChange.objects.filter(pk=change.pk).update(created_at=min(at, timezone.now()))
                moved += 1
    return moved


def _flow_history(months: list[dt.date], rng: random.Random) -> int:
    """Demo rows for the other apps' flows in the months before the previous one (see the module's note)."""
    tree = OrgTree()
    current = month_of(timezone.localdate())
    now = compute_month(current, tree=tree, keys=HISTORY_KEYS)
    present = set(Figure.objects.filter(month__in=months, key__in=HISTORY_KEYS).values_list("month", "key")
                  .distinct())
    written = 0
    for month in months[:-1]:
        factor = rng.uniform(0.6, 1.2)
        rows = []
        for key in HISTORY_KEYS:
            if (month, key) in present:
                continue  # the raw tables have this month: keep the job's figures
            own = {org_id: round(v * factor) for org_id, v in now[key][0].items()}
            own = {k: v for k, v in own.items() if v}
            for org_id, sub in tree.subtree_sums(own).items():
                rows.append(Figure(org_id=org_id, org_path=tree.path[org_id], parent_id=tree.parent[org_id],
                                   month=month, key=key, own=own.get(org_id, 0), subtree=sub))
        with transaction.atomic():
            for i in range(0, len(rows), CHUNK):
                Figure.objects.bulk_create(rows[i:i + CHUNK], update_conflicts=True,
                                           unique_fields=["org", "month", "key"],
                                           update_fields=["org_path", "parent", "own", "subtree", "computed_at"])
        written += len(rows)
    return written


def build_rollups(*, progress) -> dict:
    progress("正在生成统计汇总（近12个月）……")
    rng = random.Random(2026)
    months = last_months(MONTHS)
    joins = _membership_history(months, rng)
    run = rollup(months=months, by=SYSTEM)
    history = _flow_history(months, rng)
    made = {"months": len(months), "history_joins": joins, "rows": run.rows, "history_rows": history,
            "seconds": run.seconds}
    progress(f"统计汇总：{len(months)} 个月，补充历史入会记录 {joins} 条，汇总写入 {run.rows} 行，"
             f"演示历史 {history} 行，用时 {run.seconds:.1f} 秒")
    return made
