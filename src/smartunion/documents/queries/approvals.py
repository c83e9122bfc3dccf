"""Scoped reads of approvals (移动审批).

- startable_forms(user): the forms a cadre may start, for each org they apply in (the nearest org's form of a code
  wins: a city's own 报销 form replaces the province's for the city's staff);
- my_requests(user): the requests the user submitted; waiting_for_me(user): the requests whose pending step is
  theirs; org_requests(user): every request of the orgs where they are chair or administrator, and below;
- request_for(user, pk): one request its applicant, its approvers or its org's chairs and administrators may read;
  anything else is not found, exactly like a missing one;
- managed_forms(user) / form_for_editing(user, pk): the forms of the orgs a chair or administrator manages.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from smartunion.core.errors import NotFound
from smartunion.documents import rules_approvals as rules
from smartunion.documents.models import ApprovalForm, ApprovalRequest, ApprovalStep
from smartunion.orgs.models import Organisation, Position, ancestor_paths
from smartunion.orgs.queries import scoped

S = ApprovalRequest.Status
OPEN = [s.value for s in ApprovalRequest.OPEN_STATES]


def _listed(queryset: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return queryset.select_related("form", "org", "applicant").order_by("-created_at", "-id")


def _filtered(queryset: QuerySet[ApprovalRequest], *, status: str = "", q: str = "") -> QuerySet[ApprovalRequest]:
    if status in S.values:
        queryset = queryset.filter(status=status)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(title__contains=q) | Q(form__name__contains=q))
    return queryset


def startable_forms(user) -> list[tuple[Organisation, ApprovalForm]]:
    """(org, form) for every form the user may start, the nearest form of each code per org, by name."""
    ids = rules.applicant_org_ids(user)
    if not ids:
        return []
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=ids, status=Organisation.Status.ACTIVE)}
    paths = {p for o in orgs.values() for p in ancestor_paths(o.path)}
    forms = list(ApprovalForm.objects.filter(org_path__in=paths, active=True).order_by("-org_path", "id"))
    result: list[tuple[Organisation, ApprovalForm]] = []
    for org_id in ids:
        org = orgs.get(org_id)
        if org is None:
            continue
        chosen: dict[str, ApprovalForm] = {}
        for form in forms:  # deepest first: the nearest org's form of a code is met first
            if org.path.startswith(form.org_path):
                chosen.setdefault(form.code, form)
        result += [(org, form) for form in sorted(chosen.values(), key=lambda f: f.id)]
    return result


def startable_form(user, pk) -> tuple[Organisation, ApprovalForm]:
    for org, form in startable_forms(user):
        if str(form.pk) == str(pk):
            return org, form
    raise NotFound("审批表单不存在")


def my_requests(user, *, status: str = "", q: str = "") -> QuerySet[ApprovalRequest]:
    if getattr(user, "pk", None) is None:
        return ApprovalRequest.objects.none()
    return _listed(_filtered(ApprovalRequest.objects.filter(applicant=user), status=status, q=q))


def waiting_for_me(user, *, q: str = "") -> QuerySet[ApprovalRequest]:
    if getattr(user, "pk", None) is None:
        return ApprovalRequest.objects.none()
    steps = ApprovalStep.objects.filter(approver=user, status=ApprovalStep.Status.PENDING).values("request_id")
    return _listed(_filtered(ApprovalRequest.objects.filter(status=S.PENDING, pk__in=steps), q=q))


def waiting_count(user) -> int:
    if getattr(user, "pk", None) is None:
        return 0
    return ApprovalStep.objects.filter(approver=user, status=ApprovalStep.Status.PENDING,
                                       request__status=S.PENDING).count()


def org_requests(user, *, status: str = "", q: str = "") -> QuerySet[ApprovalRequest]:
    rows = scoped(ApprovalRequest.objects.all(), user, field="org_path", roles=Position.MANAGING_ROLES)
    return _listed(_filtered(rows, status=status, q=q))


def request_for(user, pk) -> ApprovalRequest:
    if not str(pk).isdigit():
        raise NotFound("审批申请不存在")
    request = ApprovalRequest.objects.select_related("form", "org", "applicant").filter(pk=pk).first()
    if request is None or not rules.can_see(user, request):
        raise NotFound("审批申请不存在")
    return request


def steps_of(request: ApprovalRequest) -> list[ApprovalStep]:
    return list(ApprovalStep.objects.filter(request=request).select_related("approver", "added_by")
                .order_by("position", "id"))


def managed_forms(user) -> QuerySet[ApprovalForm]:
    rows = scoped(ApprovalForm.objects.all(), user, field="org_path", roles=Position.MANAGING_ROLES)
    return rows.select_related("org").order_by("org_path", "id")


def form_for_editing(user, pk) -> ApprovalForm:
    form = managed_forms(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if form is None:
        raise NotFound("审批表单不存在")
    return form
