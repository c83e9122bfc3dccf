"""SMS codes: sending limits, the captcha after a few sends from one IP, unregistered phones, SMS log-in, reset."""

import datetime as dt
import re

import pyotp
import pytest
from captcha.models import CaptchaStore
from django.utils import timezone

from smartunion.accounts import services
from smartunion.accounts.models import ApiToken, SmsCode
from smartunion.accounts.services import LoginError
from smartunion.core.errors import DomainError, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py
PHONE = "13800000002"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SMS_RESEND_SECONDS = 60
    settings.SMS_PHONE_HOURLY_LIMIT = 5
    settings.SMS_PHONE_DAILY_LIMIT = 10
    settings.SMS_IP_DAILY_LIMIT = 50
    settings.SMS_DAILY_TOTAL_LIMIT = 20000
    settings.SMS_CAPTCHA_AFTER = 3


def refusal(**kwargs):
    """(status, code, message, field messages) of the refused send."""
    kwargs.setdefault("purpose", SmsCode.Purpose.REGISTER)
    with pytest.raises(DomainError) as exc:
        services.send_sms_code(**kwargs)
    return exc.value.status, exc.value.code, exc.value.message, exc.value.fields


def throttled(message: str) -> tuple:
    return 429, "too_many_requests", message, {}


def on_field(field: str, message: str) -> tuple:
    return 422, "invalid", message, {field: message}


BAD_CAPTCHA = on_field("captcha_value", "图形验证码错误，请重新输入")


def age_codes(by: dt.timedelta):
    for sms in SmsCode.objects.all():
        SmsCode.objects.filter(pk=sms.pk).update(created_at=sms.created_at - by)


def earlier_today(n: int, **fields):
    """n codes recorded at the very start of today (local time), more than a minute ago whatever the hour."""
    start = timezone.localtime().replace(hour=0, minute=0, second=1, microsecond=0)
    fields.setdefault("phone_index", "x" * 64)
    for _ in range(n):
        sms = SmsCode.objects.create(purpose="register", code_hash="-", expires_at=start, **fields)
        SmsCode.objects.filter(pk=sms.pk).update(created_at=start)


def last_code():
    return re.search(r"验证码是(\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body).group(1)


# Limits


def test_the_ip_is_recorded(db):
    sms = services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.7")
    assert SmsCode.objects.get(pk=sms.pk).ip == "10.0.0.7"


def test_per_phone_per_hour(db):
    for _ in range(5):
        services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
        age_codes(dt.timedelta(seconds=61))
    assert refusal(phone=PHONE) == throttled("该手机号获取验证码过于频繁，请一小时后再试")
    assert refusal(phone=PHONE, purpose=SmsCode.Purpose.LOGIN) == throttled(  # every purpose counts
        "该手机号获取验证码过于频繁，请一小时后再试")
    assert SmsCode.objects.count() == 5
    age_codes(dt.timedelta(minutes=55))
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    # Another phone was never limited.
    services.send_sms_code(phone="13800000003", purpose=SmsCode.Purpose.REGISTER)


def test_per_phone_per_day(db, settings):
    settings.SMS_PHONE_HOURLY_LIMIT = 100
    earlier_today(10, phone_index=services.phone_index(PHONE))
    assert refusal(phone=PHONE) == throttled("该手机号今天获取验证码的次数已达上限，请明天再试")
    SmsCode.objects.update(created_at=timezone.localtime().replace(hour=0, minute=0, second=0) - dt.timedelta(
        seconds=1))  # yesterday's
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)


def test_per_ip_per_day(db, settings):
    settings.SMS_CAPTCHA_AFTER = 1000
    earlier_today(50, ip="10.0.0.7")
    assert refusal(phone=PHONE, ip="10.0.0.7") == throttled("当前网络今天获取验证码的次数已达上限，请明天再试")
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.8")


def test_total_per_day_for_the_deployment(db, settings):
    settings.SMS_DAILY_TOTAL_LIMIT = 3
    earlier_today(3)
    assert refusal(phone=PHONE, ip="10.0.0.7") == throttled("今天的短信验证码发送量已达上限，请明天再试")
    assert not OutboxMessage.objects.exists()


