"""Audience rules by member tag (the data platform's 画像标签): holders of any named tag take part, an objected tag
does not count, unknown tag names are refused, and eligibility agrees with the audience size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.benefits.conftest import coupon_activity, make_member

from smartunion.benefits import audience
from smartunion.core.errors import Invalid
from smartunion.members.models import MemberTag

pytestmark = pytest.mark.django_db


def test_tags_are_validated_against_the_tags_members_hold(tree):
    young = make_member(tree.grassroots)
    MemberTag.objects.create(person=young.person, tag="青年")
    assert audience.clean_rules({"tags": ["青年", " 青年"]}) == {"tags": ["青年"]}
    with pytest.raises(Invalid) as caught:
        audience.clean_rules({"tags": ["青年", "不存在"]})
    assert caught.value.fields == {"audience.tags": "没有会员持有这些画像标签：不存在"}
    with pytest.raises(Invalid) as caught:
        audience.clean_rules({"tags": "青年"})
    assert caught.value.fields == {"audience.tags": "画像标签格式不正确"}
    assert audience.describe({"tags": ["新业态", "青年"]}) == ["画像标签：新业态、青年"]


def test_holders_of_any_tag_objected_ones_excluded(tree, personas):
    young, gig, objecting, plain = (make_member(tree.grassroots) for _ in range(4))
    other_city = make_member(tree.qd_grassroots)
    MemberTag.objects.create(person=young.person, tag="青年")
    MemberTag.objects.create(person=gig.person, tag="新业态")
    MemberTag.objects.create(person=gig.person, tag="青年")  # two tags: counted once
    MemberTag.objects.create(person=objecting.person, tag="青年", objected=True, objection="我已超过35岁")
    MemberTag.objects.create(person=other_city.person, tag="青年")
    rules = audience.clean_rules({"tags": ["青年", "新业态"]})
    assert audience.audience_size(tree.jinan, rules) == 2
    assert audience.audience_size(tree.province, rules) == 3
    for user, reason in ((young, None), (gig, None),
                         (objecting, "本活动仅限带有以下画像标签的会员参加：新业态、青年"),
                         (plain, "本活动仅限带有以下画像标签的会员参加：新业态、青年")):
        membership = user.person.memberships.get(status="active")
        assert audience.ineligible_reason(tree.jinan.path, rules, membership, user.person) == reason
    activity = coupon_activity(tree.jinan, by=personas.city_cadre, audience={"tags": ["青年"]})
    assert (activity.audience, activity.audience_size) == ({"tags": ["青年"]}, 2)


def test_one_query_per_person_for_its_tags(tree):
    member = make_member(tree.grassroots)
    MemberTag.objects.create(person=member.person, tag="青年")
    membership = member.person.memberships.get(status="active")
    rules = {"tags": ["青年"]}
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            assert audience.ineligible_reason(tree.jinan.path, rules, membership, member.person) is None
    assert len(ctx.captured_queries) == 1
