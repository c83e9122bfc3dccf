"""Member tags (画像标签) by rule: the rules a federation defines, the job that computes members.MemberTag rows, and a
member's objection to their own tag.

A TagRule's `conditions` is a dict; every key is optional (at least one is required) and they combine with AND:

    age_min, age_max       whole years on the day of the run (Person.birth_date), 16..100
    sex                    "1" (male) or "2" (female)
    employment_forms       employment-form codes (core code table "employment_form"); "gig" stands for every form
                           the code table marks as gig work (新就业形态)
    has_hardship_file      true: the member has an active hardship file (assistance.HardshipFile, status 在档)
    events_min             at least this many behaviour events (core.models.BehaviourEvent) ...
    events_days            ... within this many days before the run (default 90, 1..730) ...
    event_kinds            ... of these kinds: registered kinds ("benefits.signup.create") or an app's prefix
                           ("benefits", "cases"); empty: every kind
    joined_within_days     the membership started within this many days before the run (1..3650)

Who is tagged: the persons with an active membership in the rule's org subtree who meet every condition.

The job (`run_rule`, `run_all`; insight/tasks_tags.py runs it nightly) works in bulk: the matching person ids in one
query (streamed), the tag's existing rows in one query (streamed), then inserts and deletes in chunks of CHUNK rows.
- a member who matches and has no row of the tag gets one (rule_id = the rule, reason = the rule's description or
  its conditions in words);
- a row this rule gave whose member no longer matches is deleted;
- an objected row is never touched: the member said the tag is wrong, so the job neither deletes it (deleting would
  let the next run give it again) nor re-adds it; no rule or audience uses an objected tag;
- a row another rule gave (another org's rule with the same tag) is left to that rule.
Only counts leave the job (TagRule.members_tagged); no list of tagged persons is shown to anyone but the member.

A member's objection (`object_to_tag`, `withdraw_objection`) is theirs alone: `by` must be the account of the tag's
person. The audit event names neither the tag nor the rule (an audit log reader must not learn who has which tag).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from smartunion.assistance.models import HardshipFile
from smartunion.benefits.audience import int_in_range
from smartunion.core import codes
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound
from smartunion.core.events import registered_kinds
from smartunion.core.models import BehaviourEvent
from smartunion.insight.models import TagRule
from smartunion.members.models import Membership, MemberTag, Person
from smartunion.members.queries import age_q
from smartunion.orgs.models import Organisation, Position, subtree_q
from smartunion.orgs.queries import in_scope

GIG = "gig"
KEYS = ("age_min", "age_max", "sex", "employment_forms", "has_hardship_file", "events_min", "events_days",
        "event_kinds", "joined_within_days")
KEY_LABELS = {"age_min": "最小年龄", "age_max": "最大年龄", "sex": "性别", "employment_forms": "用工形式",
              "has_hardship_file": "在档困难职工", "events_min": "参与次数", "events_days": "统计天数",
              "event_kinds": "参与事项", "joined_within_days": "入会天数"}
SEX_LABELS = {"1": "男", "2": "女"}
DEFAULT_EVENTS_DAYS = 90
CHUNK = 5000
MAX_TAG = 20
MAX_DESCRIPTION = 200
MAX_OBJECTION = 200


# Conditions -------------------------------------------------------------------------------------------------------


def _kind_ok(kind: str, known: dict[str, str]) -> bool:
    return kind in known or any(k.startswith(kind + ".") for k in known)


def clean_conditions(conditions: Mapping[str, Any] | None) -> dict[str, Any]:
    """The conditions as stored: known keys only, values checked; Invalid with a message per bad key otherwise."""
    if not isinstance(conditions, Mapping):
        raise Invalid.from_fields({"conditions": "条件格式不正确"}, message="标签条件有误")
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in conditions:
        if key not in KEYS:
            errors[f"conditions.{key}"] = f"不支持的条件 {key}"
    for key in ("age_min", "age_max"):
        if conditions.get(key) not in (None, ""):
            number = int_in_range(conditions[key], 16, 100)
            if number is None:
                errors[f"conditions.{key}"] = f"{KEY_LABELS[key]}应为 16 至 100 之间的整数"
            else:
                cleaned[key] = number
    if "age_min" in cleaned and "age_max" in cleaned and cleaned["age_min"] > cleaned["age_max"]:
        errors["conditions.age_max"] = "最大年龄不能小于最小年龄"
    if conditions.get("sex") not in (None, ""):
        if conditions["sex"] not in SEX_LABELS:
            errors["conditions.sex"] = "性别应为 1（男）或 2（女）"
        else:
            cleaned["sex"] = conditions["sex"]
    forms = conditions.get("employment_forms")
    if forms not in (None, [], ""):
        valid = {e["code"] for e in codes.entries("employment_form")} | {GIG}
        if not isinstance(forms, list) or not all(isinstance(f, str) and f in valid for f in forms):
            errors["conditions.employment_forms"] = "用工形式不在代码表中"
        else:
            cleaned["employment_forms"] = sorted(set(forms))
    hardship = conditions.get("has_hardship_file")
    if hardship not in (None, False, ""):
        if hardship is not True:
            errors["conditions.has_hardship_file"] = "在档困难职工条件应为 true"
        else:
            cleaned["has_hardship_file"] = True
    if conditions.get("events_min") not in (None, ""):
        number = int_in_range(conditions["events_min"], 1, 10000)
        if number is None:
            errors["conditions.events_min"] = "参与次数应为 1 至 10000 之间的整数"
        else:
            cleaned["events_min"] = number
    if conditions.get("events_days") not in (None, ""):
        number = int_in_range(conditions["events_days"], 1, 730)
        if number is None:
            errors["conditions.events_days"] = "统计天数应为 1 至 730 之间的整数"
        elif "events_min" in conditions:
            cleaned["events_days"] = number
        else:
            errors["conditions.events_days"] = "统计天数须与参与次数一起设置"
    kinds = conditions.get("event_kinds")
    if kinds not in (None, [], ""):
        known = registered_kinds()
        if not isinstance(kinds, list) or not all(isinstance(k, str) and _kind_ok(k, known) for k in kinds):
            errors["conditions.event_kinds"] = "参与事项应为平台记录的行为类型或应用名（如 benefits、cases）"
        elif "events_min" not in conditions:
            errors["conditions.event_kinds"] = "参与事项须与参与次数一起设置"
        else:
            cleaned["event_kinds"] = sorted(set(kinds))
    if "events_min" in cleaned:
        cleaned.setdefault("events_days", DEFAULT_EVENTS_DAYS)
    if conditions.get("joined_within_days") not in (None, ""):
        number = int_in_range(conditions["joined_within_days"], 1, 3650)
        if number is None:
            errors["conditions.joined_within_days"] = "入会天数应为 1 至 3650 之间的整数"
        else:
            cleaned["joined_within_days"] = number
    if not errors and not cleaned:
        errors["conditions"] = "请至少设置一个条件"
    if errors:
        raise Invalid.from_fields(errors, message="标签条件有误")
    return cleaned


def _forms(conditions: Mapping[str, Any]) -> list[str]:
    forms = set(conditions.get("employment_forms") or ())
    if GIG in forms:
        forms = (forms - {GIG}) | {e["code"] for e in codes.entries("employment_form") if e.get("gig")}
    return sorted(forms)


def _events_q(conditions: Mapping[str, Any], since: dt.datetime) -> Q:
    kinds = conditions.get("event_kinds") or []
    known = registered_kinds()
    exact = [k for k in kinds if k in known]
    q = Q()
    if kinds:
        q = Q(kind__in=exact) if exact else Q(pk__in=[])
        for prefix in (k for k in kinds if k not in known):
            q |= Q(kind__startswith=prefix + ".")
    return Q(occurred_at__gte=since) & q


def matching_memberships(org_path: str, conditions: Mapping[str, Any], *, now: dt.datetime | None = None):
    """Active memberships in the subtree meeting every condition (a queryset; the job reads person ids)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rows = Membership.objects.filter(subtree_q(org_path, "union_path"), status=Membership.Status.ACTIVE)
    rows = rows.filter(age_q(today, conditions.get("age_min"), conditions.get("age_max")))
    if conditions.get("sex"):
        rows = rows.filter(person__sex=conditions["sex"])
    if conditions.get("employment_forms"):
        rows = rows.filter(person__employment_form__in=_forms(conditions))
    if conditions.get("joined_within_days"):
        rows = rows.filter(since__gt=today - dt.timedelta(days=conditions["joined_within_days"]))
    if conditions.get("has_hardship_file"):
        rows = rows.filter(Exists(HardshipFile.objects.filter(person_id=OuterRef("person_id"),
                                                              status=HardshipFile.Status.ACTIVE)))
    if conditions.get("events_min"):
        since = now - dt.timedelta(days=conditions.get("events_days") or DEFAULT_EVENTS_DAYS)
        active = (BehaviourEvent.objects.filter(_events_q(conditions, since)).order_by()
                  .values("person_id").annotate(n=Count("id")).filter(n__gte=conditions["events_min"])
                  .values("person_id"))
        rows = rows.filter(person_id__in=active)
    return rows


