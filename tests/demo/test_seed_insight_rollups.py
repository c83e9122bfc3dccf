"""The demo roll-ups (demo/seed_insight_rollups.py) on the test tree: twelve months written, the membership
history consistent with the raw rows, this month's figures equal to the maintained counters, and demo history of
the flows only where the raw tables have nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.benefits.conftest import make_member

from smartunion.demo.seed_insight_rollups import build_rollups
from smartunion.insight.figures import last_months
from smartunion.insight.models import Figure, RollupRun
from smartunion.members.models import MembershipChange
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_rollups(tree, personas):
    for _ in range(3):
        make_member(tree.qd_grassroots, since=dt.date(2021, 1, 1))
    messages = []
    made = build_rollups(progress=messages.append)
    months = last_months(12)
    # 4 seeded members without history: one per month (0.8% rounds up to one) for the first four months.
    assert made["months"] == 12 and made["history_joins"] == 4
    assert MembershipChange.objects.filter(change_type="01").count() == 4
    assert set(MembershipChange.objects.values_list("created_at__date", flat=True)) <= {
        d for m in months[:4] for d in (m + dt.timedelta(days=i) for i in range(31))}
    run = RollupRun.objects.get()
    assert run.months == [m.isoformat() for m in months] and run.rows == made["rows"]
    province = Organisation.objects.get(pk=tree.province.pk)
    members = dict(Figure.objects.filter(org=tree.province, key="members").values_list("month", "subtree"))
    assert members[months[-1]] == province.subtree_member_count == 4
    assert [members.get(m, 0) for m in months[:4]] == [1, 2, 3, 4]  # the moved join dates, month by month
    joins = dict(Figure.objects.filter(org=tree.province, key="joins").values_list("month", "subtree"))
    assert [joins.get(m, 0) for m in months] == [1, 1, 1, 1] + [0] * 8
    # Nothing else happened this month on the test tree: no demo history to scale.
    assert made["history_rows"] == 0
    assert messages[0] == "正在生成统计汇总（近12个月）……"
    assert messages[-1].startswith("统计汇总：12 个月，补充历史入会记录 4 条")


def test_demo_history_of_the_flows(tree, personas):
    from tests.cases.case_rows import new_case

    new_case(personas.worker)
    made = build_rollups(progress=lambda line: None)
    months = last_months(12)
    cases = dict(Figure.objects.filter(org=tree.province, key="cases_received").values_list("month", "subtree"))
    # This month from the raw case; the eleven before are demo history where the job found nothing (one case
    # scaled by 0.6–1.2 rounds to one), the previous month included.
    assert [cases.get(m, 0) for m in months] == [1] * 12
    assert made["history_rows"] == 11 * 5 * 2  # 11 months × the township and its 4 ancestors × 2 keys
    assert Figure.objects.filter(month=months[0], key="cases_complaint", org=tree.lixia_town).get().own == 1
