"""Account operations: log-in (throttled by django-axes, see lockout.py), unlock, TOTP, SMS codes with sending
limits and a captcha, worker sign-up, password reset and API tokens.

Refusals are core.errors.DomainError: a field's message names the field it is about (`code`, `otp`, `phone`,
`password`, `captcha_value`), sending limits are `Throttled` (429) and a missing captcha `CaptchaRequired` (428).
Sign-up, reset, unlock and TOTP are acts of the account holder on their own account (proved by the SMS code, the
TOTP or the session), so they take no `by`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from smartunion.accounts import lockout
from smartunion.accounts.models import ApiToken, SmsCode, User
from smartunion.core import hotsql
from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.brand import brand_for_user, sms_signature
from smartunion.core.errors import Conflict, DomainError, Invalid
from smartunion.core.middleware import current_request
from smartunion.core.notifications import queue_sms
from smartunion.core.pii import blind_index
from smartunion.core.validators import validate_mobile


class LoginError(DomainError):
    """Log-in refused (401; 423 when locked); `message` is what the person is told. `counted` is False when it is
    no failed attempt."""

    status = 401
    default_code = "bad_credentials"

    def __init__(self, message: str, *, code: str, counted: bool = True):
        super().__init__(message, code=code)
        self.counted = counted
        if code == "locked":
            self.status = 423


class Throttled(DomainError):
    """Too many tries or sends: the person is told when to try again (429)."""

    status = 429
    default_code = "too_many_requests"


class CaptchaRequired(DomainError):
    """More codes from this network need the image challenge first (428)."""

    status = 428
    default_code = "captcha_required"

    def __init__(self, message: str):
        super().__init__(message, fields={"captcha_value": message})


class CodeRefused(Invalid):
    """An SMS code that is not accepted; `reason` (expired, too_many_attempts, bad_code) is what a log-in by SMS
    code answers with."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, fields={"code": message})
        self.reason = reason


def _field_error(message: str, field: str) -> Invalid:
    return Invalid(message, fields={field: message})


def _mobile(phone: str) -> str:
    """The normalised mobile number, or Invalid on the phone field."""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise _field_error(exc.messages[0], "phone") from None


