"""Roster import and export: a union's members from Excel, checked in a dry run, then written in bulk.

The flow, each step a background job (members/tasks.py):

* ``create_job`` stores the upload (status queued) for a union the cadre manages and schedules ``validate_job``.
* ``validate_job`` reads the sheet, checks every row, matches people by the blind index of their ID number
  (1000 at a time) and classifies each row: create, update, unchanged, conflict (an active member of another
  union, never moved) or rejected. Counts, the first errors and the full error list (a JSON file next to the
  upload) are stored; the valid rows are kept encrypted next to the upload and the plaintext upload is deleted.
  Nothing else is written.
* ``request_commit`` schedules ``commit_job``, which matches the rows again (a person who joined another union
  meanwhile becomes a conflict) and writes people, memberships, member cards and history rows with
  core.bulk.insert_rows, one transaction (and one progress update) per 10,000 rows, with card numbers allocated in
  one call per job. A batch that meets someone else's write (a person registered meanwhile) is matched again.

Re-importing the same file finds every row unchanged and writes nothing.

A running job writes ``heartbeat_at`` at each batch (compare-and-set, so a run that lost its job stops). A job whose
heartbeat is older than JOB_STALE_MINUTES died with its process: ``mark_stale_jobs`` marks it failed. A failed dry
run is started again from its upload (``restart_job``); a failed commit is resumed (``resume_job``): the rows written
by its committed batches match again as unchanged, so nobody is written twice.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import posixpath
import re
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import NamedTuple
from xml.etree.ElementTree import ParseError, XMLParser, iterparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from smartunion.core import codes, pii
from smartunion.core.audit import log_event
from smartunion.core.bulk import insert_rows
from smartunion.core.forms import clean_name
from smartunion.core.models import AuditEvent
from smartunion.core.validators import validate_id_number, validate_mobile
from smartunion.members.cards import allocate_numbers, issuer_for
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.models import MemberCard, Membership, MembershipChange, Person, RosterImport
from smartunion.orgs.models import Employer, Organisation, Position, subtree_q
from smartunion.orgs.queries import can_manage, scoped
from smartunion.orgs.services import adjust_member_count

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
BATCH = 1000  # rows per look-up and per progress update of the dry run
WRITE_BATCH = 10_000  # rows per write transaction (and progress step) of the commit: fewer WAL checkpoints
STORED_ERRORS = 1000  # errors kept on the job itself; the full list is in the JSON file
TEMPLATE_ROWS = 10_000  # rows the template's dropdowns cover

CREATE, UPDATE, UNCHANGED, CONFLICT, MISMATCH = "create", "update", "unchanged", "conflict", "mismatch"
INVALID = "invalid"
KIND_LABELS = {INVALID: "出错", MISMATCH: "出错", CONFLICT: "冲突"}


class WorkbookError(Exception):
    """The file is not a readable .xlsx roster; nothing was imported."""


class ImportStateError(Exception):
    """The job is not in a state that allows the requested step."""


class JobAbandoned(Exception):
    """The job was marked failed (its heartbeat went stale) or taken over by another run: this run stops."""


# Reading .xlsx ------------------------------------------------------------------------------------------------------
# openpyxl's read-only mode takes ~11 s for 100k rows x 10 columns; this streaming reader (parser targets over
# the sheet XML, no element tree; shared strings, inline strings, numbers, booleans, ISO dates) takes ~3 s.
# Values: str, float, bool or None.
# A number in the join-date column is an Excel date serial; elsewhere it stands for its digits (a phone number).
# Untrusted XML: ElementTree never fetches external entities or DTDs, and expat (>= 2.4) stops entity-expansion
# bombs; openpyxl uses the same parser when defusedxml is absent. A zip bomb is refused by its declared sizes
# (zipfile never inflates past them).

MAX_XML_BYTES = 400 * 1024 * 1024

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _unescape(text: str) -> str:
    """Excel writes control characters as _xHHHH_."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


@lru_cache(maxsize=4096)
def _column_of(letters: str) -> int:
    index = 0
    for char in letters:
        if not "A" <= char <= "Z":
            return -1
        index = index * 26 + ord(char) - 64
    return index - 1


def _column_index(ref: str) -> int:
    """0 for "A7", 26 for "AA7"; -1 for a malformed reference."""
    return _column_of(ref.rstrip("0123456789"))


def _sheet_part(book: zipfile.ZipFile, prefer: str) -> tuple[str, str | None]:
    """The XML part of the sheet named `prefer` (else the first sheet) and the shared-strings part."""
    names = set(book.namelist())
    if sum(info.file_size for info in book.infolist()) > MAX_XML_BYTES:
        raise WorkbookError("文件解压后过大，请拆分后分批上传")
    rels: dict[str, tuple[str, str]] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for _event, element in iterparse(book.open("xl/_rels/workbook.xml.rels")):  # noqa: S314
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                rels[element.get("Id", "")] = (element.get("Type", "").rpartition("/")[2], target)
    sheets: list[tuple[str, str]] = []
    for _event, element in iterparse(book.open("xl/workbook.xml")):  # noqa: S314
        if _local(element.tag) == "sheet":
            rid = element.get(f"{{{_REL_NS}}}id") or element.get(f"{{{_STRICT_REL_NS}}}id") or ""
            if rid in rels:
                sheets.append((element.get("name", ""), rels[rid][1]))
    if not sheets:
        raise WorkbookError("文件中没有工作表")
    part = next((target for name, target in sheets if name == prefer), sheets[0][1])
    shared = next((target for kind, target in rels.values() if kind == "sharedStrings"), None)
    if shared is None and "xl/sharedStrings.xml" in names:
        shared = "xl/sharedStrings.xml"
    return part, shared


def read_sheet(stream, *, prefer: str = SHEET_NAME) -> Iterator[tuple[int, list]]:
    """Rows of the roster sheet as (Excel row number, [cell values by column index]); empty rows are left out."""
    try:
        book = zipfile.ZipFile(stream)
        part, shared_part = _sheet_part(book, prefer)
        shared: list[str] = _parse(book.open(shared_part), _SharedStrings()) if shared_part else []
        sheet = book.open(part)
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, OSError) as exc:
        raise WorkbookError("无法读取文件，请上传 .xlsx 格式的 Excel 文件") from exc
    return _iter_rows(sheet, shared)


