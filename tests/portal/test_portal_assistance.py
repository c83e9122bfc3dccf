"""Portal 困难帮扶: the programmes open to me, applying with the documents, my applications, withdrawal, the public
公示 page (masked names, no login), and fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.assistance.conftest import active_file, apply, approve_all, make_aid, make_member, programme_values
from tests.rows import assert_queries, measure

from smartunion.assistance.models import Application
from smartunion.assistance.services import applications, programmes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded documents go to a temporary directory, not the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def aid(tree, personas):
    return make_aid(tree, personas)


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    return client


def test_list_shows_open_programmes_and_my_applications(tree, personas, aid):
    client = login(personas.worker)
    page = client.get(reverse("portal:assistance"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "2026年金秋助学" in text and "我要申请" in text and "按类别：深度困难 3000.00 元" in text
    assert "暂无申请" in text


def test_a_non_member_is_told_to_join(tree, personas, aid):
    text = login(personas.outsider).get(reverse("portal:assistance")).content.decode()
    assert "困难帮扶面向工会会员" in text and "我要申请" not in text


def test_apply_with_documents_then_follow_and_withdraw(tree, personas, aid):
    client = login(personas.worker)
    url = reverse("portal:assistance_apply", args=[aid.programme.pk])
    response = client.post(url, {"bank_name": "工商银行", "bank_account": "6222 0202 0011 2233 445",
                                  "account_holder": "张伟", "reason": "孩子上大学",
                                  "doc0": SimpleUploadedFile("通知书.pdf", b"%PDF-1.4 x")})
    application = Application.objects.get()
    assert response.status_code == 302
    assert (application.bank_account, application.documents.count(), application.reason) == (
        "6222020200112233445", 1, "孩子上大学")
    page = client.get(reverse("portal:assistance_application", args=[application.pk])).content.decode()
    assert "6222***********3445" in page and "6222020200112233445" not in page
    assert "甲公司工会委员会审核中" in page
    assert "审核中（基层工会审核）" in client.get(reverse("portal:assistance")).content.decode()
    assert 'data-confirm="确定撤回这份帮扶申请吗？' in page  # portal/app.js asks before the form is sent
    again = client.post(url, {"bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "张伟"})
    assert again.status_code == 409
    assert "您已申请过该项目" in again.content.decode()
    client.post(reverse("portal:assistance_withdraw", args=[application.pk]))
    assert Application.objects.get().status == "withdrawn"
    assert login(personas.outsider).get(reverse("portal:assistance_application", args=[application.pk])) \
        .status_code == 404


def test_a_wrong_file_is_refused_on_the_form(tree, personas, aid):
    response = login(personas.worker).post(reverse("portal:assistance_apply", args=[aid.programme.pk]), {
        "bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "张伟",
        "doc0": SimpleUploadedFile("通知书.pdf", b"not a pdf")})
    assert response.status_code == 422
    assert "文件内容与扩展名不符" in response.content.decode()
    assert Application.objects.count() == 0  # nothing kept


def test_an_ineligible_member_sees_why(tree, personas, aid):
    member = make_member(tree.grassroots)
    client = login(member)
    page = client.get(reverse("portal:assistance")).content.decode()
    assert "暂不符合：本项目仅限已建档（在档）的困难职工申请" in page
    response = client.post(reverse("portal:assistance_apply", args=[aid.programme.pk]), {
        "bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "李娜"})
    assert response.status_code == 403


def test_public_notice_masks_names_and_needs_no_login(tree, personas, aid):
    member = make_member(tree.grassroots, name="欧阳明月")
    active_file(member.person, tree.grassroots)
    for user in (personas.worker, member):
        approve_all(apply(aid.programme, user), personas)
    applications.publish_notice(aid.programme, by=personas.city_cadre)
    page = Client().get(reverse("portal:assistance_notice", args=[aid.programme.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "张*" in text and "欧阳**" in text and "张伟" not in text and "欧阳明月" not in text
    ends = timezone.localdate() + dt.timedelta(days=5)
    assert f"{ends.year}年{ends.month}月{ends.day}日" in text
    assert "0531-12351" in text and "合计 2 人，6000.00 元" in text
    assert "6222" not in text



def test_my_application_links_the_notice_while_it_is_on_it_and_says_when_it_ended(tree, personas, aid):
    application = apply(aid.programme, personas.worker)
    approve_all(application, personas)
    applications.publish_notice(aid.programme, by=personas.city_cadre)
    client = login(personas.worker)
    url = reverse("portal:assistance_application", args=[application.pk])
    notice = reverse("portal:assistance_notice", args=[aid.programme.pk])
    text = client.get(url).content.decode()
    assert f'<a href="{notice}">查看公示</a>' in text and "公示已结束" not in text
    Application.objects.filter(pk=application.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    text = client.get(url).content.decode()
    assert "（公示已结束）" in text and notice not in text

def test_list_query_count_is_fixed(tree, personas, aid):
    client = login(personas.worker)
    url = reverse("portal:assistance")
    client.get(url)
    one = measure(lambda: client.get(url))
    for name, purpose in (("送温暖", "winter"), ("医疗互助", "medical")):  # one aid per purpose: two purposes
        programme = programmes.create_programme(by=personas.city_cadre, org=tree.jinan,
                                                **programme_values(name=name, purpose=purpose))
        apply(programme, personas.worker)
    client.get(url)
    three = measure(lambda: client.get(url))
    assert_queries(one.count, one, three)