def test_an_unknown_purpose_is_refused(db):
    assert refusal(phone=PHONE, purpose="spam") == on_field("purpose", "验证码用途不正确")


# The captcha after SMS_CAPTCHA_AFTER sends from one IP in 24 hours


def test_captcha_is_required_after_three_sends_from_one_ip_then_accepted(db):
    for n in range(3):
        services.send_sms_code(phone=f"1380000001{n}", purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.7")
    assert services.captcha_required("10.0.0.7") is True
    assert services.captcha_required("10.0.0.8") is False
    assert refusal(phone=PHONE, ip="10.0.0.7") == (
        428, "captcha_required", "请先输入图形验证码", {"captcha_value": "请先输入图形验证码"})

    key, url = services.new_captcha()
    assert url == f"/captcha/image/{key}/"
    answer = CaptchaStore.objects.get(hashkey=key).response
    assert refusal(phone=PHONE, ip="10.0.0.7", captcha_key=key, captcha_value=answer + "x") == BAD_CAPTCHA
    # One try per challenge: the right answer to a spent one is refused too.
    assert refusal(phone=PHONE, ip="10.0.0.7", captcha_key=key, captcha_value=answer) == BAD_CAPTCHA
    assert SmsCode.objects.count() == 3

    key, _ = services.new_captcha()
    answer = CaptchaStore.objects.get(hashkey=key).response
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.7", captcha_key=key,
                           captcha_value=f" {answer.upper()} ")
    assert SmsCode.objects.count() == 4
    # Another address needs none.
    services.send_sms_code(phone="13800000099", purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.8")


def test_the_captcha_counts_a_rolling_day(db):
    for n in range(3):
        services.send_sms_code(phone=f"1380000001{n}", purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.7")
    age_codes(dt.timedelta(hours=24, seconds=1))
    assert services.captcha_required("10.0.0.7") is False


def test_an_expired_captcha_is_refused(db):
    for n in range(3):
        services.send_sms_code(phone=f"1380000001{n}", purpose=SmsCode.Purpose.REGISTER, ip="10.0.0.7")
    key, _ = services.new_captcha()
    store = CaptchaStore.objects.get(hashkey=key)
    CaptchaStore.objects.filter(pk=store.pk).update(expiration=timezone.now() - dt.timedelta(seconds=1))
    assert refusal(phone=PHONE, ip="10.0.0.7", captcha_key=key, captcha_value=store.response) == BAD_CAPTCHA


# Unregistered phones: recorded and answered alike, nothing sent


@pytest.mark.parametrize("purpose", ["login", "reset", "unlock"])
def test_codes_for_an_unregistered_phone_are_recorded_but_not_sent(purpose, personas):
    mine = services.send_sms_code(phone="13900000001", purpose=purpose, ip="10.0.0.7")
    theirs = services.send_sms_code(phone="13900000099", purpose=purpose, ip="10.0.0.8")
    assert (mine.purpose, mine.ip, theirs.purpose, theirs.ip) == (purpose, "10.0.0.7", purpose, "10.0.0.8")
    assert list(OutboxMessage.objects.values_list("recipient_masked", flat=True)) == ["139****0001"]
    # The limits see both alike.
    assert refusal(phone="13900000001", purpose=purpose) == refusal(phone="13900000099", purpose=purpose) == (
        throttled("验证码发送过于频繁，请一分钟后再试"))


@pytest.mark.parametrize(("purpose", "doing"), [("login", "登录"), ("reset", "重置密码"), ("unlock", "解除登录锁定")])
def test_the_message_says_what_the_code_is_for(purpose, doing, personas):
    services.send_sms_code(phone="13900000001", purpose=purpose)
    body = OutboxMessage.objects.get().body
    assert body == f"【智慧工会】您正在{doing}，验证码是{last_code()}，5分钟内有效。如非本人操作，请忽略。"


# Log-in by SMS code


def sms_login_result(phone, code, **kwargs):
    try:
        return services.sms_login(phone=phone, code=code, ip="10.0.0.7", **kwargs)
    except LoginError as exc:
        return exc.code, exc.message


def test_sms_login(personas):
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.LOGIN)
    assert sms_login_result("139 0000 0001", last_code()) == personas.worker
    assert SmsCode.objects.get().used_at is not None
    assert sms_login_result("13900000001", last_code()) == ("expired", "验证码已过期，请重新获取")


def test_a_register_code_does_not_log_in(personas):
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.REGISTER)
    assert sms_login_result("13900000001", last_code()) == ("expired", "验证码已过期，请重新获取")