_NAMESPACES = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
               "{http://purl.oclc.org/ooxml/spreadsheetml/main}", "")
_TAGS = {name: frozenset(f"{ns}{name}" for ns in _NAMESPACES) for name in ("c", "v", "t", "row", "rPh", "si")}
_CELL, _VALUE, _TEXT, _ROW, _PHONETIC, _ITEM = (_TAGS[n] for n in ("c", "v", "t", "row", "rPh", "si"))
_TEXT_OR_VALUE = _VALUE | _TEXT
_CHUNK = 1 << 16


def _parse(stream, target):
    parser = XMLParser(target=target)  # noqa: S314  see the note above
    while chunk := stream.read(_CHUNK):
        parser.feed(chunk)
    return parser.close()


class _SharedStrings:
    """Parser target for sharedStrings.xml: each <si>'s text (plain or rich-text runs), phonetic runs left out."""

    def __init__(self):
        self.items: list[str] = []
        self.parts: list[str] = []
        self.collect = self.phonetic = False

    def start(self, tag, attrib):
        if tag in _TEXT:
            self.collect = not self.phonetic
        elif tag in _ITEM:
            self.parts = []
        elif tag in _PHONETIC:
            self.phonetic = True

    def data(self, text):
        if self.collect:
            self.parts.append(text)

    def end(self, tag):
        if tag in _TEXT:
            self.collect = False
        elif tag in _ITEM:
            self.items.append(_unescape("".join(self.parts)))
        elif tag in _PHONETIC:
            self.phonetic = False

    def close(self):
        return self.items


class _SheetRows:
    """Parser target for a worksheet: builds rows straight from the parser's events. No element tree: its
    per-element objects made reading ~30% slower."""

    def __init__(self, shared: list[str]):
        self.shared = shared
        self.rows: list[tuple[int, list]] = []
        self.values: list = []
        self.parts: list[str] = []
        self.collect = self.phonetic = False
        self.kind: str | None = None
        self.index = self.position = self.row_number = 0

    def start(self, tag, attrib):
        if tag in _CELL:
            ref = attrib.get("r")
            index = _column_index(ref) if ref else -1
            self.index = index if index >= 0 else self.position
            self.position = self.index + 1
            self.kind = attrib.get("t")
            self.parts = []
        elif tag in _TEXT_OR_VALUE:  # a formula's <f> is not collected, only its cached <v>
            self.collect = not self.phonetic
        elif tag in _ROW:
            number = attrib.get("r")
            self.row_number = int(number) if number else self.row_number + 1
        elif tag in _PHONETIC:
            self.phonetic = True

    def data(self, text):
        if self.collect:
            self.parts.append(text)

    def end(self, tag):
        if tag in _TEXT_OR_VALUE:
            self.collect = False
        elif tag in _CELL:
            parts = self.parts
            if not parts:
                return
            text = parts[0] if len(parts) == 1 else "".join(parts)
            kind = self.kind
            if kind == "s":
                value = self.shared[int(text)]
            elif kind in ("inlineStr", "str", "e", "d"):
                value = _unescape(text)
            elif kind == "b":
                value = text.strip() == "1"
            else:
                value = float(text)
            if value == "":
                return
            values, index = self.values, self.index
            if index >= len(values):
                values.extend([None] * (index + 1 - len(values)))
            values[index] = value
        elif tag in _ROW:
            if self.values:
                self.rows.append((self.row_number, self.values))
                self.values = []
            self.position = 0
        elif tag in _PHONETIC:
            self.phonetic = False

    def close(self):
        return self.rows


