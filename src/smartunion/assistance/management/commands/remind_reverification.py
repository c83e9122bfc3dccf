"""smartunion remind_reverification (alias remind-reverification): the daily reminder, by hand."""

from django.core.management.base import BaseCommand

from smartunion.assistance.services.hardship import remind_reverification
from smartunion.core.actors import SYSTEM


class Command(BaseCommand):
    help = "提醒到期（30 天内）或逾期的困难职工档案年度复核（同一复核日期只提醒一次）"

    def handle(self, *args, **options):
        count = remind_reverification(by=SYSTEM)
        self.stdout.write(f"已提醒 {count} 份档案")
