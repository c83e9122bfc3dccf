"""The member and org data in the national data-element layout (全国数据元格式), for reporting upward.

The national federation's standard itself (工会会员信息数据元, 工会组织信息数据元) is not available to this project;
the layout below is built from the fields SmartUnion holds, coded with the national code tables the platform already
uses (core/codes: GB/T 2261.1 sex, GB/T 3304 ethnicity, GB/T 4658 education, GB/T 4762 political status, GB/T 2260
regions, GB 32100 credit codes, GB/T 7408 dates). docs/national-data-elements.md lists every element, its source
and what is standard and what is our assumption.

Members: one row per active membership in the org's subtree. The ID number (公民身份号码) is decrypted only here;
an export with the clear number (`clear_ids`) is for upward reporting (the command, an API key with open:national,
a console download with a reason); the console's default download masks it. Every export is audited (counts and
the reason, never a value), and nothing here logs a row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from smartunion.core.audit import log_event
from smartunion.core.pii import mask_id_number
from smartunion.members.models import Membership
from smartunion.orgs.models import Organisation, subtree_q

DATASETS = {"members": "会员信息", "orgs": "工会组织信息"}


def _date(value) -> str:
    return value.strftime("%Y%m%d") if value else ""  # GB/T 7408 basic format (YYYYMMDD)


@dataclass(frozen=True)
class Element:
    id: str  # the JSON key and our element identifier
    name: str  # the Chinese data-element name (CSV/Excel header)
    source: str  # where the value comes from (documentation)
    code_table: str  # the code table (standard) or format, "" for free text
    value: Callable[..., str]


def _employer(m: Membership):
    return m.person.employer


MEMBER_ELEMENTS: list[Element] = [
    Element("card_number", "会员证号", "members.Membership.card_number", "", lambda m, clear: m.card_number),
    Element("name", "姓名", "members.Person.name", "", lambda m, clear: m.person.name),
    Element("id_number", "公民身份号码", "members.Person.id_number（加密存储，仅本导出解密）", "GB 11643",
            lambda m, clear: m.person.id_number if clear else mask_id_number(m.person.id_number)),
    Element("sex_code", "性别代码", "members.Person.sex", "GB/T 2261.1", lambda m, clear: m.person.sex),
    Element("birth_date", "出生日期", "members.Person.birth_date", "GB/T 7408（YYYYMMDD）",
            lambda m, clear: _date(m.person.birth_date)),
    Element("ethnicity_code", "民族代码", "members.Person.ethnicity", "GB/T 3304", lambda m, clear: m.person.ethnicity),
    Element("education_code", "学历代码", "members.Person.education", "GB/T 4658",
            lambda m, clear: m.person.education),
    Element("political_status_code", "政治面貌代码", "members.Person.political_status", "GB/T 4762",
            lambda m, clear: m.person.political_status),
    Element("employment_form_code", "用工形式代码", "members.Person.employment_form", "本平台代码表（core/codes）",
            lambda m, clear: m.person.employment_form),
    Element("employer_name", "工作单位名称", "orgs.Employer.name", "",
            lambda m, clear: _employer(m).name if _employer(m) else ""),
    Element("employer_credit_code", "工作单位统一社会信用代码", "orgs.Employer.credit_code", "GB 32100",
            lambda m, clear: (_employer(m).credit_code or "") if _employer(m) else ""),
    Element("union_name", "所在工会名称", "orgs.Organisation.name（会籍所在工会）", "", lambda m, clear: m.union.name),
    Element("union_credit_code", "所在工会统一社会信用代码", "orgs.Organisation.credit_code", "GB 32100",
            lambda m, clear: m.union.credit_code),
    Element("union_region_code", "所在工会行政区划代码", "orgs.Organisation.region", "GB/T 2260",
            lambda m, clear: m.union.region_id or ""),
    Element("join_date", "入会日期", "members.Membership.since", "GB/T 7408（YYYYMMDD）",
            lambda m, clear: _date(m.since)),
    Element("affiliated", "是否挂靠会籍", "members.Membership.provisional", "1 是，0 否",
            lambda m, clear: "1" if m.provisional else "0"),
]

# Org kinds as codes of their own (the standard's org-type code table is not available; see the doc).
ORG_KIND_CODES = {
    Organisation.Kind.NATIONAL: "10", Organisation.Kind.PROVINCE: "20", Organisation.Kind.CITY: "30",
    Organisation.Kind.COUNTY: "40", Organisation.Kind.INDUSTRY: "50", Organisation.Kind.TOWNSHIP: "60",
    Organisation.Kind.GRASSROOTS: "70", Organisation.Kind.JOINT: "71", Organisation.Kind.BRANCH: "80",
}
ORG_STATUS_CODES = {Organisation.Status.ACTIVE: "1", Organisation.Status.SUSPENDED: "2",
                    Organisation.Status.DISSOLVED: "3"}

ORG_ELEMENTS: list[Element] = [
    Element("org_id", "组织编号", "orgs.Organisation.pk（本平台内编号）", "", lambda o: str(o.pk)),
    Element("name", "工会组织名称", "orgs.Organisation.name", "", lambda o: o.name),
    Element("credit_code", "统一社会信用代码", "orgs.Organisation.credit_code", "GB 32100", lambda o: o.credit_code),
    Element("kind_code", "组织类型代码", "orgs.Organisation.kind", "本平台代码（见文档）",
            lambda o: ORG_KIND_CODES.get(o.kind, "")),
    Element("kind_name", "组织类型", "orgs.Organisation.kind", "", lambda o: o.get_kind_display()),
    Element("parent_id", "上级组织编号", "orgs.Organisation.parent", "", lambda o: str(o.parent_id or "")),
    Element("parent_name", "上级工会组织名称", "orgs.Organisation.parent.name", "",
            lambda o: o.parent.name if o.parent_id else ""),
    Element("region_code", "行政区划代码", "orgs.Organisation.region", "GB/T 2260", lambda o: o.region_id or ""),
    Element("founded_on", "成立日期", "orgs.Organisation.founded_on", "GB/T 7408（YYYYMMDD）",
            lambda o: _date(o.founded_on)),
    Element("address", "地址", "orgs.Organisation.address", "", lambda o: o.address),
    Element("member_count", "本级会员数", "orgs.Organisation.member_count", "", lambda o: str(o.member_count)),
    Element("subtree_member_count", "含下级会员数", "orgs.Organisation.subtree_member_count", "",
            lambda o: str(o.subtree_member_count)),
    Element("status_code", "组织状态代码", "orgs.Organisation.status", "1 正常，2 暂停，3 已撤销",
            lambda o: ORG_STATUS_CODES.get(o.status, "")),
]
ELEMENTS = {"members": MEMBER_ELEMENTS, "orgs": ORG_ELEMENTS}


def members_queryset(org: Organisation):
    return (Membership.objects.filter(subtree_q(org.path, "union_path"), status=Membership.Status.ACTIVE)
            .select_related("person", "person__employer", "union").order_by("union_path", "id"))


def orgs_queryset(org: Organisation):
    return Organisation.objects.filter(subtree_q(org.path)).select_related("parent").order_by("path")


def queryset(dataset: str, org: Organisation):
    return members_queryset(org) if dataset == "members" else orgs_queryset(org)


def values(dataset: str, obj, *, clear_ids: bool = False) -> list[str]:
    if dataset == "members":
        return [e.value(obj, clear_ids) or "" for e in MEMBER_ELEMENTS]
    return [e.value(obj) or "" for e in ORG_ELEMENTS]


def record(dataset: str, obj, *, clear_ids: bool = False) -> dict[str, str]:
    return dict(zip((e.id for e in ELEMENTS[dataset]), values(dataset, obj, clear_ids=clear_ids), strict=True))


def headers(dataset: str) -> list[str]:
    return [e.name for e in ELEMENTS[dataset]]


def rows(dataset: str, org: Organisation, *, clear_ids: bool = False) -> Iterator[list[str]]:
    for obj in queryset(dataset, org).iterator(chunk_size=2000):
        yield values(dataset, obj, clear_ids=clear_ids)


def csv_lines(dataset: str, org: Organisation, *, clear_ids: bool = False, counter: list | None = None
              ) -> Iterator[str]:
    """The CSV text line by line (UTF-8 BOM first, for Excel), for a streaming response or a file; `counter` (a
    one-element list) receives the number of data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values_: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values_)
        return buffer.getvalue()

    yield "\ufeff" + line(headers(dataset))
    n = 0
    for row in rows(dataset, org, clear_ids=clear_ids):
        n += 1
        yield line(row)
    if counter is not None:
        counter.append(n)


