"""Outgoing messages: everything goes into the outbox first, then a pluggable sender delivers it after commit."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from smartunion.core import hotsql
from smartunion.core.models import OutboxMessage
from smartunion.core.pii import mask_phone

log = logging.getLogger("smartunion.sms")


class LogSmsSender:
    """Development sender: writes the message to the log with the phone masked."""

    def send(self, *, phone: str, body: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), body)


def sms_sender():
    return import_string(settings.SMS_SENDER)()


def queue_sms(*, phone: str, body: str, user=None) -> OutboxMessage:
    """Keep the SMS in the outbox and deliver it after the transaction commits."""
    from smartunion.core.tasks import after_commit, deliver_message

    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS, recipient=phone, recipient_masked=mask_phone(phone), user=user, body=body,
    )
    after_commit(deliver_message, message.pk)
    return message


class Recipient(NamedTuple):
    """Who an in-app message goes to, as a process-local cache may keep it: what inbox_message reads of an account
    (an account object does as well)."""

    pk: int
    username: str

    def get_username(self) -> str:
        return self.username


def inbox_message(user, *, subject: str, body: str) -> OutboxMessage:
    """An unsaved in-app inbox message (the worker's 消息 list) to `user` (any object with pk and get_username)."""
    return OutboxMessage(
        channel=OutboxMessage.Channel.INBOX, recipient=str(user.pk), recipient_masked=user.get_username(),
        user_id=user.pk, subject=subject, body=body, status=OutboxMessage.Status.SENT, sent_at=timezone.now(),
    )


def notify_user(user, *, subject: str, body: str) -> OutboxMessage:
    """An in-app inbox message (the worker's 消息 list)."""
    message = inbox_message(user, subject=subject, body=body)
    message.save(force_insert=True)
    return message


def send_inbox(messages: list[OutboxMessage]) -> None:
    """Several in-app messages in one INSERT (inbox_message builds them); inside `one_insert()`, with the block's
    other messages when it ends."""
    if not messages:
        return
    pending = getattr(_batch, "messages", None)
    if pending is not None:
        pending.extend(messages)
    else:
        hotsql.insert(messages)


_batch = threading.local()


@contextmanager
def one_insert():
    """In-app messages sent inside the block (send_inbox, notify_users, by whichever app) are written together in
    one INSERT as the block ends: a hot path that several apps tell (a case filing: its handlers, the filer, the
    public-opinion watch's editors) saves a statement per app. A block that raises writes none of them. Nested, the
    outermost block writes. Use `dropping_on_error` around a part whose failure the block survives."""
    if getattr(_batch, "messages", None) is not None:
        yield
        return
    _batch.messages = []
    try:
        yield
        messages = _batch.messages
    finally:
        _batch.messages = None
    if messages:
        hotsql.insert(messages)


@contextmanager
def dropping_on_error():
    """Inside `one_insert()`: the messages sent by this part are dropped if it raises (as its savepoint undoes
    what it wrote), the block's others kept."""
    pending = getattr(_batch, "messages", None)
    mark = len(pending) if pending is not None else 0
    try:
        yield
    except BaseException:
        if pending is not None:
            del pending[mark:]
        raise


def notify_users(users, *, subject: str, body: str) -> None:
    """The same in-app message to each of `users`, in one INSERT."""
    send_inbox([inbox_message(user, subject=subject, body=body) for user in users])


def deliver(message_id: int) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    if message.status != OutboxMessage.Status.PENDING:
        return
    try:
        if message.channel == OutboxMessage.Channel.SMS:
            sms_sender().send(phone=message.recipient, body=message.body)
    except Exception as exc:  # a failing gateway must not lose the message: it stays in the outbox
        log.exception("delivery of outbox message %s failed", message_id)
        OutboxMessage.objects.filter(pk=message_id).update(status=OutboxMessage.Status.FAILED, error=str(exc)[:200])
        return
    OutboxMessage.objects.filter(pk=message_id).update(status=OutboxMessage.Status.SENT, sent_at=timezone.now())
