"""accounts.services directly: log-in, TOTP, SMS codes, sign-up and API tokens (throttling: test_lockout.py)."""

import datetime as dt
import re

import pyotp
import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from smartunion.accounts import services
from smartunion.accounts.models import ApiToken, SmsCode, User
from smartunion.accounts.services import CodeRefused, LoginError, Throttled, authenticate_login
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage

PASSWORD = "correct-horse-42"  # tests/conftest.py
PHONE = "13800000002"


def refused(**kwargs):
    with pytest.raises(LoginError) as exc:
        authenticate_login(**kwargs)
    return exc.value.code, exc.value.message


def refusal(exc) -> tuple:
    """What a surface shows of a service's refusal: status, code, message, field messages."""
    return exc.status, exc.code, exc.message, exc.fields


def on_field(field: str, message: str) -> tuple:
    return 422, "invalid", message, {field: message}


def fresh(user):
    return User.objects.get(pk=user.pk)


# Log-in and lockout


def test_login_by_username_and_by_phone(personas):
    assert authenticate_login(login="city_cadre", password=PASSWORD) == personas.city_cadre
    assert authenticate_login(login="13900000001", password=PASSWORD) == personas.worker
    assert authenticate_login(login=" +86 139 0000 0001 ", password=PASSWORD) == personas.worker


def test_unknown_login_is_bad_credentials(personas):
    assert refused(login="nobody", password=PASSWORD) == ("bad_credentials", "用户名或密码错误")
    assert refused(login="", password=PASSWORD) == ("bad_credentials", "用户名或密码错误")
    assert refused(login="13900000099", password=PASSWORD) == ("bad_credentials", "用户名或密码错误")


def test_inactive_user_is_refused_like_a_wrong_password(personas):
    User.objects.filter(pk=personas.city_cadre.pk).update(is_active=False)
    assert refused(login="city_cadre", password=PASSWORD) == ("bad_credentials", "用户名或密码错误")


# TOTP


def test_totp_begin_returns_a_provisioning_uri_and_does_not_enable(personas):
    user = personas.county_cadre
    uri = services.totp_begin(user)
    assert re.fullmatch(r"otpauth://totp/%E6%99%BA%E6%85%A7%E5%B7%A5%E4%BC%9A:county_cadre\?secret=[A-Z2-7]{32}"
                        r"&issuer=%E6%99%BA%E6%85%A7%E5%B7%A5%E4%BC%9A", uri)
    stored = fresh(user)
    assert (stored.totp_enabled, len(stored.totp_pending), stored.totp_secret) == (False, 32, "")
    assert authenticate_login(login="county_cadre", password=PASSWORD) == user


def test_totp_confirm_rejects_a_wrong_code(personas):
    user = personas.county_cadre
    services.totp_begin(user)
    wrong = f"{(int(pyotp.TOTP(user.totp_pending).now()) + 500000) % 1000000:06d}"
    with pytest.raises(Invalid) as exc:
        services.totp_confirm(user, code=wrong)
    assert refusal(exc.value) == on_field("code", "动态口令错误，请重试")
    assert fresh(user).totp_enabled is False


def test_totp_confirm_without_begin_is_refused(personas):
    with pytest.raises(Invalid) as exc:
        services.totp_confirm(personas.county_cadre, code="123456")
    assert refusal(exc.value) == on_field("code", "动态口令错误，请重试")


def test_login_with_totp(personas):
    user = personas.county_cadre
    services.totp_begin(user)
    services.totp_confirm(user, code=pyotp.TOTP(user.totp_pending).now())
    assert fresh(user).totp_enabled is True
    assert refused(login="county_cadre", password=PASSWORD) == ("otp_required", "请输入动态口令")
    # Being asked for the second factor is no failed attempt.
    assert not AccessAttempt.objects.exists()
    wrong = f"{(int(pyotp.TOTP(user.totp_secret).now()) + 500000) % 1000000:06d}"
    assert refused(login="county_cadre", password=PASSWORD, otp=wrong) == ("bad_otp", "动态口令错误")
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [(f"user:{user.pk}", 1)]
    assert authenticate_login(login="county_cadre", password=PASSWORD,
                              otp=pyotp.TOTP(user.totp_secret).now()) == user
    assert not AccessAttempt.objects.exists()