def _iter_rows(sheet, shared: list[str]) -> Iterator[tuple[int, list]]:
    target = _SheetRows(shared)
    parser = XMLParser(target=target)  # noqa: S314  see the note above
    try:
        while chunk := sheet.read(_CHUNK):
            parser.feed(chunk)
            if target.rows:
                rows, target.rows = target.rows, []
                yield from rows
        yield from parser.close()
    except (ParseError, ValueError, IndexError, zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError("无法读取文件，请上传 .xlsx 格式的 Excel 文件") from exc


def _header_name(value) -> str:
    return re.sub(r"[\s*＊]", "", str(value)) if value is not None else ""


def read_roster(stream) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The column positions (by our column names) and the data rows of a roster workbook."""
    rows = read_sheet(stream)
    try:
        _number, header = next(rows)
    except StopIteration:
        raise WorkbookError("文件是空的") from None
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _header_name(value)
        if name in COLUMNS and name not in positions:
            positions[name] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise WorkbookError("缺少必填列：" + "、".join(missing) + "（请使用下载的导入模板）")
    wanted = sorted(positions.values())
    data = []
    for number, values in rows:
        if any(i < len(values) and values[i] is not None for i in wanted):
            data.append((number, values))
            if len(data) > MAX_ROWS:
                raise WorkbookError(f"单个文件最多{MAX_ROWS}行，请拆分后分批上传")
    return positions, data


# Checking rows ----------------------------------------------------------------------------------------------------


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
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME_SUFFIX = re.compile(r"(?:[ T]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\s*")  # a time of day is ignored
_EXCEL_EPOCH = dt.date(1899, 12, 30)


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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> dt.date | None:
    """A join date from a cell: an Excel date serial, or text like 2024-01-31, 2024/1/31, 2024年1月31日."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)  # the common case, in C
        except ValueError:
            value = value.strip()  # not ISO after all: the other formats below decide
    if isinstance(value, float | int) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    text = _text(value)
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match is None or not _TIME_SUFFIX.fullmatch(text[match.end():]):
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _birth(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


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
        name, name_problem = clean_name(_text(cells["姓名"]), max_length=MAX_NAME)
        if name_problem:
            errors.append(("姓名", name_problem))
        id_number = index = ""
        try:
            id_number = validate_id_number(_text(cells["身份证号码"]), today=self.today)
        except ValidationError as exc:
            errors.append(("身份证号码", exc.messages[0]))
        else:
            index = pii.blind_index(id_number, purpose="id_number")
            first = self.seen.get(index)
            if first is None:
                self.seen[index] = number
            else:
                errors.append(("身份证号码", f"与第{first}行身份证号码重复"))
        phone = _text(cells["手机号码"])
        if phone:
            try:
                phone = validate_mobile(phone)
            except ValidationError as exc:
                errors.append(("手机号码", exc.messages[0]))
        coded = {}
        for column, lookup in self.lookups.items():
            text = _text(cells[column])
            code = ""
            if text:
                code = lookup.get(text) or (lookup.get(text.zfill(2)) if text.isdigit() else None) or ""
                if not code:
                    errors.append((column, f"{column}代码无效，请从下拉列表中选择，或填写代码表中的代码或名称"))
            coded[column] = code
        platform = _text(cells["服务平台"])
        if len(platform) > MAX_PLATFORM or _CONTROL.search(platform):
            errors.append(("服务平台", f"服务平台不能超过{MAX_PLATFORM}个字，且不能包含控制字符"))
        address = _text(cells["住址"])
        if len(address) > MAX_ADDRESS or _CONTROL.search(address):
            errors.append(("住址", f"住址不能超过{MAX_ADDRESS}个字，且不能包含控制字符"))
        since = ""
        raw_since = cells["入会日期"]
        if raw_since is not None and _text(raw_since):
            date = parse_date(raw_since)
            if date is None:
                errors.append(("入会日期", "入会日期格式应为 YYYY-MM-DD（例如 2024-01-31）"))
            elif date > self.today:
                errors.append(("入会日期", "入会日期不能晚于今天"))
            elif id_number and date < _birth(id_number):
                errors.append(("入会日期", "入会日期不能早于出生日期"))
            else:
                since = date.isoformat()
        if errors:
            return None, errors
        return Row(number, name, id_number, index, phone, coded["民族"], coded["学历"], coded["政治面貌"],
                   coded["用工形式"], platform, address, since), errors


# Matching rows with the people already registered -------------------------------------------------------------------


class Plan:
    """What one valid row will do: its kind, the person it matched, the fields that change, their old card."""

    __slots__ = ("card", "changes", "kind", "message", "person_id", "row")

    def __init__(self, kind: str, row: Row, person_id: int | None = None, changes: tuple = (), message: str = ""):
        self.kind, self.row, self.person_id, self.changes, self.message = kind, row, person_id, changes, message
        self.card: tuple | None = None  # (number, latest version, issuer id, is active) of the person's card


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _select_in(sql: str, values: list) -> list[tuple]:
    """Rows of `sql`, whose "{in_list}" becomes a membership test, over `values` in slices of BATCH.

    Plain SQL: Django spends ~4 ms preparing each 1000-value IN list, a tenth of a 100k-row import. PostgreSQL
    gets one array parameter, unnested, which it probes the index with (a 1000-literal IN list or "= ANY" made it
    scan the whole people table: 25 ms against 7 ms per 1000 on 100k people)."""
    rows: list[tuple] = []
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            part = values[start: start + BATCH]
            if postgres:
                array = "varchar[]" if isinstance(part[0], str) else "bigint[]"
                cursor.execute(sql.format(in_list=f"IN (SELECT unnest(%s::{array}))"), [part])
            else:
                cursor.execute(sql.format(in_list=f"IN ({', '.join(['%s'] * len(part))})"), part)
            rows.extend(cursor.fetchall())
    return rows


def _sql(model, columns: str, where: str) -> str:
    """SELECT over a model's table; `columns` and `where` name model fields in {braces}."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = {f.name: quote(f.column) for f in meta.concrete_fields}
    return (f"SELECT {columns.format(**names)} FROM {quote(meta.db_table)} "  # noqa: S608  names from the model
            f"WHERE {where.format(in_list='{in_list}', **names)}")


def match_rows(rows: list[Row], union: Organisation, *, cards: bool = False) -> list[Plan]:
    """Classify rows against the database: one query for the people, one for their active memberships (and
    one for their cards when `cards`)."""
    if not rows:
        return []
    # The address comes as stored ciphertext: decrypted only when the row carries an address to compare.
    found = {record[0]: record for record in _select_in(_sql(
        Person, "{id_number_index}, {id}, {name}, {phone_index}, {address}, {ethnicity}, {education}, "
                "{political_status}, {employment_form}, {gig_platform}",
        "{id_number_index} {in_list}"), [r.index for r in rows])}
    active: dict[int, tuple[int, str]] = {}
    if found:
        active_sql = _sql(Membership, "{person}, {union}", "{status} = 'active' AND {person} {in_list}")
        memberships = dict(_select_in(active_sql, [r[1] for r in found.values()]))
        names = dict(Organisation.objects.filter(pk__in=set(memberships.values())).values_list("pk", "name"))
        active = {person_id: (union_id, names[union_id]) for person_id, union_id in memberships.items()}
    plans = []
    for row in rows:
        record = found.get(row.index)
        if record is None:
            plans.append(Plan(CREATE, row))
            continue
        person_id = record[1]
        if _squash(record[2]) != _squash(row.name):
            plans.append(Plan(MISMATCH, row, person_id, message="姓名与该身份证号码已登记的姓名不一致，请核实"))
            continue
        membership = active.get(person_id)
        if membership is not None and membership[0] != union.pk:
            plans.append(Plan(CONFLICT, row, person_id,
                              message=f"该职工已是“{membership[1]}”的会员，请通过会籍转移办理"))
            continue
        changes = _changes(row, record)
        if membership is None:
            plans.append(Plan(CREATE, row, person_id, changes))
        else:
            plans.append(Plan(UPDATE if changes else UNCHANGED, row, person_id, changes))
    if cards:
        _attach_cards([p for p in plans if p.kind == CREATE and p.person_id is not None])
    return plans


def _changes(row: Row, record: tuple) -> tuple[str, ...]:
    """The optional fields the row fills in differently from what is registered (blank cells change nothing)."""
    _index, _pk, _name, phone_index, stored_address, *rest = record
    stored = dict(zip(("ethnicity", "education", "political_status", "employment_form", "gig_platform"), rest,
                      strict=True))
    changed = []
    for field in OPTIONAL_FIELDS:
        value = getattr(row, field)
        if not value:
            continue
        if field == "phone":
            if pii.blind_index(value, purpose="phone") != phone_index:
                changed.append(field)
        elif field == "address":
            if not stored_address or pii.decrypt(stored_address) != value:
                changed.append(field)
        elif stored[field] != value:
            changed.append(field)
    return tuple(changed)


def _attach_cards(plans: list[Plan]) -> None:
    if not plans:
        return
    latest: dict[int, tuple] = {}
    cards_sql = _sql(MemberCard, "{person}, {card_number}, {version}, {issuer}, {status}", "{person} {in_list}")
    records = _select_in(cards_sql, [p.person_id for p in plans])
    for person_id, number, version, issuer_id, status in sorted(records, key=lambda r: (r[0], r[2])):
        previous = latest.get(person_id)
        is_active = status == MemberCard.Status.ACTIVE or bool(previous and previous[3])
        latest[person_id] = (number, version, issuer_id, is_active)
    for plan in plans:
        plan.card = latest.get(plan.person_id)


# Jobs ---------------------------------------------------------------------------------------------------------------


def importable_unions(user) -> QuerySet[Organisation]:
    """The unions this cadre may import members into."""
    return scoped(Organisation.objects.filter(kind__in=Organisation.MEMBER_KINDS, status=Organisation.Status.ACTIVE),
                  user, roles=Position.MANAGING_ROLES)


def check_upload(upload) -> None:
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise ValidationError({"file": "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"文件过大（上限 {MAX_UPLOAD_BYTES // 1024 // 1024}MB），请拆分后分批上传"})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError({"file": "无法读取文件，请上传 .xlsx 格式的 Excel 文件"})


def create_job(*, union: Organisation, upload, by) -> RosterImport:
    """Store the upload as a queued job and start its dry run in the background."""
    if not can_manage(by, union):
        raise PermissionError("您无权向该工会导入会员")
    if union.kind not in Organisation.MEMBER_KINDS or union.status != Organisation.Status.ACTIVE:
        raise ValidationError({"union": "会员只能导入到基层工会、联合基层工会、乡镇（街道）工会或分工会"})
    check_upload(upload)
    file_name = posixpath.basename(upload.name.replace("\\", "/"))[:200]
    job = RosterImport(union=union, union_path=union.path, file_name=file_name,
                       created_by=by if getattr(by, "pk", None) else None)
    job.file.save(f"roster-{timezone.now():%Y%m%d%H%M%S}.xlsx", upload, save=False)
    job.save()
    log_event("members.roster.upload", actor=by, target=job, org=union,
              data={"file_name": file_name, "bytes": upload.size})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_validate, job.pk)
    job.refresh_from_db()  # already validated when the job ran synchronously
    return job


def request_commit(job: RosterImport, *, by) -> RosterImport:
    """Confirm a dry run: the write runs in the background (status committing, then done)."""
    if not can_manage(by, job.union):
        raise PermissionError("您无权确认该导入")
    if job.status != RosterImport.Status.VALIDATED or not (job.to_create or job.to_update):
        raise ImportStateError("该导入任务当前不能确认导入：只有校验完成且有需要新增或更新的数据时才能确认")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.VALIDATED).update(
        status=RosterImport.Status.COMMITTING, processed=0, message="正在复核数据", heartbeat_at=timezone.now())
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_commit, job.pk, getattr(by, "pk", None))
    job.refresh_from_db()
    return job


# Jobs that stopped midway -------------------------------------------------------------------------------------------

STALE_MESSAGE = "后台任务意外中断，可以继续或重新开始"
RUNNING_STATUSES = (RosterImport.Status.VALIDATING, RosterImport.Status.COMMITTING)
HEARTBEAT_SECONDS = 5  # between beats outside a write transaction (each write batch beats anyway)


class _Heartbeat:
    """A running job's pulse. Each beat is one compare-and-set of heartbeat_at: a run whose job was marked stale
    (and perhaps resumed by another run) finds the value changed and stops before writing anything more."""

    def __init__(self, job_id: int, status: str, last):
        self.job_id, self.status, self.last = job_id, status, last
        self.beaten = time.monotonic()

    @classmethod
    def of(cls, job: RosterImport) -> _Heartbeat:
        return cls(job.pk, job.status, job.heartbeat_at)

    def _owned(self) -> QuerySet[RosterImport]:
        return RosterImport.objects.filter(pk=self.job_id, status=self.status, heartbeat_at=self.last)

    def beat(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self.beaten < HEARTBEAT_SECONDS:
            return
        now = timezone.now()
        if not self._owned().update(heartbeat_at=now):
            raise JobAbandoned
        self.last, self.beaten = now, time.monotonic()

    def fail(self, message: str) -> None:
        """Mark the job failed, unless another run owns it by now."""
        self._owned().update(status=RosterImport.Status.FAILED, message=message[:300], finished_at=timezone.now())


def _stale_q() -> Q:
    cutoff = timezone.now() - dt.timedelta(minutes=settings.JOB_STALE_MINUTES)
    # A job claimed before heartbeats existed has none: its upload time stands in.
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)


def mark_stale_jobs(*, job_ids: list[int] | None = None) -> int:
    """Mark failed the running jobs whose heartbeat stopped (their process died); returns how many."""
    candidates = (RosterImport.objects.filter(_stale_q(), status__in=RUNNING_STATUSES).select_related("union")
                  .order_by("pk"))
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    marked = 0
    for job in candidates:
        # The same conditions again in the UPDATE: a job that beat meanwhile is alive after all.
        if RosterImport.objects.filter(_stale_q(), pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
                status=RosterImport.Status.FAILED, message=STALE_MESSAGE, finished_at=timezone.now()):
            logger.warning("roster import %s: no heartbeat since %s, marked failed", job.pk, job.heartbeat_at)
            log_event("members.roster.stale", target=job, org=job.union,
                      data={"status": job.status, "processed": job.processed, "total": job.total})
            marked += 1
    return marked


def can_restart(job: RosterImport) -> bool:
    """A failed dry run whose upload is still there can run again (the upload goes once the dry run ends)."""
    return (job.status == RosterImport.Status.FAILED and bool(job.file.name)
            and default_storage.exists(job.file.name))


def can_resume(job: RosterImport) -> bool:
    """A failed commit can go on: its dry run finished (the upload is gone) and the checked rows are still kept."""
    return (job.status == RosterImport.Status.FAILED and not (job.file.name and default_storage.exists(job.file.name))
            and default_storage.exists(_side_file(job, "rows")))


def resume_job(job: RosterImport, *, by) -> RosterImport:
    """Go on with a commit that stopped midway; what its finished batches wrote is found unchanged, not doubled."""
    if not can_manage(by, job.union):
        raise PermissionError("您无权继续该导入")
    if not can_resume(job):
        raise ImportStateError("该导入任务当前不能继续导入：只有中断的导入才能继续")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.FAILED).update(
        status=RosterImport.Status.COMMITTING, message="正在复核数据", finished_at=None, heartbeat_at=timezone.now())
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    log_event("members.roster.resume", actor=by, target=job, org=job.union,
              data={"processed": job.processed, "total": job.total})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_commit, job.pk, getattr(by, "pk", None))
    job.refresh_from_db()
    return job


def restart_job(job: RosterImport, *, by) -> RosterImport:
    """Run the dry run of a job that stopped midway again, from its upload; nothing else was written."""
    if not can_manage(by, job.union):
        raise PermissionError("您无权重新校验该导入")
    if not can_restart(job):
        raise ImportStateError("该导入任务当前不能重新校验：上传的文件已不在，请重新上传")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.FAILED).update(
        status=RosterImport.Status.QUEUED, total=0, processed=0, to_create=0, to_update=0, unchanged=0, rejected=0,
        conflicts=0, errors=[], message="", finished_at=None, heartbeat_at=None)
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    for suffix in ("rows", "errors.json"):  # half-written results of the run that stopped
        _delete(_side_file(job, suffix))
    log_event("members.roster.revalidate", actor=by, target=job, org=job.union, data={"file_name": job.file_name})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_validate, job.pk)
    job.refresh_from_db()
    return job


def _side_file(job: RosterImport, suffix: str) -> str:
    return f"{job.file.name}.{suffix}"


def _write_side_file(job: RosterImport, suffix: str, content: str) -> None:
    name = _side_file(job, suffix)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(content.encode("utf-8")))


def _read_side_file(job: RosterImport, suffix: str) -> str | None:
    name = _side_file(job, suffix)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read().decode("utf-8")


def _delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def all_errors(job: RosterImport) -> list[dict]:
    """The full error list: {row, column, message, kind} sorted by row."""
    text = _read_side_file(job, "errors.json")
    return json.loads(text) if text is not None else list(job.errors)


def _update(job_id: int, **fields) -> None:
    RosterImport.objects.filter(pk=job_id).update(**fields)


class _Tally:
    def __init__(self):
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, CONFLICT: 0}
        self.rejected_rows: set[int] = set()
        self.errors: list[dict] = []

    def add_invalid(self, number: int, problems: list[tuple[str, str]], batch: list[dict]) -> None:
        self.rejected_rows.add(number)
        batch.extend({"row": number, "column": c, "message": m, "kind": INVALID} for c, m in problems)

    def add_plan(self, plan: Plan, batch: list[dict]) -> None:
        if plan.kind == MISMATCH:
            self.rejected_rows.add(plan.row.row)
            batch.append({"row": plan.row.row, "column": "姓名", "message": plan.message, "kind": MISMATCH})
        elif plan.kind == CONFLICT:
            self.counts[CONFLICT] += 1
            batch.append({"row": plan.row.row, "column": "身份证号码", "message": plan.message, "kind": CONFLICT})
        else:
            self.counts[plan.kind] += 1

    def fields(self) -> dict:
        return {"to_create": self.counts[CREATE], "to_update": self.counts[UPDATE],
                "unchanged": self.counts[UNCHANGED], "conflicts": self.counts[CONFLICT],
                "rejected": len(self.rejected_rows)}


def validate_job(job_id: int) -> RosterImport:
    """The dry run: read, check and match every row; store counts and errors; write no member data."""
    claimed = RosterImport.objects.filter(pk=job_id, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.VALIDATING, message="正在读取文件", heartbeat_at=timezone.now())
    job = RosterImport.objects.select_related("union").get(pk=job_id)
    if not claimed:
        return job  # already run (a redelivered task)
    heartbeat = _Heartbeat.of(job)
    try:
        issuer_for(job.union)  # a union without an issuing federation cannot get card numbers: say so now
        with default_storage.open(job.file.name, "rb") as stream:
            positions, data = read_roster(stream)
        if not data:
            raise WorkbookError("文件中没有数据行")
        dry_run(job, positions, data, heartbeat=heartbeat)
    except JobAbandoned:
        logger.warning("roster import %s: marked stale or taken over, this dry run stops", job_id)
    except (WorkbookError, ValidationError) as exc:
        heartbeat.fail(exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        _delete(job.file.name)  # unusable, and personal data: a new upload is needed anyway
    except Exception:
        # The upload stays for diagnosis (media storage is not public) and for "重新校验".
        logger.exception("roster import %s: validation failed", job_id)
        heartbeat.fail("校验失败：系统错误，可以重新校验；如仍失败请联系管理员")
        raise
    job.refresh_from_db()
    return job


def dry_run(job: RosterImport, positions: dict[str, int], data: list[tuple[int, list]], *,
            heartbeat: _Heartbeat | None = None) -> None:
    """Check and match rows already read (column positions, [(row number, cell values)]); store the results on
    the job (status validated), the full error list and the encrypted valid rows; delete the upload."""
    heartbeat = heartbeat or _Heartbeat.of(job)
    total = len(data)
    _update(job.pk, total=total, processed=0, message="正在校验")
    checker = RowChecker(positions, timezone.localdate())
    tally = _Tally()
    valid: list[Row] = []
    for start in range(0, total, BATCH):
        batch_errors: list[dict] = []
        batch_valid: list[Row] = []
        for number, values in data[start: start + BATCH]:
            row, problems = checker.check(number, values)
            if row is None:
                tally.add_invalid(number, problems, batch_errors)
            else:
                batch_valid.append(row)
        for plan in match_rows(batch_valid, job.union):
            tally.add_plan(plan, batch_errors)
        batch_errors.sort(key=lambda e: e["row"])
        tally.errors.extend(batch_errors)
        valid.extend(batch_valid)
        heartbeat.beat()
        _update(job.pk, processed=min(start + BATCH, total), **tally.fields())
    # The valid rows, encrypted, for the commit; then the plaintext upload goes. The upload goes after the status:
    # a failed job without its upload but with its rows is a confirmed commit (can_resume), never a dry run.
    _write_side_file(job, "rows", pii.encrypt(json.dumps(valid, ensure_ascii=False, separators=(",", ":"))))
    _write_side_file(job, "errors.json", json.dumps(tally.errors, ensure_ascii=False))
    heartbeat.beat(force=True)
    _update(job.pk, status=RosterImport.Status.VALIDATED, processed=total, errors=tally.errors[:STORED_ERRORS],
            message="校验完成", **tally.fields())
    _delete(job.file.name)


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys nobody else will use, so rows can be inserted with their ids known (no read-back).

    PostgreSQL: taken from the table's sequence. SQLite: the write transaction (BEGIN IMMEDIATE) holds the database's
    write lock, so the ids after the highest ever used (sqlite_sequence, AUTOINCREMENT) stay free until it ends."""
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, count])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        used = cursor.fetchone()
        start = max(top, used[0] if used else 0) + 1
    return list(range(start, start + count))


