"""Excel import and export for the console: read rows with their row numbers, write scoped lists."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class WorkbookError(Exception):
    """The file is not a readable workbook or lacks required columns; nothing was imported."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def read_rows(upload, columns: Sequence[str], required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of the first sheet as {header: text}, keyed by their Excel row number (header is row 1)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise WorkbookError("文件过大（上限 20MB）")
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise WorkbookError("无法读取文件，请上传 .xlsx 格式的 Excel 文件") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(c).strip() if c is not None else "" for c in next(rows)]
    except StopIteration:
        raise WorkbookError("文件是空的") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise WorkbookError("缺少必填列：" + "、".join(missing))
    positions = {name: header.index(name) for name in columns if name in header}
    result = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        record = {}
        for name, index in positions.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, dt.datetime):
                value = value.date().isoformat()
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, float) and value.is_integer():
                value = str(int(value))
            record[name] = "" if value is None else str(value).strip()
        result.append((number, record))
    book.close()
    return result


def workbook_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *,
                      title: str = "Sheet1") -> HttpResponse:
    """An .xlsx download with a bold header row and sensible column widths."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        sheet.append(list(row))
    for index, name in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) * 2 + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