def _check_password(password: str, field: str = "password") -> None:
    """Django's password validators; their messages together on the password field."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password)
    except ValidationError as exc:
        raise _field_error(" ".join(exc.messages), field) from None


BAD_CREDENTIALS = "用户名或密码错误"
BAD_SMS_CODE = "验证码错误"


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


def _request_for(request: HttpRequest | None, ip: str | None) -> HttpRequest:
    """The request axes counts against; callers outside a request (shell, tests) get a bare one from `ip`."""
    if request is None:
        request = current_request()
    if request is None:
        request = HttpRequest()
        request.method = "POST"
        if ip:
            request.META["REMOTE_ADDR"] = ip
    return request


def authenticate_login(*, login: str, password: str, otp: str = "", request: HttpRequest | None = None,
                       ip: str | None = None) -> User:
    """Check a log-in through Django's authenticate (and so django-axes): per (login, IP), per IP and per login
    throttling; unknown logins are counted and answered exactly like known ones."""
    return _authenticate(_request_for(request, ip), login=login, password=password, otp=otp or "")


def sms_login(*, phone: str, code: str, otp: str = "", request: HttpRequest | None = None,
              ip: str | None = None) -> User:
    """Log in with a code sent for purpose `login`; throttled like a password log-in, on the same counters."""
    return _authenticate(_request_for(request, ip), login=phone, sms_code=code or "", otp=otp or "")


def _authenticate(request: HttpRequest, *, login: str, **credentials) -> User:
    key = lockout.lockout_subject(login)
    # The backend leaves its refusal on the request (authenticate() itself only answers None); axes reads it too.
    request.login_error = None  # type: ignore[attr-defined]
    user = authenticate(request, username=login, lockout_subject=key, **credentials)
    if user is None:
        error = getattr(request, "login_error", None)
        if error is None and lockout.is_locked(request, {"username": login, "lockout_subject": key}):
            error = _lock_error(request, {"username": login, "lockout_subject": key})
        raise error or LoginError(BAD_CREDENTIALS, code="bad_credentials")
    lockout.reset_pair(key, getattr(request, "axes_ip_address", None))
    return user


def _minutes(left: dt.timedelta) -> int:
    return max(1, int(left.total_seconds() // 60) + 1)


def _lock_error(request: HttpRequest, credentials: dict) -> LoginError:
    kind, left = lockout.time_left(request, credentials) or ("account", lockout.cool_off(request))
    if kind == "ip":
        return LoginError(f"当前网络登录失败次数过多，请{_minutes(left)}分钟后再试", code="locked")
    return LoginError(f"登录失败次数过多，账号已锁定，请{_minutes(left)}分钟后再试", code="locked")


def check_credentials(*, login: str, password: str, otp: str = "") -> User:
    """Password (and TOTP when enabled) check behind the authentication backend; raises LoginError."""
    user = find_user(login)
    if user is None:
        # Hash anyway so that unknown and known accounts take the same time.
        make_password(password)
        raise LoginError(BAD_CREDENTIALS, code="bad_credentials")
    if not user.is_active or not user.check_password(password):
        raise LoginError(BAD_CREDENTIALS, code="bad_credentials")
    _check_second_factor(user, otp)
    return user


def _check_second_factor(user: User, otp: str) -> None:
    if user.totp_enabled:
        if not otp:
            raise LoginError("请输入动态口令", code="otp_required", counted=False)
        if not pyotp.TOTP(user.totp_secret).verify(otp, valid_window=1):
            raise LoginError("动态口令错误", code="bad_otp")


def check_sms_login(*, phone: str, code: str, otp: str = "") -> User:
    """SMS-code check behind the authentication backend. The code is spent only once the whole log-in passes,
    so an account with TOTP asked for its code can still use the SMS code it has."""
    try:
        idx = phone_index(phone)
    except ValidationError as exc:
        raise LoginError(exc.messages[0], code=exc.code or "bad_code") from None
    try:
        _consume_code(idx, SmsCode.Purpose.LOGIN, code, spend=False)
    except CodeRefused as exc:
        raise LoginError(exc.message, code=exc.reason) from None
    user = User.objects.filter(phone_index=idx, is_active=True).first()
    if user is None:
        # Only reachable by guessing a code that was never sent: the same answer as a wrong code.
        raise LoginError(BAD_SMS_CODE, code="bad_code")
    _check_second_factor(user, otp)
    try:
        _consume_code(idx, SmsCode.Purpose.LOGIN, code)
    except CodeRefused as exc:
        raise LoginError(exc.message, code=exc.reason) from None
    return user


def unlock_account(*, login: str, code: str = "", otp: str = "", request: HttpRequest | None = None,
                   ip: str | None = None) -> None:
    """The account holder lifts the lock on their login from every IP, with an `unlock` SMS code or their TOTP.

    Unknown logins fail exactly like wrong codes. Wrong answers are throttled by axes under a separate key, so
    guessing a TOTP here neither extends the log-in lock nor goes on for ever."""
    request = _request_for(request, ip)
    user = find_user(login)
    key = lockout.key_for_user(user) if user is not None else lockout.key_for_unknown(login)
    credentials = {"username": login, "lockout_subject": lockout.UNLOCK_PREFIX + key}
    request.login_error = None  # type: ignore[attr-defined]  # see _authenticate
    if lockout.is_locked(request, credentials):
        _, left = lockout.time_left(request, credentials) or ("account", lockout.cool_off(request))
        raise Throttled(f"解锁尝试次数过多，请{_minutes(left)}分钟后再试")
    otp, code = (otp or "").strip(), (code or "").strip()
    if not otp and not code:
        raise _field_error("请填写短信验证码或动态口令", "code")
    try:
        if otp:
            if user is None or not user.totp_enabled or not pyotp.TOTP(user.totp_secret).verify(otp, valid_window=1):
                raise _field_error("动态口令错误", "otp")
        else:
            _consume_code(_unlock_subject(login, user), SmsCode.Purpose.UNLOCK, code)
            if user is None:
                raise CodeRefused(BAD_SMS_CODE, reason="bad_code")
    except Invalid:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        raise
    lockout.reset_login(key, lockout.key_for_unknown(login), lockout.UNLOCK_PREFIX + key)
    log_event("accounts.user.unlock", actor=user, target=user, ip=lockout.request_ip(request),
              data={"method": "totp" if otp else "sms"})


# TOTP second factor


def totp_begin(user: User) -> str:
    """Create a pending secret; the current factor (if any) stays in force until the new one is confirmed.

    Returns the otpauth:// URI for the authenticator app.
    """
    user.totp_pending = pyotp.random_base32()
    user.save(update_fields=["totp_pending"])
    return pyotp.TOTP(user.totp_pending).provisioning_uri(name=user.get_username(), issuer_name=settings.PLATFORM_NAME)


def totp_confirm(user: User, *, code: str) -> None:
    if not user.totp_pending or not pyotp.TOTP(user.totp_pending).verify(code, valid_window=1):
        raise _field_error("动态口令错误，请重试", "code")
    user.totp_secret, user.totp_pending, user.totp_enabled = user.totp_pending, "", True
    user.save(update_fields=["totp_secret", "totp_pending", "totp_enabled"])
    log_event("accounts.user.enable_totp", actor=user, target=user)


# SMS verification codes

SMS_PURPOSE_TEXT: dict[str, str] = {
    SmsCode.Purpose.LOGIN: "登录",
    SmsCode.Purpose.RESET: "重置密码",
    SmsCode.Purpose.UNLOCK: "解除登录锁定",
}


def _code_hash(phone_idx: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone_idx}:{code}".encode(), hashlib.sha256).hexdigest()


def _start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def captcha_required(ip: str | None) -> bool:
    """True once this IP has asked for SMS_CAPTCHA_AFTER codes in the last 24 hours."""
    if not ip:
        return False
    since = timezone.now() - dt.timedelta(hours=24)
    return SmsCode.objects.filter(ip=ip, created_at__gt=since).count() >= settings.SMS_CAPTCHA_AFTER


def new_captcha() -> tuple[str, str]:
    """A fresh image challenge: (key, image URL on this server)."""
    from captcha.helpers import captcha_image_url
    from captcha.models import CaptchaStore

    CaptchaStore.remove_expired()
    key = CaptchaStore.generate_key()
    return key, captcha_image_url(key)


def _verify_captcha(key: str, value: str) -> None:
    from captcha.models import CaptchaStore

    store = CaptchaStore.objects.filter(hashkey=(key or "").strip(), expiration__gt=timezone.now()).first()
    if store is not None:
        # One try per challenge, right or wrong, or the image could be brute-forced.
        store.delete()
    if store is None or store.response != (value or "").strip().lower():
        raise _field_error("图形验证码错误，请重新输入", "captcha_value")


def _check_send_limits(idx: str, purpose: str, ip: str | None) -> None:
    now = timezone.now()
    mine = SmsCode.objects.filter(phone_index=idx)
    if mine.filter(purpose=purpose, created_at__gt=now - dt.timedelta(seconds=settings.SMS_RESEND_SECONDS)).exists():
        raise Throttled("验证码发送过于频繁，请一分钟后再试")
    if mine.filter(created_at__gt=now - dt.timedelta(hours=1)).count() >= settings.SMS_PHONE_HOURLY_LIMIT:
        raise Throttled("该手机号获取验证码过于频繁，请一小时后再试")
    today = _start_of_today()
    if mine.filter(created_at__gte=today).count() >= settings.SMS_PHONE_DAILY_LIMIT:
        raise Throttled("该手机号今天获取验证码的次数已达上限，请明天再试")
    if ip and SmsCode.objects.filter(ip=ip, created_at__gte=today).count() >= settings.SMS_IP_DAILY_LIMIT:
        raise Throttled("当前网络今天获取验证码的次数已达上限，请明天再试")
    if SmsCode.objects.filter(created_at__gte=today).count() >= settings.SMS_DAILY_TOTAL_LIMIT:
        raise Throttled("今天的短信验证码发送量已达上限，请明天再试")


def _issue_code(*, idx: str, purpose: str, send_to: str | None, ip: str | None, captcha_key: str,
                captcha_value: str, recipient: User | None = None) -> SmsCode:
    """Record a code for `idx` and text it to `send_to`, signed with the brand of the `recipient` account (that of
    the deployment for a sign-up). With no one to send to (an unregistered phone), the row is recorded all the same,
    so the limits, the answers and later code checks cannot tell the difference."""
    _check_send_limits(idx, purpose, ip)
    if captcha_required(ip):
        if not (captcha_key or "").strip() or not (captcha_value or "").strip():
            raise CaptchaRequired("请先输入图形验证码")
        _verify_captcha(captcha_key, captcha_value)
    code = f"{secrets.randbelow(1_000_000):06d}"
    sms = SmsCode.objects.create(
        phone_index=idx, purpose=purpose, code_hash=_code_hash(idx, code), ip=ip,
        expires_at=timezone.now() + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
    )
    if send_to:
        doing = SMS_PURPOSE_TEXT.get(purpose)
        prefix = f"您正在{doing}，验证码是" if doing else "您的验证码是"
        signature = sms_signature(brand_for_user(recipient))
        queue_sms(phone=send_to, body=f"{signature}{prefix}{code}，5分钟内有效。如非本人操作，请忽略。")
    return sms


def send_sms_code(*, phone: str, purpose: str, ip: str | None = None, captcha_key: str = "",
                  captcha_value: str = "") -> SmsCode:
    """Send a 6-digit code within the sending limits (per phone and purpose, per phone per hour and per day, per IP
    per day, per deployment per day), behind a captcha after a few sends from one IP. Codes for log-in, reset and
    unlock go only to registered phones; the answer is the same either way."""
    if purpose not in SmsCode.Purpose.values:
        raise _field_error("验证码用途不正确", "purpose")
    if purpose == SmsCode.Purpose.UNLOCK:
        return send_unlock_code(login=phone, ip=ip, captcha_key=captcha_key, captcha_value=captcha_value)
    phone = _mobile(phone)
    idx = phone_index(phone)
    account = User.objects.filter(phone_index=idx, is_active=True).first()
    return _issue_code(idx=idx, purpose=purpose, send_to=phone if account or purpose == SmsCode.Purpose.REGISTER
                       else None, ip=ip, captcha_key=captcha_key, captcha_value=captcha_value, recipient=account)


def _unlock_subject(login: str, user: User | None) -> str:
    """What unlock codes are filed under: the account's phone, else the login as typed (keyed digest)."""
    if user is not None and user.phone:
        return phone_index(user.phone)
    try:
        return phone_index(login)
    except ValidationError:
        return blind_index((login or "").strip().lower(), purpose="unlock-login")


