"""我的画像标签 (/me/tags/): a member sees their own tags with the reason, objects with a note and withdraws the
objection; another member's tag is not found; nobody else's tags show."""

import pytest
from django.urls import reverse
from tests.conftest import console_client

from smartunion.members.models import MemberTag

pytestmark = pytest.mark.django_db


def test_the_objection_flow(tree, personas):
    mine = MemberTag.objects.create(person=personas.worker.person, tag="青年",
                                    reason="18至35周岁会员（济南市总工会标签规则）")
    client = console_client(personas.worker)
    page = client.get(reverse("portal:my_tags")).content.decode()
    assert "我的画像标签" in page and "青年" in page and "依据：18至35周岁会员（济南市总工会标签规则）" in page
    refused = client.post(reverse("portal:my_tag_object", args=[mine.pk]), {"note": "  "}, follow=True)
    assert "请说明异议理由" in refused.content.decode()
    mine.refresh_from_db()
    assert not mine.objected
    done = client.post(reverse("portal:my_tag_object", args=[mine.pk]), {"note": "我已经不是青年了"}, follow=True)
    assert "已对“青年”提出异议" in done.content.decode()
    assert "异议说明：我已经不是青年了" in done.content.decode() and "撤回异议" in done.content.decode()
    mine.refresh_from_db()
    assert (mine.objected, mine.objection) == (True, "我已经不是青年了")
    withdrawn = client.post(reverse("portal:my_tag_withdraw", args=[mine.pk]), follow=True).content.decode()
    assert "已撤回对“青年”的异议" in withdrawn
    mine.refresh_from_db()
    assert (mine.objected, mine.objection, mine.objected_at) == (False, "", None)


def test_only_ones_own_tags(tree, personas):
    from tests.benefits.conftest import make_member

    other = make_member(tree.grassroots, name="李四")
    theirs = MemberTag.objects.create(person=other.person, tag="帮扶对象", reason="在档困难职工")
    client = console_client(personas.worker)
    page = client.get(reverse("portal:my_tags")).content.decode()
    assert "帮扶对象" not in page and "您目前没有画像标签" in page
    assert client.post(reverse("portal:my_tag_object", args=[theirs.pk]), {"note": "x"}).status_code == 404
    assert client.post(reverse("portal:my_tag_withdraw", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:my_tag_object", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert not theirs.objected


def test_an_account_without_a_person_and_anonymous(tree, personas):
    assert "您目前没有画像标签" in console_client(personas.outsider).get(reverse("portal:my_tags")).content.decode()
    from django.test import Client

    assert Client().get(reverse("portal:my_tags")).status_code == 302
