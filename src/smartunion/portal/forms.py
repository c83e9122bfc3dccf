from django import forms

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


class SmsCodeForm(forms.Form):
    phone = forms.CharField(label="手机号码", max_length=20, validators=[validate_mobile])
