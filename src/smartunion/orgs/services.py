"""Writes on orgs, employers and positions. Each is atomic and leaves an audit event.

Each takes the acting user as `by` (core.actors.SYSTEM for the seeder, commands and the platform's own registrations,
which these services let through their right checks) and refuses with core.errors: Invalid with field messages for
bad input, Forbidden (ScopeRefused when the refusal is about a field's value) for a missing right.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from smartunion.core import codes
from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.cache import clear_local_caches
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.forms import check_text_fields
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import validate_credit_code, validate_mobile
from smartunion.core.workflow import Transition, Workflow, transition
from smartunion.orgs.models import Employer, Organisation, Position, Region, ancestor_paths, segment, subtree_q
from smartunion.orgs.queries import can_manage, clear_scope_cache, is_unrestricted
from smartunion.orgs.regions import (
    code_prefix,
    derived_township_union,
    federation_for_region,
    nearest_federation,
    region_within,
    regions_related,
)


class ScopeRefused(Forbidden):
    """A refusal on scope that names the field it concerns (forms show it there, imports in that column)."""

    def __init__(self, message: str, field: str):
        super().__init__(message, fields={field: message})
        self.field = field


def _may_manage(by, org: Organisation | None) -> bool:
    """The actor's right to write in `org` (a chair or administrator at or above it); SYSTEM may."""
    return is_system(by) or can_manage(by, org)


REGION_CHANGE_REFUSED = "变更组织的行政区划须由上级组织的管理员办理"

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
        raise Invalid.from_fields(errors)
    return cleaned


def org_create(*, parent: Organisation | None, kind: str, name: str, by, **fields) -> Organisation:
    """Create an org under `parent` (None only for the root, by SYSTEM or a platform operator) after checking the
    actor's right and the kind."""
    require_actor(by)
    if kind not in Organisation.Kind.values:
        raise Invalid.from_fields({"kind": "组织类型无效"})
    if parent is None:
        if not (is_system(by) or is_unrestricted(by)):
            raise Invalid.from_fields({"parent": "请选择上级组织"})
    else:
        if not _may_manage(by, parent):
            raise Forbidden("您无权在该组织下新建组织")
        if kind not in ALLOWED_CHILDREN.get(parent.kind, ()):
            raise Invalid.from_fields(
                {"kind": f"“{parent.get_kind_display()}”下不能设立“{Organisation.Kind(kind).label}”"})
        if parent.status != Organisation.Status.ACTIVE:
            raise Invalid.from_fields({"parent": "上级组织不是正常状态，不能新建下级组织"})
    values = _clean_org_fields(kind=kind, values={"name": name, **fields})
    if parent is not None and values.get("region") is not None:
        _check_region_within_federation(values["region"], parent, include_self=True)
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
        _claim_area_employers(org)
        log_event("orgs.organisation.create", actor=by, target=org,
                  data={"kind": kind, "parent": getattr(parent, "pk", None)})
    return org


def _check_region_within_federation(region: Region, below: Organisation, *, include_self: bool) -> None:
    """An org's region lies within that of the nearest federation above it (so no edit can widen a scope)."""
    federation = nearest_federation(below, include_self=include_self)
    if federation is not None and not region_within(region.code, federation[0]):
        _code, region_name, org_name = federation
        raise Invalid.from_fields({"region": f"行政区划应在上级总工会“{org_name}”的区域（{region_name}）内"})


def _claim_area_employers(org: Organisation) -> None:
    """Employers registered before the union of their area existed move to it: a township union takes the
    employers of its township-level region that have none; a federation takes those whose area is only known
    further up (or not at all)."""
    region = org.region if org.region_id is not None else None
    if region is None or org.status != Organisation.Status.ACTIVE:
        return
    if org.kind == Organisation.Kind.TOWNSHIP and region.level == Region.Level.TOWNSHIP:
        if derived_township_union(region) == org:
            Employer.objects.filter(region_id=org.region_id, township_union__isnull=True).update(
                township_union=org, area_path=org.path)
    elif org.is_federation and region.level != Region.Level.TOWNSHIP:
        prefix = code_prefix(region.code)
        upper = str(int(prefix) + 1).zfill(len(prefix))
        Employer.objects.filter(county_code__gte=prefix, county_code__lt=upper, township_union__isnull=True,
                                area_path__in=["", *ancestor_paths(org.path)[:-1]]).update(area_path=org.path)


def may_change_region(user, org: Organisation) -> bool:
    """Moving an org to another region is for a manager above it: its own cadres could otherwise widen their
    scope (a city's township union set onto another city's region would receive that city's applications)."""
    if is_system(user) or is_unrestricted(user):
        return True
    return org.parent_id is not None and can_manage(user, org.parent)


