"""One-click publishing of a published article to several channels, each with its own status, retries with backoff,
bulk retry of failures, and withdrawal from every channel at once.

A publication row is made once per (article, channel) with an idempotency key; `deliver` locks the row, marks it
sending, calls the channel's adapter outside any transaction (a platform call must not hold a row lock open for
seconds, nor be rolled back after it happened), then records the answer: sent (with the platform's id), or failed
with the platform's message and the time of the next automatic attempt (1, 5, 30 minutes, 2 and 6 hours; after
MAX_ATTEMPTS only a person's retry). The retry job picks due failures only, so running it twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import SYSTEM, is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.editorial.channels import ChannelError, adapter_for
from smartunion.editorial.models import Article, Channel, Publication
from smartunion.editorial.rules import may_sign
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import can_manage, in_scope

P = Publication.Status
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=6))
MAX_ATTEMPTS = len(BACKOFF) + 1
STUCK_AFTER = dt.timedelta(minutes=10)


# Channels ---------------------------------------------------------------------------------------------------------

def register_channel(*, by, org: Organisation, kind: str, name: str, account: str = "", config: dict | None = None,
                     secret: str = "") -> Channel:
    """An org's chairs and administrators (and those above) register its channels."""
    require_actor(by)
    if not is_system(by) and not can_manage(by, org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以登记发布渠道")
    errors: dict[str, str] = {}
    if kind not in Channel.Kind.values:
        errors["kind"] = "请选择平台"
    name = str(name or "").strip()
    if not name or len(name) > 50:
        errors["name"] = "请填写账号名称（最多 50 个字）"
    if kind == Channel.Kind.PORTAL and Channel.objects.filter(org=org, kind=kind).exists():
        errors["kind"] = "本单位已有职工门户渠道"
    if Channel.objects.filter(org=org, kind=kind, name=name).exists():
        errors["name"] = "本单位已登记同名的该平台账号"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        channel = Channel.objects.create(org=org, kind=kind, name=name, account=str(account or "").strip()[:100],
                                         config=dict(config or {}), secret=secret or "", created_by=user_or_none(by))
        log_event("editorial.channel.create", actor=by, target=channel, org=org,
                  data={"kind": kind, "name": name})  # never the secret
    return channel


def portal_channel(org: Organisation) -> Channel:
    """The org's portal channel, made on first use (every org has one)."""
    channel = Channel.objects.filter(org=org, kind=Channel.Kind.PORTAL).first()
    if channel is None:
        channel, _ = Channel.objects.get_or_create(org=org, kind=Channel.Kind.PORTAL, name="职工门户")
    return channel


# Publishing -------------------------------------------------------------------------------------------------------

def publish(article: Article, *, by, channels: Iterable[Channel]) -> list[Publication]:
    """Send a published article to the chosen channels of its org at once; returns the publications as they ended
    (sent or failed). A channel it was already sent to is left as it is."""
    require_actor(by)
    if not may_sign(by, article):
        raise Forbidden("只有本单位或上级单位的签发人、主席可以发布到渠道")
    if article.status != Article.Status.PUBLISHED:
        raise StateError("稿件签发发布后才能推送到各渠道", code="not_published")
    chosen = list(channels)
    if not chosen:
        raise Invalid.from_fields({"channels": "请至少选择一个渠道"})
    foreign = [c for c in chosen if c.org_id != article.org_id or not c.active]
    if foreign:
        raise NotFound("渠道不存在")
    publications = []
    with transaction.atomic():
        for channel in chosen:
            publication, created = Publication.objects.get_or_create(
                article=article, channel=channel,
                defaults={"org_path": article.org_path, "idempotency_key": uuid.uuid4().hex,
                          "requested_by": user_or_none(by)})
            if not created and publication.status == P.WITHDRAWN:
                # Published again after a withdrawal: a new post, so a new key.
                publication.status, publication.attempts, publication.state = P.PENDING, 0, {}
                publication.idempotency_key, publication.last_error = uuid.uuid4().hex, ""
                publication.external_id = publication.external_url = ""
                publication.save()
            publications.append(publication)
        log_event("editorial.article.distribute", actor=by, target=article, org=article.org,
                  data={"channels": [c.name for c in chosen]})
    return [deliver(p) if p.status in (P.PENDING, P.FAILED) else p for p in publications]


def deliver(publication: Publication, *, now: dt.datetime | None = None) -> Publication:
    """One attempt. Returns the publication as it ended; another attempt in flight leaves it untouched."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Publication.objects.select_for_update().select_related("channel", "article").filter(
            pk=publication.pk, status__in=(P.PENDING, P.FAILED)).first()
        if locked is None:
            return Publication.objects.get(pk=publication.pk)
        # next_attempt_at marks when this attempt began, for the retry job's stuck-attempt check.
        locked.status, locked.attempts, locked.next_attempt_at = P.SENDING, locked.attempts + 1, now
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    adapter = adapter_for(locked.channel.kind)
    state = dict(locked.state)
    try:
        posted = adapter.publish(locked.channel, locked.article, key=locked.idempotency_key, state=state)
    except ChannelError as exc:
        retry = exc.retryable and locked.attempts < MAX_ATTEMPTS
        locked.status, locked.last_error, locked.state = P.FAILED, exc.message[:500], state
        locked.next_attempt_at = now + BACKOFF[locked.attempts - 1] if retry else None
        locked.save(update_fields=["status", "last_error", "state", "next_attempt_at"])
        log_event("editorial.publication.fail", target=locked.article, org=locked.article.org,
                  data={"channel": locked.channel.name, "attempts": locked.attempts, "error": locked.last_error})
        return locked
    locked.status, locked.state, locked.last_error, locked.next_attempt_at = P.SENT, state, "", None
    locked.external_id, locked.external_url, locked.sent_at = posted.external_id, posted.url, now
    locked.save(update_fields=["status", "state", "last_error", "next_attempt_at", "external_id", "external_url",
                               "sent_at"])
    return locked


def retry_due(*, by=SYSTEM, now: dt.datetime | None = None) -> int:
    """The scheduled retries: failures whose next attempt is due. Returns how many were sent now."""
    require_actor(by)
    now = now or timezone.now()
    # An attempt whose process died mid-call stays "sending": after STUCK_AFTER it counts as failed and is retried.
    Publication.objects.filter(status=P.SENDING, next_attempt_at__lte=now - STUCK_AFTER).update(
        status=P.FAILED, last_error="发送中断（进程退出），将自动重试")
    due = Publication.objects.filter(status=P.FAILED, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    return sum(deliver(p, now=now).status == P.SENT for p in due[:500])


def retry_failed(publications: Iterable[Publication], *, by) -> int:
    """A person's bulk retry of failed publications (any number of attempts so far). Returns how many were sent."""
    require_actor(by)
    sent = 0
    for publication in publications:
        if publication.status != P.FAILED:
            continue
        if not may_sign(by, publication.article):
            raise Forbidden("只有本单位或上级单位的签发人、主席可以重试发布")
        log_event("editorial.publication.retry", actor=by, target=publication.article, org=publication.article.org,
                  data={"channel": publication.channel.name})
        sent += deliver(publication).status == P.SENT
    return sent


def withdraw_everywhere(article: Article, *, by) -> dict[str, int]:
    """Withdraw the article from every channel it was sent to; pending and failed ones are cancelled. Channels that
    refuse keep their status and error, so the desk sees which still show it."""
    require_actor(by)
    if not is_system(by) and not in_scope(by, article.org):
        raise NotFound("稿件不存在")
    counts = {"withdrawn": 0, "failed": 0}
    now = timezone.now()
    for publication in article.publications.select_related("channel").exclude(status=P.WITHDRAWN):
        if publication.status == P.SENT:
            try:
                adapter_for(publication.channel.kind).withdraw(publication.channel, publication)
            except ChannelError as exc:
                publication.last_error = f"撤回失败：{exc.message}"[:500]
                publication.save(update_fields=["last_error"])
                counts["failed"] += 1
                continue
        publication.status, publication.withdrawn_at, publication.next_attempt_at = P.WITHDRAWN, now, None
        publication.save(update_fields=["status", "withdrawn_at", "next_attempt_at"])
        counts["withdrawn"] += 1
    log_event("editorial.article.withdraw_channels", actor=by, target=article, org=article.org, data=counts)
    return counts
