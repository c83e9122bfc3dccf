from django.core.management.base import BaseCommand, CommandError

from smartunion.demo.seeding import DEMO_PASSWORD, seed_province


class Command(BaseCommand):
    help = "生成演示省份（山东省总工会及下属组织、单位、干部和会员），结果只取决于 --seed。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=3000, help="会员人数（默认 3000）")
        parser.add_argument("--orgs", type=int, default=None, help="组织总数的目标值（默认约 3000；基准测试用 500000）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子生成相同数据）")

    def handle(self, *args, members, orgs, seed: int, **options):
        if members < 0:
            raise CommandError("--members 不能为负数")
        try:
            report = seed_and_report(self, members=members, orgs=orgs, seed=seed)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        return report


def seed_and_report(command: BaseCommand, *, members: int, orgs: int | None, seed: int):
    report = seed_province(members=members, orgs=orgs, seed=seed, progress=lambda line: command.stdout.write(line))
    out = command.stdout
    out.write(command.style.SUCCESS(
        f"完成：{report.orgs} 个组织、{report.employers} 家单位、{report.members} 名会员，用时 {report.seconds:.1f} 秒"
        f"（会员写入 {report.members / max(report.members_seconds, 1e-9):,.0f} 人/秒）"
    ))
    out.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, where in report.accounts:
        out.write(f"  {username:<12} {where}")
    return None