class _Writer:
    """Writes matched plans in bulk: people, updates, memberships, cards, history rows, member counts."""

    PERSON_FIELDS = ("id", "name", "id_number", "id_number_index", "sex", "birth_date", "phone", "phone_index",
                     "address", "ethnicity", "education", "political_status", "employment_form", "gig_platform",
                     "employer", "created_at")
    MEMBERSHIP_FIELDS = ("id", "person", "union", "union_path", "card_number", "since", "status", "provisional",
                         "created_at")
    CARD_FIELDS = ("person", "card_number", "version", "issuer", "status", "issued_at", "revoke_reason")
    CHANGE_FIELDS = ("person", "membership", "change_type", "reason", "to_union", "note", "actor", "created_at")

    def __init__(self, job: RosterImport, *, actor_id: int | None, issuer: Organisation, numbers: list[str]):
        union = job.union
        self.union = union
        self.issuer_id = issuer.pk
        self.numbers = numbers
        self.position = 0
        self.actor_id = actor_id
        self.provisional = union.kind == Organisation.Kind.TOWNSHIP
        employers = list(Employer.objects.filter(covering_union=union).values_list("pk", flat=True)[:2])
        self.employer_id = employers[0] if len(employers) == 1 else None
        self.note = f"名册导入：{job.file_name}"[:200]
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(timezone.now())
        self.today = timezone.localdate().isoformat()  # dates go in as ISO text, which both databases take

    def write(self, plans: list[Plan]) -> tuple[int, int]:
        """Write one batch in one transaction; returns (created, updated)."""
        new_people = [p for p in plans if p.kind == CREATE and p.person_id is None]
        if new_people:
            rows = []
            for plan, person_id in zip(new_people, reserve_ids(Person, len(new_people)), strict=True):
                plan.person_id = person_id
                r = plan.row
                number = r.id_number
                rows.append((
                    person_id, r.name, pii.encrypt(number), r.index, "1" if int(number[16]) % 2 else "2",
                    f"{number[6:10]}-{number[10:12]}-{number[12:14]}", pii.encrypt(r.phone) if r.phone else "",
                    pii.blind_index(r.phone, purpose="phone") if r.phone else None,
                    pii.encrypt(r.address) if r.address else "", r.ethnicity, r.education, r.political_status,
                    r.employment_form, r.gig_platform, self.employer_id, self.now,
                ))
            insert_rows(Person, self.PERSON_FIELDS, rows)
        updated = self._update_people([p for p in plans if p.changes and p.kind in (CREATE, UPDATE)])
        creates = [p for p in plans if p.kind == CREATE]
        if creates:
            memberships, cards, changes = [], [], []
            for plan, membership_id in zip(creates, reserve_ids(Membership, len(creates)), strict=True):
                r = plan.row
                if plan.card is not None:
                    number, version, issuer_id, is_active = plan.card
                    if not is_active:  # their old number comes back as the next version of the card
                        cards.append((plan.person_id, number, version + 1, issuer_id, "active", self.now, ""))
                else:
                    number = self.numbers[self.position]
                    self.position += 1
                    cards.append((plan.person_id, number, 1, self.issuer_id, "active", self.now, ""))
                memberships.append((membership_id, plan.person_id, self.union.pk, self.union.path, number,
                                    r.since or self.today, "active", self.provisional, self.now))
                changes.append((plan.person_id, membership_id, ChangeType.JOIN, Reason.JOIN_IMPORT, self.union.pk,
                                self.note, self.actor_id, self.now))
            insert_rows(Membership, self.MEMBERSHIP_FIELDS, memberships)
            insert_rows(MemberCard, self.CARD_FIELDS, cards)
            insert_rows(MembershipChange, self.CHANGE_FIELDS, changes)
            adjust_member_count(self.union, len(creates))
        return len(creates), updated

    def _update_people(self, plans: list[Plan]) -> int:
        """One UPDATE statement per set of changed fields, run with executemany."""
        groups: dict[tuple, list[Plan]] = defaultdict(list)
        for plan in plans:
            groups[plan.changes].append(plan)
        meta = Person._meta
        quote = connection.ops.quote_name
        for fields, group in groups.items():
            columns, getters = [], []
            for field in fields:
                columns.append(meta.get_field(field).column)
                if field == "phone":
                    columns.append(meta.get_field("phone_index").column)
                    getters.append(lambda r: pii.encrypt(r.phone))
                    getters.append(lambda r: pii.blind_index(r.phone, purpose="phone"))
                elif field == "address":
                    getters.append(lambda r: pii.encrypt(r.address))
                else:
                    getters.append(lambda r, f=field: getattr(r, f))
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.executemany(sql, [[get(p.row) for get in getters] + [p.person_id] for p in group])
        return sum(1 for p in plans if p.kind == UPDATE)


