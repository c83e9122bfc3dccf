"""我的 as a hub (a pending applicant sees the application and its deadline), 设置 with the password change, and the
detail pages of notices and of the union directory."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from tests.conftest import PASSWORD, console_client
from tests.members.conftest import join_values

from smartunion.accounts.models import ApiToken, User
from smartunion.accounts.services import issue_token
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.members.services import join_apply
from smartunion.orgs.models import Organisation, Region
from smartunion.orgs.services import org_join_token
from smartunion.subsites.models import Notice

pytestmark = pytest.mark.django_db


def menu(response) -> list[str]:
    return re.findall(r'<a href="[^"]+" data-item="([a-z]+)">', response.content.decode())


def flash(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def town(tree):
    region = Region.objects.create(code="370102001", name="解放路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


def test_a_pending_applicant_sees_the_application_and_its_deadline_and_no_join_entry(personas, town):
    application, _ = join_apply(by=personas.outsider, **join_values(1, phone="13900000009"))
    response = console_client(personas.outsider).get("/me/")
    html = response.content.decode()
    deadline = timezone.localtime(application.deadline)
    assert "<h2>入会申请审核中</h2>" in html
    assert f"<p>受理工会：{application.union.name}</p>" in html
    assert f"<p>审核期限：{deadline.year}年{deadline.month}月{deadline.day}日前</p>" in html
    assert menu(response) == ["membership", "applications", "activity", "settings"]
    assert re.search(r'data-item="applications">.*?<span>我的入会申请</span><small>待审核</small>', html)


def test_a_member_never_sees_join(personas):
    client = console_client(personas.worker)
    assert "join" not in menu(client.get("/me/"))
    assert "/join/" not in client.get("/me/membership/").content.decode()
    assert 'data-service="join"' not in client.get("/").content.decode()


# 设置: change the password


def test_change_password_keeps_the_session_and_ends_api_tokens(client, personas):
    client.force_login(personas.worker)
    issue_token(personas.worker)
    response = client.post("/me/settings/", {"old_password": PASSWORD, "new_password": "union-member-2025"},
                           follow=True)
    assert response.redirect_chain == [("/me/", 302)]
    assert flash(response) == ["密码已修改"]
    assert client.get("/me/").status_code == 200  # still signed in
    assert User.objects.get(pk=personas.worker.pk).check_password("union-member-2025")
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="accounts.user.change_password").count() == 1


def test_change_password_refusals_are_on_their_fields(client, personas):
    client.force_login(personas.worker)
    response = client.post("/me/settings/", {"old_password": "not-my-password", "new_password": "union-member-2025"})
    assert response.context["form"].errors == {"old_password": ["当前密码错误"]}
    response = client.post("/me/settings/", {"old_password": PASSWORD, "new_password": "12345678"})
    assert response.context["form"].errors == {"new_password": ["这个密码太常见了。 密码只包含数字。"]}
    assert User.objects.get(pk=personas.worker.pk).check_password(PASSWORD)


def test_settings_page_links_the_texts_and_is_for_signed_in_users(client, personas):
    assert client.get("/me/settings/")["Location"] == "/login/?next=/me/settings/"
    client.force_login(personas.worker)
    html = client.get("/me/settings/").content.decode()
    assert "<h1>修改密码</h1>" in html
    assert re.search(r'<a href="/agreement/"><svg [^>]+>.*?</svg><span>用户协议</span>', html)
    assert re.search(r'<a href="/privacy/"><svg [^>]+>.*?</svg><span>隐私政策</span>', html)


# Detail pages


def test_a_notice_opens_its_text(client, subsites):
    province, jinan = subsites
    notice = Notice.objects.create(subsite=province, title="关于开展职工疗休养的通知", body="第一段\n\n第二段",
                                   published_at=timezone.now(), pinned=True)
    other = Notice.objects.create(subsite=jinan, title="济南公告", body="x", published_at=timezone.now())
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert '<h1><span class="tag">置顶</span>关于开展职工疗休养的通知</h1>' in html
    assert '<div class="notice-body"><p>第一段</p>\n\n<p>第二段</p></div>' in html
    assert "<title>关于开展职工疗休养的通知 - 齐鲁工会</title>" in html
    # A notice of another channel is not found from this one.
    assert client.get(f"/notices/{other.pk}/").status_code == 404


def test_a_union_of_the_directory_shows_address_contact_and_its_join_link(client, tree, personas):
    union = tree.grassroots
    Organisation.objects.filter(pk=union.pk).update(address="济南市历下区解放路1号", contact_name="王建国")
    union.refresh_from_db()
    union.contact_phone = "13700001234"
    union.save(update_fields=["contact_phone"])
    token = org_join_token(union, by=SYSTEM)
    html = client.get(f"/directory/{union.pk}/").content.decode()
    assert "<h1>甲公司工会委员会</h1>" in html
    assert "<dt>地址</dt><dd>济南市历下区解放路1号</dd>" in html
    assert "<dt>联系人</dt><dd>王**</dd>" in html
    assert "<dd>137****1234 <small" in html and "13700001234" not in html  # anonymous: masked
    assert f'<a class="button primary" href="/join/?u={token}">申请加入本工会</a>' in html
    assert '<div class="qr join-qr" role="img" aria-label="扫码入会二维码"><svg' in html
    outsider = console_client(personas.outsider).get(f"/directory/{union.pk}/").content.decode()
    assert '<a href="tel:13700001234">13700001234</a>' in outsider
    # A member is not offered to join.
    assert 'id="join-here"' not in console_client(personas.worker).get(f"/directory/{union.pk}/").content.decode()


def test_a_union_without_a_poster_points_at_join_and_a_federation_is_not_in_the_directory(client, tree):
    html = client.get(f"/directory/{tree.lixia_town.pk}/").content.decode()
    assert '<a class="button primary" href="/join/">我要入会</a>' in html
    assert "<dt>联系电话</dt><dd>未登记</dd>" in html
    assert client.get(f"/directory/{tree.lixia.pk}/").status_code == 404


def test_directory_results_open_their_detail_page(client, tree):
    html = client.get("/directory/?q=历下").content.decode()
    assert f'<a class="row link" href="/directory/{tree.lixia_town.pk}/"><strong>历下区解放路街道工会</strong>' in html