def _check_region_change(org: Organisation, region: Region | None) -> None:
    """The new region keeps the org within its federation and its own subtree and employers within it."""
    if region is None:
        if org.is_federation and org.region_id is not None:
            raise Invalid.from_fields({"region": "总工会的行政区划不能清空"})
        return
    if org.parent_id is not None:
        _check_region_within_federation(region, org, include_self=False)
    if org.is_federation:
        below = set(Organisation.objects.filter(subtree_q(org.path), region__isnull=False).exclude(pk=org.pk)
                    .values_list("region_id", flat=True).distinct())
        if any(not region_within(code, region.code) for code in below):
            raise Invalid.from_fields({"region": "下级组织的行政区划不在新的行政区划内，不能变更"})
        tied = subtree_q(org.path, "area_path") | subtree_q(org.path, "covering_union__path")
        employers = set(Employer.objects.filter(tied).values_list("region_id", flat=True).distinct())
        if any(not region_within(code, region.code) for code in employers):
            raise Invalid.from_fields({"region": "所辖用人单位的行政区划不在新的行政区划内，不能变更"})
    elif org.kind == Organisation.Kind.TOWNSHIP:
        attached = set(Employer.objects.filter(township_union=org).values_list("region_id", flat=True).distinct())
        if any(not regions_related(code, region.code) for code in attached):
            raise Invalid.from_fields({"region": "属地用人单位的行政区划与新的行政区划不符，不能变更"})


def org_update(org: Organisation, *, by, **fields) -> Organisation:
    """Change an org's own fields (not its place in the tree). A new region is a separate, audited act of a
    manager above the org."""
    require_actor(by)
    if not _may_manage(by, org):
        raise Forbidden("您无权修改该组织")
    unknown = set(fields) - set(ORG_FIELDS)
    if unknown:
        raise Invalid.from_fields({name: "该字段不能修改" for name in unknown})
    values = _clean_org_fields(kind=org.kind, values=fields)
    old_region = org.region_id
    region_changes = "region" in values and getattr(values["region"], "pk", None) != old_region
    if region_changes:
        if not may_change_region(by, org):
            raise ScopeRefused(REGION_CHANGE_REFUSED, "region")
        _check_region_change(org, values["region"])
    else:
        values.pop("region", None)
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
        if region_changes:
            log_event("orgs.organisation.change_region", actor=by, target=org,
                      data={"old": old_region, "new": org.region_id})
            _claim_area_employers(org)
        if set(changed) - {"region"}:
            log_event("orgs.organisation.update", actor=by, target=org,
                      data={"fields": sorted(set(changed) - {"region"})})
    return org


# Org status is a workflow: suspend / resume / dissolve, each by a manager above the org.


def _manager_above(actor, org) -> bool:
    return actor is not None and org.parent_id is not None and can_manage(actor, org.parent)


ORG_STATUS = Workflow(
    name="orgs.organisation.status",
    field="status",
    state_labels=dict(Organisation.Status.choices),
    org_of=lambda org: org,
    transitions=[
        Transition("suspend", source="active", target="suspended", label="暂停", allowed=_manager_above,
                   note_required=True),
        Transition("resume", source="suspended", target="active", label="恢复", allowed=_manager_above),
        Transition("dissolve", source=("active", "suspended"), target="dissolved", label="撤销",
                   allowed=_manager_above, note_required=True),
    ],
)


def org_change_status(org: Organisation, action: str, *, by, note: str = "") -> Organisation:
    """Suspend, resume or dissolve an org (ORG_STATUS); an org with live children or members is not dissolved."""
    require_actor(by)
    if action == "dissolve":
        if Organisation.objects.filter(parent=org).exclude(status=Organisation.Status.DISSOLVED).exists():
            raise Conflict("该组织还有下级组织，不能撤销", code="has_children")
        if Organisation.objects.filter(pk=org.pk, member_count__gt=0).exists():  # fresh, not the caller's copy
            raise Conflict("该组织还有会员，请先办理会员转出后再撤销", code="has_members")
    done = transition(org, action, workflow=ORG_STATUS, by=by, note=note)
    clear_local_caches()
    return done


# Maintained member figures


def adjust_member_count(org: Organisation, delta: int, *, gig: int = 0) -> None:
    """Add `delta` active members, `gig` of them gig workers, to an org and to every ancestor's subtree figures, in
    one statement each."""
    if not delta and not gig:
        return
    Organisation.objects.filter(pk=org.pk).update(
        member_count=F("member_count") + delta, gig_member_count=F("gig_member_count") + gig)
    Organisation.objects.filter(path__in=ancestor_paths(org.path)).update(
        subtree_member_count=F("subtree_member_count") + delta,
        subtree_gig_member_count=F("subtree_gig_member_count") + gig,
    )


