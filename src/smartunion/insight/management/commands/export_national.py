"""`smartunion export-national --org <id> --to <file>`: an org's member and org data in the national data-element
layout (docs/national-data-elements.md) for reporting upward; .xlsx (two sheets) or .csv (one file per dataset).

The member sheet carries the clear ID number (the purpose of the export); `--masked` masks it. Audited (actor 系统,
the reason given); the values are never printed or logged.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smartunion.core.actors import SystemActor
from smartunion.insight import national
from smartunion.orgs.models import Organisation


class Command(BaseCommand):
    help = ("按全国数据元格式导出某单位及下级的会员信息和工会组织信息（.xlsx 或 .csv），用于向上级报送；"
            "导出会记入审计日志。")

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="单位编号（组织ID）")
        parser.add_argument("--to", required=True, help="输出文件（.xlsx 或 .csv）")
        parser.add_argument("--dataset", choices=["all", "members", "orgs"], default="all",
                            help="导出的数据集：all（默认）、members 会员信息、orgs 工会组织信息")
        parser.add_argument("--masked", action="store_true", help="身份证号码脱敏（默认导出完整号码）")
        parser.add_argument("--reason", default="向上级报送", help="导出事由（记入审计日志）")

    def handle(self, *args, **options):
        org = Organisation.objects.filter(pk=options["org"]).first()
        if org is None:
            raise CommandError(f"单位 {options['org']} 不存在")
        to = Path(options["to"])
        if to.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("输出文件应为 .xlsx 或 .csv")
        if not to.parent.exists():
            raise CommandError(f"目录 {to.parent} 不存在")
        datasets = ("members", "orgs") if options["dataset"] == "all" else (options["dataset"],)
        counts = national.export_to_file(org, to=to, datasets=datasets, clear_ids=not options["masked"],
                                         by=SystemActor("命令行导出"), reason=options["reason"][:200], via="command")
        summary = "，".join(f"{national.DATASETS[d]} {n} 条" for d, n in counts.items())
        self.stdout.write(f"已导出{org.name}：{summary}")
