"""Who may do what with information reports (信息报送): small predicates used by the services, the workflow and the
surfaces.

- submitting (报送) and withdrawing (撤回): a cadre (chair, administrator or reviewer) of the submitting org itself;
- deciding (采用 / 不采用) and forwarding (转报): a cadre of the receiving org itself (an org above it reads the item
  in its scope but does not decide for it);
- which levels an org may adopt at (ADOPT_LEVELS): a city federation 市级采用; the province 省级采用 or 报送全总
  (the province reports an item on to the national federation itself, so 报送全总 is the province's level);
- whom an org submits to (RECEIVING_KINDS): its parent, when the parent is a city or province federation (the
  levels have no county step, so counties submit to their city and cities to the province);
- the scoring table (计分规则): a chair or administrator of the federation that sets it (or one above).
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.documents.models import InfoReport
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, in_scope, is_unrestricted

REPORT_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.REVIEWER)
L = InfoReport.Level
ADOPT_LEVELS: dict[str, tuple[str, ...]] = {
    Organisation.Kind.CITY: (L.CITY,),
    Organisation.Kind.PROVINCE: (L.PROVINCE, L.NATIONAL),
}
RECEIVING_KINDS = tuple(ADOPT_LEVELS)
# An item adopted by a city may be forwarded by the city to the org above it (the province).
FORWARDING_KINDS = (Organisation.Kind.CITY,)


def levels_for(org: Organisation | None) -> tuple[str, ...]:
    """The adoption levels the org may give."""
    return ADOPT_LEVELS.get(org.kind, ()) if org is not None else ()


def acts_for(user, org_path: str) -> bool:
    """Holds a reporting role in exactly this org (or is the platform/system)."""
    if is_system(user) or is_unrestricted(user):
        return True
    return any(path == org_path and role in REPORT_ROLES for role, path, _, _ in held_positions(user))


def acting_paths(user) -> list[str]:
    """The paths of the orgs where the user holds a reporting role."""
    return sorted({path for role, path, _, _ in held_positions(user) if role in REPORT_ROLES})


def can_submit(user, org: Organisation) -> bool:
    return acts_for(user, org.path)


def can_withdraw(user, report: InfoReport) -> bool:
    return acts_for(user, report.org_path)


def can_decide(user, report: InfoReport) -> bool:
    return acts_for(user, report.to_path)


def can_set_scores(user, org: Organisation) -> bool:
    if not org.is_federation:
        return False
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)
