"""Integrator access: single sign-on clients (OIDC, django-oauth-toolkit Applications with their ClientProfile) and
webhooks. Every write takes `by=`, checks insight.rules_access and is audited. Secrets (a client's secret, a webhook's
signing secret) are generated here and returned once: the client secret is kept only hashed (the toolkit's
hash_client_secret), the webhook secret encrypted (EncryptedTextField, the signer needs it back).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.insight import rules_access as rules
from smartunion.insight import webhooks
from smartunion.insight.models import ClientProfile, Webhook, WebhookDelivery
from smartunion.orgs.models import Organisation

Application = get_application_model()
DEV_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
MAX_REDIRECT_URIS = 10


def scope_choices() -> list[tuple[str, str]]:
    scopes = dict(settings.OAUTH2_PROVIDER["SCOPES"])  # type: ignore[call-overload]
    return list(scopes.items())


def clean_redirect_uris(uris: Iterable[str]) -> list[str]:
    """https addresses, or http on 127.0.0.1/localhost for development; no fragment, no wildcard."""
    kept: list[str] = []
    for raw in uris:
        uri = (raw or "").strip()
        if not uri:
            continue
        parts = urlsplit(uri)
        if not parts.hostname or parts.fragment or "*" in uri or " " in uri:
            raise Invalid(f"回调地址无效：{uri}", code="bad_redirect_uri",
                          fields={"redirect_uris": f"回调地址无效：{uri}"})
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in DEV_HOSTS):
            kept.append(uri)
            continue
        raise Invalid(f"回调地址须使用 https（本机开发可用 http://127.0.0.1 或 http://localhost）：{uri}",
                      code="bad_redirect_uri", fields={"redirect_uris": "回调地址须使用 https"})
    kept = list(dict.fromkeys(kept))
    if not kept:
        raise Invalid("请至少填写一个回调地址", code="bad_redirect_uri", fields={"redirect_uris": "请填写回调地址"})
    if len(kept) > MAX_REDIRECT_URIS:
        raise Invalid(f"回调地址最多 {MAX_REDIRECT_URIS} 个", code="bad_redirect_uri",
                      fields={"redirect_uris": "回调地址过多"})
    return kept


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    known = [s for s, _ in scope_choices()]
    chosen = set(scopes or [])
    unknown = chosen - set(known)
    if unknown:
        raise Invalid(f"未知的授权范围：{'、'.join(sorted(unknown))}", code="bad_scope",
                      fields={"scopes": "未知的授权范围"})
    if "openid" not in chosen:
        raise Invalid("授权范围必须包含“身份标识”", code="bad_scope", fields={"scopes": "须包含身份标识"})
    return [s for s in known if s in chosen]


def register_client(*, org: Organisation, name: str, redirect_uris: Iterable[str], scopes: Iterable[str],
                    description: str = "", by) -> tuple[ClientProfile, str]:
    """Register an OIDC client for a province or city federation: (its profile, the client secret shown once)."""
    require_actor(by)
    if not rules.can_register_client(by, org):
        raise Forbidden("只有省、市总工会的主席或管理员可以登记单点登录应用")
    name = (name or "").strip()
    if not name:
        raise Invalid("请填写应用名称", code="required", fields={"name": "请填写应用名称"})
    uris = clean_redirect_uris(redirect_uris)
    allowed = clean_scopes(scopes)
    secret = secrets.token_urlsafe(36)
    with transaction.atomic():
        application = Application.objects.create(
            name=name[:255], client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris=" ".join(uris),
            algorithm=Application.RS256_ALGORITHM, client_secret=secret, skip_authorization=False,
            hash_client_secret=True)
        profile = ClientProfile.objects.create(application=application, org=org, allowed_scopes=allowed,
                                               description=(description or "").strip()[:200],
                                               created_by=by if getattr(by, "pk", None) else None)
        log_event("insight.oidc_client.register", actor=by, target=profile, org=org,
                  data={"name": name, "client": application.client_id, "scopes": " ".join(allowed),
                        "redirect_uris": " ".join(uris)})
    return profile, secret


def revoke_client(profile: ClientProfile, *, by) -> None:
    """Revoke a client: the application goes with its grants and tokens (the audit trail keeps its name and id)."""
    require_actor(by)
    if not rules.can_revoke_client(by, profile):
        raise Forbidden()
    application = profile.application
    with transaction.atomic():
        log_event("insight.oidc_client.revoke", actor=by, target=profile, org=profile.org,
                  data={"name": application.name, "client": application.client_id})
        application.delete()


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(*, org: Organisation, name: str, url: str, events: Iterable[str], active: bool = True,
                   by, check_address: bool = True) -> tuple[Webhook, str]:
    """Register an endpoint for the events of an org's subtree: (the webhook, its signing secret shown once).

    `check_address=False` (the demo seeder's inactive local endpoint) is honoured for the system only; the sender
    checks the address again before every post anyway."""
    require_actor(by)
    if not rules.can_manage_webhooks(by, org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以登记事件推送")
    name = (name or "").strip()
    if not name:
        raise Invalid("请填写名称", code="required", fields={"name": "请填写名称"})
    url = (url or "").strip()
    if len(url) > 500:
        raise Invalid("接收地址过长", code="bad_url", fields={"url": "接收地址过长"})
    if check_address or not is_system(by):
        webhooks.check_url(url)
    chosen = list(dict.fromkeys(events or []))
    unknown = [e for e in chosen if e not in webhooks.EVENTS]
    if unknown or not chosen:
        raise Invalid("请选择要订阅的事件", code="bad_events", fields={"events": "请选择要订阅的事件"})
    secret = new_webhook_secret()
    with transaction.atomic():
        hook = Webhook.objects.create(org=org, name=name[:100], url=url, secret=secret, events=chosen,
                                      active=active, created_by=by if getattr(by, "pk", None) else None)
        log_event("insight.webhook.create", actor=by, target=hook, org=org,
                  data={"name": hook.name, "url": url, "events": " ".join(chosen)})
    return hook, secret


def delete_webhook(hook: Webhook, *, by) -> None:
    require_actor(by)
    if not rules.can_manage_webhooks(by, hook.org):
        raise Forbidden()
    with transaction.atomic():
        log_event("insight.webhook.delete", actor=by, target=hook, org=hook.org,
                  data={"name": hook.name, "url": hook.url})
        hook.delete()


def resend_delivery(delivery: WebhookDelivery, *, by) -> WebhookDelivery:
    """Send a delivery again from its first attempt (a failed one, or a delivered one the receiver lost)."""
    require_actor(by)
    hook = delivery.webhook
    if not rules.can_manage_webhooks(by, hook.org):
        raise Forbidden()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="",
        response_code=None, delivered_at=None)
    log_event("insight.webhook.resend", actor=by, target=hook, org=hook.org,
              data={"delivery": delivery.pk, "event_id": delivery.event_id})
    delivery.refresh_from_db()
    return delivery
