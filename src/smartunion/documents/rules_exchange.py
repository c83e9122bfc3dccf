"""Who may do what in exchange (公文交换) and incoming documents (收文).

An org's office acts for the org: a position held in that very org counts (the orgs above see its lists through
scope, but they do not sign, propose or instruct for it). Platform operators (superusers) and core.actors.SYSTEM
may do everything.

- send / urge an exchange: the sending org's chair or administrator;
- sign for (签收) or return (退回) a delivery: the receiving org's chair or administrator;
- register by hand, propose (拟办), assign (承办), archive (归档), circulate (传阅): the org's chair or administrator;
- instruct (批办): the org's chair;
- finish (办结): the handler, a member or the head of the handling department, or the org's chair or administrator;
- read a circulation: its reader.

Allowed receivers of an exchange from org S: active orgs strictly below S (any level of its subtree: a province
reaches cities, counties and below; a city its counties and below) and S's parent (a report or request goes up one
level). "all_cities" and "all_counties_below" pick the city and county federations of S's subtree.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, is_unrestricted

CHAIR = Position.Role.CHAIR
ADMIN = Position.Role.ADMINISTRATOR
OFFICE = (CHAIR, ADMIN)


def holds(user, org_id: int | None, roles: tuple[str, ...] = OFFICE) -> bool:
    """Does the actor hold one of `roles` in the org itself (SYSTEM and superusers: always)?"""
    if is_system(user):
        return True
    if user is None or org_id is None:
        return False
    if is_unrestricted(user):
        return True
    return any(role in roles and held_org == org_id for role, _, _, held_org in held_positions(user))


def office_org_ids(user, roles: tuple[str, ...] = OFFICE) -> list[int]:
    """The orgs whose office the user works in (for the workbench queues)."""
    return sorted({org_id for role, _, _, org_id in held_positions(user) if role in roles})


def can_send(user, document) -> bool:
    return holds(user, document.org_id)


def can_urge(user, exchange) -> bool:
    return holds(user, exchange.org_id)


def can_decide_delivery(user, delivery) -> bool:
    return holds(user, delivery.to_org_id)


def is_allowed_receiver(sender: Organisation, org: Organisation) -> bool:
    if org.pk == sender.pk or org.status != Organisation.Status.ACTIVE:
        return False
    return org.path.startswith(sender.path) or org.pk == sender.parent_id


# Incoming documents -------------------------------------------------------------------------------------------------


def can_register(user, org) -> bool:
    return holds(user, getattr(org, "pk", None))


def can_propose(user, incoming) -> bool:
    return holds(user, incoming.org_id)


def can_instruct(user, incoming) -> bool:
    return holds(user, incoming.org_id, (CHAIR,))


def can_assign(user, incoming) -> bool:
    return holds(user, incoming.org_id)


def can_finish(user, incoming) -> bool:
    if holds(user, incoming.org_id):
        return True
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if incoming.handler_id == uid:
        return True
    department = incoming.department
    if department is None:
        return False
    return department.head_id == uid or department.members.filter(pk=uid).exists()


def can_archive(user, incoming) -> bool:
    return holds(user, incoming.org_id)


def can_circulate(user, incoming) -> bool:
    return holds(user, incoming.org_id)
