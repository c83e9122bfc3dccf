"""Portal: log-in by SMS code, 忘记密码, self-service unlock, and the captcha before repeated code requests."""

import re

import pyotp
import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.test import Client

from smartunion.accounts.models import SmsCode
from smartunion.accounts.services import totp_begin, totp_confirm
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.SMS_CAPTCHA_AFTER = 3


def flash(response):
    return [str(m) for m in response.context["messages"]]


def code_button(html: str) -> tuple[str, str]:
    """The inline 获取验证码 button of a page: (purpose, name of the phone input it sends)."""
    found = re.findall(r'<button type="submit" class="code-button" name="send_code" value="([a-z]+)" formnovalidate\s+'
                       r'data-sms-code="/sms-code/" data-purpose="\1" data-phone="([a-z]+)">获取验证码</button>', html)
    assert len(found) == 1, found
    return found[0]


def last_code():
    return re.search(r"验证码是(\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body).group(1)


def lock_worker(client):
    for _ in range(5):
        client.post("/login/", {"phone": "13900000001", "password": "wrong-password"})
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD})
    assert response.context["form"].non_field_errors() == ["登录失败次数过多，账号已锁定，请15分钟后再试"]


# Log-in by SMS code


def test_login_page_offers_sms_login_reset_and_unlock(client, db):
    html = client.get("/login/?next=/notices/").content.decode()
    assert ('<a href="/login/?next=/notices/" class="current" aria-current="page">密码登录</a>\n'
            '    <a href="/login/?by=sms&amp;next=/notices/">验证码登录</a>') in html
    assert '<a href="/password-reset/">忘记密码</a>' in html
    assert '<a href="/unlock/">账号被锁定？</a>' in html
    assert html.count('name="phone"') == 1  # one form at a time
    sms = client.get("/login/?by=sms&next=/notices/").content.decode()
    assert '<a href="/login/?by=sms&amp;next=/notices/" class="current" aria-current="page">验证码登录</a>' in sms
    assert '<form method="post" action="/login/sms/?next=/notices/" novalidate class="sms-form">' in sms
    # One phone field; the code button sits beside the code field, in the same form.
    assert sms.count('name="phone"') == 1
    assert code_button(sms) == ("login", "phone")
    assert 'id="sms_phone"' in sms and 'id="id_phone"' not in sms


def test_worker_logs_in_with_an_sms_code(client, personas):
    response = client.post("/sms-code/", {"phone": "13900000001", "purpose": "login"}, follow=True)
    assert response.redirect_chain == [("/login/?by=sms", 302)]
    assert response.context["by_sms"] is True
    assert flash(response) == ["如该手机号已注册，验证码已发送，5分钟内有效"]
    response = client.post("/login/sms/?next=/notices/", {"phone": "13900000001", "code": last_code()})
    assert (response.status_code, response.url) == (302, "/notices/")
    assert client.session["_auth_user_id"] == str(personas.worker.pk)


def test_an_unregistered_phone_is_told_the_same_and_gets_nothing(client, personas):
    response = client.post("/sms-code/", {"phone": "13900000099", "purpose": "login"}, follow=True)
    assert flash(response) == ["如该手机号已注册，验证码已发送，5分钟内有效"]
    assert not OutboxMessage.objects.exists()
    response = client.post("/login/sms/", {"phone": "13900000099", "code": "123456"})
    assert response.context["sms_form"].errors == {"code": ["验证码错误"]}


def test_a_wrong_sms_code_is_refused_on_the_page(client, personas):
    client.post("/sms-code/", {"phone": "13900000001", "purpose": "login"})
    wrong = f"{(int(last_code()) + 1) % 1000000:06d}"
    response = client.post("/login/sms/", {"phone": "13900000001", "code": wrong})
    assert response.status_code == 200
    assert response.context["sms_form"].errors == {"code": ["验证码错误"]}  # on the field it is about
    assert '<p class="error">验证码错误</p>' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sms_login_is_post_only(client, db):
    assert client.get("/login/sms/").status_code == 405


# 忘记密码


