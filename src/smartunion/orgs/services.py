"""Writes on orgs, employers and positions. Each is atomic and leaves an audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from smartunion.core import codes
from smartunion.core.audit import log_event
from smartunion.core.cache import clear_local_caches
from smartunion.core.forms import check_text_fields
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import validate_credit_code, validate_mobile
from smartunion.core.workflow import Transition, Workflow, transition
from smartunion.orgs.models import Employer, Organisation, Position, Region, ancestor_paths, segment
from smartunion.orgs.queries import can_manage, clear_scope_cache

# Which kinds may sit under which (a parent of another kind is refused with a clear message).
ALLOWED_CHILDREN: dict[str, tuple[str, ...]] = {
    Organisation.Kind.NATIONAL: (Organisation.Kind.PROVINCE, Organisation.Kind.INDUSTRY),
    Organisation.Kind.PROVINCE: (Organisation.Kind.CITY, Organisation.Kind.INDUSTRY, Organisation.Kind.GRASSROOTS),
    Organisation.Kind.CITY: (Organisation.Kind.COUNTY, Organisation.Kind.INDUSTRY, Organisation.Kind.GRASSROOTS,
                             Organisation.Kind.JOINT, Organisation.Kind.TOWNSHIP),
    Organisation.Kind.COUNTY: (Organisation.Kind.TOWNSHIP, Organisation.Kind.INDUSTRY, Organisation.Kind.GRASSROOTS,
                               Organisation.Kind.JOINT),
    Organisation.Kind.INDUSTRY: (Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT, Organisation.Kind.INDUSTRY),
    Organisation.Kind.TOWNSHIP: (Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT),
    Organisation.Kind.GRASSROOTS: (Organisation.Kind.BRANCH,),
    Organisation.Kind.JOINT: (Organisation.Kind.BRANCH,),
    Organisation.Kind.BRANCH: (Organisation.Kind.BRANCH,),
}

ORG_FIELDS = ("name", "region", "credit_code", "address", "latitude", "longitude", "founded_on", "contact_name",
              "contact_phone", "review_days", "serves_employment_forms", "serves_platforms")


def _clean_org_fields(*, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写组织名称"
        elif len(name) > 100:
            errors["name"] = "组织名称不能超过100个字"
        cleaned["name"] = name
    if values.get("credit_code"):
        try:
            cleaned["credit_code"] = validate_credit_code(values["credit_code"])
        except ValidationError as exc:
            errors["credit_code"] = exc.messages[0]
    elif "credit_code" in values:
        cleaned["credit_code"] = ""
        if kind in (Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT) and values.get("require_credit_code"):
            errors["credit_code"] = "基层工会须填写统一社会信用代码"
    cleaned.pop("require_credit_code", None)
    if values.get("contact_phone"):
        try:
            cleaned["contact_phone"] = validate_mobile(values["contact_phone"])
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages[0]
    region = values.get("region")
    if isinstance(region, str):
        found = Region.objects.filter(pk=region).first()
        if found is None:
            errors["region"] = "行政区划代码不存在"
        cleaned["region"] = found
    lat, lng = values.get("latitude"), values.get("longitude")
    if lat is not None and not (-90 <= float(lat) <= 90):
        errors["latitude"] = "纬度应在 -90 到 90 之间"
    if lng is not None and not (-180 <= float(lng) <= 180):
        errors["longitude"] = "经度应在 -180 到 180 之间"
    for name in ("serves_employment_forms", "serves_platforms"):
        if name in values:
            value = values[name] or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[name] = "应为文字列表"
            cleaned[name] = value
    days = values.get("review_days")
    if days is not None:
        if kind not in Organisation.FEDERATION_KINDS:
            errors["review_days"] = "只有总工会可以设置入会审核时限"
        elif not 1 <= int(days) <= 30:
            errors["review_days"] = "入会审核时限应为1到30个工作日"
    for name, table in (("serves_employment_forms", "employment_form"),):
        bad = [c for c in values.get(name) or [] if not codes.is_valid(table, c)]
        if bad:
            errors[name] = "用工形式代码无效：" + "、".join(bad)
    if (values.get("serves_employment_forms") or values.get("serves_platforms")) and kind != Organisation.Kind.JOINT:
        errors.setdefault("serves_employment_forms", "只有联合基层工会可以设置面向的新就业形态")
    founded = values.get("founded_on")
    if isinstance(founded, dt.date) and founded > dt.date.today():
        errors["founded_on"] = "成立日期不能晚于今天"
    check_text_fields(Organisation, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def org_create(*, parent: Organisation | None, kind: str, name: str, by=None, **fields) -> Organisation:
    """Create an org under `parent` (None only for the root) after checking the actor's right and the kind."""
    if kind not in Organisation.Kind.values:
        raise ValidationError({"kind": "组织类型无效"})
    if parent is None:
        if by is not None and not getattr(by, "is_superuser", False):
            raise ValidationError({"parent": "请选择上级组织"})
    else:
        if by is not None and not can_manage(by, parent):
            raise PermissionError("您无权在该组织下新建组织")
        if kind not in ALLOWED_CHILDREN.get(parent.kind, ()):
            raise ValidationError({"kind": f"“{parent.get_kind_display()}”下不能设立“{Organisation.Kind(kind).label}”"})
        if parent.status != Organisation.Status.ACTIVE:
            raise ValidationError({"parent": "上级组织不是正常状态，不能新建下级组织"})
    values = _clean_org_fields(kind=kind, values={"name": name, **fields})
    with transaction.atomic():
        org = Organisation(kind=kind, parent=parent, path="", depth=0, **values)
        org.path = f"pending-{id(org)}"
        org.save()
        # The path needs the primary key, which the database gives on insert.
        org.path = (parent.path if parent else "") + segment(org.pk)
        org.depth = (parent.depth + 1) if parent else 0
        Organisation.objects.filter(pk=org.pk).update(path=org.path, depth=org.depth)
        clear_local_caches()
        transaction.on_commit(clear_local_caches)
        log_event("orgs.organisation.create", actor=by, target=org,
                  data={"kind": kind, "parent": getattr(parent, "pk", None)})
    return org


