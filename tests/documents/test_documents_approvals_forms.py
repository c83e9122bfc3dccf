"""Approval forms as data: the definition's and a request's validation messages, amounts as fen, the standard
forms."""

from __future__ import annotations

import pytest
from tests.documents.approvals_rows import expense_data, leave_data, make_office

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.documents import approvals as shapes
from smartunion.documents.models import ApprovalForm
from smartunion.documents.services import approvals as services

FIELDS = [{"name": "amount", "label": "金额", "type": "amount", "required": True}]
STEPS = [{"label": "主席审批", "role": "chair"}]


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def _fields_message(fields) -> str:
    with pytest.raises(Invalid) as caught:
        shapes.validate_fields(fields)
    return caught.value.fields["fields"]


def _steps_message(steps, fields=FIELDS) -> str:
    with pytest.raises(Invalid) as caught:
        shapes.validate_steps(steps, fields=shapes.validate_fields(fields))
    return caught.value.fields["steps"]


def test_field_definitions_are_refused_in_chinese():
    assert _fields_message([]) == "表单字段应为非空列表"
    assert _fields_message([{"name": "Amount", "label": "金额", "type": "text"}]) == (
        "第1个字段的名称（name）应以小写字母开头，只含小写字母、数字和下划线，最多30个字符")
    assert _fields_message([{"name": "a", "label": "甲", "type": "text"}, {"name": "a", "label": "乙",
                                                                        "type": "text"}]) == "字段名称“a”重复"
    assert _fields_message([{"name": "a", "label": "甲", "type": "money"}]) == (
        "字段“a”的类型（type）应为：text、textarea、date、datetime、number、amount、choice")
    assert _fields_message([{"name": "a", "label": "甲", "type": "choice"}]) == (
        "选项字段“a”应有选项（choices），每项1至30个字")
    assert _fields_message([{"name": "a", "label": "甲", "type": "amount"},
                            {"name": "b", "label": "乙", "type": "amount"}]) == "一个表单最多有一个金额字段"
    assert _fields_message([{"name": "a", "label": "甲", "type": "text", "required": "yes"}]) == (
        "字段“a”的必填（required）应为 true 或 false")


def test_step_definitions_are_refused_in_chinese():
    assert _steps_message([]) == "审批环节应为非空列表"
    assert _steps_message([{"label": "审批", "role": "boss"}]) == (
        "第1个环节的角色（role）应为 chair、administrator、reviewer，或加“parent:”前缀表示上级单位，如 parent:chair")
    assert _steps_message([{"label": "审批", "role": "chair", "user_ids": [1]}]) == (
        "第1个环节应在 role、user_ids、department_head 中指定且只指定一种审批人")
    assert _steps_message([{"label": "审批", "role": "chair", "min_amount_fen": "5000"}]) == (
        "第1个环节的金额条件（min_amount_fen）应为以分计的非负整数")
    assert _steps_message([{"label": "审批", "role": "chair", "min_amount_fen": 5}],
                          fields=[{"name": "a", "label": "甲", "type": "text"}]) == (
        "第1个环节设置了金额条件（min_amount_fen），但表单没有金额字段")
    assert shapes.validate_steps([{"label": " 上级审批 ", "role": "parent:chair", "min_amount_fen": 100}],
                                 fields=FIELDS) == [{"label": "上级审批", "role": "parent:chair",
                                                     "min_amount_fen": 100}]


def test_amounts_are_integer_fen_from_yuan():
    assert shapes.parse_amount("1234.56") == 123456
    assert shapes.parse_amount("1,234.5") == 123450
    assert shapes.parse_amount(5000) == 500000
    assert shapes.parse_amount("0.01") == 1
    for bad, message in [("12.345", "金额应为以元计、最多两位小数的数字，如 1234.56"),
                         ("-1", "金额应为以元计、最多两位小数的数字，如 1234.56"),
                         ("abc", "金额应为以元计、最多两位小数的数字，如 1234.56"),
                         ([1], "金额应为数字，如 1234.56")]:
        with pytest.raises(ValueError) as caught:
            shapes.parse_amount(bad)
        assert str(caught.value) == message
    assert shapes.format_fen(123456) == "1,234.56"
    assert shapes.format_fen(500000) == "5,000.00"