def describe(conditions: Mapping[str, Any]) -> list[str]:
    """The conditions as short Chinese phrases."""
    parts = []
    low, high = conditions.get("age_min"), conditions.get("age_max")
    if low is not None or high is not None:
        parts.append(f"{low}至{high}周岁" if low is not None and high is not None
                     else f"{low}周岁及以上" if low is not None else f"{high}周岁及以下")
    if conditions.get("sex"):
        parts.append(f"{SEX_LABELS[conditions['sex']]}性")
    if conditions.get("employment_forms"):
        names = ["新就业形态" if f == GIG else (codes.label("employment_form", f) or f)
                 for f in conditions["employment_forms"]]
        parts.append("用工形式为" + "、".join(names))
    if conditions.get("has_hardship_file"):
        parts.append("在档困难职工")
    if conditions.get("events_min"):
        kinds = conditions.get("event_kinds") or []
        known = registered_kinds()
        what = "、".join(known.get(k, k) for k in kinds) if kinds else "各类事项"
        parts.append(f"近{conditions.get('events_days', DEFAULT_EVENTS_DAYS)}天参与{what}不少于"
                     f"{conditions['events_min']}次")
    if conditions.get("joined_within_days"):
        parts.append(f"入会不满{conditions['joined_within_days']}天")
    return parts