def recount_members(active: QuerySet, *, gig: QuerySet | None = None) -> int:
    """Recompute the figures from `active`, the active memberships (rows with a `union` foreign key), and the gig
    figures from `gig` (those of gig workers; none given: set to 0), after bulk loads and nightly; returns the number
    of orgs. The caller says which rows count, so orgs need not know the members app.

    Set-based, so it stays a handful of statements at 500k orgs: the direct counts in one UPDATE, then the subtree
    figures level by level from the deepest, each org adding its children's already-final figures.
    """
    direct = (
        active.filter(union=OuterRef("pk"))
        .order_by().values("union").annotate(n=Count("pk")).values("n")
    )
    direct_gig = (
        gig.filter(union=OuterRef("pk")).order_by().values("union").annotate(n=Count("pk")).values("n")
        if gig is not None else None
    )

    def children(figure: str) -> Subquery:
        return Subquery(
            Organisation.objects.filter(parent=OuterRef("pk"))
            .order_by().values("parent").annotate(s=Sum(figure)).values("s")
        )

    with transaction.atomic():
        total = Organisation.objects.update(
            member_count=Coalesce(Subquery(direct), 0),
            gig_member_count=Coalesce(Subquery(direct_gig), 0) if direct_gig is not None else Value(0),
        )
        deepest = Organisation.objects.aggregate(d=Max("depth"))["d"] or 0
        for depth in range(deepest, -1, -1):
            Organisation.objects.filter(depth=depth).update(
                subtree_member_count=F("member_count") + Coalesce(children("subtree_member_count"), 0),
                subtree_gig_member_count=F("gig_member_count") + Coalesce(children("subtree_gig_member_count"), 0),
            )
    return total


# Employers


EMPLOYER_FIELDS = ("name", "credit_code", "region", "industry", "size", "address", "covering_union", "township_union")
EMPLOYER_SCOPE_REFUSED = "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"


