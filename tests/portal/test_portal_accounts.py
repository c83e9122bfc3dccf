"""Portal log-in (phone + password), 我的, and sign-up with an SMS code."""

import datetime as dt
import logging
import re

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from smartunion.accounts.models import SmsCode, User
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py
NEW_PHONE = "13800000002"


def form_errors(response):
    return response.context["form"].non_field_errors()


def errors_by_field(response) -> dict:
    """Every error of the page's form by field ("__all__" for the form's own)."""
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def flash(response):
    return [str(m) for m in response.context["messages"]]


def menu(response) -> list[str]:
    """The entries of 我的's menu, in order."""
    return re.findall(r'<a href="[^"]+" data-item="([a-z]+)">', response.content.decode())


# Log-in and 我的


def test_me_for_anonymous_goes_to_the_login_page(client):
    response = client.get("/me/")
    assert (response.status_code, response.url) == (302, "/login/?next=/me/")


def test_worker_logs_in_with_phone_and_sees_their_membership(client, personas):
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/me/")
    me = client.get("/me/")
    assert me.status_code == 200
    html = me.content.decode()
    assert '<span class="strip-union">甲公司工会委员会</span>' in html
    assert '<span class="strip-number">会员卡号 <span class="card-number">3701000000000014</span></span>' in html
    assert '<p class="muted">139****0001 · <span class="badge">工会会员</span></p>' in html
    assert "13900000001" not in html
    assert menu(me) == ["card", "membership", "transfer", "applications", "activity", "tags", "settings"]


