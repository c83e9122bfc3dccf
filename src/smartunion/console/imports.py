"""Row-by-row import of orgs and employers from Excel, scoped to the cadre, with a dry run.

Every row goes through the same services as the forms and the API (org_create / org_update / employer_create /
employer_update), so region containment, the privileged change of an org's region and the derivation of an
employer's township union apply to imports unchanged. An employer row needs only its name and region.

Each row is applied in its own savepoint, so one bad row is reported and the others go through; a dry run wraps
the whole file in a transaction that is rolled back. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from smartunion.console.excel import ImportReport, RowError
from smartunion.core.errors import DomainError
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import validate_credit_code
from smartunion.core.xlsx import parse_date
from smartunion.orgs import services
from smartunion.orgs.models import Employer, Organisation
from smartunion.orgs.queries import visible_orgs

ORG_COLUMNS = ["名称", "类型", "上级组织编号", "行政区划代码", "统一社会信用代码", "地址", "联系人", "成立日期"]
ORG_REQUIRED = ["名称", "类型", "上级组织编号"]
EMPLOYER_COLUMNS = ["单位名称", "统一社会信用代码", "行政区划代码", "行业门类", "规模", "所属工会编号",
                    "属地工会编号", "地址"]
EMPLOYER_REQUIRED = ["单位名称", "行政区划代码"]

KIND_BY_LABEL = {label: value for value, label in Organisation.Kind.choices}
SIZE_BY_LABEL = {label: value for value, label in Employer.Size.choices}
FIELD_COLUMNS = {
    "name": "名称", "kind": "类型", "parent": "上级组织编号", "region": "行政区划代码",
    "credit_code": "统一社会信用代码", "address": "地址", "contact_name": "联系人", "founded_on": "成立日期",
}
EMPLOYER_FIELD_COLUMNS = {
    "name": "单位名称", "credit_code": "统一社会信用代码", "region": "行政区划代码", "industry": "行业门类",
    "size": "规模", "covering_union": "所属工会编号", "township_union": "属地工会编号", "address": "地址",
}


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the whole file back."""


def _errors_of(exc: ValidationError | DomainError, row: int, columns: dict[str, str], *,
               column: str = "") -> list[RowError]:
    """A service's refusal as row errors: one per field in the field's column, else one in `column`."""
    if isinstance(exc, DomainError):
        if exc.fields:
            return [RowError(row, columns.get(name, name), message) for name, message in exc.fields.items()]
        return [RowError(row, column, exc.message)]
    if hasattr(exc, "error_dict"):
        return [RowError(row, columns.get(name, name), msgs[0].message if hasattr(msgs[0], "message") else str(msgs[0]))
                for name, msgs in exc.error_dict.items()]
    return [RowError(row, "", m) for m in exc.messages]


def _org_ref(user, text: str, column: str, row: int, errors: list[RowError]) -> Organisation | None:
    if not text:
        return None
    if not text.isdigit():
        errors.append(RowError(row, column, "应填写组织编号（数字）"))
        return None
    org = visible_orgs(user).filter(pk=int(text)).first()
    if org is None:
        errors.append(RowError(row, column, f"组织编号 {text} 不存在或不在您的管辖范围内"))
    return org