def _clean_employer_fields(values: dict[str, Any], *, instance: Employer | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写单位名称"
        cleaned["name"] = name
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
    check_text_fields(Employer, cleaned, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def _check_employer_area(*, region: Region, covering: Organisation | None, township: Organisation | None) -> None:
    """An employer lies within the area of its covering union's federation, and its township union's region and
    its own are one inside the other (a county-level employer may name the township union of one of its townships)."""
    errors: dict[str, str] = {}
    if covering is not None:
        federation = nearest_federation(covering)
        if federation is not None and not region_within(region.code, federation[0]):
            errors["region"] = f"单位所在行政区划应在所属工会“{covering.name}”所在的区域（{federation[1]}）内"
    if township is not None and township.region_id and not regions_related(region.code, township.region_id):
        errors["township_union"] = f"属地乡镇（街道）工会“{township.name}”不在单位所在的行政区划内"
    if errors:
        raise Invalid.from_fields(errors)


def _name_key(name: str, region: Region) -> str:
    # NFKC can lengthen a name ("㈱" → "(株)"): cut to the column so the insert cannot fail (a name that long is
    # then found by its credit code, not its name).
    return normalize_employer_name(name, region=region.code)[:Employer._meta.get_field("normalized_name").max_length]


def _area(region: Region, township: Organisation | None) -> tuple[str, Organisation | None]:
    """(area_path, the org of that path): the township union, else the nearest federation of the region."""
    org = township or federation_for_region(region.code)
    return (org.path if org is not None else ""), org


def employer_responsible(employer: Employer) -> Organisation | None:
    """The org answerable for an employer: its covering union, else its township union, else its area's federation."""
    if employer.covering_union_id:
        return employer.covering_union
    if employer.township_union_id:
        return employer.township_union
    return federation_for_region(employer.region_id)


def employer_create(*, name: str, region, by, **fields) -> Employer:
    """Register an employer, as registries hold it (name, region, optional credit code) or with its unions.

    Without a township union one is derived from the region; a cadre may register it only when the org responsible
    for it (covering union, else township union, else the area's federation) is one they manage. SYSTEM (an approved
    application's new employer, the seeder) registers it wherever its region puts it."""
    require_actor(by)
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise Invalid.from_fields({name: "该字段不能填写" for name in unknown})
    values = _clean_employer_fields({"name": name, "region": region, **fields})
    covering, township = values.get("covering_union"), values.get("township_union")
    _check_employer_area(region=values["region"], covering=covering, township=township)
    if township is None:
        township = values["township_union"] = derived_township_union(values["region"])
    area_path, area_org = _area(values["region"], township)
    if not is_system(by):
        responsible = covering or township or area_org
        named = [u for u in (covering, fields.get("township_union")) if u is not None]
        if responsible is None or not all(can_manage(by, org) for org in (responsible, *named)):
            raise ScopeRefused(EMPLOYER_SCOPE_REFUSED, "covering_union" if named else "region")
    values.update(normalized_name=_name_key(values["name"], values["region"]),
                  county_code=values["region"].code[:6], area_path=area_path)
    with transaction.atomic():
        employer = Employer.objects.create(**values)
        log_event("orgs.employer.create", actor=by, target=employer, org=covering or township or area_org)
    return employer


def employer_update(employer: Employer, *, by, **fields) -> Employer:
    """Change an employer. A new region re-derives its township union unless one is named; the cadre must manage
    the org responsible for it both before and after, and any union they newly name."""
    require_actor(by)
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise Invalid.from_fields({name: "该字段不能修改" for name in unknown})
    values = _clean_employer_fields(fields, instance=employer)
    region = values.get("region", employer.region)
    covering = values.get("covering_union", employer.covering_union)
    region_moves = region.pk != employer.region_id
    if values.get("township_union") is not None:
        township = values["township_union"]
        check_township = township != employer.township_union or region_moves
    else:
        if "township_union" in values or region_moves:
            values["township_union"] = derived_township_union(region)
        township = values.get("township_union", employer.township_union)
        check_township = False  # derived from the region, so consistent with it
    _check_employer_area(region=region, covering=covering if region_moves or covering != employer.covering_union
                         else None, township=township if check_township else None)
    area_path, area_org = _area(region, township)
    if not is_system(by):
        newly_named = [fields[f] for f in ("covering_union", "township_union")
                       if fields.get(f) is not None and fields[f] != getattr(employer, f)]
        before, after = employer_responsible(employer), covering or township or area_org
        if not all(org is not None and can_manage(by, org) for org in (before, after, *newly_named)):
            raise ScopeRefused("您无权修改该单位", "covering_union")
    values["area_path"] = area_path
    if "name" in values or region_moves:
        values["normalized_name"] = _name_key(values.get("name", employer.name), region)
    values["county_code"] = region.code[:6]
    changed = sorted(name for name, value in values.items() if getattr(employer, name) != value)
    if not changed:
        return employer  # nothing to write, nothing to audit (re-imports of the same file)
    with transaction.atomic():
        for name in changed:
            setattr(employer, name, values[name])
        employer.save(update_fields=changed)
        log_event("orgs.employer.update", actor=by, target=employer, org=covering or township or area_org,
                  data={"fields": [n for n in changed if n not in DERIVED_EMPLOYER_FIELDS]})
    return employer


DERIVED_EMPLOYER_FIELDS = ("normalized_name", "county_code", "area_path")


# Positions


def position_grant(*, user, org: Organisation, role: str, by, since: dt.date | None = None) -> Position:
    """Give `user` a position in `org` (the console's staff flag with it); granting one they hold changes nothing."""
    require_actor(by)
    if role not in Position.Role.values:
        raise Invalid.from_fields({"role": "职务无效"})
    if not _may_manage(by, org):
        raise Forbidden("您无权在该组织任命干部")
    with transaction.atomic():
        position, created = Position.objects.get_or_create(user=user, org=org, role=role, defaults={"since": since})
        if created:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            log_event("orgs.position.grant", actor=by, target=position, org=org, data={"user": user.pk, "role": role})
            clear_local_caches()  # look-ups of an org's role holders (cases' notices): now, and again after commit
            transaction.on_commit(clear_local_caches)
    clear_scope_cache(user)
    return position


def position_revoke(position: Position, *, by) -> None:
    """End a position (its scope ends with it)."""
    require_actor(by)
    if not _may_manage(by, position.org):
        raise Forbidden("您无权撤销该职务")
    with transaction.atomic():
        log_event("orgs.position.revoke", actor=by, target=position, org=position.org,
                  data={"user": position.user_id, "role": position.role})
        position.delete()
        clear_local_caches()
        transaction.on_commit(clear_local_caches)
    clear_scope_cache(position.user)


def org_join_token(org: Organisation, *, by) -> str:
    """The union's scan-to-join token, created the first time its poster is printed."""
    import secrets

    require_actor(by)
    if org.kind not in Organisation.MEMBER_KINDS:
        raise Invalid("只有基层工会、联合基层工会、乡镇（街道）工会和分工会可以扫码入会")
    if org.join_token:
        return org.join_token
    token = secrets.token_urlsafe(12)
    updated = Organisation.objects.filter(pk=org.pk, join_token__isnull=True).update(join_token=token)
    if updated:
        org.join_token = token
        log_event("orgs.organisation.join_token", actor=by, target=org)
        return token
    org.refresh_from_db(fields=["join_token"])  # another request set it first
    return org.join_token or ""
