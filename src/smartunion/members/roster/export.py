"""The roster as .xlsx: a cadre's scope or one org's subtree, masked unless a full export (with a reason)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from smartunion.core import codes, pii
from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.members.models import Membership
from smartunion.members.roster.checks import CODE_COLUMNS, COLUMNS, SHEET_NAME
from smartunion.members.roster.templates import workbook_bytes
from smartunion.orgs.models import Organisation, Position, subtree_q
from smartunion.orgs.queries import can_manage, scoped

EXPORT_COLUMNS = ("会员卡号", "所在工会", *COLUMNS)
EXPORT_MAX_ROWS = 200_000  # a request-time export; a province asks per city


def export_max_rows() -> int:
    """The cap on one roster export (settings.ROSTER_EXPORT_MAX_ROWS overrides EXPORT_MAX_ROWS)."""
    return int(getattr(settings, "ROSTER_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS))


def roster_queryset(user, org: Organisation | None = None, *, full: bool = False) -> QuerySet[Membership]:
    """Active memberships in the org's subtree (or the whole scope); a full export is for managing roles only."""
    roles = Position.MANAGING_ROLES if full else None
    queryset = scoped(Membership.objects.filter(status=Membership.Status.ACTIVE), user, field="union_path",
                      roles=roles)
    if org is not None:
        if full and not can_manage(user, org):
            raise Forbidden("您无权导出该工会的完整名册")
        queryset = queryset.filter(subtree_q(org.path, "union_path"))
    return queryset


def export_roster(queryset: QuerySet[Membership], *, by, full: bool = False, reason: str = "",
                  org: Organisation | None = None) -> tuple[bytes, int]:
    """The roster as .xlsx: ID numbers, phones and addresses masked unless `full`, which needs a reason.
    Returns (file bytes, row count); the export is audited."""
    from openpyxl import Workbook

    require_actor(by)
    reason = (reason or "").strip()
    if full and not reason:
        raise Invalid.from_fields({"reason": "请填写导出原因"})
    total, limit = queryset.count(), export_max_rows()
    if total > limit:
        raise Invalid.from_fields({"org": f"导出范围内有{total}名会员，超过单次导出上限{limit}名，"
                                          f"请选择更小的范围"})
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.append(list(EXPORT_COLUMNS))
    labels = {table: dict(codes.choices(table)) for table in CODE_COLUMNS.values()}
    count = 0
    rows = (queryset.order_by("union_path", "id").select_related("person", "union").iterator(chunk_size=2000))
    for membership in rows:
        person = membership.person
        id_number, phone, address = person.id_number, person.phone, person.address
        if not full:
            id_number, phone, address = (pii.mask_id_number(id_number), pii.mask_phone(phone),
                                         pii.mask_address(address))
        sheet.append([
            membership.card_number, membership.union.name, person.name, id_number, phone,
            labels["ethnicity"].get(person.ethnicity, ""), labels["education"].get(person.education, ""),
            labels["political_status"].get(person.political_status, ""),
            labels["employment_form"].get(person.employment_form, ""), person.gig_platform, address,
            membership.since.isoformat(),
        ])
        count += 1
    content = workbook_bytes(book)
    data = {"count": count, "org": org.pk if org is not None else None}
    if full:
        log_event("members.roster.export_full", actor=by, org=org, data={**data, "reason": reason[:200]})
    else:
        log_event("members.roster.export", actor=by, org=org, data={**data, "masked": True})
    return content, count

