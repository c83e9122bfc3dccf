"""`smartunion load-holidays`: the JSON and CSV formats of docs/deployment.md, read from the document itself."""

import datetime as dt
import re
from pathlib import Path

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command

from smartunion.core.calendar import Source, is_working_day, year_source
from smartunion.core.models import AuditEvent, HolidaySchedule

pytestmark = pytest.mark.django_db

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def doc_block(starts_with: str) -> str:
    """The first fenced block of the deployment guide's holiday section whose body starts with `starts_with`."""
    section = DEPLOYMENT.read_text(encoding="utf-8").split("## Holiday schedules", 1)[1]
    for body in re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S):
        if body.startswith(starts_with):
            return body
    raise AssertionError(f"no block starting with {starts_with!r}")


def every_day(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(("name", "starts_with", "encoding"), [
    ("holidays-2026.json", "{", "utf-8"),
    ("holidays-2026.csv", "date,type", "utf-8-sig"),
    ("holidays-2026-excel.csv", "date,type", "gb18030"),
])
def test_the_documented_2026_files_match_the_official_schedule(tmp_path, capsys, name, starts_with, encoding):
    path = tmp_path / name
    path.write_bytes(doc_block(starts_with).encode(encoding))
    call_command("load-holidays", str(path))
    assert capsys.readouterr().out.strip() == (
        "已导入2026年节假日安排：放假 33 天，调休上班 6 天；重新计算了 0 件办理中事项的期限")
    assert year_source(2026) is Source.LOADED
    assert [day for day in every_day(2026) if is_working_day(day) != chinese_calendar.is_workday(day)] == []
    row = HolidaySchedule.objects.get()
    assert (row.source, row.loaded_by) == (
        "国务院办公厅关于2026年部分节假日安排的通知" if name.endswith(".json") else "", None)
    assert AuditEvent.objects.get(action="core.holiday_schedule.load").actor_label == "系统"


def test_underscore_name_options_and_a_second_load(tmp_path, capsys):
    path = tmp_path / "next.csv"
    path.write_text("date,type\n2027-01-01~2027-01-03,放假\n2027-02-05~2027-02-11,holiday\n2027-02-20,上班\n",
                    encoding="utf-8")
    call_command("load_holidays", str(path), "--source", "国务院办公厅关于2027年部分节假日安排的通知")
    path.write_text("date,type\n2027-01-01,holiday\n", encoding="utf-8")
    call_command("load_holidays", str(path), "--year", "2027")
    assert capsys.readouterr().out.splitlines() == [
        "已导入2027年节假日安排：放假 10 天，调休上班 1 天；重新计算了 0 件办理中事项的期限",
        "已更新2027年节假日安排：放假 1 天，调休上班 0 天；重新计算了 0 件办理中事项的期限",
    ]
    row = HolidaySchedule.objects.get()
    assert (row.year, row.holidays, row.workdays, row.source) == (2027, ["2027-01-01"], [], "")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.json", '{"year": 2027, "holidays": "2027-01-01"}',
     "JSON 应为一个对象，含 holidays（日期列表）、可选的 workdays、year 和 source"),
    ("b.json", '{"year": 2027,\n "holidays": [2027-01-01]}', "JSON 格式错误（第2行）：Expecting ',' delimiter"),
    ("c.csv", "日期,类型\n2027-01-01,放假\n", "CSV 第一行应为表头 date,type"),
    ("d.csv", "date,type\n2027-01-01,holiday\n2027-01-02,调休\n",
     "CSV 第3行：类型应为 holiday（放假）或 workday（上班）"),
    ("e.csv", "date,type\n2027-01-01,holiday\n2027-01-04,workday\n",
     "调休上班日应为周六或周日，2027-01-04是星期一"),
    ("f.csv", "date,type\n2027-13-01,holiday\n", "“2027-13-01”不是有效的日期"),
    ("g.json", '{"holidays": []}', "文件中没有日期"),
])
def test_bad_files_are_refused_in_chinese_and_nothing_is_loaded(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load-holidays", str(path))
    assert str(caught.value) == message
    assert HolidaySchedule.objects.count() == 0


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"^找不到文件："):
        call_command("load-holidays", str(tmp_path / "none.json"))
