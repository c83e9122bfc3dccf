"""`smartunion export-parquet --to DIR [--months 2026-01..2026-11]`: behaviour events (person pseudonymised) and
roll-up figures as Parquet partitioned by month (DIR/behaviour_events/month=2026-11/part-0.parquet, DIR/figures/...);
a month exported again is rewritten. Without --months: every month from the oldest data to now.
docs/national-data-elements.md ("Analytics export") shows how to query the files with DuckDB.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smartunion.insight import parquet


class Command(BaseCommand):
    help = ("把行为记录（人员以假名代替）和汇总统计数据按月分区导出为 Parquet 文件，供 DuckDB、Spark、ClickHouse 查询；"
            "重复导出同一月份会覆盖该月。")

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="输出目录")
        parser.add_argument("--months", default="", help="月份或范围，如 2026-11 或 2026-01..2026-11（默认全部）")

    def handle(self, *args, **options):
        try:
            months = parquet.parse_months(options["months"]) if options["months"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()
        result = parquet.export(Path(options["to"]), months=months, progress=self.stdout.write)
        events = sum(r["behaviour_events"] for r in result.values())
        figures = sum(r["figures"] for r in result.values())
        self.stdout.write(f"已导出 {len(result)} 个月：行为记录 {events} 条，统计数据 {figures} 条，"
                          f"用时 {time.monotonic() - started:.1f} 秒")