def reason_of(rule: TagRule) -> str:
    text = rule.description or "；".join(describe(rule.conditions))
    return f"{text}（{rule.org.name}标签规则）"[:200]


# Rules ------------------------------------------------------------------------------------------------------------


def can_define(user, org: Organisation | None) -> bool:
    """A chair or administrator of a federation (or above it) defines its tag rules."""
    if org is None or not org.is_federation:
        return False
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def _clean_rule(*, tag: str, description: str, conditions) -> dict:
    errors: dict[str, str] = {}
    tag = (tag or "").strip()
    description = (description or "").strip()
    if not tag:
        errors["tag"] = "请填写标签"
    elif len(tag) > MAX_TAG:
        errors["tag"] = f"标签最多{MAX_TAG}个字"
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"说明最多{MAX_DESCRIPTION}个字"
    try:
        cleaned = clean_conditions(conditions)
    except Invalid as exc:
        errors.update(exc.fields or {"conditions": exc.message})
        cleaned = {}
    if errors:
        raise Invalid.from_fields(errors, message="标签规则有误")
    return {"tag": tag, "description": description, "conditions": cleaned}


def create_rule(*, org: Organisation, tag: str, description: str = "", conditions, active: bool = True,
                by) -> TagRule:
    require_actor(by)
    if org is None:
        raise NotFound("单位不存在")
    if not can_define(by, org):
        raise Forbidden("只有总工会的主席、管理员可以制定标签规则")
    fields = _clean_rule(tag=tag, description=description, conditions=conditions)
    if TagRule.objects.filter(org=org, tag=fields["tag"]).exists():
        raise Conflict(f"{org.name}已有“{fields['tag']}”标签规则", code="duplicate_tag",
                       fields={"tag": "本单位已有同名标签规则"})
    with transaction.atomic():
        rule = TagRule.objects.create(org=org, active=active, created_by=user_or_none(by), **fields)
        log_event("insight.tag_rule.create", actor=by, target=rule, org=org,
                  data={"tag": rule.tag, "conditions": "；".join(describe(rule.conditions))})
    return rule


