"""Account operations: log-in with lockout, TOTP, SMS verification codes, worker sign-up and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.accounts.models import ApiToken, SmsCode, User
from smartunion.core.audit import log_event
from smartunion.core.notifications import queue_sms
from smartunion.core.pii import blind_index
from smartunion.core.validators import validate_mobile


class LoginError(Exception):
    """Log-in refused; `message` is what the person is told."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


BAD_CREDENTIALS = "用户名或密码错误"


def phone_index(phone: str) -> str:
    return blind_index(validate_mobile(phone), purpose="phone")


def find_user(login: str) -> User | None:
    """A user by username, or by phone number when the login looks like one."""
    login = (login or "").strip()
    if not login:
        return None
    user = User.objects.filter(username=login).first()
    if user is None:
        try:
            user = User.objects.filter(phone_index=phone_index(login)).first()
        except ValidationError:
            return None
    return user


def authenticate_login(*, login: str, password: str, otp: str = "", ip: str | None = None) -> User:
    """Check a log-in, counting failures; after LOGIN_MAX_FAILURES the account is locked for a while."""
    user = find_user(login)
    now = timezone.now()
    if user is None:
        # Hash anyway so that unknown and known accounts take the same time.
        make_password(password)
        raise LoginError(BAD_CREDENTIALS, code="bad_credentials")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginError(f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试", code="locked")
    if not user.is_active or not user.check_password(password):
        _record_failure(user, ip=ip)
        raise LoginError(BAD_CREDENTIALS, code="bad_credentials")
    if user.totp_enabled:
        if not otp:
            raise LoginError("请输入动态口令", code="otp_required")
        if not pyotp.TOTP(user.totp_secret).verify(otp, valid_window=1):
            _record_failure(user, ip=ip)
            raise LoginError("动态口令错误", code="bad_otp")
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        user.failed_logins, user.locked_until = 0, None
    return user


def _record_failure(user: User, *, ip: str | None) -> None:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.failed_logins += 1
        fields = ["failed_logins"]
        if locked.failed_logins >= settings.LOGIN_MAX_FAILURES:
            locked.locked_until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            locked.failed_logins = 0
            fields.append("locked_until")
            log_event("accounts.user.lock", actor=None, target=locked, ip=ip)
        locked.save(update_fields=fields)


# TOTP second factor


def totp_begin(user: User) -> str:
    """Create a pending secret; the current factor (if any) stays in force until the new one is confirmed.

    Returns the otpauth:// URI for the authenticator app.
    """
    user.totp_pending = pyotp.random_base32()
    user.save(update_fields=["totp_pending"])
    return pyotp.TOTP(user.totp_pending).provisioning_uri(name=user.get_username(), issuer_name="智慧工会")


def totp_confirm(user: User, *, code: str) -> None:
    if not user.totp_pending or not pyotp.TOTP(user.totp_pending).verify(code, valid_window=1):
        raise ValidationError("动态口令错误，请重试", code="bad_otp")
    user.totp_secret, user.totp_pending, user.totp_enabled = user.totp_pending, "", True
    user.save(update_fields=["totp_secret", "totp_pending", "totp_enabled"])
    log_event("accounts.user.enable_totp", actor=user, target=user)


# SMS verification codes


def _code_hash(phone_idx: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone_idx}:{code}".encode(), hashlib.sha256).hexdigest()


def send_sms_code(*, phone: str, purpose: str) -> SmsCode:
    """Send a 6-digit code; at most one per phone and purpose per minute."""
    phone = validate_mobile(phone)
    idx = phone_index(phone)
    now = timezone.now()
    recent = SmsCode.objects.filter(phone_index=idx, purpose=purpose, created_at__gt=now - dt.timedelta(seconds=60))
    if recent.exists():
        raise ValidationError("验证码发送过于频繁，请一分钟后再试", code="too_frequent")
    code = f"{secrets.randbelow(1_000_000):06d}"
    sms = SmsCode.objects.create(
        phone_index=idx, purpose=purpose, code_hash=_code_hash(idx, code),
        expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
    )
    queue_sms(phone=phone, body=f"【智慧工会】您的验证码是{code}，5分钟内有效。如非本人操作，请忽略。")
    return sms


def check_sms_code(*, phone: str, purpose: str, code: str) -> None:
    """Consume a valid code or raise a ValidationError saying why it is not accepted."""
    idx = phone_index(phone)
    now = timezone.now()
    wrong = False
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone_index=idx, purpose=purpose, used_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if sms is None or sms.expires_at < now:
            raise ValidationError("验证码已过期，请重新获取", code="expired")
        if sms.attempts >= 5:
            raise ValidationError("验证码错误次数过多，请重新获取", code="too_many_attempts")
        if hmac.compare_digest(sms.code_hash, _code_hash(idx, (code or "").strip())):
            sms.used_at = now
            sms.save(update_fields=["used_at"])
        else:
            # The failed attempt must be counted, so it is committed before the error is raised.
            sms.attempts += 1
            sms.save(update_fields=["attempts"])
            wrong = True
    if wrong:
        raise ValidationError("验证码错误", code="bad_code")


def register_worker(*, phone: str, password: str, code: str, display_name: str = "") -> User:
    """A worker signs up with phone + SMS code + password."""
    phone = validate_mobile(phone)
    if User.objects.filter(phone_index=phone_index(phone)).exists():
        raise ValidationError("该手机号已注册，请直接登录", code="exists")
    from django.contrib.auth.password_validation import validate_password

    validate_password(password)
    check_sms_code(phone=phone, purpose=SmsCode.Purpose.REGISTER, code=code)
    try:
        with transaction.atomic():
            user = User.objects.create(
                kind=User.Kind.WORKER, phone=phone, display_name=display_name, password=make_password(password),
            )
    except IntegrityError:
        raise ValidationError("该手机号已注册，请直接登录", code="exists") from None
    log_event("accounts.user.register", actor=user, target=user)
    return user


def create_cadre_account(*, username: str, password: str, display_name: str, by=None, phone: str = "") -> User:
    """A cadre account (console access) created by an administrator or the seeder."""
    user = User.objects.create(
        username=username, display_name=display_name, kind=User.Kind.CADRE, is_staff=True,
        password=make_password(password), phone=validate_mobile(phone) if phone else "",
    )
    log_event("accounts.user.create", actor=by, target=user)
    return user


# API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user, digest=_digest(token),
        expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, record


def user_for_token(token: str) -> User | None:
    record = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return record.user if record else None