def send_unlock_code(*, login: str, ip: str | None = None, captcha_key: str = "", captcha_value: str = "") -> SmsCode:
    """Text an `unlock` code to the phone of the account `login` names (username or phone), if it has one;
    the answer never says whether it does."""
    if not (login or "").strip():
        raise _field_error("请填写用户名或手机号码", "login")
    user = find_user(login)
    return _issue_code(idx=_unlock_subject(login, user), purpose=SmsCode.Purpose.UNLOCK,
                       send_to=user.phone if user is not None and user.is_active and user.phone else None,
                       ip=ip, captcha_key=captcha_key, captcha_value=captcha_value, recipient=user)


def check_sms_code(*, phone: str, purpose: str, code: str) -> None:
    """Consume a valid code or raise CodeRefused saying why it is not accepted."""
    _consume_code(phone_index(_mobile(phone)), purpose, code)


def _consume_code(idx: str, purpose: str, code: str, *, spend: bool = True) -> None:
    """Check the latest code of `idx` for `purpose`; a wrong one counts an attempt. `spend=False` only checks."""
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
            raise CodeRefused("验证码已过期，请重新获取", reason="expired")
        if sms.attempts >= 5:
            raise CodeRefused("验证码错误次数过多，请重新获取", reason="too_many_attempts")
        if hmac.compare_digest(sms.code_hash, _code_hash(idx, (code or "").strip())):
            if spend:
                sms.used_at = now
                sms.save(update_fields=["used_at"])
        else:
            # The failed attempt must be counted, so it is committed before the error is raised.
            sms.attempts += 1
            sms.save(update_fields=["attempts"])
            wrong = True
    if wrong:
        raise CodeRefused(BAD_SMS_CODE, reason="bad_code")


