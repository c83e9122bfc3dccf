"""Log-in throttling on django-axes (per login and IP, per IP, per login across IPs) and unlock by the holder."""

import datetime as dt
import re

import pyotp
import pytest
from axes.models import AccessAttempt

from smartunion.accounts import services
from smartunion.accounts.lockout import key_for_unknown
from smartunion.accounts.models import SmsCode
from smartunion.accounts.services import LoginError, authenticate_login
from smartunion.core.errors import DomainError
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py
BAD = ("bad_credentials", "用户名或密码错误")
LOCKED = ("locked", "登录失败次数过多，账号已锁定，请15分钟后再试")
IP_LOCKED = ("locked", "当前网络登录失败次数过多，请15分钟后再试")


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_IP_MAX_FAILURES = 30
    settings.LOGIN_ACCOUNT_MAX_FAILURES = 50
    settings.LOGIN_LOCKOUT_MINUTES = 15


def attempt(login, password="wrong", ip="10.0.0.7", **kwargs):  # noqa: S107  a wrong one by default
    """(code, message) of a refused log-in, or the user let in."""
    try:
        return authenticate_login(login=login, password=password, ip=ip, **kwargs)
    except LoginError as exc:
        return exc.code, exc.message


def rows():
    return sorted(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start"))


def age_attempts(by: dt.timedelta):
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - by)


# The (login, IP) tier


def test_failures_are_counted_per_account_and_ip_and_the_fifth_locks(personas):
    user = personas.city_cadre
    for count in range(1, 5):
        assert attempt("city_cadre") == BAD
        assert rows() == [(f"user:{user.pk}", "10.0.0.7", count)]
    assert not AuditEvent.objects.filter(action="accounts.user.lock").exists()
    assert attempt("city_cadre") == BAD  # the attempt that reaches the limit is answered as any other
    event = AuditEvent.objects.get(action="accounts.user.lock")
    assert (event.actor_id, event.actor_label, event.target_id, event.ip, event.data) == (
        None, "系统", str(user.pk), "10.0.0.7", {"login_key": f"user:{user.pk}"})
    # Locked: the right password is refused too, and tries while locked neither count nor extend the lock.
    assert attempt("city_cadre", PASSWORD) == LOCKED
    assert attempt("city_cadre") == LOCKED
    assert rows() == [(f"user:{user.pk}", "10.0.0.7", 5)]
    assert AuditEvent.objects.filter(action="accounts.user.lock").count() == 1


def test_a_lock_from_one_ip_does_not_lock_the_account_from_another(personas):
    for _ in range(5):
        attempt("city_cadre", ip="10.0.0.7")
    assert attempt("city_cadre", PASSWORD, ip="10.0.0.7") == LOCKED
    assert attempt("city_cadre", PASSWORD, ip="10.0.0.8") == personas.city_cadre


def test_username_and_phone_share_one_counter(personas):
    for login in ["worker", "worker", "13900000001", "+86 139 0000 0001", "worker"]:
        assert attempt(login) == BAD
    assert attempt("13900000001", PASSWORD) == LOCKED
    assert attempt("worker", PASSWORD) == LOCKED


def test_failures_of_one_account_do_not_lock_another(personas):
    for _ in range(5):
        attempt("city_cadre")
    assert attempt("county_cadre", PASSWORD) == personas.county_cadre


def test_success_forgets_the_failures_of_that_login_from_that_ip_only(personas):
    city, county = personas.city_cadre.pk, personas.county_cadre.pk
    for _ in range(4):
        attempt("city_cadre", ip="10.0.0.7")
        attempt("city_cadre", ip="10.0.0.8")
        attempt("county_cadre", ip="10.0.0.7")
    assert attempt("city_cadre", PASSWORD, ip="10.0.0.7") == personas.city_cadre
    assert rows() == [(f"user:{city}", "10.0.0.8", 4), (f"user:{county}", "10.0.0.7", 4)]
    for _ in range(4):
        assert attempt("city_cadre", ip="10.0.0.7") == BAD
    assert attempt("city_cadre", PASSWORD, ip="10.0.0.7") == personas.city_cadre


