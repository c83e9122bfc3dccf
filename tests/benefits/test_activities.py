"""Activities: creation with validation, the lifecycle workflow, frozen rules, audiences and eligibility."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.benefits.conftest import coupon_activity, make_member, window

from smartunion.benefits import audience, services
from smartunion.benefits.errors import NotEligible, NotOpen
from smartunion.benefits.models import Activity
from smartunion.benefits.services.participation import admit, count_participant
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, TransitionLog
from smartunion.core.workflow import TransitionForbidden

pytestmark = pytest.mark.django_db


def test_a_coupon_grab_is_created_as_a_draft_and_published_with_its_audience_size(tree, personas):
    make_member(tree.grassroots)
    make_member(tree.qd_grassroots)  # another city: outside the audience
    activity = coupon_activity(tree.jinan, by=personas.city_cadre, publish=False, stock=5)
    assert (activity.status, activity.org_path, activity.claimed, activity.remaining) == (
        "draft", tree.jinan.path, 0, 5)
    published = services.publish_activity(activity, by=personas.city_cadre)
    # The persona worker and the member made here, both under 济南.
    assert (published.status, published.audience_size) == ("published", 2)
    assert published.published_at is not None
    assert list(TransitionLog.objects.filter(workflow="benefits.activity").values_list("action", "to_state")) == [
        ("publish", "published")]
    assert list(AuditEvent.objects.filter(action__startswith="benefits.").order_by("id").values_list(
        "action", "org_id")) == [("benefits.activity.create", tree.jinan.pk),
                                 ("benefits.activity.publish", tree.jinan.pk)]


def test_invalid_fields_are_refused_with_a_message_each(tree, personas):
    now = timezone.now()
    with pytest.raises(Invalid) as refused:
        services.create_activity(by=personas.city_cadre, org=tree.jinan, kind="coupon", title=" ",
                                 starts_at=now, ends_at=now - dt.timedelta(hours=1), stock=0,
                                 per_member_limit=2, daily_limit=3, capacity=5)
    assert refused.value.fields == {
        "capacity": "该类型活动不支持此项",
        "title": "请填写标题",
        "ends_at": "结束时间应晚于开始时间",
        "stock": "库存应为 1 至 10000000 之间的整数",
        "daily_limit": "每人每日限额不能大于每人限额",
        "valid_until": "请填写券有效期",
    }
    with pytest.raises(Invalid) as refused:
        services.create_activity(by=personas.city_cadre, org=tree.jinan, kind="raffle", title="x", **window())
    assert refused.value.fields == {"kind": "活动类型应为 signup、coupon、lottery、vote 或 survey 之一"}
    assert Activity.objects.count() == 0


def test_out_of_scope_cadres_cannot_create_or_publish(tree, personas):
    with pytest.raises(Forbidden):
        coupon_activity(tree.jinan, by=personas.other_city_cadre, publish=False)
    activity = coupon_activity(tree.jinan, by=personas.city_cadre, publish=False)
    with pytest.raises(TransitionForbidden):
        services.publish_activity(activity, by=personas.other_city_cadre)
    with pytest.raises(TransitionForbidden):  # a grassroots chair below 济南 manages its own org, not the city's
        services.publish_activity(activity, by=personas.grassroots_cadre)
    assert Activity.objects.get().status == "draft"


def test_pause_resume_close_and_nothing_after_close(tree, personas):
    activity = coupon_activity(tree.jinan, by=personas.city_cadre)
    activity = services.pause_activity(activity, by=personas.city_cadre)
    assert activity.status == "paused"
    activity = services.resume_activity(activity, by=personas.city_cadre)
    assert activity.status == "published"
    activity = services.close_activity(activity, by=personas.city_cadre)
    assert activity.status == "closed" and activity.closed_at is not None
    with pytest.raises(StateError) as refused:
        services.publish_activity(activity, by=personas.city_cadre)
    assert refused.value.message == "当前状态为“已结束”，不能执行“发布”"
    with pytest.raises(StateError) as refused:
        services.update_activity(activity, by=personas.city_cadre, title="新标题")
    assert refused.value.code == "closed"


def test_rules_freeze_once_someone_took_part_but_wording_may_change(tree, personas):
    activity = coupon_activity(tree.jinan, by=personas.city_cadre, stock=10)
    services.update_activity(activity, by=personas.city_cadre, stock=20)  # nobody took part yet
    count_participant(activity)
    with pytest.raises(StateError) as refused:
        services.update_activity(activity, by=personas.city_cadre, stock=30, title="夏日送清凉（第二批）")
    assert (refused.value.code, refused.value.fields) == ("rules_frozen", {"stock": "已有会员参与，不能修改"})
    updated = services.update_activity(activity, by=personas.city_cadre, title="夏日送清凉（第二批）")
    assert (updated.title, updated.stock) == ("夏日送清凉（第二批）", 20)


def test_publishing_needs_the_parts_of_its_kind(tree, personas):
    vote = services.create_activity(by=personas.city_cadre, org=tree.jinan, kind="vote", title="评选最美职工",
                                    **window())
    with pytest.raises(StateError) as refused:
        services.publish_activity(vote, by=personas.city_cadre)
    assert refused.value.message == "投票至少需要两个选项才能发布"
    services.set_options(vote, ["张三", "李四"], by=personas.city_cadre)
    assert services.publish_activity(vote, by=personas.city_cadre).status == "published"
    lottery = services.create_activity(by=personas.city_cadre, org=tree.jinan, kind="lottery", title="抽奖",
                                       **window())
    assert len(lottery.commitment) == 64 and len(lottery.seed) == 64
    with pytest.raises(Invalid) as refused:
        services.set_prizes(lottery, [{"name": "一等奖", "count": 0}], by=personas.city_cadre)
    assert refused.value.fields == {"prizes.0.count": "名额应为 1 至 10000000 之间的整数"}


def test_audience_rules_are_validated(tree):
    with pytest.raises(Invalid) as refused:
        audience.clean_rules({"sex": "3", "age_min": 50, "age_max": 40, "birth_months": [13], "colour": "red"})
    assert refused.value.fields == {
        "audience.colour": "不支持的参与对象规则",
        "audience.sex": "性别应为 1（男）或 2（女）",
        "audience.age_max": "最大年龄不能小于最小年龄",
        "audience.birth_months": "生日月份应为 1 至 12",
    }
    assert audience.clean_rules({"birth_months": [6, "6", 1], "member_months_min": 0}) == {"birth_months": [1, 6]}


def test_audience_size_and_eligibility_agree_rule_by_rule(tree, personas):
    today = dt.date(2026, 6, 20)
    young = make_member(tree.grassroots, birth=dt.date(2000, 6, 1), since=dt.date(2026, 5, 1))
    rider = make_member(tree.grassroots, birth=dt.date(1980, 2, 1), employment_form="12")
    young_membership = young.person.memberships.get()
    opposite = "2" if young.person.sex == "1" else "1"
    cases = [  # rules, audience size under 济南, why the young member may not take part
        ({}, 3, None),
        ({"birth_months": [6]}, 1, None),  # only the young member: the persona was born in March, the rider in February
        ({"age_max": 30}, 1, None),
        ({"member_months_min": 3}, 2, "本活动仅限入会满3个月的会员参加"),
        ({"employment_forms": ["gig"]}, 1, "本活动仅限以下用工形式的会员参加：新就业形态劳动者"),
        ({"employment_forms": ["01", "12"]}, 1, "本活动仅限以下用工形式的会员参加：全日制用工、外卖配送员"),
        ({"age_min": 40, "age_max": 50}, 1, "本活动仅限40至50周岁的会员参加"),
        ({"card_numbers": [rider.person.memberships.get().card_number]}, 1, "本活动仅限指定名单内的会员参加"),
        ({"sex": opposite}, None, f"本活动仅限{audience.SEX_LABELS[opposite]}性会员参加"),
    ]
    for rules, size, reason in cases:
        if size is not None:
            assert audience.audience_size(tree.jinan, rules, today=today) == size, rules
        assert audience.ineligible_reason(tree.jinan.path, rules, young_membership, young.person,
                                          today=today) == reason, rules
    assert audience.ineligible_reason(tree.qingdao.path, {}, young_membership, young.person) == (
        "本活动仅限发布工会所属的会员参加")


def test_admit_refuses_outsiders_and_closed_windows_with_reasons(tree, personas):
    activity = coupon_activity(tree.jinan, by=personas.city_cadre, audience={"birth_months": [1]})
    with pytest.raises(NotEligible) as refused:
        admit(activity, personas.worker)
    assert (refused.value.code, refused.value.message) == ("not_eligible", "本活动仅限1月出生的会员参加")
    with pytest.raises(NotEligible) as refused:
        admit(activity, personas.outsider)
    assert refused.value.message == "本活动仅限工会会员参加，请先申请入会"
    later = coupon_activity(tree.jinan, by=personas.city_cadre, **window(hours_before=-2, hours_after=5))
    with pytest.raises(NotOpen) as refused:
        admit(later, personas.worker)
    assert refused.value.code == "not_open" and refused.value.message.startswith("活动将于")
    assert admit(coupon_activity(tree.jinan, by=SYSTEM), personas.worker).person == personas.worker.person
