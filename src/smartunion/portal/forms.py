from django import forms

from smartunion.accounts.models import SmsCode
from smartunion.accounts.services import CONSENT_REQUIRED
from smartunion.core.validators import validate_mobile


class LoginForm(forms.Form):
    phone = forms.CharField(label="手机号码", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "username"}))
    password = forms.CharField(label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class RegisterForm(forms.Form):
    phone = forms.CharField(label="手机号码", max_length=20, validators=[validate_mobile],
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    password = forms.CharField(label="设置密码（至少8位，不能全是数字）", widget=forms.PasswordInput)
    display_name = forms.CharField(label="称呼（选填）", max_length=50, required=False)
    # The template draws this box with links to both texts; consent comes before the account (PIPL art. 13-14).
    consent = forms.BooleanField(label="我已阅读并同意《用户协议》和《隐私政策》",
                                 error_messages={"required": CONSENT_REQUIRED})


class SmsCodeForm(forms.Form):
    """Asks for a code; for `unlock` the "phone" may be a username (the code goes to that account's phone)."""

    phone = forms.CharField(label="手机号码", max_length=150)
    purpose = forms.ChoiceField(choices=SmsCode.Purpose.choices, required=False)
    captcha_key = forms.CharField(max_length=40, required=False)
    captcha_value = forms.CharField(max_length=10, required=False)


class SmsLoginForm(forms.Form):
    """Log-in by SMS code; shares the log-in page with LoginForm, hence its own element ids."""

    phone = forms.CharField(label="手机号码", max_length=20, validators=[validate_mobile],
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "username"}))
    code = forms.CharField(label="短信验证码", max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sms_%s")
        super().__init__(*args, **kwargs)


class PasswordResetForm(forms.Form):
    phone = forms.CharField(label="手机号码", max_length=20, validators=[validate_mobile],
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    password = forms.CharField(label="新密码（至少8位，不能全是数字）",
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class UnlockForm(forms.Form):
    login = forms.CharField(label="用户名或手机号码", max_length=150)
    code = forms.CharField(label="短信验证码", max_length=6, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    otp = forms.CharField(label="或：动态口令（已启用的干部）", max_length=6, required=False,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class ChangePasswordForm(forms.Form):
    old_password = forms.CharField(label="当前密码",
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label="新密码（至少8位，不能全是数字）",
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