# The version of the user agreement and privacy policy (the portal's /agreement/ and /privacy/): sign-up records the
# version agreed to; a change of the texts gets a new version.
TERMS_VERSION = "2026-11"
CONSENT_REQUIRED = "请阅读并同意《用户协议》和《隐私政策》"


def register_worker(*, phone: str, password: str, code: str, consent_version: str, display_name: str = "") -> User:
    """A worker signs up with phone + SMS code + password, having agreed to the texts of `consent_version`
    (TERMS_VERSION: consent comes before the account, PIPL art. 13-14); the version and time are kept."""
    phone = _mobile(phone)
    if User.objects.filter(phone_index=phone_index(phone)).exists():
        raise Conflict("该手机号已注册，请直接登录", code="exists")
    if consent_version != TERMS_VERSION:
        raise _field_error(CONSENT_REQUIRED, "consent")
    _check_password(password)
    check_sms_code(phone=phone, purpose=SmsCode.Purpose.REGISTER, code=code)
    try:
        with transaction.atomic():
            user = User.objects.create(
                kind=User.Kind.WORKER, phone=phone, display_name=display_name, password=make_password(password),
                consent_version=consent_version, consented_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict("该手机号已注册，请直接登录", code="exists") from None
    log_event("accounts.user.register", actor=user, target=user, data={"consent_version": consent_version})
    return user


def change_password(user: User, *, old_password: str, new_password: str) -> User:
    """The account holder sets a new password, proving the current one; their API tokens end (other sessions end
    by themselves: Django ties a session to the password)."""
    if not old_password or not user.check_password(old_password):
        raise _field_error("当前密码错误", "old_password")
    if old_password == new_password:
        raise _field_error("新密码不能与当前密码相同", "new_password")
    _check_password(new_password, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user).delete()
    log_event("accounts.user.change_password", actor=user, target=user)
    return user


def reset_password(*, phone: str, code: str, password: str) -> User:
    """Set a new password with a `reset` SMS code; ends the account's API tokens and lifts its log-in lock."""
    phone = _mobile(phone)
    _check_password(password)
    idx = phone_index(phone)
    _consume_code(idx, SmsCode.Purpose.RESET, code)
    user = User.objects.filter(phone_index=idx, is_active=True).first()
    if user is None:
        # Only reachable by guessing a code that was never sent: the same answer as a wrong code.
        raise CodeRefused(BAD_SMS_CODE, reason="bad_code")
    user.set_password(password)
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user).delete()
    lockout.reset_login(lockout.key_for_user(user), lockout.key_for_unknown(phone))
    log_event("accounts.user.reset_password", actor=user, target=user)
    return user


