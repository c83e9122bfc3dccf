"""Who may do what with approvals (移动审批).

- applying: a cadre with a position in an org, or a member of one of its departments, applies in that org with a
  form of that org or an org above it;
- deciding (approve, reject, return, add a signer): the approver of the request's pending step, only;
- withdrawing and resubmitting: the applicant, only;
- reading a request: its applicant, anyone in its chain, and the chairs and administrators of its org or above;
- defining forms: the chairs and administrators of the form's org or above.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.documents.models import ApprovalStep, Department
from smartunion.orgs.models import Organisation, Position, ancestor_paths
from smartunion.orgs.queries import held_positions, in_scope, managed_paths


def _uid(user) -> int | None:
    return getattr(user, "pk", None) if user is not None and not is_system(user) else None


def applicant_org_ids(user) -> list[int]:
    """The orgs the user may apply in: where they hold a position, then where they are in a department."""
    if _uid(user) is None:
        return []
    ids = [org_id for _, _, _, org_id in held_positions(user)]
    ids += list(Department.objects.filter(members=user, active=True, org__status=Organisation.Status.ACTIVE)
                .values_list("org_id", flat=True))
    return list(dict.fromkeys(ids))


def is_applicant(user, request) -> bool:
    return _uid(user) is not None and request.applicant_id == user.pk


def is_current_approver(user, request) -> bool:
    uid = _uid(user)
    return uid is not None and ApprovalStep.objects.filter(
        request=request, status=ApprovalStep.Status.PENDING, approver_id=uid).exists()


def can_oversee(user, request) -> bool:
    """The chairs and administrators of the request's org or an org above it see every request there."""
    return is_system(user) or in_scope(user, request.org, roles=Position.MANAGING_ROLES)


def can_see(user, request) -> bool:
    uid = _uid(user)
    if uid is not None and (request.applicant_id == uid
                            or ApprovalStep.objects.filter(request=request, approver_id=uid).exists()):
        return True
    return can_oversee(user, request)


def can_define_forms(user, org) -> bool:
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def may_sign(user, org) -> bool:
    """A person who may be added to a chain (加签): a cadre of the request's org or an org above, or a member of one
    of the org's departments."""
    if user is None or not user.is_active:
        return False
    if Position.objects.filter(user=user, org__path__in=ancestor_paths(org.path),
                               org__status=Organisation.Status.ACTIVE).exists():
        return True
    return Department.objects.filter(org=org, members=user, active=True).exists()


def may_define_forms_somewhere(user) -> bool:
    """The 审批表单 page (console PAGE_RULES): a chair or administrator of some org, or a platform operator."""
    return bool(user is not None and getattr(user, "is_superuser", False)) or bool(
        managed_paths(user, roles=Position.MANAGING_ROLES))
