"""Files for download: the import template (with a guide and code-table dropdowns) and a job's error list."""

from __future__ import annotations

import io

from smartunion.core import codes
from smartunion.members.models import RosterImport
from smartunion.members.roster.checks import CODE_COLUMNS, CODES_SHEET, COLUMNS, GUIDE_SHEET, REQUIRED, SHEET_NAME
from smartunion.members.roster.jobs import all_errors
from smartunion.members.roster.matching import KIND_LABELS

TEMPLATE_ROWS = 10_000  # rows the template's dropdowns cover


def workbook_bytes(book) -> bytes:
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
    return workbook_bytes(book)


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
    return workbook_bytes(book)

