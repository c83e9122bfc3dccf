"""Webhooks (事件推送): the reader of audit events, the signer and the sender.

- Events an integrator may subscribe to, each fed by audit actions the lower apps already log (EVENT_ACTIONS):
  members.join_approved ← members.join_application.approve; cases.case_changed ← cases.case.file and every step of
  the case workflow (accept, pause, resume, close, rate, reopen) plus transfer, assign, escalate and supervision;
  editorial.article_published ← editorial.article.publish.
- `collect()` reads AuditEvent rows past the Watermark "insight.webhooks" (only rows older than SETTLE_SECONDS, so a
  transaction still open at the ceiling is not skipped as long as it commits within that time) and makes one
  WebhookDelivery per active webhook subscribed to the event whose org subtree holds the event's org. The unique
  (webhook, event_id) makes a second run, or two runs at once, harmless.
- The payload holds no personal data: the event id, name and time, the audit action, the object's type and id (and a
  case's number), the org's id and name, the workflow states. Never a name, phone or ID number, never a note.
- `send_due()` posts each due delivery (JSON, X-SmartUnion-Event, X-SmartUnion-Delivery = the event id, the
  receiver's idempotency key, X-SmartUnion-Signature: sha256=<HMAC-SHA256 hex of the raw body under the webhook's
  secret>, TIMEOUT seconds, redirects not followed). A 2xx answer delivers it; anything else is retried after
  BACKOFF (1 min, 5 min, 30 min, 2 h, 12 h) and given up (失败) after the last. A delivery is claimed by moving its
  next attempt forward in one UPDATE before it is sent, so two senders never post the same one at once.
- Only public addresses (http or https) unless settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE (a test's local receiver).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from smartunion.core.errors import Invalid
from smartunion.core.models import AuditEvent
from smartunion.insight.models import Watermark, Webhook, WebhookDelivery
from smartunion.orgs.models import Organisation

WATERMARK = "insight.webhooks"
SETTLE_SECONDS = 30
BATCH = 2000
TIMEOUT = 10
LEASE = dt.timedelta(minutes=5)  # a claimed delivery whose sender died is retried after this
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1

EVENTS = {
    "members.join_approved": "入会申请审批通过",
    "cases.case_changed": "维权工单变化",
    "editorial.article_published": "稿件发布",
}
_CASE_EXTRA = ("file", "transfer", "assign", "escalate", "supervise", "end_supervision")


def _case_actions() -> tuple[str, ...]:
    from smartunion.cases.services.cases import CASE_WORKFLOW

    steps = [t.action for t in CASE_WORKFLOW.transitions]
    return tuple(f"cases.case.{name}" for name in dict.fromkeys([*_CASE_EXTRA, *steps]))


def event_actions() -> dict[str, tuple[str, ...]]:
    return {
        "members.join_approved": ("members.join_application.approve",),
        "cases.case_changed": _case_actions(),
        "editorial.article_published": ("editorial.article.publish",),
    }


def event_of_action() -> dict[str, str]:
    return {action: event for event, actions in event_actions().items() for action in actions}


# Signing ------------------------------------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """The X-SmartUnion-Signature value of a body: "sha256=" and the HMAC-SHA256 hex digest under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does (documented; used by the tests)."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# Addresses ----------------------------------------------------------------------------------------------------------