def test_totp_secret_is_stored_encrypted(personas):
    from django.db import connection

    user = personas.county_cadre
    services.totp_begin(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_pending FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    assert raw != user.totp_pending and raw.startswith("a1$")


# SMS codes


def _code():
    message = OutboxMessage.objects.filter(channel="sms").latest("id")
    return re.search(r"验证码是(\d{6})", message.body).group(1)


def _wrong(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def test_send_code_queues_a_masked_sms(db):
    sms = services.send_sms_code(phone="+86 138 0000 0002", purpose=SmsCode.Purpose.REGISTER)
    assert (sms.purpose, sms.attempts, sms.used_at) == ("register", 0, None)
    assert sms.expires_at - sms.created_at == pytest.approx(dt.timedelta(seconds=300), abs=dt.timedelta(seconds=1))
    message = OutboxMessage.objects.get()
    assert (message.channel, message.recipient, message.recipient_masked) == ("sms", PHONE, "138****0002")
    assert message.body == f"【智慧工会】您的验证码是{_code()}，5分钟内有效。如非本人操作，请忽略。"


def test_one_code_per_minute_per_phone_and_purpose(personas):
    phone = "13900000001"  # the worker's: codes for every purpose are sent
    services.send_sms_code(phone=phone, purpose=SmsCode.Purpose.REGISTER)
    with pytest.raises(Throttled) as exc:
        services.send_sms_code(phone=phone, purpose=SmsCode.Purpose.REGISTER)
    assert refusal(exc.value) == (429, "too_many_requests", "验证码发送过于频繁，请一分钟后再试", {})
    # Another purpose or another phone is not throttled.
    services.send_sms_code(phone=phone, purpose=SmsCode.Purpose.RESET)
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    assert OutboxMessage.objects.count() == 3


def test_a_valid_code_is_consumed_once(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    code = _code()
    services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=f" {code} ")
    assert SmsCode.objects.get().used_at is not None
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=code)
    assert (exc.value.reason, *refusal(exc.value)) == ("expired", *on_field("code", "验证码已过期，请重新获取"))


def test_a_code_is_bound_to_its_purpose(personas):
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.RESET)
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone="13900000001", purpose=SmsCode.Purpose.REGISTER, code=_code())
    assert (exc.value.reason, *refusal(exc.value)) == ("expired", *on_field("code", "验证码已过期，请重新获取"))


def test_an_expired_code_is_refused(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    SmsCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=_code())
    assert (exc.value.reason, *refusal(exc.value)) == ("expired", *on_field("code", "验证码已过期，请重新获取"))


def test_the_latest_code_counts(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    first = _code()
    SmsCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    second = _code()
    if first != second:  # one chance in a million that both are the same
        with pytest.raises(CodeRefused):
            services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=first)
    services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=second)


def test_wrong_code_message(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=_wrong(_code()))
    assert (exc.value.reason, *refusal(exc.value)) == ("bad_code", *on_field("code", "验证码错误"))


def test_after_five_attempts_even_the_right_code_is_refused_when_counted(db):
    # The limit itself, with the counter set directly.
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    SmsCode.objects.update(attempts=5)
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=_code())
    assert (exc.value.reason, *refusal(exc.value)) == (
        "too_many_attempts", *on_field("code", "验证码错误次数过多，请重新获取"))
    assert SmsCode.objects.get().used_at is None