def update_rule(rule: TagRule, *, tag: str, description: str = "", conditions, active: bool = True,
                by) -> TagRule:
    """Change a rule. A new tag name renames the rule's rows (objections kept) on its next run: the rows of the old
    name given by this rule are removed by the run, the objected ones stay under the old name."""
    require_actor(by)
    if not can_define(by, rule.org):
        raise Forbidden("只有总工会的主席、管理员可以修改标签规则")
    fields = _clean_rule(tag=tag, description=description, conditions=conditions)
    if TagRule.objects.filter(org=rule.org, tag=fields["tag"]).exclude(pk=rule.pk).exists():
        raise Conflict(f"{rule.org.name}已有“{fields['tag']}”标签规则", code="duplicate_tag",
                       fields={"tag": "本单位已有同名标签规则"})
    with transaction.atomic():
        old_tag = rule.tag
        for key, value in fields.items():
            setattr(rule, key, value)
        rule.active = active
        rule.save(update_fields=[*fields, "active", "updated_at"])
        if old_tag != rule.tag:
            MemberTag.objects.filter(rule_id=rule.pk, tag=old_tag, objected=False).delete()
        log_event("insight.tag_rule.update", actor=by, target=rule, org=rule.org,
                  data={"tag": rule.tag, "conditions": "；".join(describe(rule.conditions)), "active": active})
    return rule


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_rule(rule: TagRule, *, by, now: dt.datetime | None = None) -> dict:
    """Compute the rule's tags (see the module). Returns {"added", "removed", "kept", "objected", "tagged"}.
    An inactive rule removes the rows it gave (objections stay)."""
    require_actor(by)
    if not is_system(by) and not can_define(by, rule.org):
        raise Forbidden("只有总工会的主席、管理员可以运行标签规则")
    now = now or timezone.now()
    matching: set[int] = set()
    if rule.active:
        conditions = clean_conditions(rule.conditions)
        matching = set(matching_memberships(rule.org_path, conditions, now=now)
                       .values_list("person_id", flat=True).order_by().iterator(chunk_size=CHUNK))
    has_row: set[int] = set()
    removable: list[int] = []
    objected = 0
    for pk, person_id, rule_id, is_objected in (MemberTag.objects.filter(tag=rule.tag).order_by()
                                                .values_list("pk", "person_id", "rule_id", "objected")
                                                .iterator(chunk_size=CHUNK)):
        has_row.add(person_id)
        if is_objected:
            objected += rule_id == rule.pk
            continue
        if rule_id == rule.pk and person_id not in matching:
            removable.append(pk)
    to_add = sorted(matching - has_row)
    reason = reason_of(rule)
    with transaction.atomic():
        for chunk in _chunks(removable):
            MemberTag.objects.filter(pk__in=chunk, objected=False).delete()
        for chunk in _chunks(to_add):
            MemberTag.objects.bulk_create([MemberTag(person_id=pid, tag=rule.tag, rule_id=rule.pk, reason=reason)
                                           for pid in chunk], ignore_conflicts=True)
        tagged = MemberTag.objects.filter(rule_id=rule.pk, tag=rule.tag, objected=False).count()
        TagRule.objects.filter(pk=rule.pk).update(computed_at=now, members_tagged=tagged)
        rule.computed_at, rule.members_tagged = now, tagged
        result = {"added": len(to_add), "removed": len(removable), "kept": tagged - len(to_add),
                  "objected": objected, "tagged": tagged}
        log_event("insight.tag_rule.run", actor=by, target=rule, org=rule.org, data={"tag": rule.tag, **result})
    return result


def run_all(*, by, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every rule (inactive ones remove their rows); {"rules", "added", "removed"}."""
    require_actor(by)
    totals = {"rules": 0, "added": 0, "removed": 0}
    for rule in TagRule.objects.select_related("org").order_by("org_path", "tag"):
        result = run_rule(rule, by=by, now=now)
        totals["rules"] += 1
        totals["added"] += result["added"]
        totals["removed"] += result["removed"]
    return totals


def tag_counts(rules: list[TagRule]) -> dict[int, dict[str, int]]:
    """{rule id: {"tagged", "objected"}}: one grouped query for the rules shown (counts only, never persons)."""
    out = {rule.pk: {"tagged": 0, "objected": 0} for rule in rules}
    if not rules:
        return out
    rows = (MemberTag.objects.filter(rule_id__in=list(out)).order_by().values_list("rule_id", "objected")
            .annotate(n=Count("id")))
    for rule_id, is_objected, n in rows:
        out[rule_id]["objected" if is_objected else "tagged"] += n
    return out


# The member's own tags ---------------------------------------------------------------------------------------------


def my_tags(person: Person | None) -> list[MemberTag]:
    if person is None:
        return []
    return list(MemberTag.objects.filter(person=person).order_by("objected", "tag"))


def _own(tag: MemberTag, by) -> None:
    require_actor(by)
    if is_system(by) or getattr(by, "person_id", None) != tag.person_id:
        raise NotFound("标签不存在")


def object_to_tag(tag: MemberTag, *, note: str, by) -> MemberTag:
    """The member says the tag is wrong: it is kept as objected (no rule re-adds it, no audience uses it)."""
    _own(tag, by)
    note = (note or "").strip()
    if not note:
        raise Invalid.from_fields({"note": "请说明异议理由"}, message="请说明异议理由")
    if len(note) > MAX_OBJECTION:
        raise Invalid.from_fields({"note": f"异议说明最多{MAX_OBJECTION}个字"})
    with transaction.atomic():
        updated = MemberTag.objects.filter(pk=tag.pk, objected=False).update(
            objected=True, objection=note, objected_at=timezone.now())
        if not updated:
            raise Conflict("已对该标签提出异议", code="already_objected")
        log_event("insight.member_tag.object", actor=by)
    tag.refresh_from_db()
    return tag


def withdraw_objection(tag: MemberTag, *, by) -> MemberTag:
    """The member withdraws their objection: the tag counts again (the next run removes it if no longer met)."""
    _own(tag, by)
    with transaction.atomic():
        updated = MemberTag.objects.filter(pk=tag.pk, objected=True).update(objected=False, objection="",
                                                                             objected_at=None)
        if not updated:
            raise Conflict("该标签没有异议可撤回", code="not_objected")
        log_event("insight.member_tag.withdraw", actor=by)
    tag.refresh_from_db()
    return tag
