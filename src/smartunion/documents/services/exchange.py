"""Exchange between orgs (公文交换): send a released document to many orgs, sign for it, return it, urge the late.

`send` writes one Exchange (its envelope is the smartunion.exchange/1 message, documents/exchange.py), one Delivery
per receiving org and, for each, the receiving org's IncomingDocument (source exchange, status registered), in one
transaction and a handful of statements whatever the number of receivers (bulk inserts; sending to all ~150 county
federations costs what sending to one does). The receivers' administrators get one in-app notice each, written by
one INSERT.

Decisions:
- Receivers: active orgs strictly below the sender (any level) and the sender's parent (rules_exchange). An org
  listed twice, an org outside that set, an inactive org, the sender itself and an org that already holds an
  unreturned delivery of the same document are skipped (`exchange.skipped` lists their ids); none left is Invalid.
- The document must be released: status distribution (分发) or archived (归档), of an org where the actor is chair
  or administrator.
- 签收 and 退回 happen once per delivery (the row is locked; a second attempt is a StateError). A return needs a
  reason; it closes the receiver's incoming document (status done, result "已退回：<reason>") and tells the sender.
- 催办 notifies every still-unsigned receiver not urged in the last hour, counts it on the delivery and keeps the
  time; when every unsigned receiver was urged within the hour it is refused (Conflict), and with nobody unsigned
  it is a StateError.
- The sign-by date (签收期限) is `sign_days` working days from the sending (core.calendar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.calendar import compute_deadline
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_user, notify_users
from smartunion.core.sequences import take_next
from smartunion.documents import rules_exchange as rules
from smartunion.documents.exchange import build_envelope
from smartunion.documents.models import (
    Attachment,
    Delivery,
    Exchange,
    IncomingDocument,
    IncomingSequence,
    OutgoingDocument,
)
from smartunion.orgs.models import Organisation, Position, subtree_q

User = get_user_model()
RELEASED = (OutgoingDocument.Status.DISTRIBUTION, OutgoingDocument.Status.ARCHIVED)
ALL_CITIES = "all_cities"
ALL_COUNTIES_BELOW = "all_counties_below"
Target = Literal["all_cities", "all_counties_below"]
DEFAULT_SIGN_DAYS = 3
MAX_SIGN_DAYS = 30
MAX_REASON = 300
URGE_INTERVAL = dt.timedelta(hours=1)


def administrators_of(org_ids: Iterable[int]) -> list:
    """The active administrators (or, for an org without one, chairs) of the orgs, in one query."""
    ids = list(org_ids)
    if not ids:
        return []
    rows = list(Position.objects.filter(org_id__in=ids, role__in=rules.OFFICE, user__is_active=True)
                .values_list("org_id", "role", "user_id"))
    admins: dict[int, set[int]] = {}
    chairs: dict[int, set[int]] = {}
    for org_id, role, user_id in rows:
        (admins if role == rules.ADMIN else chairs).setdefault(org_id, set()).add(user_id)
    wanted = set()
    for org_id in ids:
        wanted |= admins.get(org_id) or chairs.get(org_id) or set()
    return list(User.objects.filter(pk__in=wanted).only("id", "username").order_by("id"))


def _receivers(sender: Organisation, to) -> tuple[list[Organisation], list[int]]:
    """(allowed receivers in path order, ids skipped) for a list of orgs or a level keyword."""
    below = Organisation.objects.filter(subtree_q(sender.path), status=Organisation.Status.ACTIVE).exclude(
        pk=sender.pk).only("id", "name", "path", "parent_id", "status", "kind")
    if to == ALL_CITIES:
        return list(below.filter(kind=Organisation.Kind.CITY).order_by("path")), []
    if to == ALL_COUNTIES_BELOW:
        return list(below.filter(kind=Organisation.Kind.COUNTY).order_by("path")), []
    if isinstance(to, str):
        raise Invalid.from_fields({"to": "接收范围应为所选单位、全部市总工会或下辖全部县（区）总工会"},
                                  message="接收范围无效")
    kept: list[Organisation] = []
    skipped: list[int] = []
    seen: set[int] = set()
    for org in to:
        if org.pk in seen:
            skipped.append(org.pk)
            continue
        seen.add(org.pk)
        (kept if rules.is_allowed_receiver(sender, org) else skipped).append(org)
    skipped_ids = [o if isinstance(o, int) else o.pk for o in skipped]
    return sorted(kept, key=lambda o: o.path), skipped_ids


def send(document: OutgoingDocument, *, to: list[Organisation] | Target, by,
         sign_days: int = DEFAULT_SIGN_DAYS) -> Exchange:
    """Send a released document to orgs; returns the Exchange with `skipped` (org ids left out)."""
    require_actor(by)
    if not isinstance(sign_days, int) or not 1 <= sign_days <= MAX_SIGN_DAYS:
        raise Invalid.from_fields({"sign_days": f"签收期限应为1至{MAX_SIGN_DAYS}个工作日"},
                                  message=f"签收期限应为1至{MAX_SIGN_DAYS}个工作日")
    with transaction.atomic():
        document = OutgoingDocument.objects.select_for_update().select_related("org").get(pk=document.pk)
        if document.status not in RELEASED:
            raise StateError(f"公文当前状态为“{document.get_status_display()}”，分发后才能交换",
                             code="not_released")
        if not rules.can_send(by, document):
            raise Forbidden("只有发文单位的主席或管理员可以发送公文交换")
        sender = document.org
        receivers, skipped = _receivers(sender, to)
        if receivers:
            taken = set(Delivery.objects.filter(exchange__document=document, to_org_id__in=[o.pk for o in receivers])
                        .exclude(status=Delivery.Status.RETURNED).values_list("to_org_id", flat=True))
            skipped += [o.pk for o in receivers if o.pk in taken]
            receivers = [o for o in receivers if o.pk not in taken]
        if not receivers:
            raise Invalid.from_fields({"to": "没有可发送的接收单位（已发送过、不在本单位下级或已停用的单位不能接收）"},
                                      message="没有可发送的接收单位")
        now = timezone.now()
        exchange = Exchange.objects.create(
            document=document, org=sender, org_path=sender.path, envelope=build_envelope(document, sent_at=now),
            sent_by=user_or_none(by), sign_due_at=compute_deadline(timezone.localtime(now), sign_days).at,
        )
        # sent_at is auto_now_add: the envelope carries the same moment.
        Exchange.objects.filter(pk=exchange.pk).update(sent_at=now)
        exchange.sent_at = now
        deliveries = Delivery.objects.bulk_create([
            Delivery(exchange=exchange, to_org=org, to_path=org.path) for org in receivers])
        if any(d.pk is None for d in deliveries):  # a backend without RETURNING on bulk inserts
            by_org = dict(Delivery.objects.filter(exchange=exchange).values_list("to_org_id", "id"))
            for d in deliveries:
                d.pk = d.id = by_org[d.to_org_id]
        today = timezone.localdate()
        incoming = IncomingDocument.objects.bulk_create([
            IncomingDocument(
                org=d.to_org, org_path=d.to_path, source=IncomingDocument.Source.EXCHANGE, delivery=d,
                sender_name=sender.name, original_number=document.number, title=document.title,
                secrecy=document.secrecy, urgency=document.urgency, body=document.body, received_on=today,
            ) for d in deliveries])
        files = list(document.attachments.order_by("position", "id"))
        if files:
            if any(i.pk is None for i in incoming):
                by_delivery = dict(IncomingDocument.objects.filter(delivery__exchange=exchange)
                                   .values_list("delivery_id", "id"))
                for i in incoming:
                    i.pk = i.id = by_delivery[i.delivery_id]  # type: ignore[index]
            Attachment.objects.bulk_create([
                Attachment(incoming=i, file=f.file.name, name=f.name, size=f.size, sha256=f.sha256,
                           position=f.position, uploaded_by=user_or_none(by))
                for i in incoming for f in files])
        notify_users(administrators_of(o.pk for o in receivers), subject="收到交换公文",
                     body=f"{sender.name}发来公文《{document.title}》（{document.number}），请及时签收。")
        log_event("documents.exchange.send", actor=by, target=exchange, org=sender,
                  data={"document": document.number or document.title, "receivers": len(deliveries),
                        "skipped": len(skipped)})
    exchange.skipped = skipped  # type: ignore[attr-defined]
    return exchange


def format_serial(year: int, seq: int) -> str:
    return f"收〔{year}〕{seq}号"


def give_serial(doc: IncomingDocument) -> None:
    """The org's next 收文编号 of the year it was received (by hand: at registration; by exchange: when signed for,
    so a returned document takes no number). Inside the caller's transaction: a rollback gives the number back."""
    if doc.serial_seq is not None:
        return
    year = doc.received_on.year
    seq = take_next(IncomingSequence, org=doc.org_id, year=year)
    doc.serial_year, doc.serial_seq, doc.serial = year, seq, format_serial(year, seq)
    IncomingDocument.objects.filter(pk=doc.pk).update(serial_year=year, serial_seq=seq, serial=doc.serial)


