"""Who may do what with meetings (会议管理): small predicates used by the services, the console and the API.

- rooms (add, edit, deactivate) and meetings (schedule, reschedule, notify, cancel, finish, minutes, action items):
  a chair or administrator of the org or an org above it (orgs.Position.MANAGING_ROLES), platform operators, SYSTEM;
- a notice to a person is answered (回执) by that person; a notice to an org by any chair or administrator of that
  very org (the org decides who attends: itself, a delegate, or nobody with a reason);
- an action item is marked done by its owner or by those who organise the meeting's org.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, in_scope, is_unrestricted, managed_paths

MANAGING = Position.MANAGING_ROLES


def _uid(user) -> int | None:
    return getattr(user, "pk", None)


def can_manage_rooms(user, org: Organisation) -> bool:
    return is_system(user) or in_scope(user, org, roles=MANAGING)


def may_organise_anywhere(user) -> bool:
    """Holds a chair or administrator position somewhere (the console's 会议室/会议 add buttons)."""
    return is_system(user) or is_unrestricted(user) or bool(managed_paths(user, roles=MANAGING))


def can_organise(user, meeting) -> bool:
    """Schedule, reschedule, notify, cancel, write the minutes and action items of a meeting of this org."""
    if is_system(user) or is_unrestricted(user):
        return True
    return any(meeting.org_path.startswith(p) for p in managed_paths(user, roles=MANAGING))


def answering_org_ids(user) -> set[int]:
    """The orgs whose notices the user answers: where they are a chair or administrator (that org itself)."""
    return {org_id for role, _, _, org_id in held_positions(user) if role in MANAGING}


def can_reply(user, invitation) -> bool:
    if is_system(user):
        return True
    if invitation.user_id is not None:
        return invitation.user_id == _uid(user)
    return invitation.org_id in answering_org_ids(user)


def can_finish_item(user, item) -> bool:
    if is_system(user) or item.owner_id == _uid(user):
        return True
    return is_unrestricted(user) or any(item.org_path.startswith(p) for p in managed_paths(user, roles=MANAGING))
