"""The audit log: `log_event` is called by every service that writes, and by every reveal of PII."""

from __future__ import annotations

from typing import Any

from django.db import models

from smartunion.core.middleware import client_ip, current_request
from smartunion.core.models import AuditEvent


def log_event(
    action: str,
    *,
    actor=None,
    target: models.Model | None = None,
    org=None,
    also_org=None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. `action` is dotted: "<app>.<entity>.<verb>", e.g. "orgs.organisation.create".

    `org` files it in that org's log; `also_org` in a second org's too (the other end of a transfer)."""
    request = current_request()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    if ip is None:
        ip = client_ip(request)
    if org is None and target is not None:
        org = _org_of(target)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() or str(actor)) if actor is not None else "系统",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        org=org,
        org_path=getattr(org, "path", "") or "",
        also_org_path=getattr(also_org, "path", "") or "",
        data=data or {},
        ip=ip,
    )


def _org_of(target):
    """The org an object belongs to: itself for an org, else its `org`/`union` attribute if any."""
    if target._meta.label_lower == "orgs.organisation":
        return target
    for name in ("org", "union", "covering_union"):
        org = getattr(target, name, None)
        if org is not None and hasattr(org, "path"):
            return org
    return None
