"""Excel import and export for the console: read rows with their row numbers (core.xlsx), write scoped lists."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from smartunion.core.xlsx import XLSX, WorkbookError, cell_text, read_table

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
__all__ = ["XLSX", "ImportReport", "RowError", "WorkbookError", "list_workbook", "read_rows", "workbook_response"]


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


class Percent(float):
    """A share (0.953) written as a number the sheet shows as a percentage (95.3%), so it can be summed or charted."""


class Yuan(Decimal):
    """An amount in yuan written as a number with two decimals (8,000.00), not as text."""

    @classmethod
    def of_fen(cls, fen: int | None) -> Yuan:
        return cls(Decimal(int(fen or 0)) / 100)


def workbook_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *,
                      title: str = "Sheet1") -> HttpResponse:
    """An .xlsx download with a bold header row and sensible column widths; Percent values as percentages."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        values = list(row)
        sheet.append(values)
        for cell, value in zip(sheet[sheet.max_row], values, strict=False):
            if isinstance(value, Percent):
                cell.number_format = "0.0%"
            elif isinstance(value, Yuan):
                cell.number_format = "#,##0.00"
    for index, name in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) * 2 + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def list_workbook(*, title: str, note: Sequence[str], headers: Sequence[str], rows: Iterable[Sequence],
                  creator: str) -> tuple[IO[bytes], int]:
    """A list as .xlsx, written row by row (openpyxl's write-only mode) into a temporary file: the title and the
    note lines (who exported, when, which filters) above a bold header row, then the rows. Dates and times are real
    Excel dates shown as YYYY-MM-DD (HH:MM). Returns (the file, rewound, and the number of rows written)."""
    book = Workbook(write_only=True)
    book.properties.creator = creator
    book.properties.lastModifiedBy = creator
    sheet = book.create_sheet(title[:31])
    for index, name in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(name)) * 2 + 4)
    sheet.freeze_panes = f"A{len(note) + 3}"  # title, note lines, header row
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=13)
    sheet.append([heading])
    for line in note:
        sheet.append([line])
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_row = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center")
        header_row.append(cell)
    sheet.append(header_row)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    output = tempfile.TemporaryFile()
    book.save(output)
    output.seek(0)
    return output, count


def _cell(sheet, value):
    """Dates and times as Excel dates in the console's one format; times in the deployment's zone."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None, second=0, microsecond=0))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
