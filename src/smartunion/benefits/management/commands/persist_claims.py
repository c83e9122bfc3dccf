"""`smartunion persist-claims`: write coupon claims granted in Redis as Coupon rows (benefits/coupon_store.py).

Run once at start (it reconciles the claims a killed persister left in the processing list, then drains the
queue), or with --follow as the persister itself where there is no Celery beat.
"""

import time

from django.core.management.base import BaseCommand

from smartunion.benefits import coupon_store


class Command(BaseCommand):
    help = "写入 Redis 中已领取、尚未入库的优惠券（先补记上次中断的批次）。"

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="持续运行，每隔 --interval 秒写入一次")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, follow=False, interval=1.0, **options):
        if not coupon_store.enabled():
            self.stdout.write("未配置 REDIS_URL：领券直接写入数据库，无需补记")
            return
        reconciled = coupon_store.reconcile_claims()
        written = coupon_store.persist_claims()
        self.stdout.write(f"补记中断批次 {reconciled} 张，写入 {written} 张")
        while follow:
            time.sleep(interval)
            written = coupon_store.persist_claims()
            if written:
                self.stdout.write(f"写入 {written} 张", ending="\n")
                self.stdout.flush()
