"""Webhooks: reading audit events into deliveries, and sending them, on SQLite or PostgreSQL.

    SMARTUNION_VAR_DIR=/tmp/bench-var smartunion migrate   # a throwaway database: audit rows cannot be deleted
    SMARTUNION_VAR_DIR=/tmp/bench-var python bench/insight_access.py [--events 100000] [--hooks 20] [--send 500]

The script
1. makes (or reuses) a small tree: a province 基准省总工会 with 10 cities 基准市N总工会, and `--hooks` webhooks spread
   over the province and the cities, each subscribed to all three events, pointing at a local receiver
   (http.server in a thread; private addresses allowed for the run);
2. appends `--events` audit events in bulk, one in ten an action that feeds a webhook event (case steps, join
   approvals, article publishing), the rest other actions, spread over the cities;
3. runs webhooks.collect() until it has caught up and prints events read per second, deliveries made, batches and the
   wall time; then runs it once more (nothing new: the cost of an idle minute's run);
4. sends `--send` due deliveries with send_due() to the receiver and prints deliveries per second (one at a time:
   the claim UPDATE, the POST, the outcome UPDATE).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.models import AuditEvent  # noqa: E402
from smartunion.insight import webhooks  # noqa: E402
from smartunion.insight.models import Watermark, Webhook, WebhookDelivery  # noqa: E402
from smartunion.insight.services import access  # noqa: E402
from smartunion.orgs import services as org_services  # noqa: E402
from smartunion.orgs.models import Organisation  # noqa: E402

K = Organisation.Kind
FEEDING = ["cases.case.accept", "cases.case.close", "members.join_application.approve", "editorial.article.publish",
           "cases.case.file"]


class Quiet(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def tree() -> tuple[Organisation, list[Organisation]]:
    province = Organisation.objects.filter(name="基准省总工会").first()
    if province is None:
        root = Organisation.objects.filter(parent=None).first() or org_services.org_create(
            parent=None, kind=K.NATIONAL, name="基准全国总工会", by=SYSTEM)
        province = org_services.org_create(parent=root, kind=K.PROVINCE, name="基准省总工会", by=SYSTEM)
    cities = []
    for n in range(10):
        city = Organisation.objects.filter(parent=province, name=f"基准市{n}总工会").first()
        cities.append(city or org_services.org_create(parent=province, kind=K.CITY, name=f"基准市{n}总工会", by=SYSTEM))
    return province, cities


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--hooks", type=int, default=20)
    parser.add_argument("--send", type=int, default=500)
    args = parser.parse_args()
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    print(f"database: {connection.vendor}")

    province, cities = tree()
    Webhook.objects.filter(name__startswith="基准").delete()
    orgs = [province, *cities]
    for n in range(args.hooks):
        access.create_webhook(org=orgs[n % len(orgs)], name=f"基准推送{n}", url=url, events=list(webhooks.EVENTS),
                              by=SYSTEM)
    # Start reading at the events this run appends.
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    Watermark.objects.update_or_create(name=webhooks.WATERMARK, defaults={"last_id": last})

    started = time.perf_counter()
    rows = []
    for i in range(args.events):
        city = cities[i % len(cities)]
        action = FEEDING[(i // 10) % len(FEEDING)] if i % 10 == 0 else "members.person.update"
        rows.append(AuditEvent(actor_label="基准", action=action, target_type="cases.case" if "case" in action else "",
                               target_id=str(i), org_id=city.pk, org_path=city.path,
                               data={"from": "submitted", "to": "processing"} if "case" in action else {}))
        if len(rows) == 5000:
            AuditEvent.objects.bulk_create(rows)
            rows = []
    AuditEvent.objects.bulk_create(rows)
    print(f"appended {args.events} audit events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    batches = deliveries = events = 0
    while True:
        report = webhooks.collect(settle_seconds=0)
        if report.events == 0 and report.last_id >= AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]:
            break
        batches += 1
        deliveries += report.deliveries
        events += report.events
    seconds = time.perf_counter() - started
    print(f"collect: {args.events} events read ({events} feeding) in {seconds:.2f} s = {args.events / seconds:,.0f}/s; "
          f"{deliveries} deliveries in {batches} batches")
    started = time.perf_counter()
    webhooks.collect(settle_seconds=0)
    print(f"collect with nothing new: {(time.perf_counter() - started) * 1000:.1f} ms")

    started = time.perf_counter()
    sent = webhooks.send_due(now=timezone.now(), limit=args.send)
    seconds = time.perf_counter() - started
    print(f"send_due: {sent.delivered} delivered in {seconds:.2f} s = {sent.delivered / seconds:,.0f}/s "
          f"(retried {sent.retried}, failed {sent.failed})")
    WebhookDelivery.objects.filter(webhook__name__startswith="基准").delete()
    server.shutdown()


if __name__ == "__main__":
    main()