def _run(rows, apply_row, *, dry_run: bool) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, record in rows:
                apply_row(number, record, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return report  # everything was checked, nothing kept
    return report


def import_orgs(rows, *, by, dry_run: bool) -> ImportReport:
    def apply_row(number: int, record: dict[str, str], report: ImportReport) -> None:
        errors: list[RowError] = []
        kind = KIND_BY_LABEL.get(record.get("类型", ""), record.get("类型", ""))
        if kind not in Organisation.Kind.values:
            errors.append(RowError(number, "类型", "组织类型无效，可选：" + "、".join(KIND_BY_LABEL)))
        parent = _org_ref(by, record.get("上级组织编号", ""), "上级组织编号", number, errors)
        if not record.get("上级组织编号"):
            errors.append(RowError(number, "上级组织编号", "请填写上级组织编号"))
        founded = None
        if record.get("成立日期"):
            founded = _founded_on(record["成立日期"])
            if founded is None:
                errors.append(RowError(number, "成立日期", "日期格式应为 2024-01-31"))
        if errors:
            report.errors.extend(errors)
            return
        fields = {
            "region": record.get("行政区划代码") or None, "credit_code": record.get("统一社会信用代码", ""),
            "address": record.get("地址", ""), "contact_name": record.get("联系人", ""), "founded_on": founded,
        }
        existing = Organisation.objects.filter(parent=parent, name=record["名称"].strip(), kind=kind).first()
        try:
            with transaction.atomic():
                if existing is None:
                    services.org_create(parent=parent, kind=kind, name=record["名称"], by=by, **fields)
                    report.created += 1
                else:
                    before = _org_snapshot(existing)
                    services.org_update(existing, by=by, **fields)
                    if _org_snapshot(existing) == before:
                        report.unchanged += 1
                    else:
                        report.updated += 1
        except DomainError as exc:  # a refusal without a field is about the parent the row names
            report.errors.extend(_errors_of(exc, number, FIELD_COLUMNS, column=FIELD_COLUMNS["parent"]))
        except ValidationError as exc:
            report.errors.extend(_errors_of(exc, number, FIELD_COLUMNS))
        except PermissionError as exc:
            report.errors.append(RowError(number, FIELD_COLUMNS.get(getattr(exc, "field", "parent")), str(exc)))

    return _run(rows, apply_row, dry_run=dry_run)


def _founded_on(text: str) -> dt.date | None:
    """A date cell reads as the digits of its Excel serial; typed text must be ISO (2024-01-31)."""
    if text.isdigit():
        return parse_date(text, digits_are_serial=True)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _org_snapshot(org: Organisation) -> tuple:
    return tuple(str(getattr(org, f)) for f in ("region_id", "credit_code", "address", "contact_name", "founded_on"))


def import_employers(rows, *, by, dry_run: bool) -> ImportReport:
    def apply_row(number: int, record: dict[str, str], report: ImportReport) -> None:
        errors: list[RowError] = []
        covering = _org_ref(by, record.get("所属工会编号", ""), "所属工会编号", number, errors)
        township = _org_ref(by, record.get("属地工会编号", ""), "属地工会编号", number, errors)
        size = record.get("规模", "")
        size = SIZE_BY_LABEL.get(size, size)
        credit = record.get("统一社会信用代码", "")
        existing = None
        if credit:
            try:
                existing = Employer.objects.filter(credit_code=validate_credit_code(credit)).first()
            except ValidationError as exc:
                errors.append(RowError(number, "统一社会信用代码", exc.messages[0]))
        if errors:
            report.errors.extend(errors)
            return
        if existing is None and not credit and record.get("单位名称") and record.get("行政区划代码"):
            # Without a credit code, the same normalised name in the same region is the same employer.
            region = record["行政区划代码"]
            existing = Employer.objects.filter(
                credit_code__isnull=True, county_code=region[:6], region_id=region,
                normalized_name=normalize_employer_name(record["单位名称"], region=region)).first()
        fields = {
            "name": record.get("单位名称", ""), "credit_code": credit, "region": record.get("行政区划代码", ""),
            "industry": record.get("行业门类", "").upper(), "size": size, "address": record.get("地址", ""),
            "covering_union": covering, "township_union": township,
        }
        try:
            with transaction.atomic():
                if existing is None:
                    services.employer_create(by=by, **fields)
                    report.created += 1
                else:
                    before = _employer_snapshot(existing)
                    services.employer_update(existing, by=by, **fields)
                    if _employer_snapshot(existing) == before:
                        report.unchanged += 1
                    else:
                        report.updated += 1
        except DomainError as exc:  # a refusal without a field is about the union the row names
            report.errors.extend(_errors_of(exc, number, EMPLOYER_FIELD_COLUMNS,
                                            column=EMPLOYER_FIELD_COLUMNS["covering_union"]))
        except ValidationError as exc:
            report.errors.extend(_errors_of(exc, number, EMPLOYER_FIELD_COLUMNS))
        except PermissionError as exc:
            column = EMPLOYER_FIELD_COLUMNS.get(getattr(exc, "field", "covering_union"))
            report.errors.append(RowError(number, column, str(exc)))

    return _run(rows, apply_row, dry_run=dry_run)


def _employer_snapshot(e: Employer) -> tuple:
    return tuple(str(getattr(e, f)) for f in ("name", "region_id", "industry", "size", "address",
                                               "covering_union_id", "township_union_id"))