def org_update(org: Organisation, *, by=None, **fields) -> Organisation:
    """Change an org's own fields (not its place in the tree)."""
    if by is not None and not can_manage(by, org):
        raise PermissionError("您无权修改该组织")
    unknown = set(fields) - set(ORG_FIELDS)
    if unknown:
        raise ValidationError({name: "该字段不能修改" for name in unknown})
    values = _clean_org_fields(kind=org.kind, values=fields)
    changed = {}
    with transaction.atomic():
        for name, value in values.items():
            old = getattr(org, name)
            if old != value:
                changed[name] = name if name == "contact_phone" else str(value)
                setattr(org, name, value)
        if changed:
            org.save(update_fields=list(values))
            clear_local_caches()
            transaction.on_commit(clear_local_caches)
            log_event("orgs.organisation.update", actor=by, target=org, data={"fields": sorted(changed)})
    return org


# Org status is a workflow: suspend / resume / dissolve, each by a manager above the org.


def _manager_above(actor, org) -> bool:
    return actor is not None and org.parent_id is not None and can_manage(actor, org.parent)


ORG_STATUS = Workflow(
    name="orgs.organisation.status",
    field="status",
    state_labels=dict(Organisation.Status.choices),
    transitions=[
        Transition("suspend", source="active", target="suspended", label="暂停", allowed=_manager_above,
                   note_required=True),
        Transition("resume", source="suspended", target="active", label="恢复", allowed=_manager_above),
        Transition("dissolve", source=("active", "suspended"), target="dissolved", label="撤销",
                   allowed=_manager_above, note_required=True),
    ],
)


def org_change_status(org: Organisation, action: str, *, by, note: str = "") -> Organisation:
    if action == "dissolve":
        if Organisation.objects.filter(parent=org).exclude(status=Organisation.Status.DISSOLVED).exists():
            raise ValidationError("该组织还有下级组织，不能撤销")
        if Organisation.objects.filter(pk=org.pk, member_count__gt=0).exists():  # fresh, not the caller's copy
            raise ValidationError("该组织还有会员，请先办理会员转出后再撤销")
    done = transition(org, action, workflow=ORG_STATUS, by=by, note=note)
    clear_local_caches()
    return done


# Maintained member figures


def adjust_member_count(org: Organisation, delta: int) -> None:
    """Add `delta` active members to an org and to every ancestor's subtree figure, in one statement each."""
    if not delta:
        return
    Organisation.objects.filter(pk=org.pk).update(member_count=F("member_count") + delta)
    Organisation.objects.filter(path__in=ancestor_paths(org.path)).update(
        subtree_member_count=F("subtree_member_count") + delta
    )


def recount_members() -> int:
    """Recompute both figures from the memberships (after bulk loads); returns the number of orgs.

    Set-based, so it stays a handful of statements at 500k orgs: the direct counts in one UPDATE, then the subtree
    figures level by level from the deepest, each org adding its children's already-final figures.
    """
    from smartunion.members.models import Membership

    active = (
        Membership.objects.filter(union=OuterRef("pk"), status=Membership.Status.ACTIVE)
        .order_by().values("union").annotate(n=Count("pk")).values("n")
    )
    children = (
        Organisation.objects.filter(parent=OuterRef("pk"))
        .order_by().values("parent").annotate(s=Sum("subtree_member_count")).values("s")
    )
    with transaction.atomic():
        total = Organisation.objects.update(member_count=Coalesce(Subquery(active), 0))
        deepest = Organisation.objects.aggregate(d=Max("depth"))["d"] or 0
        for depth in range(deepest, -1, -1):
            Organisation.objects.filter(depth=depth).update(
                subtree_member_count=F("member_count") + Coalesce(Subquery(children), 0)
            )
    return total


# Employers


EMPLOYER_FIELDS = ("name", "credit_code", "region", "industry", "size", "address", "covering_union", "township_union")


