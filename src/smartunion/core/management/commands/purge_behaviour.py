"""`smartunion purge-behaviour`: delete behaviour events past BEHAVIOUR_RETENTION_DAYS.

Celery beat runs the same daily in production; the embedded shape runs it from cron. Safe to run at any time and
as often as wanted: a second run deletes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from smartunion.core.actors import SystemActor
from smartunion.core.events import PURGE_BATCH, purge_expired


class Command(BaseCommand):
    help = "删除超过保留期限（BEHAVIOUR_RETENTION_DAYS）的职工行为记录，分批执行，可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH, help="每批删除的条数")

    def handle(self, *args, batch_size: int, **options):
        deleted = purge_expired(by=SystemActor("purge-behaviour"), batch_size=max(1, batch_size))
        self.stdout.write(f"已删除超过保留期限（{settings.BEHAVIOUR_RETENTION_DAYS}天）的行为记录 {deleted} 条")
