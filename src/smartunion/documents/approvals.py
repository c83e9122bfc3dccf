"""Approval forms as data (移动审批): the shapes of a form's fields and chain, their validation, a request's data
validated against its form, and the six standard forms.

A form (ApprovalForm) holds:

- fields: [{"name", "label", "type", "required", "choices"?}], type one of text, textarea, date, datetime, number,
  amount (money: typed in yuan as "1234.56", kept as integer fen), choice (one of "choices");
- steps: [{"label", one of "role" | "user_ids" | "department_head", "min_amount_fen"?}]:
  role chair / administrator / reviewer of the applicant's org, or "parent:<role>" of the org above;
  user_ids: the people named, one after another; department_head: the head of the named department of the
  applicant's org; min_amount_fen: the step is taken only when the request's amount is at least this;
- subject_fields: the fields whose values say "the same thing" (two open requests of one applicant with the same
  values are refused; no subject fields: every request is its own subject).

Everything here is pure (no database writes); the services (documents/services/approvals.py) use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from decimal import Decimal, InvalidOperation

from smartunion.core.errors import DomainError, Invalid

FIELD_TYPES = {
    "text": "单行文本",
    "textarea": "多行文本",
    "date": "日期",
    "datetime": "日期时间",
    "number": "数字",
    "amount": "金额（元）",
    "choice": "选项",
}
ROLES = {"chair": "主席", "administrator": "管理员", "reviewer": "审核员"}
PARENT = "parent:"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_FIELDS = 30
MAX_STEPS = 10
MAX_TEXT = 200
MAX_TEXTAREA = 2000
MAX_AMOUNT_FEN = 10_000_000_000  # 一亿元
FEN_RE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def role_label(role: str) -> str:
    if role.startswith(PARENT):
        return "上级单位" + ROLES.get(role[len(PARENT):], role)
    return "本单位" + ROLES.get(role, role)


# The form's definition ---------------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_fields(fields) -> list[dict]:
    """The fields of a form, normalised; Invalid with a Chinese message naming the first fault of each kind."""
    if not isinstance(fields, list) or not fields:
        raise Invalid.from_fields({"fields": "表单字段应为非空列表"}, message="表单字段应为非空列表")
    if len(fields) > MAX_FIELDS:
        raise Invalid.from_fields({"fields": f"表单字段最多{MAX_FIELDS}个"}, message=f"表单字段最多{MAX_FIELDS}个")
    result: list[dict] = []
    seen: set[str] = set()
    amounts = 0
    for i, field in enumerate(fields, start=1):
        where = f"第{i}个字段"
        if not isinstance(field, dict):
            raise _fields_error(f"{where}应为对象")
        name = field.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise _fields_error(f"{where}的名称（name）应以小写字母开头，只含小写字母、数字和下划线，最多30个字符")
        if name in seen:
            raise _fields_error(f"字段名称“{name}”重复")
        seen.add(name)
        label = field.get("label")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 30:
            raise _fields_error(f"字段“{name}”的标题（label）应为1至30个字")
        kind = field.get("type")
        if kind not in FIELD_TYPES:
            raise _fields_error(f"字段“{name}”的类型（type）应为：{'、'.join(FIELD_TYPES)}")
        required = field.get("required", False)
        if not isinstance(required, bool):
            raise _fields_error(f"字段“{name}”的必填（required）应为 true 或 false")
        clean: dict = {"name": name, "label": label.strip(), "type": kind, "required": required}
        if kind == "choice":
            choices = field.get("choices")
            if (not isinstance(choices, list) or not choices
                    or not all(isinstance(c, str) and c.strip() and len(c) <= 30 for c in choices)):
                raise _fields_error(f"选项字段“{name}”应有选项（choices），每项1至30个字")
            if len(set(choices)) != len(choices):
                raise _fields_error(f"选项字段“{name}”的选项重复")
            clean["choices"] = [c.strip() for c in choices]
        elif "choices" in field:
            raise _fields_error(f"只有选项字段可以设置选项（choices），字段“{name}”不是选项字段")
        if kind == "amount":
            amounts += 1
        unknown = set(field) - {"name", "label", "type", "required", "choices"}
        if unknown:
            raise _fields_error(f"字段“{name}”有未知的设置：{'、'.join(sorted(unknown))}")
        result.append(clean)
    if amounts > 1:
        raise _fields_error("一个表单最多有一个金额字段")
    return result


def _fields_error(message: str) -> DomainError:
    return Invalid.from_fields({"fields": message}, message=message)


def _steps_error(message: str) -> DomainError:
    return Invalid.from_fields({"steps": message}, message=message)


def validate_steps(steps, *, fields: list[dict]) -> list[dict]:
    """The chain of a form, normalised. User ids are checked for shape here and for existence by the service."""
    if not isinstance(steps, list) or not steps:
        raise _steps_error("审批环节应为非空列表")
    if len(steps) > MAX_STEPS:
        raise _steps_error(f"审批环节最多{MAX_STEPS}个")
    has_amount = any(f["type"] == "amount" for f in fields)
    result: list[dict] = []
    for i, step in enumerate(steps, start=1):
        where = f"第{i}个环节"
        if not isinstance(step, dict):
            raise _steps_error(f"{where}应为对象")
        label = step.get("label")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 50:
            raise _steps_error(f"{where}的名称（label）应为1至50个字")
        clean: dict = {"label": label.strip()}
        kinds = [k for k in ("role", "user_ids", "department_head") if k in step]
        if len(kinds) != 1:
            raise _steps_error(f"{where}应在 role、user_ids、department_head 中指定且只指定一种审批人")
        kind = kinds[0]
        value = step[kind]
        if kind == "role":
            base = value[len(PARENT):] if isinstance(value, str) and value.startswith(PARENT) else value
            if base not in ROLES:
                raise _steps_error(f"{where}的角色（role）应为 chair、administrator、reviewer，"
                                   "或加“parent:”前缀表示上级单位，如 parent:chair")
        elif kind == "user_ids":
            if (not isinstance(value, list) or not value or not all(_is_int(v) and v > 0 for v in value)
                    or len(set(value)) != len(value)):
                raise _steps_error(f"{where}的审批人（user_ids）应为不重复的用户编号列表")
        else:
            if not isinstance(value, str) or not value.strip() or len(value.strip()) > 50:
                raise _steps_error(f"{where}的部门（department_head）应为部门名称")
            value = value.strip()
        clean[kind] = value
        if "min_amount_fen" in step:
            minimum = step["min_amount_fen"]
            if not has_amount:
                raise _steps_error(f"{where}设置了金额条件（min_amount_fen），但表单没有金额字段")
            if not _is_int(minimum) or minimum < 0:
                raise _steps_error(f"{where}的金额条件（min_amount_fen）应为以分计的非负整数")
            clean["min_amount_fen"] = minimum
        unknown = set(step) - {"label", "role", "user_ids", "department_head", "min_amount_fen"}
        if unknown:
            raise _steps_error(f"{where}有未知的设置：{'、'.join(sorted(unknown))}")
        result.append(clean)
    return result


def validate_subject_fields(subject_fields, *, fields: list[dict]) -> list[str]:
    if subject_fields is None:
        return []
    names = {f["name"] for f in fields}
    if not isinstance(subject_fields, list) or not all(isinstance(n, str) for n in subject_fields):
        message = "查重字段应为字段名称的列表"
        raise Invalid.from_fields({"subject_fields": message}, message=message)
    for name in subject_fields:
        if name not in names:
            message = f"查重字段“{name}”不是表单中的字段"
            raise Invalid.from_fields({"subject_fields": message}, message=message)
    return list(dict.fromkeys(subject_fields))


def validate_definition(*, fields, steps, subject_fields) -> tuple[list[dict], list[dict], list[str]]:
    clean_fields = validate_fields(fields)
    return (clean_fields, validate_steps(steps, fields=clean_fields),
            validate_subject_fields(subject_fields, fields=clean_fields))


# A request's data -------------------------------------------------------------------------------------------------


def parse_amount(value) -> int:
    """Yuan as typed ("1234.56", "1,234.56", 1234.5, 1234) to integer fen; ValueError with a Chinese message."""
    if _is_int(value):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
    else:
        raise ValueError("金额应为数字，如 1234.56")
    if not FEN_RE.match(text):
        raise ValueError("金额应为以元计、最多两位小数的数字，如 1234.56")
    fen = int((Decimal(text) * 100).to_integral_value())
    if fen > MAX_AMOUNT_FEN:
        raise ValueError("金额不能超过一亿元")
    return fen


def format_fen(fen: int | None) -> str:
    """123456 -> "1,234.56"."""
    if fen is None:
        return ""
    return f"{fen // 100:,}.{fen % 100:02d}"


def _clean_value(field: dict, value):
    kind = field["type"]
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValueError("应为文字")
        value = value.strip()
        limit = MAX_TEXT if kind == "text" else MAX_TEXTAREA
        if len(value) > limit:
            raise ValueError(f"最多{limit}个字")
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("应为日期，如 2026-12-01") from None
    if kind == "datetime":
        text = str(value).strip().replace("T", " ")
        try:
            parsed = dt.datetime.strptime(text[:16], "%Y-%m-%d %H:%M")
        except ValueError:
            raise ValueError("应为日期和时间，如 2026-12-01 09:00") from None
        return parsed.strftime("%Y-%m-%d %H:%M")
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("应为数字")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("应为数字") from None
        if not number.is_finite() or abs(number) >= 10**9:
            raise ValueError("应为数字")
        number = number.quantize(Decimal("0.01")).normalize()
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "amount":
        return parse_amount(value)
    if kind == "choice":
        if value not in field["choices"]:
            raise ValueError(f"应为以下之一：{'、'.join(field['choices'])}")
        return value
    raise ValueError("未知的字段类型")


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_data(fields: list[dict], data) -> dict:
    """A request's data checked against the form: types, required fields, amounts as fen; every fault at once."""
    if not isinstance(data, dict):
        raise Invalid.from_fields({"data": "表单内容应为对象"}, message="表单内容应为对象")
    errors: dict[str, str] = {}
    names = {f["name"] for f in fields}
    for key in data:
        if key not in names:
            errors[str(key)] = "表单中没有这个字段"
    result: dict = {}
    for field in fields:
        value = data.get(field["name"])
        if _empty(value):
            if field.get("required"):
                errors[field["name"]] = f"请填写{field['label']}"
            continue
        try:
            result[field["name"]] = _clean_value(field, value)
        except ValueError as exc:
            errors[field["name"]] = f"{field['label']}{exc}"
    kinds = {f["name"]: f["type"] for f in fields}
    start, end = result.get("start"), result.get("end")
    if (start is not None and end is not None and kinds.get("start") == kinds.get("end")
            and kinds.get("start") in ("date", "datetime") and end < start):
        errors["end"] = "结束时间不能早于开始时间"
    if errors:
        first = next(iter(errors.values()))
        raise Invalid.from_fields(errors, message=first if len(errors) == 1 else "表单内容有误，请检查后重试")
    return result


