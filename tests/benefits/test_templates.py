"""Templates of the targeted benefits: 送清凉 for gig workers, 送温暖, 生日福利; defaults, overrides, audiences."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.benefits.conftest import make_member

from smartunion.benefits import services
from smartunion.benefits.models import Activity
from smartunion.benefits.templates import TEMPLATES, create_from_template
from smartunion.core.errors import Forbidden, Invalid

pytestmark = pytest.mark.django_db


def test_the_templates_and_their_audiences_in_words():
    now = timezone.make_aware(dt.datetime(2026, 7, 10, 9, 0))
    assert [(t.key, t.name, t.kind) for t in TEMPLATES.values()] == [
        ("summer_relief", "夏季送清凉", "coupon"), ("winter_relief", "冬季送温暖", "coupon"),
        ("birthday", "生日福利", "coupon")]
    assert [t.describe(now=now)["audience"] for t in TEMPLATES.values()] == [
        ["用工形式：新就业形态劳动者"], [], ["生日月份：7月"]]
    birthday = TEMPLATES["birthday"].defaults(now=now)
    assert (birthday["starts_at"], timezone.localtime(birthday["ends_at"]).replace(tzinfo=None)) == (
        now, dt.datetime(2026, 7, 31, 23, 59, 59))


def test_summer_relief_reaches_gig_workers_only(tree, personas):
    rider = make_member(tree.grassroots, employment_form="12")  # 外卖配送员
    make_member(tree.grassroots, employment_form="01")  # 全日制用工
    activity = create_from_template("summer_relief", by=personas.city_cadre, org=tree.jinan, stock=200)
    assert (activity.status, activity.template, activity.title, activity.stock, activity.per_member_limit,
            activity.daily_limit, activity.audience) == (
        "draft", "summer_relief", "夏日送清凉券", 200, 10, 1, {"employment_forms": ["gig"]})
    ends = timezone.localtime(activity.ends_at).date()
    assert activity.valid_until == ends + dt.timedelta(days=15)
    assert (activity.ends_at - activity.starts_at) == dt.timedelta(days=60)
    published = services.publish_activity(activity, by=personas.city_cadre)
    assert published.audience_size == 1  # the rider; the worker persona has no employment form
    assert rider.person.employment_form == "12"


def test_overrides_replace_the_defaults(tree, personas):
    ends = timezone.now() + dt.timedelta(days=10)
    activity = create_from_template("winter_relief", by=personas.city_cadre, org=tree.jinan, stock=50,
                                    title="春节送温暖", ends_at=ends, audience={"age_min": 50})
    assert (activity.title, activity.audience, activity.ends_at, activity.valid_until, activity.template) == (
        "春节送温暖", {"age_min": 50}, ends, timezone.localtime(ends).date() + dt.timedelta(days=30),
        "winter_relief")
    given = dt.date.today() + dt.timedelta(days=90)
    assert create_from_template("birthday", by=personas.city_cadre, org=tree.jinan, stock=5,
                                valid_until=given).valid_until == given


def test_refusals_come_from_the_template_lookup_and_create_activity(tree, personas):
    with pytest.raises(Invalid) as refused:
        create_from_template("spring_relief", by=personas.city_cadre, org=tree.jinan, stock=5)
    assert refused.value.fields == {"template": "模板不存在"}
    with pytest.raises(Invalid) as refused:  # a template never guesses the stock
        create_from_template("winter_relief", by=personas.city_cadre, org=tree.jinan)
    assert refused.value.fields == {"stock": "请填写库存"}
    with pytest.raises(Forbidden):
        create_from_template("winter_relief", by=personas.other_city_cadre, org=tree.jinan, stock=5)
    assert Activity.objects.count() == 0
