"""`smartunion load-holidays <file>`: load a year's official holiday schedule (the State Council notice) from a JSON
or CSV file; it takes precedence over chinesecalendar and the estimate. Formats: docs/deployment.md."""

import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import load_holiday_schedule, parse_date_entries
from smartunion.core.errors import DomainError

KINDS = {"holiday": "holidays", "放假": "holidays", "休": "holidays",
         "workday": "workdays", "上班": "workdays", "班": "workdays"}


def _reasons(exc: DomainError) -> str:
    """What was wrong, for the terminal: the field messages when there are any (the general one says less)."""
    return "；".join(exc.fields.values()) or exc.message


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # a CSV saved by Excel on a Chinese Windows


def read_json(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"JSON 格式错误（第{exc.lineno}行）：{exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("holidays"), list) \
            or not isinstance(data.get("workdays", []), list):
        raise CommandError("JSON 应为一个对象，含 holidays（日期列表）、可选的 workdays、year 和 source")
    return {"year": data.get("year"), "source": data.get("source", ""), "holidays": data["holidays"],
            "workdays": data.get("workdays", [])}


def read_csv(text: str) -> dict:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows or [cell.strip().lower() for cell in rows[0][:2]] != ["date", "type"]:
        raise CommandError("CSV 第一行应为表头 date,type")
    found: dict = {"year": None, "source": "", "holidays": [], "workdays": []}
    for number, row in enumerate(rows[1:], start=2):
        kind = KINDS.get(row[1].strip().lower()) if len(row) > 1 else None
        if kind is None:
            raise CommandError(f"CSV 第{number}行：类型应为 holiday（放假）或 workday（上班）")
        found[kind].append(row[0].strip())
    return found


class Command(BaseCommand):
    help = "导入某年的节假日安排（国务院办公厅通知中的放假和调休上班日期），JSON 或 CSV 文件，格式见部署文档。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON（.json）或 CSV（.csv）文件")
        parser.add_argument("--year", type=int, help="年份；不填时取文件中的 year，或最晚日期所在的年份")
        parser.add_argument("--source", default=None, help="依据，如通知的标题和文号")

    def handle(self, *args, file, year=None, source=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        text = _text(path)
        data = read_json(text) if path.suffix.lower() == ".json" or text.lstrip().startswith("{") else read_csv(text)
        year = year or data["year"]
        if not year:
            try:
                days = parse_date_entries([*data["holidays"], *data["workdays"]])
            except DomainError as exc:
                raise CommandError(_reasons(exc)) from None
            if not days:
                raise CommandError("文件中没有日期")
            year = days[-1].year
        try:
            result = load_holiday_schedule(year=year, holidays=data["holidays"], workdays=data["workdays"],
                                           source=data["source"] if source is None else source, by=SYSTEM)
        except DomainError as exc:
            raise CommandError(_reasons(exc)) from None
        schedule = result.schedule
        self.stdout.write(self.style.SUCCESS(
            f"已{'导入' if result.created else '更新'}{schedule.year}年节假日安排：放假 {len(schedule.holidays)} 天，"
            f"调休上班 {len(schedule.workdays)} 天；重新计算了 {result.recomputed} 件办理中事项的期限"))