def commit_job(job_id: int, actor_id: int | None = None) -> RosterImport:
    """Write a validated job: match again, allocate card numbers once, then WRITE_BATCH rows per transaction."""
    job = RosterImport.objects.select_related("union", "created_by").get(pk=job_id)
    if job.status != RosterImport.Status.COMMITTING:
        return job
    heartbeat = _Heartbeat.of(job)
    try:
        _run_commit(job, actor_id, heartbeat)
    except JobAbandoned:
        logger.warning("roster import %s: marked stale or taken over, this commit stops", job_id)
    except ImportStateError as exc:
        heartbeat.fail(str(exc))
    except Exception:
        logger.exception("roster import %s: commit failed", job_id)
        heartbeat.fail("导入中断：已写入的部分不会重复导入，可以继续导入完成剩余部分；如仍失败请联系管理员")
        raise
    job.refresh_from_db()
    return job


def _written_before(job: RosterImport) -> tuple[int, int]:
    """(created, updated) by the batches that earlier runs of this job committed before they stopped."""
    created = updated = 0
    for data in AuditEvent.objects.filter(action="members.roster.commit_batch", target_type=job._meta.label_lower,
                                          target_id=str(job.pk)).values_list("data", flat=True):
        created += data.get("created", 0)
        updated += data.get("updated", 0)
    return created, updated


