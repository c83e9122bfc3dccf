"""我的足迹 (/me/activity/): a member's own behaviour events, newest first, 20 a page; nobody else's."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from tests.conftest import console_client

from smartunion.core import events
from smartunion.core.actors import SYSTEM
from smartunion.core.models import BehaviourEvent
from smartunion.core.validators import make_id_number
from smartunion.members.services import person_upsert

pytestmark = pytest.mark.django_db

events.register_kinds({"tests.activity.join": "报名参加测试活动", "tests.activity.apply": "提交测试申请",
                       "tests.activity.approve": "测试申请通过", "tests.activity.move": "测试转入"})


def at(day, hour=9, minute=5):
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, minute))


def add(person, kind, when, label=""):
    return BehaviourEvent.objects.create(person_id=person.pk, kind=kind, target_label=label, occurred_at=when)


def rows(response):
    """(label, target, time) of each event shown, as the member reads them."""
    text = response.content.decode()
    return re.findall(r'<article class="row"><strong>(.*?)</strong>(?:<span>(.*?)</span>)?<small>(.*?)</small>', text)


@pytest.fixture
def other_person(personas):
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370102", dt.date(1992, 6, 1), 456), by=SYSTEM)
    return person


def test_anonymous_goes_to_the_login_page(client):
    response = client.get("/me/activity/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/me/activity/"


def test_member_sees_their_own_events_newest_first_with_chinese_labels(personas, other_person):
    me = personas.worker.person
    add(me, "tests.activity.apply", at(2, 8, 30), "甲公司工会委员会")
    add(me, "tests.activity.approve", at(4, 16, 45), "甲公司工会委员会")
    add(me, "tests.activity.join", at(3))
    add(me, "gone.module.thing", at(1))
    add(other_person, "tests.activity.move", at(5), "丙公司工会委员会")
    response = console_client(personas.worker).get("/me/activity/")
    assert response.status_code == 200
    assert rows(response) == [
        ("测试申请通过", "甲公司工会委员会", "2026-03-04 16:45"),
        ("报名参加测试活动", "", "2026-03-03 09:05"),
        ("提交测试申请", "甲公司工会委员会", "2026-03-02 08:30"),
        ("其他", "", "2026-03-01 09:05"),
    ]
    text = response.content.decode()
    assert "丙公司" not in text
    assert "保留 1095 天" in text and "从不用于给任何人排名" in text
    assert "<style" not in text and "style=" not in text
    assert re.findall(r"<script(?![^>]*\bsrc=)", text) == []  # no inline script


def test_another_member_never_sees_them(personas, other_person):
    add(personas.worker.person, "tests.activity.approve", at(4), "甲公司工会委员会")
    add(other_person, "tests.activity.move", at(5), "丙公司工会委员会")
    other_account = personas.outsider
    other_account.person = other_person
    other_account.save(update_fields=["person"])
    response = console_client(other_account).get("/me/activity/")
    assert rows(response) == [("测试转入", "丙公司工会委员会", "2026-03-05 09:05")]


def test_an_account_without_a_person_sees_the_empty_state(personas):
    add(personas.worker.person, "tests.activity.approve", at(4))
    response = console_client(personas.outsider).get("/me/activity/")
    assert response.status_code == 200
    assert rows(response) == []
    assert "暂无记录" in response.content.decode()


def test_twenty_a_page(personas):
    me = personas.worker.person
    for day in range(1, 26):
        add(me, "tests.activity.join", at(day), f"活动{day}")
    client = console_client(personas.worker)
    first = client.get("/me/activity/")
    assert [target for _, target, _ in rows(first)] == [f"活动{day}" for day in range(25, 5, -1)]
    assert "第 1 / 2 页" in first.content.decode() and '<a href="?page=2">下一页</a>' in first.content.decode()
    second = client.get("/me/activity/?page=2")
    assert [target for _, target, _ in rows(second)] == [f"活动{day}" for day in range(5, 0, -1)]
    assert rows(client.get("/me/activity/?page=abc")) == rows(first)


def test_linked_from_me(personas):
    text = console_client(personas.worker).get("/me/").content.decode()
    assert re.search(r'<a href="/me/activity/" data-item="activity"><svg [^>]+>.*?</svg><span>我的足迹</span>', text)