def test_reset_password_then_log_in(client, personas):
    lock_worker(client)
    response = client.post("/sms-code/", {"phone": "13900000001", "purpose": "reset"}, follow=True)
    assert response.redirect_chain == [("/password-reset/", 302)]
    assert flash(response) == ["如该手机号已注册，验证码已发送，5分钟内有效"]
    response = client.post("/password-reset/", {"phone": "13900000001", "code": last_code(),
                                                "password": "brand-new-pass-9"}, follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    assert flash(response) == ["密码已重置，请用新密码登录"]
    assert AuditEvent.objects.filter(action="accounts.user.reset_password", actor=personas.worker).count() == 1
    # The lock went with the old password.
    response = client.post("/login/", {"phone": "13900000001", "password": "brand-new-pass-9"})
    assert (response.status_code, response.url) == (302, "/me/")


def test_reset_with_a_weak_password_shows_why(client, personas):
    client.post("/sms-code/", {"phone": "13900000001", "purpose": "reset"})
    response = client.post("/password-reset/", {"phone": "13900000001", "code": last_code(), "password": "12345678"})
    assert response.context["form"].errors == {"password": ["这个密码太常见了。 密码只包含数字。"]}


def test_reset_page_shows_its_forms(client, db):
    html = client.get("/password-reset/").content.decode()
    assert "<h1>忘记密码</h1>" in html
    assert html.count('name="phone"') == 1
    assert code_button(html) == ("reset", "phone")


# Unlock


def test_worker_unlocks_with_an_sms_code(client, personas):
    lock_worker(client)
    response = client.post("/sms-code/", {"phone": "worker", "purpose": "unlock"}, follow=True)
    assert response.redirect_chain == [("/unlock/", 302)]
    assert flash(response) == ["如该账号已绑定手机，验证码已发送，5分钟内有效"]
    response = client.post("/unlock/", {"login": "worker", "code": last_code()}, follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    assert flash(response) == ["账号已解锁，请重新登录"]
    assert not AccessAttempt.objects.exists()
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/me/")


def test_asking_to_unlock_an_unknown_login_reads_the_same(client, personas):
    response = client.post("/sms-code/", {"phone": "no_such_cadre", "purpose": "unlock"}, follow=True)
    assert flash(response) == ["如该账号已绑定手机，验证码已发送，5分钟内有效"]
    assert not OutboxMessage.objects.exists()
    response = client.post("/unlock/", {"login": "no_such_cadre", "code": "123456"})
    assert response.context["form"].errors == {"code": ["验证码错误"]}


def test_cadre_unlocks_with_totp_and_goes_back_to_the_console(client, personas):
    cadre = personas.county_cadre
    totp_begin(cadre)
    totp_confirm(cadre, code=pyotp.TOTP(cadre.totp_pending).now())
    cadre.refresh_from_db()
    page = client.get("/unlock/?next=/console/login/")
    assert '<input type="hidden" name="next" value="/console/login/">' in page.content.decode()
    response = client.post("/unlock/", {"login": "county_cadre", "otp": pyotp.TOTP(cadre.totp_secret).now(),
                                        "next": "/console/login/"})
    assert (response.status_code, response.url) == (302, "/console/login/")


def test_unlock_does_not_redirect_off_site(client, personas):
    client.post("/sms-code/", {"phone": "worker", "purpose": "unlock"})
    response = client.post("/unlock/", {"login": "worker", "code": last_code(), "next": "https://evil.example.com/"})
    assert (response.status_code, response.url) == (302, "/login/")


def test_unlock_without_code_or_otp(client, personas):
    response = client.post("/unlock/", {"login": "worker"})
    assert response.context["form"].errors == {"code": ["请填写短信验证码或动态口令"]}


# The captcha on the code forms


def test_register_page_shows_the_captcha_after_three_codes_and_accepts_it(personas):
    client = Client(REMOTE_ADDR="10.0.0.7")
    assert "图形验证码" not in client.get("/register/").content.decode()
    for n in range(3):
        client.post("/register/code/", {"phone": f"1380000001{n}"})
    page = client.get("/register/")
    html = page.content.decode()
    key = re.search(r'name="captcha_key" value="([0-9a-f]{40})"', html).group(1)
    assert f'<img class="captcha" src="/captcha/image/{key}/" alt="图形验证码" width="120" height="40">' in html

    response = client.post("/register/code/", {"phone": "13800000002"}, follow=True)
    assert flash(response) == ["请先输入图形验证码"]
    response = client.post("/register/code/", {"phone": "13800000002", "captcha_key": key,
                                               "captcha_value": "nope"}, follow=True)
    assert flash(response) == ["图形验证码错误，请重新输入"]
    key = re.search(r'name="captcha_key" value="([0-9a-f]{40})"', response.content.decode()).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = client.post("/register/code/", {"phone": "13800000002", "captcha_key": key,
                                               "captcha_value": answer}, follow=True)
    assert flash(response) == ["验证码已发送，5分钟内有效"]
    assert SmsCode.objects.filter(ip="10.0.0.7").count() == 4
    # Another network sees no captcha.
    assert "图形验证码" not in Client(REMOTE_ADDR="10.0.0.8").get("/register/").content.decode()


def test_an_unknown_purpose_is_refused(client, db):
    response = client.post("/sms-code/", {"phone": "13800000002", "purpose": "spam"}, follow=True)
    assert flash(response) == ["验证码用途不正确"]
    assert not SmsCode.objects.exists()


# The inline 获取验证码 button: JSON for app.js, the page itself without JavaScript


def ask_json(client, **data):
    return client.post("/sms-code/", data, headers={"Accept": "application/json"})


def test_the_code_button_gets_json_with_the_message_and_the_countdown(client, personas):
    response = ask_json(client, phone="13900000001", purpose="login")
    assert (response.status_code, response.json()) == (200, {
        "sent": True, "message": "如该手机号已注册，验证码已发送，5分钟内有效", "field": None, "resend_after": 60,
        "captcha": None})
    assert OutboxMessage.objects.count() == 1
    again = ask_json(client, phone="13900000001", purpose="login")
    assert (again.status_code, again.json()) == (429, {
        "sent": False, "message": "验证码发送过于频繁，请一分钟后再试", "field": None, "resend_after": 0,
        "captcha": None})


def test_the_code_button_names_the_field_of_a_refusal(client, db):
    response = ask_json(client, phone="12345", purpose="register")
    assert (response.status_code, response.json()["field"], response.json()["message"]) == (
        422, "phone", "手机号码格式不正确，应为11位中国大陆手机号")


def test_the_code_button_hands_out_the_captcha_once_it_is_needed(client, db):
    for n in range(2):
        assert ask_json(client, phone=f"1380000001{n}", purpose="register").json()["captcha"] is None
    third = ask_json(client, phone="13800000012", purpose="register").json()
    assert third["sent"] is True
    assert sorted(third["captcha"]) == ["image_url", "key"]
    refused = ask_json(client, phone="13800000013", purpose="register")
    assert (refused.status_code, refused.json()["field"]) == (428, "captcha_value")
    key = refused.json()["captcha"]["key"]
    answer = CaptchaStore.objects.get(hashkey=key).response
    sent = ask_json(client, phone="13800000013", purpose="register", captcha_key=key, captcha_value=answer)
    assert sent.json()["sent"] is True


def test_without_javascript_the_button_sends_the_code_and_keeps_what_was_typed(client, db):
    response = client.post("/register/", {"phone": "13800000002", "display_name": "小王", "password": "secret-1",
                                          "send_code": "register"})
    assert response.status_code == 200
    assert flash(response) == ["验证码已发送，5分钟内有效"]
    form = response.context["form"]
    assert (form.is_bound, form.initial) == (False, {"phone": "13800000002", "display_name": "小王"})
    html = response.content.decode()
    assert 'value="13800000002"' in html and "secret-1" not in html
    assert SmsCode.objects.get().purpose == "register"


def test_without_javascript_the_login_code_button_stays_on_the_sms_form(client, personas):
    response = client.post("/login/sms/", {"phone": "13900000001", "send_code": "login"})
    assert (response.status_code, response.context["by_sms"]) == (200, True)
    assert flash(response) == ["如该手机号已注册，验证码已发送，5分钟内有效"]
    assert response.context["sms_form"].initial == {"phone": "13900000001"}
    assert "_auth_user_id" not in client.session


def test_unlock_page_sends_the_code_for_the_login_typed(client, personas):
    html = client.get("/unlock/").content.decode()
    assert code_button(html) == ("unlock", "login")
    response = client.post("/unlock/", {"login": "worker", "send_code": "unlock"})
    assert flash(response) == ["如该账号已绑定手机，验证码已发送，5分钟内有效"]
    assert response.context["form"].initial == {"login": "worker"}
