"""导出当前结果 in a real browser: a cadre filters the review queue, clicks the button and gets an .xlsx holding
exactly the filtered rows, masked, naming who exported it. Saves /tmp/console_export.png (desktop size)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from tests import rows
from tests.browser.conftest import log_in

SCREENSHOT = Path(tempfile.gettempdir()) / "console_export.png"




def test_export_of_the_current_results_of_a_filtered_list(transactional_db, django_db_serialized_rollback, tree,
                                                           personas, live_server, page, tmp_path):
    rows.applications(tree, 2, overdue=True)
    rows.applications(tree, 3, start=2)  # within their deadline
    filtered = "/console/members/joinapplication/?overdue=1"
    log_in(page, live_server, personas.city_cadre.username, filtered)
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.screenshot(path=SCREENSHOT, full_page=False)

    with page.expect_download() as download_info:
        page.locator("#export-current").click()
    download = download_info.value
    assert download.suggested_filename.startswith("入会申请（脱敏）-") and download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "export.xlsx"
    download.save_as(target)

    sheet = load_workbook(target).worksheets[0]
    values = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["入会申请（脱敏）"]
    assert values[1][0].startswith("导出人：city_cadre　导出时间：")
    assert values[2] == ["筛选条件：是否超期：已超期"]
    assert values[3][:3] == ["申请人", "工作单位", "受理工会"]
    assert [row[:3] + row[-1:] for row in values[4:]] == [
        ["申***", "某单位", "历下区解放路街道工会", "待审核"], ["申***", "某单位", "历下区解放路街道工会", "待审核"]]