def write_csv(path: Path, dataset: str, org: Organisation, *, clear_ids: bool) -> int:
    counter: list[int] = []
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        for text in csv_lines(dataset, org, clear_ids=clear_ids, counter=counter):
            fh.write(text)
    return counter[0]


def workbook_bytes(datasets, org: Organisation, *, clear_ids: bool) -> tuple[bytes, dict[str, int]]:
    """An .xlsx with one sheet per dataset (write-only mode: rows are not kept in memory)."""
    book = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for dataset in datasets:
        sheet = book.create_sheet(DATASETS[dataset])
        sheet.append(headers(dataset))
        n = 0
        for row in rows(dataset, org, clear_ids=clear_ids):
            sheet.append(row)
            n += 1
        counts[dataset] = n
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), counts


def log_export(org: Organisation, *, by, dataset: str, fmt: str, rows_: int, clear_ids: bool, via: str,
               reason: str = "", key=None) -> None:
    """One audit event per export: filed under the org (and with the key as target for an API export, so the key's
    audit page lists it); the data holds counts and the reason, never a value."""
    log_event("insight.national.export", actor=by, target=key, org=org,
              data={"dataset": DATASETS.get(dataset, dataset), "format": fmt, "rows": rows_,
                    "clear_ids": bool(clear_ids), "reason": reason, "via": via})


def export_to_file(org: Organisation, *, to: Path, datasets=("members", "orgs"), clear_ids: bool = True, by,
                   reason: str = "", via: str = "command") -> dict[str, Path | int]:
    """Write the layout to `to` (.xlsx: one sheet per dataset; .csv: one file per dataset, `<stem>.<dataset>.csv`
    when there are several); audited. Returns {dataset: rows}."""
    to = Path(to)
    counts: dict[str, int] = {}
    if to.suffix.lower() == ".xlsx":
        content, counts = workbook_bytes(datasets, org, clear_ids=clear_ids)
        to.write_bytes(content)
        fmt = "xlsx"
    else:
        fmt = "csv"
        for dataset in datasets:
            target = to if len(datasets) == 1 else to.with_name(f"{to.stem}.{dataset}{to.suffix or '.csv'}")
            counts[dataset] = write_csv(target, dataset, org, clear_ids=clear_ids)
    for dataset, n in counts.items():
        log_export(org, by=by, dataset=dataset, fmt=fmt, rows_=n, clear_ids=clear_ids and dataset == "members",
                   via=via, reason=reason)
    return counts
