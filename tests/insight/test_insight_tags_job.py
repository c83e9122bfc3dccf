"""Member tags by rule: conditions validated, tags computed for the rule's subtree, removed when no longer met,
objected ones never re-added nor removed, another rule's rows left alone, counts only, and the member's objection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.benefits.conftest import make_member

from smartunion.assistance.models import HardshipFile
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound
from smartunion.core.models import BehaviourEvent
from smartunion.insight.models import TagRule
from smartunion.insight.services import tags as services
from smartunion.members.models import MemberTag
from smartunion.orgs.models import Region

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 12, 0))


def tagged(tag):
    return sorted(MemberTag.objects.filter(tag=tag).values_list("person__name", "objected"))


def events(person, n, *, days_ago=10, kind="benefits.signup.create"):
    BehaviourEvent.objects.bulk_create([
        BehaviourEvent(person_id=person.pk, kind=kind, occurred_at=NOW - dt.timedelta(days=days_ago),
                       org_path="") for _ in range(n)])


def test_conditions_are_validated():
    with pytest.raises(Invalid) as caught:
        services.clean_conditions({"age_min": 40, "age_max": 30, "colour": 1, "employment_forms": ["99"],
                                   "has_hardship_file": "yes", "event_kinds": ["nothing"], "events_days": 0})
    assert caught.value.fields == {
        "conditions.colour": "不支持的条件 colour", "conditions.age_max": "最大年龄不能小于最小年龄",
        "conditions.employment_forms": "用工形式不在代码表中",
        "conditions.has_hardship_file": "在档困难职工条件应为 true",
        "conditions.events_days": "统计天数应为 1 至 730 之间的整数",
        "conditions.event_kinds": "参与事项应为平台记录的行为类型或应用名（如 benefits、cases）"}
    with pytest.raises(Invalid) as caught:
        services.clean_conditions({})
    assert caught.value.fields == {"conditions": "请至少设置一个条件"}
    assert services.clean_conditions({"events_min": 3, "event_kinds": ["benefits", "cases.case.file"]}) == {
        "events_min": 3, "events_days": 90, "event_kinds": ["benefits", "cases.case.file"]}
    assert services.describe({"age_min": 18, "age_max": 35, "employment_forms": ["gig"], "has_hardship_file": True,
                              "events_min": 3, "events_days": 90, "joined_within_days": 30}) == [
        "18至35周岁", "用工形式为新就业形态", "在档困难职工", "近90天参与各类事项不少于3次", "入会不满30天"]


def test_age_forms_and_subtree(tree):
    young = make_member(tree.grassroots, name="青年甲", birth=dt.date(1995, 6, 2))  # 30 on the day
    make_member(tree.grassroots, name="年长乙", birth=dt.date(1980, 1, 1))
    make_member(tree.qd_grassroots, name="青岛丙", birth=dt.date(1996, 1, 1))  # outside the rule's subtree
    rider = make_member(tree.grassroots, name="骑手丁", birth=dt.date(1985, 1, 1), employment_form="12")
    youth = services.create_rule(org=tree.jinan, tag="青年", description="18至35周岁会员",
                                 conditions={"age_min": 18, "age_max": 35}, by=SYSTEM)
    gig = services.create_rule(org=tree.province, tag="新业态", conditions={"employment_forms": ["gig"]}, by=SYSTEM)
    assert services.run_rule(youth, by=SYSTEM, now=NOW) == {"added": 1, "removed": 0, "kept": 0, "objected": 0,
                                                            "tagged": 1}
    assert services.run_rule(gig, by=SYSTEM, now=NOW)["added"] == 1
    assert tagged("青年") == [("青年甲", False)]
    assert tagged("新业态") == [("骑手丁", False)]
    row = MemberTag.objects.get(tag="青年")
    assert (row.person_id, row.rule_id, row.reason) == (
        young.person.pk, youth.pk, "18至35周岁会员（济南市总工会标签规则）")
    assert MemberTag.objects.get(tag="新业态").reason == "用工形式为新就业形态（山东省总工会标签规则）"
    assert rider.person.pk == MemberTag.objects.get(tag="新业态").person_id
    youth.refresh_from_db()
    assert (youth.members_tagged, youth.computed_at) == (1, NOW)
    # A second run changes nothing.
    assert services.run_rule(youth, by=SYSTEM, now=NOW) == {"added": 0, "removed": 0, "kept": 1, "objected": 0,
                                                            "tagged": 1}
    # In 2031 the member is 36: the tag goes.
    later = NOW.replace(year=2031, month=6, day=2)
    assert services.run_rule(youth, by=SYSTEM, now=later)["removed"] == 1
    assert tagged("青年") == []


def test_events_hardship_and_recent_joiners(tree):
    active = make_member(tree.grassroots, name="活跃甲")
    quiet = make_member(tree.grassroots, name="一般乙")
    old_events = make_member(tree.grassroots, name="早先丙")
    events(active.person, 3)
    events(quiet.person, 2)
    events(quiet.person, 5, kind="cases.case.file")
    events(old_events.person, 5, days_ago=120)
    rule = services.create_rule(org=tree.province, tag="活跃", conditions={"events_min": 3, "events_days": 90},
                                by=SYSTEM)
    services.run_rule(rule, by=SYSTEM, now=NOW)
    assert tagged("活跃") == [("一般乙", False), ("活跃甲", False)]
    benefits_only = services.create_rule(org=tree.province, tag="活动达人",
                                         conditions={"events_min": 3, "event_kinds": ["benefits"]}, by=SYSTEM)
    services.run_rule(benefits_only, by=SYSTEM, now=NOW)
    assert tagged("活动达人") == [("活跃甲", False)]

    HardshipFile.objects.create(person=quiet.person, union=tree.grassroots, region=Region.objects.get(code="370102"),
                                category="deep", household_size=3, household_income_fen=1_000_000,
                                status=HardshipFile.Status.ACTIVE)
    HardshipFile.objects.create(person=active.person, union=tree.grassroots,
                                region=Region.objects.get(code="370102"), category="deep", household_size=3,
                                household_income_fen=1_000_000, status=HardshipFile.Status.DRAFT)
    hardship = services.create_rule(org=tree.province, tag="困难职工", conditions={"has_hardship_file": True},
                                    by=SYSTEM)
    services.run_rule(hardship, by=SYSTEM, now=NOW)
    assert tagged("困难职工") == [("一般乙", False)]

    newcomer = make_member(tree.grassroots, name="新会员丁", since=dt.date(2026, 5, 20))
    recent = services.create_rule(org=tree.province, tag="新会员", conditions={"joined_within_days": 30}, by=SYSTEM)
    services.run_rule(recent, by=SYSTEM, now=NOW)
    assert MemberTag.objects.get(tag="新会员").person_id == newcomer.person.pk


def test_objected_tags_are_kept_and_never_readded(tree):
    member = make_member(tree.grassroots, name="青年甲", birth=dt.date(1995, 6, 2))
    rule = services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 35}, by=SYSTEM)
    services.run_rule(rule, by=SYSTEM, now=NOW)
    row = MemberTag.objects.get(tag="青年")
    services.object_to_tag(row, note="不希望被这样标记", by=member)
    row.refresh_from_db()
    assert (row.objected, row.objection) == (True, "不希望被这样标记")
    assert services.run_rule(rule, by=SYSTEM, now=NOW) == {"added": 0, "removed": 0, "kept": 0, "objected": 1,
                                                           "tagged": 0}
    assert tagged("青年") == [("青年甲", True)]
    # No longer met: still kept objected (deleting would let a later run give it again).
    later = NOW.replace(year=2031, month=6, day=2)
    services.run_rule(rule, by=SYSTEM, now=later)
    assert tagged("青年") == [("青年甲", True)]
    # Withdrawn: the tag counts again, and the next run removes it if no longer met.
    services.withdraw_objection(row, by=member)
    assert tagged("青年") == [("青年甲", False)]
    assert services.run_rule(rule, by=SYSTEM, now=later)["removed"] == 1
    assert tagged("青年") == []
    # The audit names neither the tag nor the rule.
    logged = AuditEvent.objects.filter(action__startswith="insight.member_tag.").order_by("id")
    assert [(e.action, e.target_label, e.data) for e in logged] == [
        ("insight.member_tag.object", "", {}), ("insight.member_tag.withdraw", "", {})]


def test_only_the_member_objects(tree, personas):
    member = make_member(tree.grassroots, birth=dt.date(1995, 6, 2))
    row = MemberTag.objects.create(person=member.person, tag="青年")
    for user in (personas.worker, personas.province_admin):
        with pytest.raises(NotFound):
            services.object_to_tag(row, note="不对", by=user)
    with pytest.raises(Invalid):
        services.object_to_tag(row, note=" ", by=member)
    services.object_to_tag(row, note="不对", by=member)
    with pytest.raises(Conflict):
        services.object_to_tag(row, note="不对", by=member)


def test_another_rules_rows_are_left_alone(tree):
    member = make_member(tree.grassroots, birth=dt.date(1995, 6, 2))
    province_rule = services.create_rule(org=tree.province, tag="青年", conditions={"age_max": 35}, by=SYSTEM)
    city_rule = services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 28}, by=SYSTEM)
    services.run_rule(province_rule, by=SYSTEM, now=NOW)
    assert services.run_rule(city_rule, by=SYSTEM, now=NOW)["removed"] == 0
    assert MemberTag.objects.get(tag="青年").rule_id == province_rule.pk
    assert member.person.pk == MemberTag.objects.get(tag="青年").person_id
    services.update_rule(province_rule, tag="青年", conditions={"age_max": 35}, active=False, by=SYSTEM)
    assert services.run_all(by=SYSTEM, now=NOW) == {"rules": 2, "added": 0, "removed": 1}
    assert tagged("青年") == []
    assert services.tag_counts([province_rule, city_rule]) == {province_rule.pk: {"tagged": 0, "objected": 0},
                                                               city_rule.pk: {"tagged": 0, "objected": 0}}


def test_who_defines_rules(tree, personas):
    with pytest.raises(Forbidden):
        services.create_rule(org=tree.province, tag="青年", conditions={"age_max": 35}, by=personas.city_cadre)
    with pytest.raises(Forbidden):
        services.create_rule(org=tree.grassroots, tag="青年", conditions={"age_max": 35},
                             by=personas.grassroots_cadre)
    rule = services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 35}, by=personas.city_cadre)
    with pytest.raises(Conflict):
        services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 30}, by=personas.city_cadre)
    with pytest.raises(Forbidden):
        services.run_rule(rule, by=personas.other_city_cadre)
    assert TagRule.objects.count() == 1
