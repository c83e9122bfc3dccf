"""Outgoing messages: everything goes into the outbox first, then a pluggable sender delivers it after commit."""

from __future__ import annotations

import logging
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

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
    """Several in-app messages in one INSERT (inbox_message builds them)."""
    if messages:
        OutboxMessage.objects.bulk_create(messages)


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
