"""Who may do what in the assistance app: small predicates used by the services, the workflows and the surfaces.

- Hardship files: any chair, administrator or reviewer in scope of the file's union drafts and edits it and submits
  it; the grassroots step is taken by a reviewer (chair, administrator, reviewer) of the union itself; the federation
  step by a reviewer of a township (street) union or a county federation above the union. Exits and re-verification
  are for the union's reviewers or anyone above them.
- Applications: each level of a programme's chain is reviewed by the reviewers of that level's org itself (a
  higher cadre sees the application but does not skip a level for the one below).
- Programmes, living standards and payments: chairs and administrators of the org (or above); the bank file with
  full account numbers only for them, audited.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position, ancestor_paths
from smartunion.orgs.queries import held_positions, in_scope, is_unrestricted, managed_paths

REVIEW_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.REVIEWER)
MANAGING_ROLES = Position.MANAGING_ROLES
FEDERATION_REVIEW_KINDS = (Organisation.Kind.TOWNSHIP, Organisation.Kind.COUNTY)


def _privileged(user) -> bool:
    return is_system(user) or is_unrestricted(user)


def review_positions(user) -> list[tuple[int, str, str]]:
    """(org id, org kind, org path) of each org where the user holds a reviewing position (from the positions read
    once per request by orgs.queries.held_positions)."""
    return sorted({(org_id, kind, path) for role, path, kind, org_id in held_positions(user)
                   if role in REVIEW_ROLES})


def review_org_ids(user) -> set[int]:
    """The orgs where the user holds a reviewing position."""
    return {org_id for org_id, _, _ in review_positions(user)}


def may_work_on_files(user, union: Organisation | None) -> bool:
    return _privileged(user) or in_scope(user, union, roles=REVIEW_ROLES)


def may_review_as_grassroots(user, hardship_file) -> bool:
    if _privileged(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return hardship_file.union_id in review_org_ids(user)


def federation_reviewers_paths(union_path: str) -> list[str]:
    return ancestor_paths(union_path)[:-1]


def may_review_as_federation(user, hardship_file) -> bool:
    """A reviewer of a township union or county federation strictly above the file's union."""
    if _privileged(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    above = set(federation_reviewers_paths(hardship_file.org_path))
    return any(kind in FEDERATION_REVIEW_KINDS and path in above for _, kind, path in review_positions(user))


def may_manage(user, org: Organisation | None) -> bool:
    return _privileged(user) or in_scope(user, org, roles=MANAGING_ROLES)


def may_review_level(user, application) -> bool:
    if _privileged(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return application.reviewing_org_id is not None and application.reviewing_org_id in review_org_ids(user)


def may_run_assistance(user) -> bool:
    """Console menu rule for the assistance pages: platform operators and every chair, administrator or reviewer."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=REVIEW_ROLES))


def may_manage_assistance(user) -> bool:
    """Console menu rule for programmes, living standards and payments: chairs and administrators."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=MANAGING_ROLES))


def may_set_living_standards(user) -> bool:
    """Chairs and administrators of a federation (the living standard of a region is set by one covering it)."""
    return is_unrestricted(user) or any(role in MANAGING_ROLES and kind in Organisation.FEDERATION_KINDS
                                        for role, _, kind, _ in held_positions(user))
