"""Scoped reads of outgoing documents (发文).

A document is visible to the cadres of its org and of the orgs above it (any role), and to the parties of a
countersign (会签) while their answer is pending: a department's head and members, a countersigning org's chairs and
administrators. Anything else answers as missing. The queues (待核稿, 待会签, 待签发, 待编号用印) follow the rules of
documents/rules_outgoing.py: the steps belong to the issuing org's own reviewers, chair and administrator.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from smartunion.core.errors import NotFound
from smartunion.documents import rules_outgoing as rules
from smartunion.documents.models import Countersign, Department, NumberingRule, OutgoingDocument
from smartunion.orgs.queries import is_unrestricted, scope_q, scoped

S = OutgoingDocument.Status
PENDING = Countersign.Status.PENDING


def _base() -> QuerySet[OutgoingDocument]:
    return OutgoingDocument.objects.select_related("org", "created_by", "rule").order_by("-updated_at", "-id")


def my_departments(user) -> QuerySet[Department]:
    """The active departments where the user is the head or a member."""
    if user is None or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(Q(head=user) | Q(members=user), active=True).distinct()


def _my_pending_countersigns(user) -> QuerySet[Countersign]:
    """The pending countersign rows the user may answer."""
    if is_unrestricted(user):
        return Countersign.objects.filter(status=PENDING)
    org_ids = rules.org_ids_with(user, rules.ORG_COUNTERSIGN_ROLES)
    departments = my_departments(user).values("pk")
    return Countersign.objects.filter(Q(department__in=departments) | Q(org_id__in=org_ids), status=PENDING)


def visible_documents(user) -> QuerySet[OutgoingDocument]:
    """Every document the user may read."""
    if is_unrestricted(user):
        return _base()
    scope = scope_q(user, field="org_path")
    pending = Q(pk__in=_my_pending_countersigns(user).values("document_id"))
    return _base().filter(pending if scope is None else scope | pending)


def document_for(user, pk) -> OutgoingDocument:
    """One visible document, or NotFound (a document out of sight answers as missing)."""
    document = visible_documents(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if document is None:
        raise NotFound("公文不存在")
    return document


def my_drafts(user) -> QuerySet[OutgoingDocument]:
    """The user's own drafts (also the ones sent back to them)."""
    if user is None or not user.is_authenticated:
        return OutgoingDocument.objects.none()
    return _base().filter(created_by=user, status=S.DRAFT)


def _at_own_orgs(user, status: str | tuple[str, ...], roles: tuple[str, ...]) -> QuerySet[OutgoingDocument]:
    statuses = (status,) if isinstance(status, str) else status
    queryset = _base().filter(status__in=statuses)
    if is_unrestricted(user):
        return queryset
    return queryset.filter(org_id__in=rules.org_ids_with(user, roles))


def waiting_check(user) -> QuerySet[OutgoingDocument]:
    """待核稿: documents of the orgs where the user is a reviewer or the chair."""
    return _at_own_orgs(user, S.CHECKING, rules.CHECK_ROLES)


def waiting_countersign(user) -> QuerySet[OutgoingDocument]:
    """待会签: documents in countersign with a pending row the user may answer."""
    return _base().filter(status=S.COUNTERSIGN, pk__in=_my_pending_countersigns(user).values("document_id"))


def waiting_signing(user) -> QuerySet[OutgoingDocument]:
    """待签发: documents of the orgs where the user is the chair."""
    return _at_own_orgs(user, S.SIGNING, rules.SIGN_ROLES)


def waiting_clerk(user) -> QuerySet[OutgoingDocument]:
    """待编号用印: documents to number or seal at the orgs where the user is an administrator."""
    return _at_own_orgs(user, (S.NUMBERING, S.SEALING), rules.CLERK_ROLES)


def org_documents(user, *, status: str = "", q: str = "") -> QuerySet[OutgoingDocument]:
    """The documents of the user's scope (their orgs and below), by status, searched by title or number."""
    queryset = scoped(_base(), user, field="org_path")
    if status:
        queryset = queryset.filter(status=status)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(number__icontains=q))
    return queryset


QUEUES = {"mine": my_drafts, "check": waiting_check, "countersign": waiting_countersign,
          "sign": waiting_signing, "clerk": waiting_clerk}


def countersign_rounds(document: OutgoingDocument) -> list[tuple[int, list[Countersign]]]:
    """Every answer of every round, the latest round first."""
    rounds: dict[int, list[Countersign]] = {}
    for row in document.countersigns.select_related("department", "org", "decided_by").order_by("-round", "id"):
        rounds.setdefault(row.round, []).append(row)
    return list(rounds.items())


def answerable(document: OutgoingDocument, user) -> list[Countersign]:
    """The pending rows of the current round the user may answer."""
    if document.status != S.COUNTERSIGN:
        return []
    rows = document.countersigns.select_related("department", "org").filter(
        round=rules.current_round(document), status=PENDING)
    return [row for row in rows if rules.may_answer(user, row)]


def visible_rules(user) -> QuerySet[NumberingRule]:
    return scoped(NumberingRule.objects.select_related("org"), user, field="org_path").order_by("org_path", "prefix")


def rules_for(org_id: int) -> QuerySet[NumberingRule]:
    return NumberingRule.objects.filter(org_id=org_id, active=True).order_by("prefix")


def visible_departments(user) -> QuerySet[Department]:
    return scoped(Department.objects.select_related("org", "head"), user, field="org_path").order_by("org_path",
                                                                                                      "name")
