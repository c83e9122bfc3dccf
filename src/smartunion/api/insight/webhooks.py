"""/api/v1/webhooks: an org's webhooks (事件推送) for its chairs and administrators (and those above).

GET /webhooks lists the webhooks of the orgs where the caller holds a managing role (subtrees included), searched by
`q` (name or address); POST /webhooks registers one and answers its signing `secret` once (it is never shown again);
DELETE /webhooks/{id} deletes it with its deliveries; GET /webhooks/{id}/deliveries lists its deliveries (newest
first, `status` pending|delivered|failed); POST /webhooks/deliveries/{id}/resend sends one again from its first
attempt. A webhook outside the caller's scope answers 404 like a missing one; a caller without a managing role 403.
Events: members.join_approved, cases.case_changed, editorial.article_published (insight/webhooks.py).
"""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import Query, Schema, Status
from pydantic import Field

from smartunion.api.insight.common import router
from smartunion.api.schemas import CHOICE_INPUT, ErrorOut, text
from smartunion.core.errors import Forbidden, Invalid, NotFound
from smartunion.core.pagination import paginate
from smartunion.insight import rules_access as rules
from smartunion.insight import webhooks
from smartunion.insight.models import Webhook, WebhookDelivery
from smartunion.insight.services import access
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped

MANAGING = tuple(Position.MANAGING_ROLES)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _require_admin(user) -> None:
    if not (is_unrestricted(user) or managed_paths(user, roles=MANAGING)):
        raise Forbidden("只有单位的主席或管理员可以管理事件推送")


def _hooks(user):
    return scoped(Webhook.objects.select_related("org"), user, field="org_path", roles=MANAGING)


def _hook(user, webhook_id: int) -> Webhook:
    hook = _hooks(user).filter(pk=webhook_id).first()
    if hook is None:
        raise NotFound("推送地址不存在")
    return hook


def webhook_out(hook: Webhook) -> dict:
    return {"id": hook.pk, "org": {"id": hook.org_id, "name": hook.org.name}, "name": hook.name, "url": hook.url,
            "events": list(hook.events or []), "active": hook.active, "created_at": hook.created_at}


def delivery_out(delivery: WebhookDelivery) -> dict:
    return {"id": delivery.pk, "webhook_id": delivery.webhook_id, "event": delivery.event,
            "event_label": webhooks.EVENTS.get(delivery.event, delivery.event), "event_id": delivery.event_id,
            "status": delivery.status, "status_label": delivery.get_status_display(), "attempts": delivery.attempts,
            "response_code": delivery.response_code, "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at, "delivered_at": delivery.delivered_at,
            "created_at": delivery.created_at, "payload": delivery.payload}


class WebhookListParams(Schema):
    page: int = 1
    page_size: int = 20
    q: str = text("搜索", 100, "", description="名称或接收地址中的文字")


@router.get("/webhooks", response={200: dict, **ERRORS}, summary="事件推送地址列表（本单位及下级，主席或管理员）")
def list_webhooks(request, params: Query[WebhookListParams]):
    _require_admin(request.auth)
    rows = _hooks(request.auth)
    if params.q.strip():
        rows = rows.filter(Q(name__contains=params.q.strip()) | Q(url__contains=params.q.strip()))
    return paginate(rows.order_by("org_path", "-id"), page=params.page, page_size=params.page_size,
                    serialize=webhook_out)


class WebhookIn(Schema):
    org_id: int | None = Field(None, description="所属单位；只在一个单位任主席或管理员时可省略")
    name: str = text("名称", 100)
    url: str = text("接收地址", 500)
    events: list[Annotated[str, Field(max_length=60)]] = Field(
        ..., max_length=10, description="members.join_approved、cases.case_changed、editorial.article_published")
    active: bool = True


@router.post("/webhooks", response={201: dict, **ERRORS},
             summary="登记事件推送地址（答复中的 secret 只出现这一次）")
def create_webhook(request, payload: WebhookIn):
    user = request.auth
    _require_admin(user)
    if payload.org_id is None:
        orgs = list(rules.webhook_orgs(user)[:2])
        if len(orgs) != 1:
            raise Invalid.from_fields({"org_id": "请选择所属单位"})
        org = orgs[0]
    else:
        org = Organisation.objects.filter(pk=payload.org_id).first()
        if org is None or not rules.can_manage_webhooks(user, org):
            raise NotFound("单位不存在")
    hook, secret = access.create_webhook(org=org, name=payload.name, url=payload.url, events=payload.events,
                                         active=payload.active, by=user)
    return Status(201, {**webhook_out(hook), "secret": secret})


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS}, summary="删除事件推送地址（连同推送记录）")
def delete_webhook(request, webhook_id: int):
    _require_admin(request.auth)
    access.delete_webhook(_hook(request.auth, webhook_id), by=request.auth)
    return Status(204, None)


class DeliveryParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = text("状态", CHOICE_INPUT, "", description="pending、delivered、failed")


@router.get("/webhooks/{webhook_id}/deliveries", response={200: dict, **ERRORS}, summary="推送记录（最新在前）")
def list_deliveries(request, webhook_id: int, params: Query[DeliveryParams]):
    _require_admin(request.auth)
    hook = _hook(request.auth, webhook_id)
    rows = WebhookDelivery.objects.filter(webhook=hook)
    if params.status:
        if params.status not in WebhookDelivery.Status.values:
            raise Invalid.from_fields({"status": "状态应为 pending、delivered 或 failed"})
        rows = rows.filter(status=params.status)
    return paginate(rows.order_by("-id"), page=params.page, page_size=params.page_size, serialize=delivery_out)


@router.post("/webhooks/deliveries/{delivery_id}/resend", response={200: dict, **ERRORS},
             summary="重新推送（从第一次尝试重新开始）")
def resend(request, delivery_id: int):
    _require_admin(request.auth)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, webhook__in=_hooks(request.auth)).first()
    if delivery is None:
        raise NotFound("推送记录不存在")
    return delivery_out(access.resend_delivery(delivery, by=request.auth))
