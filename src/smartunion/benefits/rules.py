"""Who may do what with benefits: small predicates used by the services and the workflow."""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import in_scope

# Publishing and running activities, merchants and check-in desks: the org's chairs and administrators (and those
# of any org above it); editors prepare drafts.
MANAGING_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR)
DRAFTING_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.EDITOR)


def can_manage(user, org: Organisation | None) -> bool:
    """Publish, pause, close, check members in, run merchants: a chair or administrator of the org or above."""
    return is_system(user) or in_scope(user, org, roles=MANAGING_ROLES)


def can_draft(user, org: Organisation | None) -> bool:
    return is_system(user) or in_scope(user, org, roles=DRAFTING_ROLES)


def can_manage_activity(user, activity) -> bool:
    return can_manage(user, activity.org)