def test_a_requests_data_is_checked_against_its_form():
    expense = next(f for f in shapes.STANDARD_FORMS if f["code"] == "expense")
    fields = shapes.validate_fields(expense["fields"])
    assert shapes.clean_data(fields, expense_data("1234.56")) == {
        "category": "差旅费", "amount": 123456, "occurred_on": "2026-11-20", "invoices": 3,
        "description": "赴省总工会参加培训"}
    with pytest.raises(Invalid) as caught:
        shapes.clean_data(fields, {"category": "餐费", "amount": "12.345", "occurred_on": "2026-13-01",
                                   "invoices": "三", "colour": "红"})
    assert caught.value.message == "表单内容有误，请检查后重试"
    assert caught.value.fields == {
        "colour": "表单中没有这个字段",
        "category": "费用类别应为以下之一：差旅费、办公费、会议费、培训费、其他",
        "amount": "报销金额金额应为以元计、最多两位小数的数字，如 1234.56",
        "occurred_on": "费用发生日期应为日期，如 2026-12-01",
        "invoices": "票据张数应为数字",
        "description": "请填写费用说明",
    }
    leave = shapes.validate_fields(shapes.STANDARD_FORMS[0]["fields"])
    with pytest.raises(Invalid) as caught:
        shapes.clean_data(leave, leave_data(end="2026-11-30 09:00"))
    assert (caught.value.message, caught.value.fields) == (
        "结束时间不能早于开始时间", {"end": "结束时间不能早于开始时间"})


def test_subject_key_is_the_sha256_of_the_subject_values():
    key = shapes.subject_key(["start", "end"], {"start": "2026-12-01 09:00", "end": "2026-12-02 17:00", "x": 1})
    assert key == shapes.subject_key(["start", "end"], {"start": "2026-12-01 09:00", "end": "2026-12-02 17:00"})
    assert len(key) == 64
    assert key != shapes.subject_key(["start", "end"], {"start": "2026-12-01 09:00", "end": "2026-12-03 17:00"})
    assert shapes.subject_key([], {"a": 1}) != shapes.subject_key([], {"a": 1})  # no subject: never the same


def test_standard_forms_install_once(tree, office):
    assert sorted(office.forms) == ["expense", "leave", "purchase", "seal", "trip", "vehicle"]
    assert [f.name for f in ApprovalForm.objects.filter(org=tree.province).order_by("id")] == [
        "请假", "出差", "报销", "用章", "用车", "采购"]
    assert services.install_standard_forms(tree.province, by=SYSTEM) == []
    assert office.forms["expense"].steps[1] == {"label": "主席审批", "role": "chair", "min_amount_fen": 500000}


def test_save_form_validates_and_is_for_managers(tree, personas, office):
    with pytest.raises(Forbidden):
        services.save_form(org=tree.jinan, code="x", name="X", fields=FIELDS, steps=STEPS, by=office.staff)
    with pytest.raises(Invalid) as caught:
        services.save_form(org=tree.jinan, code="gift", name="慰问品", fields=FIELDS,
                           steps=[{"label": "指定人", "user_ids": [999999]}], by=office.admin)
    assert caught.value.fields == {"steps": "审批人（user_ids）中的用户不存在或已停用：999999"}
    form = services.save_form(org=tree.jinan, code="gift", name="慰问品", fields=FIELDS, steps=STEPS,
                              subject_fields=["amount"], by=office.admin)
    assert (form.org_path, form.steps) == (tree.jinan.path, STEPS)
    with pytest.raises(Conflict) as conflict:
        services.save_form(org=tree.jinan, code="gift", name="又一个", fields=FIELDS, steps=STEPS, by=office.admin)
    assert conflict.value.message == "本单位已有代码为“gift”的审批表单"
    with pytest.raises(Forbidden):
        services.save_form(org=tree.jinan, code="gift", name="改", fields=FIELDS, steps=STEPS, form=form,
                           by=personas.other_city_cadre)
