"""Who may do what with integrator access (single sign-on clients and webhooks): small predicates used by the
services and the surfaces.

- registering and revoking an OIDC client (单点登录应用): a chair or administrator of a province or city federation,
  for that federation; a client registered by an org is revoked by a chair or administrator of it or above;
- registering and deleting a webhook (事件推送), reading its deliveries and resending one: a chair or administrator
  of the webhook's org or above (the webhook receives the events of that org's subtree).
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import can_manage, held_positions, is_unrestricted

CLIENT_ORG_KINDS = (Organisation.Kind.PROVINCE, Organisation.Kind.CITY)
MANAGING = tuple(Position.MANAGING_ROLES)


def client_org_paths(user) -> list[str]:
    """The paths of the province or city federations the user may register clients for."""
    return sorted({path for role, path, kind, _ in held_positions(user) if role in MANAGING
                   and kind in CLIENT_ORG_KINDS})


def client_orgs(user):
    rows = Organisation.objects.filter(status=Organisation.Status.ACTIVE, kind__in=CLIENT_ORG_KINDS)
    return rows.order_by("path") if is_unrestricted(user) else rows.filter(path__in=client_org_paths(user))


def can_register_client(user, org: Organisation) -> bool:
    if is_system(user) or is_unrestricted(user):
        return True
    return org.kind in CLIENT_ORG_KINDS and org.path in client_org_paths(user)


def can_revoke_client(user, profile) -> bool:
    return is_system(user) or can_manage(user, profile.org)


def webhook_orgs(user):
    """The orgs the user may register webhooks for: those where they hold a managing role."""
    rows = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    if is_unrestricted(user):
        return rows.filter(depth__lte=3).order_by("path")
    ids = {org_id for role, _, _, org_id in held_positions(user) if role in MANAGING}
    return rows.filter(pk__in=ids).order_by("path")


def can_manage_webhooks(user, org: Organisation) -> bool:
    return is_system(user) or can_manage(user, org)
