"""`smartunion check-deadlines`: flag overdue join applications and release overdue transfers.

Celery beat runs the same every 15 minutes in production; the embedded shape can run it from cron.
"""

from django.core.management.base import BaseCommand

from smartunion.core.actors import SYSTEM
from smartunion.members.roster import mark_stale_jobs
from smartunion.members.services.join import notify_overdue_join_applications
from smartunion.members.services.transfers import release_overdue_transfers


class Command(BaseCommand):
    help = "检查办理期限：提醒超期未审核的入会申请，自动同意超期未办理的转出，标记意外中断的名册导入任务。"

    def handle(self, *args, **options):
        flagged = notify_overdue_join_applications(by=SYSTEM)
        released = release_overdue_transfers(by=SYSTEM)
        # In the embedded shape there is no beat: cron runs this command, so it also finds jobs that died.
        stale = mark_stale_jobs()
        self.stdout.write(f"超期入会申请已提醒 {flagged} 件；自动转出 {released} 件；意外中断的导入任务 {stale} 个")