def create_cadre_account(*, username: str, password: str, display_name: str, by, phone: str = "") -> User:
    """A cadre account (console access) created by an administrator or the seeder (SYSTEM)."""
    require_actor(by)
    user = User.objects.create(
        username=username, display_name=display_name, kind=User.Kind.CADRE, is_staff=True,
        password=make_password(password), phone=_mobile(phone) if phone else "",
    )
    log_event("accounts.user.create", actor=by, target=user)
    return user


# API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_digest(token: str) -> str:
    """What the database keeps of an API token (its SHA-256), for a reader that joins the token to more rows."""
    return _digest(token)


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user, digest=_digest(token),
        expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, record


def user_for_token(token: str) -> User | None:
    """The active account holding this unexpired API token, or None. Every API request asks it first, so its SQL
    text is written once (core/hotsql.py)."""
    if not token:
        return None
    rows = User.objects.raw(hotsql.select(User, BY_DIGEST), [_digest(token), hotsql.when(timezone.now())])
    return next(iter(rows), None)


BY_DIGEST = ('INNER JOIN "accounts_apitoken" ON "accounts_apitoken"."user_id" = {t}."id" '
             'WHERE "accounts_apitoken"."digest" = %s AND "accounts_apitoken"."expires_at" > %s AND {t}."is_active"')

