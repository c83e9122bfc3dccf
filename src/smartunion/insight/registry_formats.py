"""The file formats of the three government registries (政务数据), as the provincial data-sharing exchange hands them
out, and the row parsers that turn a row into values or a rejection reason.

A file is CSV (UTF-8, with or without BOM, or GBK/GB18030: detected) or Excel (.xlsx, read row by row with
openpyxl's read-only mode, so a million-row sheet never sits in memory). The first row holds the column headers, in
Chinese as the exchange names them; columns may come in any order, unknown columns are ignored, and the required
ones must be there. Row numbers in reports are the spreadsheet's (the header is row 1).

市场监管企业登记 (kind "company"):
    统一社会信用代码  18 characters, GB 32100-2015 check character; may be empty for an old registration (the row is
                      then keyed by its normalised name and region)
    企业名称          required
    法定代表人        optional
    住所              optional (the address)
    行政区划代码      required: a GB/T 2260 county code (6 digits) or a township code (9 or 12 digits) known to the
                      platform's region table
    行业门类          optional: the GB/T 4754 section letter (A–T) or its name (制造业)
    登记状态          required: 存续 / 在业 / 开业 → active; 吊销 (also "吊销，未注销") → revoked; 注销 → cancelled;
                      迁出 → moved; anything else known (停业, 清算 ...) → other
    成立日期          optional: 2015-03-01, 2015/3/1, 20150301, 2015年3月1日 or an Excel date
税务登记 (kind "tax"):
    统一社会信用代码  required, checked; the company must already be in the company registry
    纳税人状态        required (正常, 非正常, 注销 ... kept as written)
社保参保 (kind "insured"):
    统一社会信用代码  required, checked; the company must already be in the company registry
    月份              required: YYYY-MM (also YYYYMM, YYYY/MM, YYYY年M月 or an Excel date)
    参保人数          required: a whole number ≥ 0
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from smartunion.core import codes
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import validate_credit_code

COMPANY, TAX, INSURED = "company", "tax", "insured"

CREDIT = "统一社会信用代码"
COLUMNS: dict[str, list[str]] = {
    COMPANY: [CREDIT, "企业名称", "法定代表人", "住所", "行政区划代码", "行业门类", "登记状态", "成立日期"],
    TAX: [CREDIT, "纳税人状态"],
    INSURED: [CREDIT, "月份", "参保人数"],
}
REQUIRED: dict[str, list[str]] = {
    COMPANY: ["企业名称", "行政区划代码", "登记状态"],
    TAX: [CREDIT, "纳税人状态"],
    INSURED: [CREDIT, "月份", "参保人数"],
}
# Header spellings seen in exchange files that mean the same column.
ALIASES = {"信用代码": CREDIT, "统一代码": CREDIT, "名称": "企业名称", "单位名称": "企业名称", "法人": "法定代表人",
           "法定代表人姓名": "法定代表人", "地址": "住所", "注册地址": "住所", "区划代码": "行政区划代码",
           "行业": "行业门类", "经营状态": "登记状态", "企业状态": "登记状态", "注册日期": "成立日期",
           "参保月份": "月份", "参保人员数": "参保人数"}


class FormatError(Exception):
    """The file as a whole cannot be read (no header, a required column missing, not CSV/xlsx)."""


@dataclass
class Rejected:
    reason: str


# Reading -----------------------------------------------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """utf-8-sig when the head decodes as UTF-8 (a BOM or none), else GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A multi-byte character may be cut at the end of the sample: decode incrementally, not final.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def is_xlsx(head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04"


def _header(cells) -> list[str]:
    names = []
    for cell in cells:
        name = re.sub(r"\s+", "", str(cell or "")).strip("*")
        names.append(ALIASES.get(name, name))
    return names


def _check_header(kind: str, names: list[str]) -> None:
    missing = [c for c in REQUIRED[kind] if c not in names]
    if missing:
        raise FormatError("缺少必需的列：" + "、".join(missing) + "（第1行应为表头）")


def open_rows(path: str, kind: str) -> Iterator[tuple[int, dict]]:
    """(spreadsheet row number, {column: raw value}) of every data row; blank rows are skipped (they count as
    rows read, so `position` stays the same whichever reader runs)."""
    with open(path, "rb") as raw:
        head = raw.read(65536)
    if is_xlsx(head):
        yield from _xlsx_rows(path, kind)
    else:
        yield from _csv_rows(path, kind, detect_encoding(head))


def _csv_rows(path: str, kind: str, encoding: str) -> Iterator[tuple[int, dict]]:
    with open(path, encoding=encoding, newline="", errors="strict") as text:
        reader = csv.reader(text)
        try:
            names = _header(next(reader))
        except StopIteration:
            raise FormatError("文件为空") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FormatError("无法读取文件，请上传 UTF-8 或 GBK 编码的 CSV 文件或 .xlsx 文件") from exc
        _check_header(kind, names)
        number = 1
        try:
            for cells in reader:
                number += 1
                yield number, dict(zip(names, cells, strict=False))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FormatError(f"第{number + 1}行无法读取（编码或格式错误）") from exc


def _xlsx_rows(path: str, kind: str) -> Iterator[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise FormatError("无法读取 Excel 文件，请上传 .xlsx 格式的文件") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        try:
            names = _header(next(rows))
        except StopIteration:
            raise FormatError("文件为空") from None
        _check_header(kind, names)
        for number, cells in enumerate(rows, start=2):
            yield number, dict(zip(names, cells, strict=False))
    finally:
        book.close()


def count_rows(path: str) -> int | None:
    """Data rows of a file, for the progress bar: CSV by counting line ends (fast, a quoted line break inflates it
    a little), xlsx from the sheet's recorded dimension (None when the writer did not record one)."""
    with open(path, "rb") as raw:
        head = raw.read(4)
        if is_xlsx(head):
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            try:
                sheet = book.worksheets[0]
                return max((sheet.max_row or 1) - 1, 0) if sheet.max_row else None
            finally:
                book.close()
        raw.seek(0)
        lines, last = 0, b""
        while chunk := raw.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk
        if last and not last.endswith(b"\n"):
            lines += 1
        return max(lines - 1, 0)


# Values --------------------------------------------------------------------------------------------------------------


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def credit_code(value, *, required: bool) -> str | Rejected | None:
    raw = text(value)
    if not raw:
        return Rejected("缺少统一社会信用代码") if required else None
    try:
        return validate_credit_code(raw)
    except ValidationError as exc:
        return Rejected(f"{exc.messages[0]}（{raw[:30]}）")


_DATE_PATTERNS = [r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})(\d{2})(\d{2})",
                  r"(\d{4})年(\d{1,2})月(\d{1,2})日", r"(\d{4})\.(\d{1,2})\.(\d{1,2})"]