def _clean_employer_fields(values: dict[str, Any], *, instance: Employer | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写单位名称"
        cleaned["name"] = name
        cleaned["normalized_name"] = normalize_employer_name(name)
    if values.get("credit_code"):
        try:
            code = validate_credit_code(values["credit_code"])
            cleaned["credit_code"] = code
            clash = Employer.objects.filter(credit_code=code)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["credit_code"] = "该统一社会信用代码已登记为其他单位"
        except ValidationError as exc:
            errors["credit_code"] = exc.messages[0]
    elif "credit_code" in values:
        cleaned["credit_code"] = None
    region = values.get("region")
    if isinstance(region, str):
        found = Region.objects.filter(pk=region).first()
        if found is None:
            errors["region"] = "行政区划代码不存在"
        cleaned["region"] = found
    if "region" in values and values.get("region") in (None, ""):
        errors["region"] = "请填写所在行政区划"
    if values.get("industry") and not codes.is_valid("industry", values["industry"]):
        errors["industry"] = "行业代码无效（应为 GB/T 4754 门类 A–T）"
    if values.get("size") and values["size"] not in Employer.Size.values:
        errors["size"] = "单位规模无效"
    union = values.get("covering_union")
    if union is not None and union.kind not in (Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT):
        errors["covering_union"] = "所属工会应为基层工会或联合基层工会"
    township = values.get("township_union")
    if township is not None and township.kind != Organisation.Kind.TOWNSHIP:
        errors["township_union"] = "属地工会应为乡镇（街道）工会"
    if instance is not None and ("covering_union" in values or "township_union" in values):
        after = {name: values.get(name, getattr(instance, name)) for name in ("covering_union", "township_union")}
        if after["covering_union"] is None and after["township_union"] is None:
            errors["township_union"] = "请至少填写所属工会或属地乡镇（街道）工会"
    check_text_fields(Employer, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _employer_in_scope(by, values, employer=None) -> bool:
    unions = [values.get("covering_union"), values.get("township_union")]
    if employer is not None:
        unions += [employer.covering_union, employer.township_union]
    unions = [u for u in unions if u is not None]
    return bool(unions) and all(can_manage(by, u) for u in unions)


def employer_create(*, name: str, region, by=None, **fields) -> Employer:
    """Register an employer; a cadre may only do so for unions in their own scope."""
    values = _clean_employer_fields({"name": name, "region": region, **fields})
    if by is not None and not _employer_in_scope(by, values):
        raise PermissionError("请选择您管辖范围内的所属工会或属地工会")
    with transaction.atomic():
        employer = Employer.objects.create(**values)
        log_event("orgs.employer.create", actor=by, target=employer,
                  org=employer.covering_union or employer.township_union)
    return employer


def employer_update(employer: Employer, *, by=None, **fields) -> Employer:
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise ValidationError({name: "该字段不能修改" for name in unknown})
    values = _clean_employer_fields(fields, instance=employer)
    if by is not None and not _employer_in_scope(by, values, employer):
        raise PermissionError("您无权修改该单位")
    changed = sorted(name for name, value in values.items() if getattr(employer, name) != value)
    if not changed:
        return employer  # nothing to write, nothing to audit (re-imports of the same file)
    with transaction.atomic():
        for name in changed:
            setattr(employer, name, values[name])
        employer.save(update_fields=changed)
        log_event("orgs.employer.update", actor=by, target=employer,
                  org=employer.covering_union or employer.township_union,
                  data={"fields": [n for n in changed if n != "normalized_name"]})
    return employer


# Positions


def position_grant(*, user, org: Organisation, role: str, by=None, since: dt.date | None = None) -> Position:
    if role not in Position.Role.values:
        raise ValidationError({"role": "职务无效"})
    if by is not None and not can_manage(by, org):
        raise PermissionError("您无权在该组织任命干部")
    with transaction.atomic():
        position, created = Position.objects.get_or_create(user=user, org=org, role=role, defaults={"since": since})
        if created:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            log_event("orgs.position.grant", actor=by, target=position, org=org, data={"user": user.pk, "role": role})
    clear_scope_cache(user)
    return position


def position_revoke(position: Position, *, by=None) -> None:
    if by is not None and not can_manage(by, position.org):
        raise PermissionError("您无权撤销该职务")
    with transaction.atomic():
        log_event("orgs.position.revoke", actor=by, target=position, org=position.org,
                  data={"user": position.user_id, "role": position.role})
        position.delete()
    clear_scope_cache(position.user)


def org_join_token(org: Organisation, *, by=None) -> str:
    """The union's scan-to-join token, created the first time its poster is printed."""
    import secrets

    if org.kind not in Organisation.MEMBER_KINDS:
        raise ValidationError("只有基层工会、联合基层工会、乡镇（街道）工会和分工会可以扫码入会")
    if org.join_token:
        return org.join_token
    token = secrets.token_urlsafe(12)
    updated = Organisation.objects.filter(pk=org.pk, join_token__isnull=True).update(join_token=token)
    if updated:
        org.join_token = token
        log_event("orgs.organisation.join_token", actor=by, target=org)
        return token
    org.refresh_from_db(fields=["join_token"])
    return org.join_token