def _lock_delivery(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().select_related("exchange", "to_org").get(pk=delivery.pk)


def _decided(delivery: Delivery) -> StateError:
    word = "签收" if delivery.status == Delivery.Status.SIGNED else "退回"
    return StateError(f"该公文已于{timezone.localtime(delivery.decided_at):%Y-%m-%d %H:%M}{word}，不能重复操作",
                      code="already_decided")


def sign_for(delivery: Delivery, *, by) -> Delivery:
    """签收: the receiving org's chair or administrator, once."""
    require_actor(by)
    with transaction.atomic():
        locked = _lock_delivery(delivery)
        if not rules.can_decide_delivery(by, locked):
            raise Forbidden("只有接收单位的主席或管理员可以签收")
        if locked.status != Delivery.Status.DELIVERED:
            raise _decided(locked)
        locked.status = Delivery.Status.SIGNED
        locked.decided_by = user_or_none(by)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        incoming = IncomingDocument.objects.filter(delivery=locked).first()
        if incoming is not None:
            give_serial(incoming)
        log_event("documents.delivery.sign", actor=by, target=locked, org=locked.to_org,
                  also_org=locked.exchange.org, data={"exchange_id": locked.exchange_id})
    return locked


def return_delivery(delivery: Delivery, *, by, reason: str) -> Delivery:
    """退回 with a reason: closes the receiver's incoming document and tells the sender."""
    require_actor(by)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid.from_fields({"reason": "请填写退回原因"}, message="请填写退回原因")
    if len(reason) > MAX_REASON:
        raise Invalid.from_fields({"reason": f"退回原因最多{MAX_REASON}个字"}, message=f"退回原因最多{MAX_REASON}个字")
    with transaction.atomic():
        locked = _lock_delivery(delivery)
        if not rules.can_decide_delivery(by, locked):
            raise Forbidden("只有接收单位的主席或管理员可以退回")
        if locked.status != Delivery.Status.DELIVERED:
            raise _decided(locked)
        now = timezone.now()
        locked.status = Delivery.Status.RETURNED
        locked.decided_by = user_or_none(by)
        locked.decided_at = now
        locked.return_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "return_reason"])
        IncomingDocument.objects.filter(delivery=locked).update(
            status=IncomingDocument.Status.DONE, result=f"已退回：{reason}"[:500], done_at=now, updated_at=now)
        exchange = locked.exchange
        if exchange.sent_by_id:
            title = exchange.envelope.get("document", {}).get("title", "")
            notify_user(exchange.sent_by, subject="交换公文被退回",
                        body=f"{locked.to_org.name}退回了公文《{title}》，原因：{reason}")
        log_event("documents.delivery.return", actor=by, target=locked, org=locked.to_org,
                  also_org=exchange.org, data={"exchange_id": locked.exchange_id, "reason": reason})
    return locked