def test_five_wrong_codes_exhaust_the_code(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    code = _code()
    for _ in range(5):
        with pytest.raises(CodeRefused) as exc:
            services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=_wrong(code))
        assert refusal(exc.value) == on_field("code", "验证码错误")
    assert SmsCode.objects.get().attempts == 5
    with pytest.raises(CodeRefused) as exc:
        services.check_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER, code=code)
    assert refusal(exc.value) == on_field("code", "验证码错误次数过多，请重新获取")


# Worker sign-up


def test_register_worker(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    before = timezone.now()
    user = services.register_worker(phone="138-0000-0002", password="union-member-2024", code=_code(),
                                    consent_version=services.TERMS_VERSION, display_name="小王")
    assert (user.kind, user.phone, user.display_name, user.username, user.is_staff) == (
        "worker", PHONE, "小王", None, False)
    assert user.check_password("union-member-2024")
    stored = fresh(user)
    assert stored.phone_index == services.phone_index(PHONE)
    assert (stored.consent_version, before <= stored.consented_at <= timezone.now()) == ("2026-11", True)
    event = AuditEvent.objects.get(action="accounts.user.register", target_id=str(user.pk))
    assert event.data == {"consent_version": "2026-11"}
    assert authenticate_login(login=PHONE, password="union-member-2024") == user


@pytest.mark.parametrize(("password", "message"), [
    ("qz8#Lw", "密码太短，至少需要8个字符"),
    ("12345678", "这个密码太常见了。 密码只包含数字。"),
    ("password", "这个密码太常见了。"),
    ("20240601", "密码只包含数字。"),
])
def test_register_worker_rejects_a_weak_password(password, message, db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    with pytest.raises(Invalid) as exc:
        services.register_worker(phone=PHONE, password=password, code=_code(), consent_version=services.TERMS_VERSION)
    assert refusal(exc.value) == on_field("password", message)
    assert not User.objects.exists()
    assert SmsCode.objects.get().used_at is None


def test_register_worker_refuses_a_registered_phone(personas):
    with pytest.raises(Conflict) as exc:
        services.register_worker(phone="13900000001", password="union-member-2024", code="000000",
                                 consent_version=services.TERMS_VERSION)
    assert refusal(exc.value) == (409, "exists", "该手机号已注册，请直接登录", {})


def test_register_worker_refuses_a_bad_phone(db):
    with pytest.raises(Invalid) as exc:
        services.register_worker(phone="1380000", password="union-member-2024", code="000000",
                                 consent_version=services.TERMS_VERSION)
    assert refusal(exc.value) == on_field("phone", "手机号码格式不正确，应为11位中国大陆手机号")


def test_register_worker_with_a_wrong_code_creates_nothing(db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    with pytest.raises(CodeRefused) as exc:
        services.register_worker(phone=PHONE, password="union-member-2024", code=_wrong(_code()),
                                 consent_version=services.TERMS_VERSION)
    assert refusal(exc.value) == on_field("code", "验证码错误")
    assert not User.objects.exists()


@pytest.mark.parametrize("version", ["", "2025-01", " 2026-11"])
def test_register_worker_without_consent_to_the_current_texts_creates_nothing(version, db):
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)
    with pytest.raises(Invalid) as exc:
        services.register_worker(phone=PHONE, password="union-member-2024", code=_code(), consent_version=version)
    assert refusal(exc.value) == on_field("consent", "请阅读并同意《用户协议》和《隐私政策》")
    assert not User.objects.exists()
    assert SmsCode.objects.get().used_at is None


# Changing one's password


def test_change_password_ends_api_tokens_and_is_audited(personas):
    user = personas.worker
    services.issue_token(user)
    services.change_password(user, old_password=PASSWORD, new_password="union-member-2025")
    assert fresh(user).check_password("union-member-2025")
    assert not ApiToken.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="accounts.user.change_password", actor=user,
                                     target_id=str(user.pk)).count() == 1
    assert authenticate_login(login="13900000001", password="union-member-2025") == user


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("wrong-password-1", "union-member-2025", "old_password", "当前密码错误"),
    ("", "union-member-2025", "old_password", "当前密码错误"),
    (PASSWORD, PASSWORD, "new_password", "新密码不能与当前密码相同"),
    (PASSWORD, "12345678", "new_password", "这个密码太常见了。 密码只包含数字。"),
])
def test_change_password_refusals_are_on_their_fields(old, new, field, message, personas):
    user = personas.worker
    with pytest.raises(Invalid) as exc:
        services.change_password(user, old_password=old, new_password=new)
    assert refusal(exc.value) == on_field(field, message)
    assert fresh(user).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.user.change_password").exists()


