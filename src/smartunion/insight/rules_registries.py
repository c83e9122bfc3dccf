"""Who may do what with the government registries (政务数据):

- importing a registry file and running the matching: a chair or administrator of a province or city federation
  (IMPORT_KINDS), for that federation's area; the file is filed under that org and read by its subtree's
  managers;
- deciding a pending match (确认 / 否决): a chair or administrator whose scope holds the employer's area (a county
  federation knows its companies best, so any managing level may decide);
- the lists (登记企业, 未建会企业, 建会率, 注销仍在册工会): any cadre, within their scope (by the company's area).
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, in_scope, is_unrestricted

IMPORT_KINDS = (Organisation.Kind.PROVINCE, Organisation.Kind.CITY)
IMPORT_ROLES = Position.MANAGING_ROLES


def importing_org_ids(user) -> list[int]:
    """The orgs for which the user may import and match."""
    return sorted({org_id for role, _path, kind, org_id in held_positions(user)
                   if role in IMPORT_ROLES and kind in IMPORT_KINDS})


def may_import(user) -> bool:
    return is_system(user) or is_unrestricted(user) or bool(importing_org_ids(user))


def can_import(user, org: Organisation) -> bool:
    if is_system(user) or is_unrestricted(user):
        return org.kind in (*IMPORT_KINDS, Organisation.Kind.NATIONAL)
    return org.pk in importing_org_ids(user)


def can_follow(user, registry_import) -> bool:
    """Pause / resume an import: who may import for its org, or one above it."""
    if is_system(user) or is_unrestricted(user):
        return True
    return any(role in IMPORT_ROLES and kind in IMPORT_KINDS and registry_import.org_path.startswith(path)
               for role, path, kind, _ in held_positions(user))


def can_decide(user, candidate) -> bool:
    if is_system(user) or is_unrestricted(user):
        return True
    return any(role in Position.MANAGING_ROLES and candidate.area_path.startswith(path)
               for role, path, _, _ in held_positions(user))


def can_read(user, org: Organisation) -> bool:
    return in_scope(user, org)
