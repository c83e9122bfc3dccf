"""Who may do what with an outgoing document (发文): small predicates used by the services, the workflow, the
console and the API.

- drafting (拟稿) and changing a draft: any cadre of the org or an org above it (their subtree);
- 核稿 (checking, and choosing the countersigning parties): a reviewer (审核员) or the chair of the document's own
  org; 签发 (signing): the chair of the document's own org; 编号, 用印, 分发, 归档: an administrator of the document's
  own org. These steps belong to the org that issues the document, not to the orgs above it;
- 会签 (countersign): for a department, its head or one of its members; for an org, a chair or an administrator of
  that org;
- numbering rules and departments: the chairs and administrators of the org or above (orgs.queries.can_manage).

Platform operators (superusers) and SYSTEM may do everything.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import can_manage, held_positions, in_scope, is_unrestricted

R = Position.Role
CHECK_ROLES = (R.REVIEWER, R.CHAIR)
SIGN_ROLES = (R.CHAIR,)
CLERK_ROLES = (R.ADMINISTRATOR,)
ORG_COUNTERSIGN_ROLES = (R.CHAIR, R.ADMINISTRATOR)


def _free(user) -> bool:
    return is_system(user) or is_unrestricted(user)


def org_ids_with(user, roles: tuple[str, ...]) -> set[int]:
    """The orgs where the user holds one of `roles` (exactly there, not above)."""
    return {org_id for role, _path, _kind, org_id in held_positions(user) if role in roles}


def holds_in(user, org_id: int | None, roles: tuple[str, ...]) -> bool:
    return _free(user) or (org_id is not None and org_id in org_ids_with(user, roles))


def may_draft(user, org: Organisation | None) -> bool:
    """A cadre of the org or above (any role) drafts its documents."""
    if org is None:
        return False
    return _free(user) or in_scope(user, org)


def may_edit(user, document) -> bool:
    """Change a draft, attach files, submit it or cancel it: its drafter, or a cadre of its org or above."""
    if _free(user):
        return True
    if document.created_by_id is not None and document.created_by_id == getattr(user, "pk", None):
        return True
    return in_scope(user, document.org)


def may_check(user, document) -> bool:
    return holds_in(user, document.org_id, CHECK_ROLES)


def may_sign(user, document) -> bool:
    return holds_in(user, document.org_id, SIGN_ROLES)


def may_clerk(user, document) -> bool:
    """编号, 用印, 分发 and 归档: the org's administrator (办公室)."""
    return holds_in(user, document.org_id, CLERK_ROLES)


def may_answer(user, countersign) -> bool:
    """The party of one countersign row: a department's head or member, an org's chair or administrator."""
    if _free(user):
        return True
    if countersign.department_id is not None:
        department = countersign.department
        if department.head_id is not None and department.head_id == getattr(user, "pk", None):
            return True
        return department.members.filter(pk=getattr(user, "pk", None)).exists()
    return holds_in(user, countersign.org_id, ORG_COUNTERSIGN_ROLES)


def may_countersign(user, document) -> bool:
    """Is the user a party of the document's current countersign round (for the steps that end it)?"""
    if _free(user):
        return True
    rows = document.countersigns.select_related("department").filter(round=current_round(document))
    return any(may_answer(user, row) for row in rows)


def current_round(document) -> int:
    from django.db.models import Max

    return document.countersigns.aggregate(top=Max("round"))["top"] or 0


def may_manage_office(user, org: Organisation | None) -> bool:
    """Numbering rules and departments: a chair or administrator of the org or above."""
    return is_system(user) or can_manage(user, org)
