"""`smartunion verify-lottery <id>`: recompute a drawn lottery from the database and say whether it holds.

Checks the seed against the commitment published at creation, the published entrant list against its hash and
against the entries, and the winners recomputed from seed + list against the prizes stored (benefits.services.
lottery.verify). Prints OK (exit 0) or each difference (exit 1). `--json` prints the published data instead, the same
as GET /api/v1/activities/{id}/draw, for docs/verify_lottery.py.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from smartunion.benefits.models import Activity
from smartunion.benefits.services.lottery import publication, verify


class Command(BaseCommand):
    help = "核验抽奖结果：用公布的随机种子和参与名单重新计算中奖名单，与承诺值、名单摘要和已公布的中奖者比对。"

    def add_arguments(self, parser):
        parser.add_argument("activity_id", type=int, help="抽奖活动的编号")
        parser.add_argument("--json", action="store_true", help="输出公布的开奖数据（JSON）")

    def handle(self, *args, activity_id, **options):
        activity = Activity.objects.filter(pk=activity_id, kind=Activity.Kind.LOTTERY).first()
        if activity is None:
            raise CommandError(f"抽奖活动 {activity_id} 不存在")
        if options["json"]:
            self.stdout.write(json.dumps(publication(activity), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
            return
        result = verify(activity)
        if not result.ok:
            for problem in result.problems:
                self.stdout.write(f"不一致：{problem}")
            raise CommandError(f"抽奖活动 {activity_id} 核验未通过（{len(result.problems)} 处不一致）", returncode=1)
        count = len(activity.entrants_published)
        self.stdout.write(f"OK 抽奖活动 {activity_id}：随机种子与承诺值相符，参与名单 {count} 人"
                          f"与摘要 {activity.entrants_hash} 相符，中奖名单重新计算一致")