@pytest.mark.parametrize(("left", "minutes"), [
    (dt.timedelta(minutes=14, seconds=59), 15),
    (dt.timedelta(minutes=10, seconds=30), 11),
    (dt.timedelta(minutes=1, seconds=30), 2),
    (dt.timedelta(seconds=30), 1),
])
def test_lock_message_rounds_the_time_left_up(left, minutes, personas):
    for _ in range(5):
        attempt("city_cadre")
    age_attempts(dt.timedelta(minutes=15) - left)
    assert attempt("city_cadre", PASSWORD) == ("locked", f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试")


def test_the_lock_follows_the_settings(personas, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_MINUTES = 40
    assert [attempt("city_cadre") for _ in range(2)] == [BAD, BAD]
    assert attempt("city_cadre", PASSWORD) == ("locked", "登录失败次数过多，账号已锁定，请40分钟后再试")


def test_an_expired_lock_lets_the_user_in_and_is_forgotten(personas):
    for _ in range(5):
        attempt("city_cadre")
    age_attempts(dt.timedelta(minutes=15, seconds=1))
    assert attempt("city_cadre", PASSWORD) == personas.city_cadre
    assert rows() == []


def test_after_an_expired_lock_failures_count_afresh(personas):
    for _ in range(5):
        attempt("city_cadre")
    age_attempts(dt.timedelta(minutes=15, seconds=1))
    assert attempt("city_cadre") == BAD
    assert rows() == [(f"user:{personas.city_cadre.pk}", "10.0.0.7", 1)]


def test_inactive_user_is_refused_like_a_wrong_password(personas):
    personas.city_cadre.is_active = False
    personas.city_cadre.save(update_fields=["is_active"])
    assert attempt("city_cadre", PASSWORD) == BAD


# Unknown logins: counted and answered exactly like known ones, nothing typed kept in clear


@pytest.mark.parametrize("unknown", ["nobody", "13900000099", "not a phone"])
def test_unknown_logins_get_the_same_answers_and_the_same_lock(unknown, personas):
    known = [attempt("city_cadre", ip="10.0.0.7") for _ in range(5)] + [attempt("city_cadre", PASSWORD,
                                                                                ip="10.0.0.7")]
    other = [attempt(unknown, ip="10.0.0.8") for _ in range(5)] + [attempt(unknown, PASSWORD, ip="10.0.0.8")]
    assert known == other == [BAD] * 5 + [LOCKED]
    unknown_row = AccessAttempt.objects.get(ip_address="10.0.0.8")
    assert (unknown_row.username, unknown_row.failures_since_start) == (key_for_unknown(unknown), 5)
    assert re.fullmatch(r"login:[0-9a-f]{64}", unknown_row.username)
    assert sorted(AuditEvent.objects.filter(action="accounts.user.lock").values_list("target_id", "data")) == [
        ("", {"login_key": unknown_row.username}), (str(personas.city_cadre.pk),
                                                    {"login_key": f"user:{personas.city_cadre.pk}"})]


def test_an_unknown_phone_is_keyed_the_same_however_it_is_written(db):
    attempt("13900000099")
    attempt("+86 139-0000-0099")
    assert rows() == [(key_for_unknown("13900000099"), "10.0.0.7", 2)]


def test_posted_phone_and_login_are_not_kept_in_the_attempt_record(client, personas):
    client.post("/login/", {"phone": "13900000001", "password": "wrong-password"})
    row = AccessAttempt.objects.get()
    assert "13900000001" not in row.post_data and "wrong-password" not in row.post_data
    assert row.username == f"user:{personas.worker.pk}"


# The IP tier and the account tier


def test_one_ip_failing_across_many_logins_is_throttled(personas):
    for n in range(29):
        assert attempt(f"guess{n}", ip="10.0.0.7") == BAD
    assert attempt("county_cadre", PASSWORD, ip="10.0.0.7") == personas.county_cadre
    assert attempt("guess29", ip="10.0.0.7") == BAD  # the 30th failure from this address
    assert attempt("county_cadre", PASSWORD, ip="10.0.0.7") == IP_LOCKED
    assert attempt("brand-new-login", ip="10.0.0.7") == IP_LOCKED
    # Other addresses are not affected.
    assert attempt("county_cadre", PASSWORD, ip="10.0.0.8") == personas.county_cadre


def test_one_account_failing_from_many_ips_is_throttled(personas):
    for n in range(49):
        assert attempt("city_cadre", ip=f"10.1.0.{n}") == BAD
    assert attempt("city_cadre", PASSWORD, ip="10.2.0.1") == personas.city_cadre
    assert attempt("city_cadre", ip="10.1.0.49") == BAD  # the 50th failure on this account
    assert attempt("city_cadre", PASSWORD, ip="10.2.0.2") == LOCKED
    # The tier is per account: others log in from anywhere.
    assert attempt("county_cadre", PASSWORD, ip="10.2.0.2") == personas.county_cadre


# Unlock by the account holder


def unlock_code(phone):
    message = OutboxMessage.objects.filter(channel="sms").latest("id")
    assert message.recipient == phone
    return re.fullmatch(r"【智慧工会】您正在解除登录锁定，验证码是(\d{6})，5分钟内有效。如非本人操作，请忽略。",
                        message.body).group(1)


def lock_from(login, *ips):
    for ip in ips:
        for _ in range(5):
            attempt(login, ip=ip)
        assert attempt(login, PASSWORD, ip=ip) == LOCKED


def test_unlock_by_sms_lifts_the_lock_from_every_ip(personas):
    worker = personas.worker
    lock_from("worker", "10.0.0.7", "10.0.0.8")
    services.send_unlock_code(login="worker", ip="10.0.0.9")
    services.unlock_account(login="worker", code=unlock_code("13900000001"), ip="10.0.0.9")
    assert rows() == []
    event = AuditEvent.objects.get(action="accounts.user.unlock")
    assert (event.actor_id, event.target_id, event.ip, event.data) == (worker.pk, str(worker.pk), "10.0.0.9",
                                                                      {"method": "sms"})
    assert attempt("worker", PASSWORD, ip="10.0.0.7") == worker
    assert attempt("13900000001", PASSWORD, ip="10.0.0.8") == worker


def test_unlock_by_sms_with_the_phone_as_login(personas):
    lock_from("13900000001", "10.0.0.7")
    services.send_unlock_code(login="139 0000 0001")
    services.unlock_account(login="13900000001", code=unlock_code("13900000001"))
    assert attempt("worker", PASSWORD, ip="10.0.0.7") == personas.worker


@pytest.fixture
def totp_cadre(personas):
    user = personas.county_cadre
    services.totp_begin(user)
    services.totp_confirm(user, code=pyotp.TOTP(user.totp_pending).now())
    user.refresh_from_db()
    return user


def test_unlock_by_totp(totp_cadre):
    lock_from("county_cadre", "10.0.0.7")
    services.unlock_account(login="county_cadre", otp=pyotp.TOTP(totp_cadre.totp_secret).now(), ip="10.0.0.9")
    assert rows() == []
    event = AuditEvent.objects.get(action="accounts.user.unlock")
    assert (event.actor_id, event.data) == (totp_cadre.pk, {"method": "totp"})
    assert attempt("county_cadre", PASSWORD, otp=pyotp.TOTP(totp_cadre.totp_secret).now()) == totp_cadre


def unlock_refusal(**kwargs):
    """(status, code, message, field messages) of the refusal."""
    with pytest.raises(DomainError) as exc:
        services.unlock_account(**kwargs)
    return exc.value.status, exc.value.code, exc.value.message, exc.value.fields


def on_field(field: str, message: str) -> tuple:
    return 422, "invalid", message, {field: message}


BAD_OTP = on_field("otp", "动态口令错误")
EXPIRED = on_field("code", "验证码已过期，请重新获取")
BAD_CODE = on_field("code", "验证码错误")


def test_a_wrong_totp_does_not_unlock(totp_cadre):
    lock_from("county_cadre", "10.0.0.7")
    wrong = f"{(int(pyotp.TOTP(totp_cadre.totp_secret).now()) + 500000) % 1000000:06d}"
    assert unlock_refusal(login="county_cadre", otp=wrong, ip="10.0.0.9") == BAD_OTP
    assert attempt("county_cadre", PASSWORD, ip="10.0.0.7") == LOCKED
    assert not AuditEvent.objects.filter(action="accounts.user.unlock").exists()


def test_unlock_guesses_are_throttled_apart_from_the_log_in_lock(totp_cadre):
    lock_from("county_cadre", "10.0.0.7")
    wrong = f"{(int(pyotp.TOTP(totp_cadre.totp_secret).now()) + 500000) % 1000000:06d}"
    for _ in range(5):
        assert unlock_refusal(login="county_cadre", otp=wrong, ip="10.0.0.9") == BAD_OTP
    right = pyotp.TOTP(totp_cadre.totp_secret).now()
    assert unlock_refusal(login="county_cadre", otp=right, ip="10.0.0.9") == (
        429, "too_many_requests", "解锁尝试次数过多，请15分钟后再试", {})
    assert rows() == [(f"unlock:user:{totp_cadre.pk}", "10.0.0.9", 5), (f"user:{totp_cadre.pk}", "10.0.0.7", 5)]
    # The log-in lock was neither extended nor lifted; another address may still unlock.
    services.unlock_account(login="county_cadre", otp=right, ip="10.0.0.10")
    assert rows() == []


def test_a_login_without_totp_fails_like_a_wrong_totp(personas):
    assert unlock_refusal(login="city_cadre", otp="123456") == BAD_OTP
    assert unlock_refusal(login="nobody", otp="123456") == BAD_OTP


def test_asking_for_an_unlock_code_never_tells_whether_the_login_exists(personas):
    for n, login in enumerate(["worker", "nobody", "city_cadre", "13900000099"]):  # city_cadre has no phone
        sms = services.send_unlock_code(login=login, ip=f"10.0.0.{n}")
        assert (sms.purpose, sms.ip) == ("unlock", f"10.0.0.{n}")
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["13900000001"]
    assert SmsCode.objects.count() == 4


@pytest.mark.parametrize("login", ["nobody", "city_cadre", "13900000099"])
def test_unlocking_an_unknown_or_phoneless_login_fails_like_a_wrong_code(login, personas):
    assert unlock_refusal(login=login, code="123456") == EXPIRED
    services.send_unlock_code(login=login)
    assert unlock_refusal(login=login, code="123456") == BAD_CODE
    # The same two answers as for the worker, who does get codes.
    assert unlock_refusal(login="worker", code="123456") == EXPIRED
    services.send_unlock_code(login="worker")
    wrong = f"{(int(unlock_code('13900000001')) + 1) % 1000000:06d}"
    assert unlock_refusal(login="worker", code=wrong) == BAD_CODE


def test_unlock_needs_a_code_or_a_totp(personas):
    assert unlock_refusal(login="worker") == on_field("code", "请填写短信验证码或动态口令")
    assert not AccessAttempt.objects.exists()


def test_a_password_reset_lifts_the_lock(personas):
    lock_from("worker", "10.0.0.7")
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.RESET)
    code = re.search(r"验证码是(\d{6})", OutboxMessage.objects.latest("id").body).group(1)
    services.reset_password(phone="13900000001", code=code, password="brand-new-pass-9")
    assert rows() == []
    assert attempt("worker", "brand-new-pass-9", ip="10.0.0.7") == personas.worker


def test_a_trusted_forwarded_address_is_throttled_and_a_malformed_one_ignored(personas, settings):
    from django.test import Client

    settings.TRUST_X_FORWARDED_FOR = 1
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.9.9.9")
    proxied.post("/login/", {"phone": "13900000001", "password": "wrong-password"})
    Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address").post(
        "/login/", {"phone": "13900000001", "password": "wrong-password"})
    assert rows() == [(f"user:{personas.worker.pk}", "10.9.9.9", 1), (f"user:{personas.worker.pk}", "127.0.0.1", 1)]
