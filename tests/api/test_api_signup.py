"""/api/v1/auth for mobile clients: SMS codes (limits, captcha), sign-up, log-in by SMS code, reset and unlock."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.test import Client
from django.utils import timezone

from smartunion.accounts.models import SmsCode, User
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py
NEW_PHONE = "13800000002"
SENT = {"sent": True, "resend_after": 60}


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.SMS_PHONE_HOURLY_LIMIT = 5
    settings.SMS_PHONE_DAILY_LIMIT = 10
    settings.SMS_IP_DAILY_LIMIT = 50
    settings.SMS_DAILY_TOTAL_LIMIT = 20000
    settings.SMS_CAPTCHA_AFTER = 3


def post(url, body, ip="10.0.0.7"):
    return Client(REMOTE_ADDR=ip).post(f"/api/v1/auth/{url}", body, content_type="application/json")


def last_code():
    return re.search(r"验证码是(\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body).group(1)


def wrong(code):
    return f"{(int(code) + 1) % 1000000:06d}"


# POST /auth/sms-codes


def test_sms_code_is_202_and_recorded_with_the_ip(db):
    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    assert (response.status_code, response.json()) == (202, SENT)
    sms = SmsCode.objects.get()
    assert (sms.purpose, sms.ip) == ("register", "10.0.0.7")
    assert OutboxMessage.objects.get().recipient == NEW_PHONE


@pytest.mark.parametrize("purpose", ["login", "reset", "unlock"])
def test_unregistered_phone_gets_the_same_answer_and_no_sms(purpose, personas):
    registered = post("sms-codes", {"phone": "13900000001", "purpose": purpose}, ip="10.0.0.7")
    unregistered = post("sms-codes", {"phone": "13900000099", "purpose": purpose}, ip="10.0.0.8")
    assert (registered.status_code, registered.content) == (unregistered.status_code, unregistered.content)
    assert registered.json() == SENT
    assert list(OutboxMessage.objects.values_list("recipient_masked", flat=True)) == ["139****0001"]


def test_unlock_code_by_username_goes_to_the_accounts_phone(personas):
    response = post("sms-codes", {"login": "worker", "purpose": "unlock"})
    assert (response.status_code, response.json()) == (202, SENT)
    assert OutboxMessage.objects.get().recipient == "13900000001"
    assert post("sms-codes", {"login": "nobody", "purpose": "unlock"}, ip="10.0.0.8").json() == SENT
    assert OutboxMessage.objects.count() == 1


@pytest.mark.parametrize(("body", "fields"), [
    ({"phone": "12345", "purpose": "register"}, {"phone": "手机号码格式不正确，应为11位中国大陆手机号"}),
    ({"phone": NEW_PHONE, "purpose": "spam"}, {"purpose": "取值无效"}),
    ({"phone": NEW_PHONE}, {"purpose": "此项为必填项"}),
    ({"login": "", "purpose": "unlock"}, {"login": "请填写用户名或手机号码"}),
])
def test_bad_requests_are_422(db, body, fields):
    response = post("sms-codes", body)
    assert response.status_code == 422
    assert response.json()["fields"] == fields
    assert not SmsCode.objects.exists()


def test_a_second_code_within_a_minute_is_429(db):
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    assert (response.status_code, response.json()) == (429, {
        "code": "too_many_requests", "message": "验证码发送过于频繁，请一分钟后再试", "fields": {}})


def test_the_hourly_phone_limit_is_429(db, settings):
    settings.SMS_CAPTCHA_AFTER = 1000
    for purpose in ["register", "login", "reset", "unlock"]:
        post("sms-codes", {"phone": NEW_PHONE, "purpose": purpose})
    settings.SMS_PHONE_HOURLY_LIMIT = 4
    SmsCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    assert response.status_code == 429
    assert response.json()["message"] == "该手机号获取验证码过于频繁，请一小时后再试"


def test_captcha_required_then_wrong_then_accepted(db):
    for n in range(3):
        assert post("sms-codes", {"phone": f"1380000001{n}", "purpose": "register"}).status_code == 202
    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    assert (response.status_code, response.json()) == (428, {
        "code": "captcha_required", "message": "请先输入图形验证码", "fields": {"captcha_value": "请先输入图形验证码"}})

    captcha = Client().get("/api/v1/auth/captcha")
    assert captcha.status_code == 200
    key = captcha.json()["key"]
    assert captcha.json() == {"key": key, "image_url": f"/captcha/image/{key}/"}
    image = Client().get(captcha.json()["image_url"])
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    answer = CaptchaStore.objects.get(hashkey=key).response

    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register", "captcha_key": key,
                                  "captcha_value": "nope"})
    assert (response.status_code, response.json()) == (422, {
        "code": "invalid", "message": "图形验证码错误，请重新输入",
        "fields": {"captcha_value": "图形验证码错误，请重新输入"}})

    key = Client().get("/api/v1/auth/captcha").json()["key"]
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = post("sms-codes", {"phone": NEW_PHONE, "purpose": "register", "captcha_key": key,
                                  "captcha_value": answer})
    assert (response.status_code, response.json()) == (202, SENT)
    assert SmsCode.objects.filter(phone_index__isnull=False).count() == 4


# POST /auth/register


def test_register_gives_a_token_that_opens_my_membership(db):
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("register", {"phone": "138-0000-0002", "code": last_code(), "password": "union-member-2024",
                                 "consent": "2026-11", "display_name": "小王"})
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(kind="worker")
    assert sorted(body) == ["expires_at", "token", "token_type", "user"]
    assert body["user"] == {"id": user.pk, "kind": "worker", "name": "小王"}
    assert (user.phone, user.display_name, user.last_login is not None) == (NEW_PHONE, "小王", True)
    assert AuditEvent.objects.filter(action="accounts.user.register", actor=user).count() == 1

    mine = Client(headers={"Authorization": f"Bearer {body['token']}"}).get("/api/v1/me/membership")
    assert mine.status_code == 200
    assert mine.json() == {"member": False, "membership": None, "history": [], "applications": []}


def test_register_with_a_wrong_code_is_422_on_the_code(db):
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("register", {"phone": NEW_PHONE, "code": wrong(last_code()), "password": "union-member-2024",
                                 "consent": "2026-11"})
    assert (response.status_code, response.json()) == (422, {
        "code": "invalid", "message": "验证码错误", "fields": {"code": "验证码错误"}})
    assert not User.objects.exists()


def test_register_with_a_weak_password_is_422_on_the_password(db):
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("register", {"phone": NEW_PHONE, "code": last_code(), "password": "12345678",
                                 "consent": "2026-11"})
    assert (response.status_code, response.json()["fields"]) == (
        422, {"password": "这个密码太常见了。 密码只包含数字。"})
    assert SmsCode.objects.get().used_at is None


def test_register_with_a_registered_phone_is_409(personas):
    response = post("register", {"phone": "13900000001", "code": "123456", "password": "union-member-2024",
                                 "consent": "2026-11"})
    assert (response.status_code, response.json()) == (409, {
        "code": "exists", "message": "该手机号已注册，请直接登录", "fields": {}})


def test_register_with_the_body_of_issue_6_records_consent_to_the_current_texts(db):
    """{"phone", "code", "password"} is the contract mobile clients were given: a client that shows the texts itself
    may leave consent out, which records the current version."""
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("register", {"phone": NEW_PHONE, "code": last_code(), "password": "union-member-2024"})
    assert response.status_code == 201
    assert User.objects.get(kind="worker").consent_version == "2026-11"


@pytest.mark.parametrize(("consent", "message"), [
    ("", "请阅读并同意《用户协议》和《隐私政策》"),
    ("2025-01", "请阅读并同意《用户协议》和《隐私政策》"),
])
def test_register_without_consent_to_the_current_texts_is_422_on_the_consent(consent, message, db):
    post("sms-codes", {"phone": NEW_PHONE, "purpose": "register"})
    response = post("register", {"phone": NEW_PHONE, "code": last_code(), "password": "union-member-2024",
                                 "consent": consent})
    assert (response.status_code, response.json()["fields"]) == (422, {"consent": message})
    assert not User.objects.exists()
    assert SmsCode.objects.get().used_at is None


def test_terms_names_the_version_to_consent_to_and_where_to_read_it(db):
    response = Client().get("/api/v1/auth/terms")
    assert (response.status_code, response.json()) == (200, {
        "version": "2026-11", "agreement_url": "/agreement/", "privacy_url": "/privacy/"})


def test_register_with_a_bad_phone_is_422_on_the_phone(db):
    response = post("register", {"phone": "1380000", "code": "123456", "password": "union-member-2024",
                                 "consent": "2026-11"})
    assert (response.status_code, response.json()["fields"]) == (
        422, {"phone": "手机号码格式不正确，应为11位中国大陆手机号"})


# POST /auth/sms-login


def test_sms_login_gives_a_token(personas):
    post("sms-codes", {"phone": "13900000001", "purpose": "login"})
    response = post("sms-login", {"phone": "13900000001", "code": last_code()})
    assert response.status_code == 200
    assert response.json()["user"] == {"id": personas.worker.pk, "kind": "worker", "name": "worker"}
    token = response.json()["token"]
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me/membership").json()["member"] is True


def test_sms_login_refusals_are_the_same_for_an_unregistered_phone(personas):
    post("sms-codes", {"phone": "13900000001", "purpose": "login"}, ip="10.0.0.7")
    post("sms-codes", {"phone": "13900000099", "purpose": "login"}, ip="10.0.0.8")
    code = wrong(last_code())
    for _ in range(5):
        mine = post("sms-login", {"phone": "13900000001", "code": code}, ip="10.0.0.7")
        theirs = post("sms-login", {"phone": "13900000099", "code": code}, ip="10.0.0.8")
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content)
    assert (mine.status_code, mine.json()) == (401, {"code": "bad_code", "message": "验证码错误", "fields": {}})
    # Five failures lock both alike.
    mine = post("sms-login", {"phone": "13900000001", "code": code}, ip="10.0.0.7")
    theirs = post("sms-login", {"phone": "13900000099", "code": code}, ip="10.0.0.8")
    assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content)
    assert (mine.status_code, mine.json()["code"]) == (423, "locked")


# POST /auth/password-reset


def test_password_reset_then_log_in_with_the_new_password(personas):
    for _ in range(5):
        post("token", {"phone": "13900000001", "password": "wrong"})
    post("sms-codes", {"phone": "13900000001", "purpose": "reset"})
    response = post("password-reset", {"phone": "13900000001", "code": last_code(), "password": "brand-new-pass-9"})
    assert (response.status_code, response.json()) == (200, {"reset": True})
    # The reset also lifted the lock.
    assert post("token", {"phone": "13900000001", "password": "brand-new-pass-9"}).status_code == 200
    assert post("token", {"phone": "13900000001", "password": PASSWORD}).status_code == 401


def test_password_reset_for_an_unregistered_phone_answers_like_a_wrong_code(personas):
    post("sms-codes", {"phone": "13900000099", "purpose": "reset"})
    response = post("password-reset", {"phone": "13900000099", "code": "123456", "password": "brand-new-pass-9"})
    assert (response.status_code, response.json()) == (422, {
        "code": "invalid", "message": "验证码错误", "fields": {"code": "验证码错误"}})


# POST /auth/unlock


def test_unlock_by_sms_code(personas):
    for _ in range(5):
        post("token", {"username": "worker", "password": "wrong"})
    assert post("token", {"username": "worker", "password": PASSWORD}).status_code == 423
    post("sms-codes", {"login": "worker", "purpose": "unlock"}, ip="10.0.0.9")
    response = post("unlock", {"login": "worker", "code": last_code()}, ip="10.0.0.9")
    assert (response.status_code, response.json()) == (200, {"unlocked": True})
    assert not AccessAttempt.objects.exists()
    assert post("token", {"username": "worker", "password": PASSWORD}).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.user.unlock", actor=personas.worker).count() == 1


def test_unlock_by_totp(personas):
    from smartunion.accounts.services import totp_begin, totp_confirm

    cadre = personas.county_cadre
    totp_begin(cadre)
    totp_confirm(cadre, code=pyotp.TOTP(cadre.totp_pending).now())
    cadre.refresh_from_db()
    for _ in range(5):
        post("token", {"username": "county_cadre", "password": "wrong"})
    response = post("unlock", {"login": "county_cadre", "otp": pyotp.TOTP(cadre.totp_secret).now()})
    assert (response.status_code, response.json()) == (200, {"unlocked": True})
    assert post("token", {"username": "county_cadre", "password": PASSWORD,
                          "otp": pyotp.TOTP(cadre.totp_secret).now()}).status_code == 200


def test_unlock_of_an_unknown_login_answers_like_a_wrong_code(personas):
    post("sms-codes", {"login": "worker", "purpose": "unlock"}, ip="10.0.0.7")
    post("sms-codes", {"login": "nobody", "purpose": "unlock"}, ip="10.0.0.8")
    mine = post("unlock", {"login": "worker", "code": wrong(last_code())}, ip="10.0.0.7")
    theirs = post("unlock", {"login": "nobody", "code": wrong(last_code())}, ip="10.0.0.8")
    assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content)
    assert mine.json() == {"code": "invalid", "message": "验证码错误", "fields": {"code": "验证码错误"}}


def test_unlock_without_code_or_otp_is_422(personas):
    response = post("unlock", {"login": "worker"})
    assert (response.status_code, response.json()["fields"]) == (422, {"code": "请填写短信验证码或动态口令"})


def test_repeated_wrong_unlock_answers_are_429(personas):
    for _ in range(5):
        assert post("unlock", {"login": "county_cadre", "otp": "000000"}).status_code == 422
    response = post("unlock", {"login": "county_cadre", "otp": "000000"})
    assert (response.status_code, response.json()) == (429, {
        "code": "too_many_requests", "message": "解锁尝试次数过多，请15分钟后再试", "fields": {}})


# The OpenAPI document tells the truth about these endpoints


def test_openapi_declares_the_auth_answers(db):
    """Each endpoint's own answers, and the two every operation with a body may give (400 malformed, 413 too
    large); a GET with parameters may answer 400 too."""
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "token": {"200", "401", "422", "423"},
        "sms-codes": {"202", "422", "428", "429"},
        "register": {"201", "409", "422"},
        "sms-login": {"200", "401", "422", "423"},
        "password-reset": {"200", "422"},
        "unlock": {"200", "422", "429"},
    }
    declared = {path: set(paths[f"/api/v1/auth/{path}"]["post"]["responses"]) for path in expected}
    assert declared == {path: statuses | {"400", "413"} for path, statuses in expected.items()}
    assert set(paths["/api/v1/auth/captcha"]["get"]["responses"]) == {"200", "400"}