_MONTH_PATTERNS = [r"(\d{4})-(\d{1,2})", r"(\d{4})/(\d{1,2})", r"(\d{4})(\d{2})", r"(\d{4})年(\d{1,2})月?",
                   r"(\d{4})\.(\d{1,2})", r"(\d{4})-(\d{1,2})-01"]


def parse_date(value) -> dt.date | Rejected | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value).split(" ")[0]
    if not raw:
        return None
    for pattern in _DATE_PATTERNS:
        found = re.fullmatch(pattern, raw)
        if found:
            try:
                return dt.date(*(int(g) for g in found.groups()))
            except ValueError:
                break
    return Rejected(f"成立日期“{raw[:20]}”格式错误（应为 2015-03-01）")


def parse_month(value) -> dt.date | Rejected:
    if isinstance(value, dt.datetime | dt.date):
        return dt.date(value.year, value.month, 1)
    raw = text(value)
    for pattern in _MONTH_PATTERNS:
        found = re.fullmatch(pattern, raw)
        if found:
            year, month = int(found.group(1)), int(found.group(2))
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return dt.date(year, month, 1)
    return Rejected(f"月份“{raw[:20]}”格式错误（应为 YYYY-MM）" if raw else "缺少月份")


STATUS_WORDS = [("吊销", "revoked"), ("注销", "cancelled"), ("迁出", "moved"), ("存续", "active"), ("在业", "active"),
                ("开业", "active"), ("在营", "active"), ("正常", "active"), ("停业", "other"), ("清算", "other"),
                ("撤销", "other"), ("歇业", "other")]


