"""Webhooks against a real local HTTP receiver: signature, retries with backoff, giving up, one delivery per event,
scope by org subtree, private addresses refused unless allowed."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.errors import Invalid
from smartunion.insight import webhooks
from smartunion.insight.models import Watermark, WebhookDelivery
from smartunion.insight.services import access


class Receiver:
    def __init__(self):
        self.codes: list[int] = []
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.codes.pop(0) if receiver.codes else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver(settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def hook(tree, receiver):
    hook, secret = access.create_webhook(org=tree.jinan, name="济南工单系统", url=receiver.url,
                                         events=["cases.case_changed", "members.join_approved"], by=SYSTEM)
    return hook, secret


def case_event(org, **data):
    return log_event("cases.case.accept", actor=SYSTEM, org=org, data={"from": "submitted", "to": "processing",
                                                                       "note": "张三 13900000001", **data})


def test_signed_payload_without_personal_data(tree, hook, receiver):
    webhook, secret = hook
    event = case_event(tree.lixia)
    now = timezone.now()
    assert webhooks.run(now=now, settle_seconds=0) == {"events": 1, "deliveries": 1, "delivered": 1, "retried": 0,
                                                       "failed": 0}
    [(headers, body)] = receiver.received
    assert headers["x-smartunion-event"] == "cases.case_changed"
    assert headers["x-smartunion-delivery"] == f"ae-{event.pk}"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert webhooks.verify(secret, body, headers["x-smartunion-signature"])
    assert not webhooks.verify("another-secret", body, headers["x-smartunion-signature"])
    assert json.loads(body) == {
        "id": f"ae-{event.pk}", "event": "cases.case_changed", "action": "cases.case.accept",
        "occurred_at": event.created_at.isoformat(), "object": {"type": "", "id": ""},
        "org": {"id": tree.lixia.pk, "name": "历下区总工会"}, "state": {"from": "submitted", "to": "processing"}}
    assert "张三" not in body.decode() and "13900000001" not in body.decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.webhook_id) == (
        "delivered", 1, 200, webhook.pk)


def test_retry_after_a_500_then_success(tree, hook, receiver):
    receiver.codes = [500]
    case_event(tree.lixia)
    now = timezone.now()
    assert webhooks.run(now=now, settle_seconds=0)["retried"] == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        "pending", 1, 500, "HTTP 500")
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    assert webhooks.send_due(now=now + dt.timedelta(seconds=59)).delivered == 0  # not due yet
    assert webhooks.send_due(now=now + dt.timedelta(minutes=1)).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        "delivered", 2, 200, "")
    assert [h["x-smartunion-delivery"] for h, _ in receiver.received] == [delivery.event_id] * 2


def test_gives_up_after_the_last_attempt(tree, hook, receiver):
    receiver.codes = [503] * 10
    case_event(tree.lixia)
    now = timezone.now()
    webhooks.run(now=now, settle_seconds=0)
    waits = []
    for _ in range(5):
        delivery = WebhookDelivery.objects.get()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        webhooks.send_due(now=now)
    delivery = WebhookDelivery.objects.get()
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
                     dt.timedelta(hours=2), dt.timedelta(hours=12)]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.last_error) == (
        "failed", 6, None, "HTTP 503")
    assert len(receiver.received) == 6
    assert webhooks.send_due(now=now + dt.timedelta(days=2)).failed == 0


def test_one_event_one_delivery_even_if_the_job_runs_twice(tree, hook, receiver):
    case_event(tree.lixia)
    now = timezone.now()
    webhooks.run(now=now, settle_seconds=0)
    assert webhooks.run(now=now, settle_seconds=0) == {"events": 0, "deliveries": 0, "delivered": 0, "retried": 0,
                                                       "failed": 0}
    Watermark.objects.filter(name=webhooks.WATERMARK).update(last_id=0)  # a reader that lost its place
    webhooks.run(now=now, settle_seconds=0)
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_an_event_of_another_city_does_not_reach_a_city_webhook(tree, hook, receiver):
    case_event(tree.shinan)
    other = log_event("editorial.article.publish", actor=SYSTEM, org=tree.lixia, data={})  # not subscribed
    approved = log_event("members.join_application.approve", actor=SYSTEM, org=tree.grassroots, data={})
    webhooks.run(now=timezone.now(), settle_seconds=0)
    assert list(WebhookDelivery.objects.values_list("event", "event_id")) == [
        ("members.join_approved", f"ae-{approved.pk}")]
    assert other.pk < approved.pk


def test_the_reader_waits_for_recent_events(tree, hook, receiver):
    case_event(tree.lixia)
    assert webhooks.collect().deliveries == 0  # younger than SETTLE_SECONDS: read on a later run
    assert webhooks.collect(settle_seconds=0).deliveries == 1


def test_inactive_webhook_gets_nothing(tree, hook, receiver):
    webhook, _ = hook
    webhook.active = False
    webhook.save(update_fields=["active"])
    case_event(tree.lixia)
    webhooks.run(settle_seconds=0)
    assert WebhookDelivery.objects.count() == 0


def test_private_addresses_are_refused_unless_allowed(tree, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://localhost/x"):
        with pytest.raises(Invalid) as refused:
            access.create_webhook(org=tree.jinan, name="x", url=url, events=["cases.case_changed"], by=SYSTEM)
        assert refused.value.code == "private_url"
    with pytest.raises(Invalid) as refused:
        access.create_webhook(org=tree.jinan, name="x", url="ftp://example.org/", events=["cases.case_changed"],
                              by=SYSTEM)
    assert refused.value.code == "bad_url"


def test_a_private_address_is_not_posted_to_once_disallowed(tree, hook, receiver, settings):
    case_event(tree.lixia)
    webhooks.collect(settle_seconds=0)
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = False
    assert webhooks.send_due().retried == 1
    assert WebhookDelivery.objects.get().last_error == "接收地址指向内网或本机地址，不能推送"
    assert receiver.received == []


def test_resend_starts_a_failed_delivery_again(tree, hook, receiver, personas):
    receiver.codes = [500] * 6
    case_event(tree.lixia)
    now = timezone.now()
    webhooks.run(now=now, settle_seconds=0)
    WebhookDelivery.objects.update(status="failed", attempts=6, next_attempt_at=None)
    delivery = access.resend_delivery(WebhookDelivery.objects.get(), by=personas.city_cadre)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 0, "")
    with pytest.raises(Exception) as refused:
        access.resend_delivery(delivery, by=personas.other_city_cadre)
    assert refused.value.code == "forbidden"


def test_a_real_case_filed_and_accepted_reaches_the_city_webhook(tree, hook, receiver, personas):
    from smartunion.cases.models import Case
    from smartunion.cases.services.cases import accept, file_case

    case = file_case(by=personas.worker, kind=Case.Kind.COMPLAINT, category="wages", subcategory="arrears",
                     description="公司已经连续三个月拖欠工资，多次讨要无果，请工会帮助协调解决。", region="370102",
                     contact_name="", phone="13900000001", employer_name="济南乙商贸有限公司",
                     channel=Case.Channel.PORTAL)
    accept(case, by=SYSTEM)
    webhooks.run(settle_seconds=0)
    bodies = [json.loads(body) for _, body in receiver.received]
    assert [(b["action"], b["object"], b.get("state")) for b in bodies] == [
        ("cases.case.file", {"type": "cases.case", "id": str(case.pk), "number": case.number}, None),
        ("cases.case.accept", {"type": "cases.case", "id": str(case.pk), "number": case.number},
         {"from": "submitted", "to": "processing"})]
    assert all(b["org"] == {"id": case.org_id, "name": case.org.name} for b in bodies)
    assert "13900000001" not in str(bodies) and "拖欠" not in str(bodies)
