"""`smartunion deliver-webhooks`: read new audit events into webhook deliveries and send the due ones.

Celery beat runs the same every minute (task insight.deliver_webhooks); the embedded shape can run it from cron.
Safe to run twice or at once (one delivery per event and webhook; a delivery is claimed before it is sent).
"""

from django.core.management.base import BaseCommand

from smartunion.insight import webhooks


class Command(BaseCommand):
    help = "事件推送：读取新的审计事件生成推送记录，并发送到期的推送（可重复运行）。"

    def handle(self, *args, **options):
        result = webhooks.run()
        self.stdout.write("新事件 {events} 条，生成推送 {deliveries} 条；送达 {delivered}，待重试 {retried}，"
                          "放弃 {failed}".format(**result))
