"""Excel import and export for the console: read rows with their row numbers (core.xlsx), write scoped lists."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from smartunion.core.xlsx import XLSX, WorkbookError, cell_text, read_table

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
__all__ = ["XLSX", "ImportReport", "RowError", "WorkbookError", "read_rows", "workbook_response"]


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
    """Rows of the first sheet as {header: text}, keyed by their Excel row number (header is row 1). The sheet is
    read by core.xlsx (the roster import's reader); a date column's number is an Excel date serial's digits."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise WorkbookError("文件过大（上限 20MB）")
    upload.seek(0)
    positions, data = read_table(upload, columns, required)
    return [(number, {name: cell_text(values[index]) if index < len(values) else ""
                      for name, index in positions.items()})
            for number, values in data]


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