def test_sms_login_failures_count_with_the_password_failures(personas):
    from axes.models import AccessAttempt

    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.LOGIN)
    wrong = f"{(int(last_code()) + 1) % 1000000:06d}"
    assert sms_login_result("13900000001", wrong) == ("bad_code", "验证码错误")
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        (f"user:{personas.worker.pk}", 1)]
    for _ in range(4):
        sms_login_result("13900000001", wrong)
    assert sms_login_result("13900000001", last_code()) == ("locked", "登录失败次数过多，账号已锁定，请15分钟后再试")


def test_sms_login_for_an_unregistered_phone_answers_alike(personas):
    for phone in ["13900000001", "13900000099"]:
        assert sms_login_result(phone, "123456") == ("expired", "验证码已过期，请重新获取")
        services.send_sms_code(phone=phone, purpose=SmsCode.Purpose.LOGIN)
    wrong = f"{(int(last_code()) + 1) % 1000000:06d}"
    assert sms_login_result("13900000001", wrong) == sms_login_result("13900000099", "123456") == (
        "bad_code", "验证码错误")


def test_sms_login_asks_a_totp_account_for_its_code_without_spending_the_sms_code(personas):
    user = personas.worker
    services.totp_begin(user)
    services.totp_confirm(user, code=pyotp.TOTP(user.totp_pending).now())
    user.refresh_from_db()
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.LOGIN)
    code = last_code()
    assert sms_login_result("13900000001", code) == ("otp_required", "请输入动态口令")
    assert SmsCode.objects.get().used_at is None
    assert sms_login_result("13900000001", code, otp=pyotp.TOTP(user.totp_secret).now()) == user
    assert SmsCode.objects.get().used_at is not None


# Password reset


def test_reset_password(personas):
    worker = personas.worker
    old_token, _ = services.issue_token(worker)
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.RESET)
    services.reset_password(phone="+86 139 0000 0001", code=last_code(), password="brand-new-pass-9")
    worker.refresh_from_db()
    assert worker.check_password("brand-new-pass-9") and not worker.check_password(PASSWORD)
    assert services.user_for_token(old_token) is None
    assert not ApiToken.objects.filter(user=worker).exists()
    event = AuditEvent.objects.get(action="accounts.user.reset_password")
    assert (event.actor_id, event.target_id) == (worker.pk, str(worker.pk))


def reset_refusal(**kwargs):
    with pytest.raises(Invalid) as exc:
        services.reset_password(**kwargs)
    return exc.value.status, exc.value.code, exc.value.message, exc.value.fields


def test_reset_with_a_weak_password_keeps_the_code(personas):
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.RESET)
    assert reset_refusal(phone="13900000001", code=last_code(), password="12345678") == on_field(
        "password", "这个密码太常见了。 密码只包含数字。")
    assert SmsCode.objects.get().used_at is None
    personas.worker.refresh_from_db()
    assert personas.worker.check_password(PASSWORD)


def test_reset_of_an_unregistered_phone_answers_like_a_wrong_code(personas):
    for phone in ["13900000001", "13900000099"]:
        services.send_sms_code(phone=phone, purpose=SmsCode.Purpose.RESET)
    wrong = f"{(int(last_code()) + 1) % 1000000:06d}"  # the worker's: the only code sent
    assert reset_refusal(phone="13900000001", code=wrong, password="brand-new-pass-9") == on_field("code", "验证码错误")
    assert reset_refusal(phone="13900000099", code="123456", password="brand-new-pass-9") == on_field(
        "code", "验证码错误")
    assert not AuditEvent.objects.filter(action="accounts.user.reset_password").exists()
