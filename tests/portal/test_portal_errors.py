"""portal/errors.py: a service's refusal on the form the person filled in."""

from django import forms
from django.core.exceptions import ValidationError

from smartunion.core.errors import Conflict, Invalid
from smartunion.portal.errors import add_refusal


class PhoneForm(forms.Form):
    phone = forms.CharField()
    code = forms.CharField()


def shown(exc) -> dict:
    form = PhoneForm({"phone": "13800000002", "code": "123456"})
    assert form.is_valid()
    add_refusal(form, exc)
    return {name: list(errors) for name, errors in form.errors.items()}


def test_field_messages_go_on_their_fields_and_the_message_on_the_form():
    assert shown(Invalid.from_fields({"phone": "手机号码格式不正确", "code": "验证码错误"})) == {
        "phone": ["手机号码格式不正确"], "code": ["验证码错误"], "__all__": ["提交的数据有误，请检查后重试"]}


def test_a_message_already_on_its_field_is_not_repeated_on_the_form():
    assert shown(Invalid("验证码错误", fields={"code": "验证码错误"})) == {"code": ["验证码错误"]}


def test_a_field_the_form_does_not_have_is_shown_on_the_form():
    assert shown(Conflict("该手机号已注册，请直接登录", code="exists", fields={"account": "已注册"})) == {
        "__all__": ["该手机号已注册，请直接登录", "已注册"]}


def test_a_django_validation_error_is_shown_the_same_way_during_the_migration():
    assert shown(ValidationError({"code": ["验证码错误", "另一条"], "region": ["行政区划代码不存在"]})) == {
        "code": ["验证码错误"], "__all__": ["行政区划代码不存在"]}
    assert shown(ValidationError(["这个密码太常见了。", "密码只包含数字。"])) == {
        "__all__": ["这个密码太常见了。", "密码只包含数字。"]}
