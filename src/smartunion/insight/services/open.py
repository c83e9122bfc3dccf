"""API keys (接口密钥) and open data (开放数据): the writes with `by=`, and the PII-free statistics per region.

Keys: `create_key` makes a key for a province or city federation and returns the row and the whole key (shown
once; only its digest is stored); `revoke_key` ends it at once (authentication reads the row on every request).
Both are audited, filed under the key's org with the key as target, so the key's audit page lists its life and
every national-layout export made with it.

Open statistics (`statistics`): one row per federation (province, city, county) in the org's subtree, optionally
under one region, for one month: the figures of insight.Figure (the `subtree` value) for the people counts, the
live counters of orgs.Organisation for the stock figures of the current month, and the org and employer counts
as they are now. Small cells are suppressed so that nobody can be singled out (SUPPRESSION below).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, NotFound
from smartunion.core.models import AuditEvent
from smartunion.insight import apikeys, figures
from smartunion.insight.models import ApiKey, Figure
from smartunion.insight.rules_open import MAX_RATE_PER_MINUTE, SCOPES, can_manage_keys
from smartunion.orgs.models import Employer, Organisation, subtree_q

K = Organisation.Kind

# Keys ---------------------------------------------------------------------------------------------------------------


def _user(by):
    return by if getattr(by, "pk", None) else None


def create_key(*, org: Organisation, name: str, scopes, rate_per_minute: int, expires_at=None,
               by) -> tuple[ApiKey, str]:
    """A new key for `org`; returns (row, the whole key). The key is shown once and never stored."""
    if not can_manage_keys(by, org):
        raise Forbidden("只有省、市总工会的主席或管理员可以为本单位创建接口密钥")
    name = (name or "").strip()
    scopes = sorted(set(scopes or []))
    fields = {}
    if not name:
        fields["name"] = "请填写名称"
    elif len(name) > 100:
        fields["name"] = "名称不能超过100个字"
    if not scopes:
        fields["scopes"] = "请至少选择一项权限"
    elif any(s not in SCOPES for s in scopes):
        fields["scopes"] = "权限范围无效"
    if not isinstance(rate_per_minute, int) or not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE:
        fields["rate_per_minute"] = f"每分钟请求上限应为1至{MAX_RATE_PER_MINUTE}"
    if expires_at is not None and expires_at <= timezone.now():
        fields["expires_at"] = "到期时间应晚于现在"
    if fields:
        raise Invalid.from_fields(fields)
    new = apikeys.generate()
    with transaction.atomic():
        key = ApiKey.objects.create(org=org, org_path=org.path, name=name, prefix=new.prefix, digest=new.digest,
                                    scopes=scopes, rate_per_minute=rate_per_minute, expires_at=expires_at,
                                    created_by=_user(by))
        log_event("insight.api_key.create", actor=by, target=key, org=org,
                  data={"name": name, "scopes": scopes, "rate_per_minute": rate_per_minute,
                        "expires_at": expires_at.isoformat() if expires_at else ""})
    return key, new.secret


def revoke_key(key: ApiKey, *, by) -> ApiKey:
    if not can_manage_keys(by, key.org):
        raise Forbidden("只有省、市总工会的主席或管理员可以吊销本单位的接口密钥")
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            active=False, revoked_at=timezone.now())
        if not changed:
            raise Invalid("该接口密钥已吊销", code="already_revoked")
        key.refresh_from_db()
        log_event("insight.api_key.revoke", actor=by, target=key, org=key.org, data={"name": key.name})
    return key


def key_events(key: ApiKey):
    """The key's audit trail: its creation, revocation and every national-layout export made with it."""
    return AuditEvent.objects.filter(target_type=ApiKey._meta.label_lower, target_id=str(key.pk)).order_by(
        "-created_at", "-id")


# Open statistics ----------------------------------------------------------------------------------------------------

SUPPRESS_BELOW = 5
SMALL = f"<{SUPPRESS_BELOW}"
HIDDEN = "*"
SUPPRESSION = (f"涉及人数的统计值为1至{SUPPRESS_BELOW - 1}时显示为“{SMALL}”（0照常显示）；"
               f"同一上级下的同级地区中某项只有一个被隐藏时，再隐藏其中最小的另一个，显示为“{HIDDEN}”，以防由上级合计反推。单位个数和建会率不涉及个人，不隐藏。")
# The figures that count people (suppressed); the others count orgs and employers.
PEOPLE = ("members", "gig_members", "joins", "transfers_in", "transfers_out")
COLUMNS: list[tuple[str, str, str, str]] = [
    *[(k, figures.BY_KEY[k].label, figures.BY_KEY[k].unit, figures.BY_KEY[k].definition) for k in PEOPLE],
    ("unions", "基层工会数", "个", "本地区（含下级）正常状态的基层工会、联合基层工会和乡镇（街道）工会个数，当前数"),
    ("employers", "登记用人单位数", "个", "属地在本地区（含下级）的用人单位数（用人单位名录），当前数"),
    ("organised_employers", "已建会单位数", "个", "上述用人单位中已有所在工会的个数，当前数"),
    ("coverage_rate", "建会率", "‰", "已建会单位数 ÷ 登记用人单位数，千分比（整数）"),
]
ROW_FIELDS = [("region_code", "行政区划代码"), ("region_name", "地区"), ("org_name", "总工会"), ("level", "层级"),
              ("month", "月份")]
