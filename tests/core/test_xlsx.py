"""core.xlsx: the streaming reader shared by the roster import and the console's org and employer imports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from smartunion.core.xlsx import WorkbookError, cell_text, parse_date, read_sheet, read_table


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_preferred_sheet_else_the_first():
    content = workbook(("说明", [["请看第二页"]]), ("名册", [["姓名"], ["王芳"]]))
    assert list(read_sheet(io.BytesIO(content), prefer="名册")) == [(1, ["姓名"]), (2, ["王芳"])]
    assert list(read_sheet(io.BytesIO(content))) == [(1, ["请看第二页"])]
    assert list(read_sheet(io.BytesIO(content), prefer="没有这页")) == [(1, ["请看第二页"])]


def test_a_table_by_its_header_names():
    content = workbook(("Sheet", [
        [" 名称 *", "多余的列", "类型", "名称"],  # spaces and the required mark do not matter; the first 名称 counts
        ["甲工会", "x", "基层工会", "重复列"],
        [None, "只有多余的列"],  # fills no known column: left out
        [],
        ["乙工会", None, 20230401.0],
    ]))
    positions, rows = read_table(io.BytesIO(content), ["名称", "类型", "地址"], ["名称"])
    assert positions == {"名称": 0, "类型": 2}
    assert rows == [(2, ["甲工会", "x", "基层工会", "重复列"]), (5, ["乙工会", None, 20230401.0])]


@pytest.mark.parametrize(("content", "message"), [
    (workbook(("Sheet", [["类型"], ["基层工会"]])), "缺少必填列：名称、上级（请使用模板）"),
    (workbook(("Sheet", [])), "文件是空的"),
    (b"PK\x03\x04 not really a zip", "无法读取文件，请上传 .xlsx 格式的 Excel 文件"),
    (b"name,kind\n", "无法读取文件，请上传 .xlsx 格式的 Excel 文件"),
])
def test_unusable_files_are_refused_with_the_reason(content, message):
    with pytest.raises(WorkbookError) as exc:
        read_table(io.BytesIO(content), ["名称", "类型", "上级"], ["名称", "上级"], hint="（请使用模板）")
    assert str(exc.value) == message


def test_too_many_rows():
    content = workbook(("Sheet", [["名称"], ["一"], ["二"], ["三"]]))
    assert len(read_table(io.BytesIO(content), ["名称"], ["名称"], max_rows=3)[1]) == 3
    with pytest.raises(WorkbookError) as exc:
        read_table(io.BytesIO(content), ["名称"], ["名称"], max_rows=2)
    assert str(exc.value) == "单个文件最多2行，请拆分后分批上传"


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), ("  王芳 ", "王芳"), (13800000001.0, "13800000001"), (1.5, "1.5"), (True, "1"),
    (dt.date(2024, 1, 31), "2024-01-31"), (dt.datetime(2024, 1, 31, 8, 0), "2024-01-31"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_a_date_columns_digits_as_an_excel_serial():
    assert parse_date("45322", digits_are_serial=True) == dt.date(2024, 1, 31)
    assert parse_date("45322") is None  # elsewhere digits are digits
    assert parse_date("20240131", digits_are_serial=True) == dt.date(2024, 1, 31)
    assert parse_date("0", digits_are_serial=True) is None