def parse_status(value) -> str | Rejected:
    raw = text(value)
    for word, status in STATUS_WORDS:
        if word in raw:
            return status
    return Rejected(f"登记状态“{raw[:20]}”无法识别" if raw else "缺少登记状态")


def _industry_names() -> dict[str, str]:
    return {label: code for code, label in codes.choices("industry")}


def parse_industry(value) -> str | Rejected:
    raw = text(value).upper()
    if not raw:
        return ""
    if re.fullmatch(r"[A-T]", raw) or re.match(r"[A-T](?:[\s\-—:：、.]|[^\x00-\x7f])", raw):
        return raw[0]  # "C", "C 制造业", "C制造业"
    found = _industry_names().get(text(value))
    return found or Rejected(f"行业门类“{text(value)[:20]}”无法识别（应为 A–T 的门类字母）")


def digest(*parts) -> str:
    """The content digest a row is compared by ("unchanged" when equal): md5 of its values, 32 hex characters."""
    return hashlib.md5("\x1f".join("" if p is None else str(p) for p in parts).encode(), usedforsecurity=False
                       ).hexdigest()


def company_key(credit: str | None, normalized_name: str, region_code: str) -> str:
    """CompanyRecord.record_key: the credit code, else "N:" and a digest of the normalised name and county."""
    return credit or "N:" + digest(normalized_name, region_code[:6])[:30]


def parse_company(row: dict, known_region) -> dict | Rejected:
    """Values of a company row, or why it is refused. `known_region(code)` says whether the region exists."""
    credit = credit_code(row.get(CREDIT), required=False)
    if isinstance(credit, Rejected):
        return credit
    name = text(row.get("企业名称"))
    if not name:
        return Rejected("缺少企业名称")
    if len(name) > 200:
        return Rejected("企业名称过长（超过200字）")
    region = re.sub(r"\D", "", text(row.get("行政区划代码")))
    if not region:
        return Rejected("缺少行政区划代码")
    if not known_region(region):
        return Rejected(f"未知的行政区划代码“{region[:12]}”")
    status = parse_status(row.get("登记状态"))
    if isinstance(status, Rejected):
        return status
    founded = parse_date(row.get("成立日期"))
    if isinstance(founded, Rejected):
        return founded
    industry = parse_industry(row.get("行业门类"))
    if isinstance(industry, Rejected):
        return industry
    normalized = normalize_employer_name(name, region=region)[:200]
    values = {
        "credit_code": credit, "name": name, "normalized_name": normalized,
        "legal_representative": text(row.get("法定代表人"))[:50], "address": text(row.get("住所"))[:300],
        "region_code": region, "county_code": region[:6], "industry": industry, "status": status,
        "founded_on": founded,
    }
    values["record_key"] = company_key(credit, normalized, region)
    values["digest"] = digest(*(values[k] for k in ("credit_code", "name", "legal_representative", "address",
                                                    "region_code", "industry", "status", "founded_on")))
    return values


def parse_tax(row: dict) -> dict | Rejected:
    credit = credit_code(row.get(CREDIT), required=True)
    if isinstance(credit, Rejected):
        return credit
    status = text(row.get("纳税人状态"))[:30]
    if not status:
        return Rejected("缺少纳税人状态")
    return {"credit_code": credit, "taxpayer_status": status}


def parse_insured(row: dict) -> dict | Rejected:
    credit = credit_code(row.get(CREDIT), required=True)
    if isinstance(credit, Rejected):
        return credit
    month = parse_month(row.get("月份"))
    if isinstance(month, Rejected):
        return month
    raw = text(row.get("参保人数"))
    if not re.fullmatch(r"\d{1,9}", raw):
        return Rejected(f"参保人数“{raw[:20]}”应为不小于0的整数" if raw else "缺少参保人数")
    return {"credit_code": credit, "month": month, "headcount": int(raw)}


def sample_csv(kind: str, rows: list[list], *, encoding: str = "utf-8") -> bytes:
    """A CSV file of `rows` under the kind's headers (tests, the demo, the bench and the template download)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[kind])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
