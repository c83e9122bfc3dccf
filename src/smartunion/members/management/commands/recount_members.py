"""`smartunion recount-members`: recompute every org's maintained member figures (members, gig-worker members, and
their subtree totals) from the memberships.

Celery beat runs the same daily; the embedded shape runs it from cron (docs/deployment.md).
"""

import time

from django.core.management.base import BaseCommand

from smartunion.members.services.people import recount_member_figures


class Command(BaseCommand):
    help = "重新统计各组织的会员数、新就业形态会员数及其下辖总数（每日一次；批量导入后也可运行）。"

    def handle(self, *args, **options):
        started = time.monotonic()
        orgs = recount_member_figures()
        self.stdout.write(f"已重新统计 {orgs} 个组织的会员数，用时 {time.monotonic() - started:.1f} 秒")
