"""Who may do what with a rights case: small predicates used by the services, the workflow and the surfaces.

- handling a case (accept, reply, pause, close, transfer, assign, set the class, ask for co-handling): a cadre with
  a handling role (chair, administrator, reviewer) in the handling org or an org above it; platform operators;
- supervising (督办): the same, but in an org strictly above the handling org;
- co-handling (协办): cadres of an org with an open assist request see the case, add notes and answer the request;
- the worker's steps (message, resume by replying, rate, reopen): the account that filed the case, only.

Other parts of the app may append their own predicates at the end of this file.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position, ancestor_paths
from smartunion.orgs.queries import in_scope, is_unrestricted, managed_paths

HANDLING_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.REVIEWER)


def is_cadre(user) -> bool:
    """Holds a position anywhere (or operates the platform)."""
    return is_unrestricted(user) or bool(managed_paths(user))


def can_handle(user, case) -> bool:
    if is_system(user):
        return True
    return _in_org_path(user, case.org_path)


def _in_org_path(user, path: str, *, strictly_above: bool = False) -> bool:
    if is_unrestricted(user):
        return True
    for kept in managed_paths(user, roles=HANDLING_ROLES):
        if path.startswith(kept) and not (strictly_above and kept == path):
            return True
    return False


def can_supervise(user, case) -> bool:
    """督办 comes from above: a handling role in an org strictly above the handling org."""
    if is_system(user):
        return True
    return _in_org_path(user, case.org_path, strictly_above=True)


def is_filer(user, case) -> bool:
    return user is not None and getattr(user, "pk", None) is not None and case.filer_id == user.pk


def can_handle_or_filer(user, case) -> bool:
    return is_filer(user, case) or can_handle(user, case)


def can_take_calls(user) -> bool:
    """A hotline operator: any cadre (the call is routed like any other filing)."""
    return is_system(user) or is_cadre(user)


def can_assist(user, assist) -> bool:
    """A cadre of the assisting org (or above) answers its co-handling request."""
    if is_system(user):
        return True
    return _in_org_path(user, assist.org_path)


def can_manage_rules(user, org: Organisation) -> bool:
    """Deadline tables: the org's chairs and administrators (or those above)."""
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def may_be_handler(user, case) -> bool:
    """An account that may be assigned the case: a handling role in the case's org or above."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Position.objects.filter(user=user, role__in=HANDLING_ROLES, org__status=Organisation.Status.ACTIVE,
                                   org__path__in=ancestor_paths(case.org_path)).exists()