def test_login_accepts_a_formatted_phone(client, personas):
    response = client.post("/login/", {"phone": "+86 139-0000-0001", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/me/")


def test_login_follows_next_on_the_site(client, personas):
    response = client.post("/login/?next=/notices/", {"phone": "13900000001", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/notices/")


def test_login_does_not_redirect_off_site(client, personas):
    response = client.post("/login/?next=https://evil.example.com/", {"phone": "13900000001", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/me/")


def test_wrong_password_is_refused(client, personas):
    response = client.post("/login/", {"phone": "13900000001", "password": "wrong-password"})
    assert response.status_code == 200
    assert form_errors(response) == ["手机号或密码错误"]
    assert '<p class="error">手机号或密码错误</p>' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        (f"user:{personas.worker.pk}", 1)]


def test_unknown_phone_gets_the_same_message(client, personas):
    response = client.post("/login/", {"phone": "13900000099", "password": PASSWORD})
    assert form_errors(response) == ["手机号或密码错误"]


def _same_page(response, phone):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(f'value="{phone}"', 'value=""').encode()


def test_unknown_phone_gets_byte_identical_pages_including_the_lock(personas):
    known, unknown = Client(REMOTE_ADDR="10.0.0.7"), Client(REMOTE_ADDR="10.0.0.8")
    for password in ["wrong-password"] * 5 + [PASSWORD]:
        a = known.post("/login/", {"phone": "13900000001", "password": password})
        b = unknown.post("/login/", {"phone": "13900000099", "password": password})
        assert (a.status_code, form_errors(a)) == (b.status_code, form_errors(b))
        assert _same_page(a, "13900000001") == _same_page(b, "13900000099")
    assert form_errors(b) == ["登录失败次数过多，账号已锁定，请15分钟后再试"]


def test_locked_worker_is_told_how_long(client, personas):
    for _ in range(5):
        client.post("/login/", {"phone": "13900000001", "password": "wrong-password"})
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD})
    assert form_errors(response) == ["登录失败次数过多，账号已锁定，请15分钟后再试"]
    assert "_auth_user_id" not in client.session


def test_blank_form_shows_field_errors(client, db):
    response = client.post("/login/", {"phone": "", "password": ""})
    assert response.context["form"].errors == {"phone": ["这个字段是必填项。"], "password": ["这个字段是必填项。"]}


def test_member_without_membership_sees_so(client, personas):
    client.force_login(personas.outsider)
    me = client.get("/me/")
    html = me.content.decode()
    assert '<p class="muted">139****0009</p>' in html
    assert 'id="my-card"' not in html
    # No card and no transfer for somebody who is no member; 我要入会 instead.
    assert menu(me) == ["membership", "join", "applications", "activity", "settings"]


def test_logout_is_post_only(client, personas):
    client.force_login(personas.worker)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert (response.status_code, response.url) == (302, "/")
    assert "_auth_user_id" not in client.session


# Sign-up


def sent_code(phone=NEW_PHONE):
    message = OutboxMessage.objects.filter(channel="sms").latest("id")
    assert message.recipient == phone
    return re.fullmatch(r"【智慧工会】您的验证码是(\d{6})，5分钟内有效。如非本人操作，请忽略。", message.body).group(1)


def test_send_code_puts_a_masked_sms_in_the_outbox(client, db):
    response = client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    assert response.redirect_chain == [("/register/", 302)]
    assert flash(response) == ["验证码已发送，5分钟内有效"]
    message = OutboxMessage.objects.get()
    assert (message.channel, message.recipient_masked, message.status, message.user_id) == (
        "sms", "138****0002", "pending", None)
    assert len(sent_code()) == 6
    sms = SmsCode.objects.get()
    assert (sms.purpose, sms.attempts, sms.used_at) == ("register", 0, None)
    assert sent_code() not in sms.code_hash


def test_development_sender_delivers_with_the_phone_masked(client, db, django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.INFO, logger="smartunion.sms"), django_capture_on_commit_callbacks(execute=True):
        client.post("/register/code/", {"phone": NEW_PHONE})
    message = OutboxMessage.objects.get()
    assert message.status == "sent"
    assert [r.getMessage() for r in caplog.records if r.name == "smartunion.sms"] == [
        f"SMS to 138****0002: {message.body}"]


def test_second_code_within_a_minute_is_refused(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    response = client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    assert flash(response) == ["验证码发送过于频繁，请一分钟后再试"]
    assert OutboxMessage.objects.count() == 1


def test_a_code_may_be_asked_again_after_a_minute(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    SmsCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    response = client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    assert flash(response) == ["验证码已发送，5分钟内有效"]
    assert OutboxMessage.objects.count() == 2


def test_send_code_rejects_a_bad_phone(client, db):
    response = client.post("/register/code/", {"phone": "12345"}, follow=True)
    assert flash(response) == ["手机号码格式不正确，应为11位中国大陆手机号"]
    assert not OutboxMessage.objects.exists()


def test_send_code_is_post_only(client, db):
    assert client.get("/register/code/").status_code == 405


def test_register_creates_a_worker_and_logs_in(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE}, follow=True)
    response = client.post("/register/", {"phone": NEW_PHONE, "code": sent_code(), "password": "union-member-2024",
                                          "display_name": "小王", "consent": "on"}, follow=True)
    assert response.redirect_chain == [("/me/", 302)]
    assert flash(response) == ["注册成功"]
    user = User.objects.get(kind=User.Kind.WORKER)
    assert (user.phone, user.display_name, user.username, user.is_staff, user.person_id) == (
        NEW_PHONE, "小王", None, False, None)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "<h1>小王</h1>" in response.content.decode()
    assert menu(response) == ["membership", "join", "applications", "activity", "settings"]
    assert AuditEvent.objects.filter(action="accounts.user.register", actor=user, target_id=str(user.pk)).count() == 1
    assert user.consent_version == "2026-11"
    assert SmsCode.objects.get().used_at is not None
    # The new account logs in with its phone.
    client.post("/logout/")
    login = client.post("/login/", {"phone": NEW_PHONE, "password": "union-member-2024"})
    assert (login.status_code, login.url) == (302, "/me/")


def test_register_with_a_wrong_code(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE})
    wrong = f"{(int(sent_code()) + 1) % 1000000:06d}"
    response = client.post("/register/", {"phone": NEW_PHONE, "code": wrong, "password": "union-member-2024",
                                          "consent": "on"})
    assert response.status_code == 200
    assert errors_by_field(response) == {"code": ["验证码错误"]}
    assert '<p class="error">验证码错误</p>' in response.content.decode()
    assert not User.objects.exists()


def test_wrong_codes_are_counted(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE})
    wrong = f"{(int(sent_code()) + 1) % 1000000:06d}"
    client.post("/register/", {"phone": NEW_PHONE, "code": wrong, "password": "union-member-2024",
                                          "consent": "on"})
    assert SmsCode.objects.get().attempts == 1


def test_register_without_asking_for_a_code(client, db):
    response = client.post("/register/", {"phone": NEW_PHONE, "code": "123456", "password": "union-member-2024",
                                          "consent": "on"})
    assert errors_by_field(response) == {"code": ["验证码已过期，请重新获取"]}


def test_register_with_an_already_registered_phone(client, personas):
    response = client.post("/register/", {"phone": "13900000001", "code": "123456",
                                          "password": "union-member-2024", "consent": "on"})
    assert errors_by_field(response) == {"__all__": ["该手机号已注册，请直接登录"]}
    assert User.objects.filter(kind=User.Kind.WORKER).count() == 2


def test_register_with_a_weak_password(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE})
    response = client.post("/register/", {"phone": NEW_PHONE, "code": sent_code(), "password": "12345678",
                                          "consent": "on"})
    assert errors_by_field(response) == {"password": ["这个密码太常见了。 密码只包含数字。"]}
    assert not User.objects.exists()
    # The code was not spent on the refused attempt.
    assert SmsCode.objects.get().used_at is None


def test_register_form_field_errors(client, db):
    response = client.post("/register/", {"phone": "12345"})
    assert response.context["form"].errors == {
        "phone": ["手机号码格式不正确，应为11位中国大陆手机号"],
        "code": ["这个字段是必填项。"],
        "password": ["这个字段是必填项。"],
        "consent": ["请阅读并同意《用户协议》和《隐私政策》"],
    }


def test_register_without_consent_creates_nothing_and_keeps_the_code(client, db):
    client.post("/register/code/", {"phone": NEW_PHONE})
    response = client.post("/register/", {"phone": NEW_PHONE, "code": sent_code(), "password": "union-member-2024"})
    assert errors_by_field(response) == {"consent": ["请阅读并同意《用户协议》和《隐私政策》"]}
    assert '<p class="error">请阅读并同意《用户协议》和《隐私政策》</p>' in response.content.decode()
    assert not User.objects.exists()
    assert SmsCode.objects.get().used_at is None


def test_register_page_links_both_texts_next_to_the_consent_box(client, db):
    html = client.get("/register/").content.decode()
    assert re.search(r'<label class="check" for="id_consent"><input type="checkbox" name="consent" required '
                     r'id="id_consent"><span>我已阅读并同意<a href="/agreement/" target="_blank">《用户协议》</a>和'
                     r'<a href="/privacy/" target="_blank">《隐私政策》</a></span></label>', html)


def test_agreement_and_privacy_pages_name_the_channel_and_the_operator(client, subsites, tree):
    from smartunion.orgs.models import Organisation

    Organisation.objects.filter(pk=tree.province.pk).update(address="济南市历下区省府前街1号")
    agreement = client.get("/agreement/").content.decode()
    assert "<h1>齐鲁工会用户协议</h1>" in agreement
    assert "版本 2026-11" in agreement
    assert "运营单位：山东省总工会<br>地址：济南市历下区省府前街1号</p>" in agreement
    privacy = client.get("/privacy/").content.decode()
    assert "<h1>齐鲁工会隐私政策</h1>" in privacy
    for heading in ["一、我们收集哪些信息，为什么收集", "二、我们怎样保存和保护您的信息", "三、保存多久",
                    "四、谁能看到您的信息", "五、您的权利", "八、联系我们"]:
        assert f"<h2>{heading}</h2>" in privacy
    assert "<strong>身份证号码属于敏感个人信息</strong>" in privacy
    assert "<p>3. 办事记录保存 1095 天，到期自动删除。</p>" in privacy