def test_create_cadre_account(personas):
    user = services.create_cadre_account(username="new_cadre", password=PASSWORD, display_name="新干部",
                                         by=personas.province_admin, phone="13600000006")
    assert (user.kind, user.is_staff, user.phone, user.display_name) == ("cadre", True, "13600000006", "新干部")
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert (event.actor_id, event.target_id) == (personas.province_admin.pk, str(user.pk))


def test_a_cadre_account_needs_a_named_actor(db):
    with pytest.raises(TypeError):
        services.create_cadre_account(username="new_cadre", password=PASSWORD, display_name="新干部", by=None)
    assert not User.objects.exists()
    user = services.create_cadre_account(username="new_cadre", password=PASSWORD, display_name="新干部", by=SYSTEM)
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert (event.actor_id, event.actor_label, event.target_id) == (None, "系统", str(user.pk))


# API tokens


def test_token_issue_and_lookup(personas):
    token, record = services.issue_token(personas.city_cadre)
    assert len(token) == 43
    assert record.digest != token and len(record.digest) == 64
    assert record.expires_at - record.created_at == pytest.approx(dt.timedelta(hours=24),
                                                                  abs=dt.timedelta(seconds=1))
    assert services.user_for_token(token) == personas.city_cadre
    assert services.user_for_token(token + "x") is None
    assert services.user_for_token("") is None


def test_expired_token_gives_no_user(personas):
    token, record = services.issue_token(personas.city_cadre)
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.user_for_token(token) is None


def test_token_ttl_follows_the_setting(personas, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    _, record = services.issue_token(personas.city_cadre)
    assert record.expires_at - record.created_at == pytest.approx(dt.timedelta(hours=2), abs=dt.timedelta(seconds=1))


def test_token_of_a_deactivated_user_gives_no_user(personas):
    token, _ = services.issue_token(personas.city_cadre)
    User.objects.filter(pk=personas.city_cadre.pk).update(is_active=False)
    assert services.user_for_token(token) is None


def test_each_token_is_distinct(personas):
    first, _ = services.issue_token(personas.city_cadre)
    second, _ = services.issue_token(personas.city_cadre)
    assert first != second
    assert services.user_for_token(first) == services.user_for_token(second) == personas.city_cadre


# The brand an SMS is signed with (core.brand, answered by subsites.queries)


def test_codes_are_signed_with_the_brand_of_the_recipients_channel(personas, tree):
    from smartunion.subsites.models import Subsite

    Subsite.objects.create(org=tree.province, name="齐鲁工惠")
    Subsite.objects.create(org=tree.jinan, name="济南工惠")
    services.send_sms_code(phone="13900000001", purpose=SmsCode.Purpose.LOGIN)  # a member of a union in Jinan
    services.send_sms_code(phone="13900000009", purpose=SmsCode.Purpose.LOGIN)  # an account that is no member
    services.send_sms_code(phone=PHONE, purpose=SmsCode.Purpose.REGISTER)  # no account yet
    assert [body[:body.index("】") + 1] for body in OutboxMessage.objects.order_by("id").values_list("body", flat=True)
            ] == ["【济南工惠】", "【齐鲁工惠】", "【齐鲁工惠】"]
