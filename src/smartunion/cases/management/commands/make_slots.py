"""`smartunion make-slots`: bookable counselling slots for the coming days from the counsellors' weekly schedules.

Celery beat runs the same daily ("cases.make_slots"); the embedded shape can run it from cron. Safe to run twice."""

from django.core.management.base import BaseCommand

from smartunion.cases.services.counselling import SLOT_DAYS, make_slots
from smartunion.core.actors import SYSTEM


class Command(BaseCommand):
    help = "按心理咨询师的每周排班生成今后若干天（仅工作日）的可预约时段；已有的时段不会重复生成。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=SLOT_DAYS, help=f"生成多少天的时段（默认 {SLOT_DAYS}）")

    def handle(self, *args, **options):
        made = make_slots(by=SYSTEM, days=options["days"])
        self.stdout.write(f"已生成咨询时段 {made} 个")
