"""The roster's columns and the check of each row: names, ID numbers (a repeated one is reported), phones, codes
by code or Chinese name, text limits, the join date."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import NamedTuple

from django.core.exceptions import ValidationError

from smartunion.core import codes, pii
from smartunion.core.forms import clean_name
from smartunion.core.validators import id_number_birth_date, validate_id_number, validate_mobile
from smartunion.core.xlsx import cell_text, parse_date, read_table

SHEET_NAME = "会员名册"
GUIDE_SHEET = "填写说明"
CODES_SHEET = "代码表"
COLUMNS = ("姓名", "身份证号码", "手机号码", "民族", "学历", "政治面貌", "用工形式", "服务平台", "住址", "入会日期")
REQUIRED = ("姓名", "身份证号码")
CODE_COLUMNS = {"民族": "ethnicity", "学历": "education", "政治面貌": "political_status", "用工形式": "employment_form"}
FIELD_COLUMNS = {"phone": "手机号码", "ethnicity": "民族", "education": "学历", "political_status": "政治面貌",
                 "employment_form": "用工形式", "gig_platform": "服务平台", "address": "住址"}
# Optional person fields an import may set; a blank cell keeps what is registered.
OPTIONAL_FIELDS = tuple(FIELD_COLUMNS)
# A political-status shorthand everybody writes.
CODE_ALIASES = {"political_status": {"中共党员": "01", "党员": "01", "中共预备党员": "02", "预备党员": "02",
                                     "共青团员": "03", "团员": "03", "无党派人士": "12"}}
MAX_NAME, MAX_PLATFORM, MAX_ADDRESS = 50, 50, 200
MAX_ROWS = 200_000


def read_roster(stream) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The column positions (by our column names) and the data rows of a roster workbook."""
    return read_table(stream, COLUMNS, REQUIRED, prefer=SHEET_NAME, max_rows=MAX_ROWS, hint="（请使用下载的导入模板）")


class Row(NamedTuple):
    """One valid row, normalised (blank optional cells are "")."""

    row: int
    name: str
    id_number: str
    index: str  # blind index of the ID number
    phone: str
    ethnicity: str
    education: str
    political_status: str
    employment_form: str
    gig_platform: str
    address: str
    since: str  # ISO date, "" for "the day of the import"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@cache
def code_lookup(table: str) -> dict[str, str]:
    """Code or Chinese name (or "code name") → code."""
    mapping: dict[str, str] = {}
    for entry in codes.entries(table):
        code, name = entry["code"], entry["name"]
        for key in (code, name, f"{code}{name}", f"{code} {name}", f"{code}-{name}", f"{code}.{name}"):
            mapping[key] = code
    mapping.update(CODE_ALIASES.get(table, {}))
    return mapping



class RowChecker:
    """Checks rows one by one and remembers the ID numbers seen, so a repeated one is reported."""

    def __init__(self, positions: dict[str, int], today: dt.date):
        self.positions = [(name, positions.get(name, -1)) for name in COLUMNS]
        self.today = today
        self.seen: dict[str, int] = {}
        self.lookups = {column: code_lookup(table) for column, table in CODE_COLUMNS.items()}

    def check(self, number: int, values: list) -> tuple[Row | None, list[tuple[str, str]]]:
        """(the normalised row, or None when invalid; [(column, reason)])."""
        errors: list[tuple[str, str]] = []
        size = len(values)
        cells = {name: (values[i] if -1 < i < size else None) for name, i in self.positions}
        name, name_problem = clean_name(cell_text(cells["姓名"]), max_length=MAX_NAME)
        if name_problem:
            errors.append(("姓名", name_problem))
        id_number = index = ""
        try:
            id_number = validate_id_number(cell_text(cells["身份证号码"]), today=self.today)
        except ValidationError as exc:
            errors.append(("身份证号码", exc.messages[0]))
        else:
            index = pii.blind_index(id_number, purpose="id_number")
            first = self.seen.get(index)
            if first is None:
                self.seen[index] = number
            else:
                errors.append(("身份证号码", f"与第{first}行身份证号码重复"))
        phone = cell_text(cells["手机号码"])
        if phone:
            try:
                phone = validate_mobile(phone)
            except ValidationError as exc:
                errors.append(("手机号码", exc.messages[0]))
        coded = {}
        for column, lookup in self.lookups.items():
            text = cell_text(cells[column])
            code = ""
            if text:
                code = lookup.get(text) or (lookup.get(text.zfill(2)) if text.isdigit() else None) or ""
                if not code:
                    errors.append((column, f"{column}代码无效，请从下拉列表中选择，或填写代码表中的代码或名称"))
            coded[column] = code
        platform = cell_text(cells["服务平台"])
        if len(platform) > MAX_PLATFORM or _CONTROL.search(platform):
            errors.append(("服务平台", f"服务平台不能超过{MAX_PLATFORM}个字，且不能包含控制字符"))
        address = cell_text(cells["住址"])
        if len(address) > MAX_ADDRESS or _CONTROL.search(address):
            errors.append(("住址", f"住址不能超过{MAX_ADDRESS}个字，且不能包含控制字符"))
        since = ""
        raw_since = cells["入会日期"]
        if raw_since is not None and cell_text(raw_since):
            date = parse_date(raw_since)
            if date is None:
                errors.append(("入会日期", "入会日期格式应为 YYYY-MM-DD（例如 2024-01-31）"))
            elif date > self.today:
                errors.append(("入会日期", "入会日期不能晚于今天"))
            elif id_number and date < id_number_birth_date(id_number):
                errors.append(("入会日期", "入会日期不能早于出生日期"))
            else:
                since = date.isoformat()
        if errors:
            return None, errors
        return Row(number, name, id_number, index, phone, coded["民族"], coded["学历"], coded["政治面貌"],
                   coded["用工形式"], platform, address, since), errors