def urge(exchange: Exchange, *, by) -> int:
    """催办: notify every unsigned receiver not urged in the last hour; returns how many were urged."""
    require_actor(by)
    if not rules.can_urge(by, exchange):
        raise Forbidden("只有发文单位的主席或管理员可以催办")
    now = timezone.now()
    with transaction.atomic():
        unsigned = Delivery.objects.select_for_update().filter(exchange=exchange, status=Delivery.Status.DELIVERED)
        rows = list(unsigned.values_list("id", "to_org_id", "last_urged_at"))
        if not rows:
            raise StateError("所有接收单位均已签收或退回，无需催办", code="nothing_to_urge")
        due = [(pk, org_id) for pk, org_id, last in rows if last is None or last <= now - URGE_INTERVAL]
        if not due:
            raise Conflict("一小时内已催办过，请稍后再试", code="urged_recently")
        Delivery.objects.filter(pk__in=[pk for pk, _ in due]).filter(
            Q(last_urged_at__isnull=True) | Q(last_urged_at__lte=now - URGE_INTERVAL)
        ).update(urged_count=F("urged_count") + 1, last_urged_at=now)
        title = exchange.envelope.get("document", {}).get("title", "")
        notify_users(administrators_of(org_id for _, org_id in due), subject="公文签收催办",
                     body=f"{exchange.org.name}催办：公文《{title}》尚未签收，请尽快签收或退回。")
        log_event("documents.exchange.urge", actor=by, target=exchange, org=exchange.org,
                  data={"urged": len(due)})
    return len(due)
