"""The demo assessment and tags (demo/seed_insight_assessment.py) on the test tree: one published province scheme
for the two cities with five indicators and targets from the data, computed; three tag rules run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.benefits.conftest import make_member

from smartunion.core.models import BehaviourEvent
from smartunion.demo.seed_insight_assessment import _nice, _period, build_assessment
from smartunion.insight.models import AssessmentScheme, Figure, TagRule
from smartunion.insight.queries.assessment import ranking
from smartunion.insight.services.assessment import months_of
from smartunion.members.models import MemberTag

pytestmark = pytest.mark.django_db


def test_round_targets():
    assert [_nice(Decimal(v)) for v in ("0", "0.4", "3.6", "60", "80", "400")] == [
        Decimal(1), Decimal(1), Decimal(5), Decimal(100), Decimal(100), Decimal(500)]


def test_the_demo_assessment_and_tags(tree, personas):
    start, end = _period()
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 5
    for month in months_of(start, end):
        for org, joins, members in ((tree.jinan, 10, 1000), (tree.qingdao, 4, 500)):
            Figure.objects.create(org=org, org_path=org.path, parent=org.parent, month=month, key="joins",
                                  subtree=joins)
            Figure.objects.create(org=org, org_path=org.path, parent=org.parent, month=month, key="members",
                                  subtree=members)
    young = make_member(tree.grassroots, name="青年甲", birth=dt.date(2000, 1, 1))
    make_member(tree.grassroots, name="骑手乙", birth=dt.date(1980, 1, 1), employment_form="11")
    BehaviourEvent.objects.bulk_create([BehaviourEvent(person_id=young.person.pk, kind="benefits.signup.create",
                                                       occurred_at=timezone.now() - dt.timedelta(days=3))] * 3)
    messages = []
    made = build_assessment(progress=messages.append)
    assert made == {"schemes": 1, "indicators": 5, "orgs": 2, "tag_rules": 3,
                    "tagged": {"青年": 1, "新业态": 1, "活跃": 1}}
    scheme = AssessmentScheme.objects.get()
    assert scheme.status == "published" and (scheme.period_start, scheme.period_end) == (start, end)
    # joins: 60 and 24 over six months, median 42 → target 100; 入会千分比 60 and 48, median 54 → 100.
    assert [(i.name, i.weight, i.target) for i in scheme.indicators.all()] == [
        ("新入会", Decimal("25.00"), Decimal("100.0000")), ("入会千分比", Decimal("20.00"), Decimal("100.0000")),
        ("普惠活动参与", Decimal("20.00"), Decimal("1.0000")), ("诉求按期办结率", Decimal("20.00"), Decimal("95.0000")),
        ("帮扶发放金额（万元）", Decimal("15.00"), Decimal("1.0000"))]
    assert [(r["rank"], r["org"], r["total"]) for r in ranking(scheme)] == [
        (1, "济南市总工会", Decimal("27.00")), (2, "青岛市总工会", Decimal("15.60"))]
    assert sorted(TagRule.objects.values_list("tag", "members_tagged")) == [("新业态", 1), ("活跃", 1), ("青年", 1)]
    assert MemberTag.objects.count() == 3
    assert messages[-1].startswith(
        f"考核方案：{scheme.name}，5 项指标，2 个市总工会已排名；画像标签：青年 1 人、新业态 1 人、活跃 1 人")
    # Run again: the same scheme, recomputed; no duplicate rules.
    assert build_assessment(progress=messages.append)["tagged"] == {"青年": 1, "新业态": 1, "活跃": 1}
    assert AssessmentScheme.objects.count() == 1 and TagRule.objects.count() == 3