def amount_of(fields: list[dict], data: dict) -> int | None:
    for field in fields:
        if field["type"] == "amount":
            return data.get(field["name"])
    return None


def subject_key(subject_fields: list[str], data: dict) -> str:
    """sha256 of the subject fields' values: what "the same thing" means for the one-open-request constraint."""
    if not subject_fields:
        payload = uuid.uuid4().hex  # no subject: every request is its own
    else:
        payload = json.dumps([data.get(name) for name in subject_fields], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def display_rows(fields: list[dict], data: dict) -> list[tuple[str, str]]:
    """(label, shown value) of each filled field, in the form's order."""
    rows = []
    for field in fields:
        value = data.get(field["name"])
        if value is None or value == "":
            continue
        shown = f"{format_fen(value)} 元" if field["type"] == "amount" and _is_int(value) else str(value)
        rows.append((field["label"], shown))
    return rows


def describe_steps(steps: list[dict]) -> list[str]:
    """The chain in words: "主席审批（本单位主席，5,000.00元及以上）"."""
    result = []
    for step in steps:
        if "role" in step:
            who = role_label(step["role"])
        elif "department_head" in step:
            who = f"{step['department_head']}负责人"
        else:
            who = "指定人员"
        if step.get("min_amount_fen") is not None:
            who += f"，{format_fen(step['min_amount_fen'])}元及以上"
        result.append(f"{step['label']}（{who}）")
    return result


# The six standard forms --------------------------------------------------------------------------------------------

# The expense and purchase forms ask the chair only from 5,000.00 yuan on; a purchase of 50,000.00 or more also goes
# to the chair of the org above.
CHAIR_FROM_FEN = 500_000
PARENT_CHAIR_FROM_FEN = 5_000_000

STANDARD_FORMS: list[dict] = [
    {
        "code": "leave", "name": "请假",
        "fields": [
            {"name": "kind", "label": "请假类型", "type": "choice", "required": True,
             "choices": ["事假", "病假", "年休假", "婚假", "产假", "丧假", "调休"]},
            {"name": "start", "label": "开始时间", "type": "datetime", "required": True},
            {"name": "end", "label": "结束时间", "type": "datetime", "required": True},
            {"name": "days", "label": "请假天数", "type": "number", "required": True},
            {"name": "reason", "label": "请假事由", "type": "textarea", "required": True},
        ],
        "steps": [{"label": "办公室审核", "role": "administrator"}, {"label": "主席审批", "role": "chair"}],
        "subject_fields": ["start", "end"],
    },
    {
        "code": "trip", "name": "出差",
        "fields": [
            {"name": "destination", "label": "出差地点", "type": "text", "required": True},
            {"name": "start", "label": "出发日期", "type": "date", "required": True},
            {"name": "end", "label": "返回日期", "type": "date", "required": True},
            {"name": "transport", "label": "交通方式", "type": "choice", "required": True,
             "choices": ["火车", "飞机", "公务用车", "其他"]},
            {"name": "purpose", "label": "出差事由", "type": "textarea", "required": True},
        ],
        "steps": [{"label": "办公室审核", "role": "administrator"}, {"label": "主席审批", "role": "chair"}],
        "subject_fields": ["destination", "start"],
    },
    {
        "code": "expense", "name": "报销",
        "fields": [
            {"name": "category", "label": "费用类别", "type": "choice", "required": True,
             "choices": ["差旅费", "办公费", "会议费", "培训费", "其他"]},
            {"name": "amount", "label": "报销金额", "type": "amount", "required": True},
            {"name": "occurred_on", "label": "费用发生日期", "type": "date", "required": True},
            {"name": "invoices", "label": "票据张数", "type": "number", "required": True},
            {"name": "description", "label": "费用说明", "type": "textarea", "required": True},
        ],
        "steps": [
            {"label": "财务审核", "role": "administrator"},
            {"label": "主席审批", "role": "chair", "min_amount_fen": CHAIR_FROM_FEN},
        ],
        "subject_fields": ["category", "amount", "occurred_on"],
    },
    {
        "code": "seal", "name": "用章",
        "fields": [
            {"name": "seal", "label": "印章", "type": "choice", "required": True,
             "choices": ["单位公章", "党组织印章", "财务专用章", "法定代表人名章"]},
            {"name": "document", "label": "用印文件", "type": "text", "required": True},
            {"name": "copies", "label": "用印份数", "type": "number", "required": True},
            {"name": "used_on", "label": "用印日期", "type": "date", "required": True},
            {"name": "reason", "label": "用印事由", "type": "textarea", "required": False},
        ],
        "steps": [{"label": "办公室审核", "role": "administrator"}, {"label": "主席审批", "role": "chair"}],
        "subject_fields": ["seal", "document"],
    },
    {
        "code": "vehicle", "name": "用车",
        "fields": [
            {"name": "destination", "label": "目的地", "type": "text", "required": True},
            {"name": "start", "label": "出车时间", "type": "datetime", "required": True},
            {"name": "end", "label": "返回时间", "type": "datetime", "required": True},
            {"name": "passengers", "label": "乘车人数", "type": "number", "required": True},
            {"name": "reason", "label": "用车事由", "type": "textarea", "required": True},
        ],
        "steps": [{"label": "办公室派车", "role": "administrator"}],
        "subject_fields": ["start"],
    },
    {
        "code": "purchase", "name": "采购",
        "fields": [
            {"name": "item", "label": "采购物品", "type": "text", "required": True},
            {"name": "quantity", "label": "数量", "type": "number", "required": True},
            {"name": "amount", "label": "预算金额", "type": "amount", "required": True},
            {"name": "needed_on", "label": "需用日期", "type": "date", "required": False},
            {"name": "reason", "label": "采购理由", "type": "textarea", "required": True},
        ],
        "steps": [
            {"label": "办公室审核", "role": "administrator"},
            {"label": "主席审批", "role": "chair", "min_amount_fen": CHAIR_FROM_FEN},
            {"label": "上级主席审批", "role": "parent:chair", "min_amount_fen": PARENT_CHAIR_FROM_FEN},
        ],
        "subject_fields": ["item", "amount"],
    },
]