UNION_KINDS = (K.TOWNSHIP, K.GRASSROOTS, K.JOINT, K.INDUSTRY)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None, *, field: str = "month") -> dt.date:
    """"2026-11" -> date(2026, 11, 1); empty: the current month."""
    if not text:
        return timezone.localdate().replace(day=1)
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise Invalid.from_fields({field: "月份格式应为 YYYY-MM"})
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _region_prefix(code: str) -> str:
    """370100 -> 3701, 370000 -> 37, 370102 -> 370102 (a region code stands for its whole area)."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def federations(org: Organisation) -> list[Organisation]:
    """The federations (province, city, county) with a region in `org`'s subtree: the rows of the statistics."""
    return list(Organisation.objects.filter(subtree_q(org.path), kind__in=(K.PROVINCE, K.CITY, K.COUNTY),
                                            status=Organisation.Status.ACTIVE, region__isnull=False)
                .select_related("region").order_by("path")[:5000])


def check_region(region: str) -> str:
    region = (region or "").strip()
    if region and not re.fullmatch(r"\d{6}", region):
        raise Invalid.from_fields({"region": "地区应为6位行政区划代码"})
    return region


def _counts_by_prefix(queryset, field: str, rows: list[Organisation]) -> dict[str, int]:
    """{org path: count of `queryset` rows whose `field` (a path) lies in that org's subtree}: one grouped query per
    distinct depth among the rows (three at most: province, city, county), not one per row."""
    out: dict[str, int] = {}
    for length in sorted({len(o.path) for o in rows}):
        paths = [o.path for o in rows if len(o.path) == length]
        q = Q()
        for path in paths:
            q |= subtree_q(path, field)
        grouped = (queryset.filter(q).order_by().annotate(p=Substr(field, 1, length)).values("p")
                   .annotate(n=Count("pk")).values_list("p", "n"))
        out.update({p: n for p, n in grouped})
    return out


def statistics(org: Organisation, *, month: dt.date, region: str = "") -> dict:
    """The open statistics of `org`'s subtree for `month` (the first day), suppressed; see the module docstring."""
    region = check_region(region)
    rows_orgs = federations(org)
    ids = [o.pk for o in rows_orgs]
    values: dict[int, dict[str, int]] = {o.pk: dict.fromkeys(PEOPLE, 0) for o in rows_orgs}
    for org_id, key, subtree in Figure.objects.filter(org_id__in=ids, month=month, key__in=PEOPLE).values_list(
            "org_id", "key", "subtree"):
        values[org_id][key] = int(subtree)
    if month == timezone.localdate().replace(day=1):
        for o in rows_orgs:  # the stock figures of the current month: the live counters
            values[o.pk]["members"] = o.subtree_member_count
            values[o.pk]["gig_members"] = o.subtree_gig_member_count
    unions = _counts_by_prefix(Organisation.objects.filter(kind__in=UNION_KINDS, status=Organisation.Status.ACTIVE),
                               "path", rows_orgs)
    employers = _counts_by_prefix(Employer.objects.all(), "area_path", rows_orgs)
    organised = _counts_by_prefix(Employer.objects.filter(covering_union__isnull=False), "area_path", rows_orgs)
    out_rows = []
    for o in rows_orgs:
        v = values[o.pk]
        n_employers, n_organised = employers.get(o.path, 0), organised.get(o.path, 0)
        out_rows.append({
            "region_code": o.region.code if o.region else "", "region_name": o.region.name if o.region else "",
            "org_name": o.name,
            "level": o.get_kind_display(), "month": f"{month:%Y-%m}", **v,
            "unions": unions.get(o.path, 0), "employers": n_employers, "organised_employers": n_organised,
            "coverage_rate": round(n_organised * 1000 / n_employers) if n_employers else None,
            "_parent": o.parent_id, "_path": o.path,
        })
    # Suppressed over the whole subtree, then cut to the region: a region's answer hides what the full one hides.
    suppress(out_rows, PEOPLE)
    if region:
        prefix = _region_prefix(region)
        out_rows = [r for r in out_rows if str(r["region_code"]).startswith(prefix)]
        if not out_rows:
            raise NotFound("该地区不在本单位范围内或没有总工会")
    for row in out_rows:
        row.pop("_parent")
        row.pop("_path")
    return {"org": org.name, "month": f"{month:%Y-%m}", "region": region, "suppression": SUPPRESSION,
            "columns": [{"key": k, "label": label} for k, label in ROW_FIELDS]
            + [{"key": k, "label": label, "unit": unit, "definition": d} for k, label, unit, d in COLUMNS],
            "rows": out_rows}


def suppress(rows: list[dict], keys) -> None:
    """Small-cell suppression in place: 1..SUPPRESS_BELOW-1 -> SMALL; then in each group of siblings (rows with the
    same parent) where exactly one cell of a key is hidden, the smallest other cell of that key -> HIDDEN (the
    parent's total, published in its own row or another answer, would give the hidden one away by subtraction)."""
    for row in rows:
        for key in keys:
            if 0 < row[key] < SUPPRESS_BELOW:
                row[key] = SMALL
    groups: dict = {}
    for row in rows:
        groups.setdefault(row["_parent"], []).append(row)
    for siblings in groups.values():
        if len(siblings) < 2:
            continue
        for key in keys:
            hidden = [r for r in siblings if r[key] in (SMALL, HIDDEN)]
            if len(hidden) == 1:
                others = [r for r in siblings if isinstance(r[key], int)]
                smallest = min(others, key=lambda r: (r[key], r["_path"]))
                smallest[key] = HIDDEN


def statistics_csv(data: dict) -> str:
    """The statistics as CSV (UTF-8 with BOM for Excel), Chinese headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c["label"] for c in data["columns"]])
    keys = [c["key"] for c in data["columns"]]
    for row in data["rows"]:
        writer.writerow(["" if row[k] is None else row[k] for k in keys])
    return "\ufeff" + buffer.getvalue()
