"""/api/v1/auth: log-in by password or SMS code, sign-up, password reset, unlock, SMS codes and their captcha.

The same services as the portal, so the same throttling (django-axes) and the same SMS limits apply. Answers for
unknown logins and unregistered phones are the same as for known ones. The services' refusals (a failed log-in 401
or 423, sending limits 429, a missing captcha 428, a taken phone 409, a wrong code 422 on its field) are
core.errors.DomainError, answered by api/errors.py.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from smartunion.accounts import services
from smartunion.accounts.lockout import request_ip
from smartunion.accounts.models import SmsCode
from smartunion.api.errors import ApiError
from smartunion.api.schemas import (
    CODE_INPUT,
    LOGIN_INPUT,
    OTP_INPUT,
    PASSWORD_INPUT,
    PHONE_INPUT,
    ErrorOut,
    TokenIn,
    TokenOut,
)
from smartunion.core.validators import validate_mobile

router = Router(tags=["认证"])


class SmsCodeIn(Schema):
    phone: str = Field("", max_length=LOGIN_INPUT, description="手机号码（解锁时也可填用户名，或用 login）")
    login: str = Field("", max_length=LOGIN_INPUT, description="解锁时的用户名或手机号码")
    purpose: Literal["register", "login", "reset", "unlock"] = Field(
        ..., description="register 注册，login 验证码登录，reset 重置密码，unlock 解除登录锁定")
    captcha_key: str = Field("", max_length=CODE_INPUT,
                             description="同一网络多次获取验证码后须填写：GET /auth/captcha 返回的 key")
    captcha_value: str = Field("", max_length=OTP_INPUT, description="图形验证码上的字符")


class SmsCodeOut(Schema):
    sent: bool = Field(..., description="始终为 true：未注册的手机号不会收到短信，但回答相同")
    resend_after: int = Field(..., description="多少秒后可再次获取")


class CaptchaOut(Schema):
    key: str
    image_url: str = Field(..., description="图形验证码图片，位于本服务器（相对地址）")


class RegisterIn(Schema):
    phone: str = Field(..., max_length=PHONE_INPUT)
    code: str = Field(..., max_length=OTP_INPUT, description="用途为 register 的短信验证码")
    password: str = Field(..., max_length=PASSWORD_INPUT)
    consent: str | None = Field(None, max_length=20, description=(
        "用户同意的《用户协议》和《隐私政策》的版本（GET /auth/terms 的 version）。客户端须在注册前展示两份文本并取得"
        "用户同意；省略时视为同意现行版本，提交其他版本则拒绝注册"))
    display_name: str = Field("", max_length=50, description="称呼（选填）")


class TermsOut(Schema):
    version: str = Field(..., description="现行《用户协议》和《隐私政策》的版本，注册时作为 consent 提交")
    agreement_url: str = Field(..., description="《用户协议》全文（本服务器上的网页）")
    privacy_url: str = Field(..., description="《隐私政策》全文（本服务器上的网页）")


class SmsLoginIn(Schema):
    phone: str = Field(..., max_length=PHONE_INPUT)
    code: str = Field(..., max_length=OTP_INPUT, description="用途为 login 的短信验证码")
    otp: str = Field("", max_length=OTP_INPUT, description="已启用动态口令的账号须填写")


class PasswordResetIn(Schema):
    phone: str = Field(..., max_length=PHONE_INPUT)
    code: str = Field(..., max_length=OTP_INPUT, description="用途为 reset 的短信验证码")
    password: str = Field(..., max_length=PASSWORD_INPUT, description="新密码")


class PasswordResetOut(Schema):
    reset: bool


class UnlockIn(Schema):
    login: str = Field(..., max_length=LOGIN_INPUT, description="被锁定的用户名或手机号码")
    code: str = Field("", max_length=OTP_INPUT, description="用途为 unlock 的短信验证码（发送到该账号绑定的手机）")
    otp: str = Field("", max_length=OTP_INPUT, description="或：动态口令")


class UnlockOut(Schema):
    unlocked: bool


def _phone(value: str) -> str:
    """A malformed phone is a 422 on its field before the log-in by SMS code (which would count it as a failure)."""
    try:
        return validate_mobile(value)
    except ValidationError as exc:
        raise ApiError(422, "invalid", exc.messages[0], {"phone": exc.messages[0]}) from None


def _token_body(request, user) -> dict:
    token, record = services.issue_token(user)
    # As a session log-in would: last_login is updated, axes sees the success.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"token": token, "expires_at": record.expires_at,
            "user": {"id": user.pk, "kind": user.kind, "name": str(user)}}


@router.post("/token", response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 423: ErrorOut},
             summary="用户名或手机号 + 密码登录，换取访问令牌")
def obtain_token(request, payload: TokenIn):
    login = (payload.username or payload.phone or "").strip()
    if not login:
        raise ApiError(400, "invalid", "请填写用户名或手机号码", {"username": "请填写用户名或手机号码"})
    user = services.authenticate_login(login=login, password=payload.password, otp=payload.otp, request=request)
    return _token_body(request, user)


@router.get("/captcha", response={200: CaptchaOut}, summary="获取图形验证码")
def get_captcha(request):
    key, image_url = services.new_captcha()
    return {"key": key, "image_url": image_url}


@router.post("/sms-codes", response={202: SmsCodeOut, 422: ErrorOut, 428: ErrorOut, 429: ErrorOut},
             summary="发送短信验证码（注册、登录、重置密码、解锁）")
def send_sms_code(request, payload: SmsCodeIn):
    ip = request_ip(request)
    if payload.purpose == SmsCode.Purpose.UNLOCK:
        services.send_unlock_code(login=payload.login or payload.phone, ip=ip, captcha_key=payload.captcha_key,
                                  captcha_value=payload.captcha_value)
    else:
        services.send_sms_code(phone=payload.phone, purpose=payload.purpose, ip=ip,
                               captcha_key=payload.captcha_key, captcha_value=payload.captcha_value)
    return Status(202, {"sent": True, "resend_after": settings.SMS_RESEND_SECONDS})


@router.get("/terms", response={200: TermsOut}, summary="现行用户协议和隐私政策的版本及全文地址")
def terms(request):
    return {"version": services.TERMS_VERSION, "agreement_url": "/agreement/", "privacy_url": "/privacy/"}


@router.post("/register", response={201: TokenOut, 409: ErrorOut, 422: ErrorOut}, summary="手机号注册（职工）")
def register(request, payload: RegisterIn):
    consent = services.TERMS_VERSION if payload.consent is None else payload.consent
    user = services.register_worker(phone=payload.phone, password=payload.password, code=payload.code,
                                    consent_version=consent, display_name=payload.display_name.strip())
    return Status(201, _token_body(request, user))


@router.post("/sms-login", response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 423: ErrorOut},
             summary="手机号 + 短信验证码登录")
def sms_login(request, payload: SmsLoginIn):
    user = services.sms_login(phone=_phone(payload.phone), code=payload.code, otp=payload.otp, request=request)
    return _token_body(request, user)


@router.post("/password-reset", response={200: PasswordResetOut, 422: ErrorOut},
             summary="用短信验证码重置密码（同时解除登录锁定）")
def password_reset(request, payload: PasswordResetIn):
    services.reset_password(phone=payload.phone, code=payload.code, password=payload.password)
    return {"reset": True}


@router.post("/unlock", response={200: UnlockOut, 422: ErrorOut, 429: ErrorOut},
             summary="用短信验证码或动态口令解除登录锁定")
def unlock(request, payload: UnlockIn):
    services.unlock_account(login=payload.login, code=payload.code, otp=payload.otp, request=request)
    return {"unlocked": True}
