"""`smartunion escalate-cases`: escalate the rights cases past a deadline to the parent org (once per deadline).

Celery beat runs the same every 15 minutes (task cases.escalate_overdue); the embedded shape can run it from cron.
"""

from django.core.management.base import BaseCommand

from smartunion.cases.services.cases import escalate_overdue
from smartunion.core.actors import SYSTEM


class Command(BaseCommand):
    help = "维权工单超期上报：首次响应或办结超期的工单上报上级工会（每个期限只上报一次，可重复运行）。"

    def handle(self, *args, **options):
        count = escalate_overdue(by=SYSTEM)
        self.stdout.write(f"超期上报 {count} 件")