def _run_commit(job: RosterImport, actor_id: int | None, heartbeat: _Heartbeat) -> None:
    from smartunion.accounts.models import User

    _delete(job.file.name)  # normally gone with the dry run; a crash right after it may have left it
    text = _read_side_file(job, "rows")
    if text is None:
        raise ImportStateError("校验结果已失效，请重新上传")
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    before_created, before_updated = _written_before(job)
    rows = [Row(*item) for item in json.loads(pii.decrypt(text))]
    invalid = [e for e in all_errors(job) if e["kind"] == INVALID]
    tally = _Tally()
    tally.rejected_rows = {e["row"] for e in invalid}
    processed = job.total - len(rows)
    _update(job.pk, processed=processed)
    plans: list[Plan] = []
    for start in range(0, len(rows), BATCH):
        plans.extend(match_rows(rows[start: start + BATCH], job.union, cards=True))
        heartbeat.beat()
    need = sum(1 for p in plans if p.kind == CREATE and p.card is None)
    issuer = issuer_for(job.union)
    writer = _Writer(job, actor_id=actor_id, issuer=issuer, numbers=allocate_numbers(issuer, need) if need else [])
    _update(job.pk, message="正在写入")
    created = updated = 0
    batch_errors: list[dict] = []
    for start in range(0, len(plans), WRITE_BATCH):
        chunk = plans[start: start + WRITE_BATCH]
        for attempt in range(3):
            position = writer.position
            try:
                with transaction.atomic():
                    made, changed = writer.write(chunk)
                    # In the batch's transaction: a run that lost its job rolls this batch back.
                    heartbeat.beat(force=True)
                    _update(job.pk, processed=processed + len(chunk))
                    if made or changed:  # what this batch wrote, for the counts of a run resumed after a crash
                        log_event("members.roster.commit_batch", actor=actor, target=job, org=job.union,
                                  data={"rows": len(chunk), "created": made, "updated": changed})
                break
            except IntegrityError:
                # Someone registered one of these people (or made them a member) meanwhile: match this batch again.
                writer.position = position
                if attempt == 2:
                    raise
                chunk = match_rows([p.row for p in chunk], job.union, cards=True)
        created += made
        updated += changed
        for plan in chunk:
            tally.add_plan(plan, batch_errors)
        processed += len(chunk)
    errors = sorted(invalid + batch_errors, key=lambda e: e["row"])
    _write_side_file(job, "errors.json", json.dumps(errors, ensure_ascii=False))
    _delete(_side_file(job, "rows"))
    fields = tally.fields()
    # Rows an earlier run wrote match as unchanged now: they count as what that run did with them.
    fields["unchanged"] = max(0, fields["unchanged"] - before_created - before_updated)
    created, updated = created + before_created, updated + before_updated
    fields.update(to_create=created, to_update=updated)
    counts = {"created": created, "updated": updated, "unchanged": fields["unchanged"],
              "rejected": fields["rejected"], "conflicts": fields["conflicts"]}
    heartbeat.beat(force=True)
    _update(job.pk, status=RosterImport.Status.DONE, processed=job.total, errors=errors[:STORED_ERRORS],
            finished_at=timezone.now(), message=f"导入完成：新增{created}人，更新{updated}人", **fields)
    job.refresh_from_db()
    log_event("members.roster.commit", actor=actor, target=job, org=job.union,
              data={**counts, "total": job.total, "file_name": job.file_name})