def check_url(url: str) -> None:
    """Refuse what a webhook may not point at: not http(s), no host, or (unless allowed) a private address."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("接收地址应以 http:// 或 https:// 开头", code="bad_url", fields={"url": "接收地址无效"})
    if getattr(settings, "INSIGHT_WEBHOOKS_ALLOW_PRIVATE", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or None)}
    except (socket.gaierror, UnicodeError):
        raise Invalid(f"无法解析接收地址的域名：{parts.hostname}", code="bad_url",
                      fields={"url": "无法解析域名"}) from None
    for address in addresses:
        if not ipaddress.ip_address(str(address).split("%")[0]).is_global:
            raise Invalid("接收地址指向内网或本机地址，不能推送", code="private_url",
                          fields={"url": "不能使用内网或本机地址"})


# Reading events -----------------------------------------------------------------------------------------------------


def _payload(event: AuditEvent, name: str, orgs: dict, numbers: dict) -> dict:
    org = orgs.get(event.org_id)
    data = event.data if isinstance(event.data, dict) else {}
    payload = {
        "id": event_id_of(event),
        "event": name,
        "action": event.action,
        "occurred_at": event.created_at.isoformat(),
        "object": {"type": event.target_type, "id": event.target_id},
        "org": {"id": event.org_id, "name": org.name if org else ""},
    }
    if "from" in data or "to" in data:
        payload["state"] = {"from": data.get("from", ""), "to": data.get("to", "")}
    number = numbers.get(event.target_id) if event.target_type == "cases.case" else None
    if number:
        payload["object"]["number"] = number
    return payload


def event_id_of(event: AuditEvent) -> str:
    return f"ae-{event.pk}"


@dataclass
class CollectReport:
    events: int = 0
    deliveries: int = 0
    last_id: int = 0


def collect(*, settle_seconds: int = SETTLE_SECONDS, batch: int = BATCH) -> CollectReport:
    """Make the deliveries of the audit events past the watermark (one batch); safe to run twice or at once."""
    report = CollectReport()
    mapping = event_of_action()
    with transaction.atomic():
        Watermark.objects.get_or_create(name=WATERMARK)
        mark = Watermark.objects.select_for_update().get(name=WATERMARK)
        cutoff = timezone.now() - dt.timedelta(seconds=settle_seconds)
        window = AuditEvent.objects.filter(id__gt=mark.last_id, created_at__lte=cutoff)
        ids = list(window.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            report.last_id = mark.last_id
            return report
        ceiling = ids[-1]
        events = list(AuditEvent.objects.filter(id__gt=mark.last_id, id__lte=ceiling, action__in=list(mapping))
                      .order_by("id"))
        hooks = [h for h in Webhook.objects.filter(active=True).only("id", "org_path", "events")] if events else []
        orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={e.org_id for e in events if e.org_id})
                .only("id", "name")}
        case_ids = [e.target_id for e in events if e.target_type == "cases.case" and e.target_id.isdigit()]
        numbers = {}
        if case_ids:
            from smartunion.cases.models import Case

            numbers = {str(pk): n for pk, n in Case.objects.filter(pk__in=case_ids).values_list("pk", "number")}
        rows = []
        for event in events:
            name = mapping[event.action]
            matching = [h for h in hooks if name in (h.events or []) and event.org_path
                        and event.org_path.startswith(h.org_path)]
            if not matching:
                continue
            payload = _payload(event, name, orgs, numbers)
            rows += [WebhookDelivery(webhook_id=h.pk, event=name, event_id=payload["id"], payload=payload,
                                     next_attempt_at=event.created_at) for h in matching]
        if rows:
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        Watermark.objects.filter(pk=mark.pk).update(last_id=ceiling, updated_at=timezone.now())
        report.events, report.deliveries, report.last_id = len(events), len(rows), ceiling
    return report


# Sending ------------------------------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer like any other non-2xx: retried, never followed


def post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Post one delivery now: (HTTP status or None, error text or "")."""
    hook = delivery.webhook
    try:
        check_url(hook.url)
    except Invalid as exc:
        return None, exc.message
    body = encode(delivery.payload)
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={  # noqa: S310  scheme checked
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "SmartUnion-Webhook/1.0",
        "X-SmartUnion-Event": delivery.event,
        "X-SmartUnion-Delivery": delivery.event_id,
        "X-SmartUnion-Signature": sign(hook.secret, body),
    })
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            response.read(4096)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"无法连接：{str(reason)[:200]}"


@dataclass
class SendReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def _claim(delivery: WebhookDelivery, now) -> bool:
    return bool(WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + LEASE))


def send_one(delivery: WebhookDelivery, *, now=None) -> str:
    """Post a claimed delivery and record the outcome: "delivered", "retry" or "failed"."""
    code, error = post(delivery)
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    fields = {"attempts": attempts, "response_code": code}
    if code is not None and 200 <= code < 300:
        outcome = "delivered"
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None, last_error="")
    elif attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=error[:300])
    else:
        outcome = "retry"
        fields.update(next_attempt_at=now + BACKOFF[attempts - 1], last_error=error[:300])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return outcome


def send_due(*, now=None, limit: int = 200) -> SendReport:
    """Send the pending deliveries whose time has come (oldest first)."""
    now = now or timezone.now()
    report = SendReport()
    due = (WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
           .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
           .select_related("webhook").order_by("next_attempt_at", "id")[:limit])
    for delivery in list(due):
        if delivery.next_attempt_at is None:
            WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at__isnull=True).update(next_attempt_at=now)
            delivery.next_attempt_at = now
        if not _claim(delivery, now):
            continue
        outcome = send_one(delivery, now=now)
        if outcome == "delivered":
            report.delivered += 1
        elif outcome == "retry":
            report.retried += 1
        else:
            report.failed += 1
    return report


def run(*, now=None, settle_seconds: int = SETTLE_SECONDS) -> dict:
    """The job: read new events, then send what is due (Celery beat every minute; `smartunion deliver-webhooks`)."""
    collected = collect(settle_seconds=settle_seconds)
    sent = send_due(now=now)
    return {"events": collected.events, "deliveries": collected.deliveries, "delivered": sent.delivered,
            "retried": sent.retried, "failed": sent.failed}