# Files for download ---------------------------------------------------------------------------------------------


def _workbook_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The import template: the header row, a guide sheet and a hidden code-table sheet that feeds dropdowns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    headers = [f"{c}*" if c in REQUIRED else c for c in COLUMNS]
    sheet.append(headers)
    widths = {"姓名": 12, "身份证号码": 22, "手机号码": 15, "民族": 12, "学历": 16, "政治面貌": 22, "用工形式": 14,
              "服务平台": 14, "住址": 36, "入会日期": 13}
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column in REQUIRED else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths[column]
        if column in ("身份证号码", "手机号码", "入会日期"):
            sheet.column_dimensions[letter].number_format = "@"  # text, so Excel keeps every digit
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 100
    for line in GUIDE_LINES:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)

    table_sheet = book.create_sheet(CODES_SHEET)
    table_sheet.sheet_state = "hidden"
    for offset, (column, table) in enumerate(CODE_COLUMNS.items()):
        code_col, name_col = get_column_letter(offset * 2 + 1), get_column_letter(offset * 2 + 2)
        table_sheet[f"{code_col}1"] = f"{column}代码"
        table_sheet[f"{name_col}1"] = column
        entries = codes.entries(table)
        for row, entry in enumerate(entries, start=2):
            table_sheet[f"{code_col}{row}"] = entry["code"]
            table_sheet[f"{name_col}{row}"] = entry["name"]
        target = get_column_letter(COLUMNS.index(column) + 1)
        # A warning, not a stop: typing the code ("01") is allowed too.
        validation = DataValidation(
            type="list", formula1=f"'{CODES_SHEET}'!${name_col}$2:${name_col}${len(entries) + 1}", allow_blank=True,
            showErrorMessage=True, errorStyle="warning", errorTitle=f"{column}",
            error=f"建议从下拉列表中选择{column}；也可以填写代码表中的代码",
        )
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    return _workbook_bytes(book)


GUIDE_LINES = [
    "会员名册导入填写说明",
    "",
    "1. 请在“会员名册”工作表中填写，第一行为表头，请勿修改表头；每行一名职工。",
    "2. 带 * 的列必须填写：姓名、身份证号码（18位，末位可以是X）。性别和出生日期由身份证号码自动得出。",
    "3. 手机号码为11位中国大陆手机号；住址不超过200个字；服务平台指新就业形态劳动者所在的平台，如美团、顺丰速运。",
    "4. 民族、学历、政治面貌、用工形式请从下拉列表中选择，也可填写国家标准代码（如“汉族”可填“01”）。",
    "5. 入会日期格式为 YYYY-MM-DD（如 2024-01-31），不能晚于今天；不填则为导入当天。",
    "6. 上传后系统先试运行校验，显示将新增、更新、无变化、出错和冲突的行数，可下载错误清单（行号、列、原因），"
    "确认无误后再点击“确认导入”。",
    "7. 已是本工会会员的职工：表中填写的选填项与已登记信息不同时更新这些信息；留空的选填项不会清除已登记信息；"
    "入会日期不作修改。",
    "8. 已是其他工会会员的职工不会被转入本工会，将列为“冲突”，请通过会籍转移办理。",
    "9. 同一文件重复导入不会产生重复数据。单个文件最多20万行、20MB。",
    "10. 名册包含个人敏感信息，请妥善保管，上传完成后请删除本地副本。",
]


def errors_workbook(job: RosterImport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误清单")
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 60
    sheet.column_dimensions["D"].width = 8
    from openpyxl.cell import WriteOnlyCell

    header = []
    for title in ("行号", "列", "原因", "类别"):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for error in all_errors(job):
        sheet.append([error["row"], error["column"], error["message"], KIND_LABELS.get(error["kind"], "出错")])
    return _workbook_bytes(book)


# Export -----------------------------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("会员卡号", "所在工会", *COLUMNS)
EXPORT_MAX_ROWS = 200_000  # a request-time export; a province asks per city


def roster_queryset(user, org: Organisation | None = None, *, full: bool = False) -> QuerySet[Membership]:
    """Active memberships in the org's subtree (or the whole scope); a full export is for managing roles only."""
    roles = Position.MANAGING_ROLES if full else None
    queryset = scoped(Membership.objects.filter(status=Membership.Status.ACTIVE), user, field="union_path",
                      roles=roles)
    if org is not None:
        if full and not can_manage(user, org):
            raise PermissionError("您无权导出该工会的完整名册")
        queryset = queryset.filter(subtree_q(org.path, "union_path"))
    return queryset


def export_roster(queryset: QuerySet[Membership], *, by, full: bool = False, reason: str = "",
                  org: Organisation | None = None) -> tuple[bytes, int]:
    """The roster as .xlsx: ID numbers, phones and addresses masked unless `full`, which needs a reason.
    Returns (file bytes, row count); the export is audited."""
    from openpyxl import Workbook

    reason = (reason or "").strip()
    if full and not reason:
        raise ValidationError({"reason": "请填写导出原因"})
    total = queryset.count()
    if total > EXPORT_MAX_ROWS:
        raise ValidationError({"org": f"导出范围内有{total}名会员，超过单次导出上限{EXPORT_MAX_ROWS}名，"
                                      f"请选择更小的范围"})
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.append(list(EXPORT_COLUMNS))
    labels = {table: dict(codes.choices(table)) for table in CODE_COLUMNS.values()}
    count = 0
    rows = (queryset.order_by("union_path", "id").select_related("person", "union").iterator(chunk_size=2000))
    for membership in rows:
        person = membership.person
        id_number, phone, address = person.id_number, person.phone, person.address
        if not full:
            id_number, phone, address = (pii.mask_id_number(id_number), pii.mask_phone(phone),
                                         pii.mask_address(address))
        sheet.append([
            membership.card_number, membership.union.name, person.name, id_number, phone,
            labels["ethnicity"].get(person.ethnicity, ""), labels["education"].get(person.education, ""),
            labels["political_status"].get(person.political_status, ""),
            labels["employment_form"].get(person.employment_form, ""), person.gig_platform, address,
            membership.since.isoformat(),
        ])
        count += 1
    content = _workbook_bytes(book)
    data = {"count": count, "org": org.pk if org is not None else None}
    if full:
        log_event("members.roster.export_full", actor=by, org=org, data={**data, "reason": reason[:200]})
    else:
        log_event("members.roster.export", actor=by, org=org, data={**data, "masked": True})
    return content, count
