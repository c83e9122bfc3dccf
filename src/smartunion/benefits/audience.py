"""Who an activity is for: the publishing org's subtree, narrowed by rules on what the platform already knows.

The rules are a dict stored on the activity (Activity.audience); every key is optional and they combine with AND:

    employment_forms   list of employment-form codes (core code table "employment_form"); the word "gig" stands
                       for every form the code table marks as gig work (delivery riders, ride-hailing drivers, ...)
    sex                "1" (male) or "2" (female), as in the ID number
    age_min, age_max   whole years on the day of the check
    birth_months       list of months 1..12 (from the ID number's birth date)
    member_months_min  whole months of membership (since the membership's start)
    card_numbers       an uploaded list of member card numbers (only these members)
    tags               list of member tags (members.MemberTag, computed by the data platform's tag rules): members
                       holding any of them; a tag the member objected to does not count. Validated against the tag
                       names members hold (a rule's tag exists once its job has run)

`clean_rules` validates a submitted dict (Chinese messages per key); `audience_q` turns rules into one filter over
active memberships for the audience size and the birthday grants; `ineligible_reason` checks one member in Python
(no query, except one per person object for its tags when a rule names tags) and says why not, in Chinese, for the
403 `not_eligible` answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from smartunion.core import codes
from smartunion.core.errors import Invalid
from smartunion.members.models import Membership, MemberTag, Person
from smartunion.members.queries import age_q
from smartunion.orgs.models import Organisation, subtree_q

GIG = "gig"
KEYS = ("employment_forms", "sex", "age_min", "age_max", "birth_months", "member_months_min", "card_numbers",
        "tags")
MAX_CARD_NUMBERS = 100_000
MAX_TAGS = 20
_TAGS_ATTR = "_audience_tags"  # a person's tags, read once per person object (ineligible_reason)
SEX_LABELS = {"1": "男", "2": "女"}


def gig_forms() -> set[str]:
    return {e["code"] for e in codes.entries("employment_form") if e.get("gig")}


def int_in_range(value: Any, low: int, high: int) -> int | None:
    """A whole number written as one (not a bool, not "3.0") within [low, high], else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high and str(number) == str(value).strip() else None


def clean_rules(rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rules as stored: known keys only, values checked; Invalid with a message per bad key otherwise."""
    if rules is None:
        return {}
    if not isinstance(rules, Mapping):
        raise Invalid.from_fields({"audience": "参与对象规则格式不正确"})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in rules:
        if key not in KEYS:
            errors[f"audience.{key}"] = "不支持的参与对象规则"
    forms = rules.get("employment_forms")
    if forms not in (None, [], ""):
        valid = {e["code"] for e in codes.entries("employment_form")} | {GIG}
        if not isinstance(forms, list) or not all(isinstance(f, str) and f in valid for f in forms):
            errors["audience.employment_forms"] = "用工形式不在代码表中"
        else:
            cleaned["employment_forms"] = sorted(set(forms))
    sex = rules.get("sex")
    if sex not in (None, ""):
        if sex not in SEX_LABELS:
            errors["audience.sex"] = "性别应为 1（男）或 2（女）"
        else:
            cleaned["sex"] = sex
    for key, label in (("age_min", "最小年龄"), ("age_max", "最大年龄")):
        if rules.get(key) not in (None, ""):
            number = int_in_range(rules[key], 16, 100)
            if number is None:
                errors[f"audience.{key}"] = f"{label}应为 16 至 100 之间的整数"
            else:
                cleaned[key] = number
    if "age_min" in cleaned and "age_max" in cleaned and cleaned["age_min"] > cleaned["age_max"]:
        errors["audience.age_max"] = "最大年龄不能小于最小年龄"
    months = rules.get("birth_months")
    if months not in (None, [], ""):
        parsed = [int_in_range(m, 1, 12) for m in months] if isinstance(months, list) else [None]
        if None in parsed:
            errors["audience.birth_months"] = "生日月份应为 1 至 12"
        else:
            cleaned["birth_months"] = sorted(set(parsed))  # type: ignore[type-var]
    if rules.get("member_months_min") not in (None, ""):
        number = int_in_range(rules["member_months_min"], 0, 1200)
        if number is None:
            errors["audience.member_months_min"] = "入会时长应为 0 至 1200 之间的整数（月）"
        elif number:
            cleaned["member_months_min"] = number
    numbers = rules.get("card_numbers")
    if numbers not in (None, [], ""):
        if not isinstance(numbers, list) or not all(isinstance(n, str) and 0 < len(n.strip()) <= 32 for n in numbers):
            errors["audience.card_numbers"] = "会员卡号名单格式不正确"
        elif len(numbers) > MAX_CARD_NUMBERS:
            errors["audience.card_numbers"] = f"会员卡号名单最多 {MAX_CARD_NUMBERS} 个"
        else:
            cleaned["card_numbers"] = sorted({n.strip() for n in numbers})
    tags = rules.get("tags")
    if tags not in (None, [], ""):
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 20 for t in tags):
            errors["audience.tags"] = "画像标签格式不正确"
        elif len(tags) > MAX_TAGS:
            errors["audience.tags"] = f"画像标签最多 {MAX_TAGS} 个"
        else:
            wanted = sorted({t.strip() for t in tags})
            known = set(MemberTag.objects.filter(tag__in=wanted).values_list("tag", flat=True).distinct())
            unknown = [t for t in wanted if t not in known]
            if unknown:
                errors["audience.tags"] = f"没有会员持有这些画像标签：{'、'.join(unknown)}"
            else:
                cleaned["tags"] = wanted
    if errors:
        raise Invalid.from_fields(errors, message="参与对象规则有误")
    return cleaned


def _shift_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    last = 31
    while True:
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            last -= 1


def form_names(forms: list[str]) -> str:
    return "、".join("新就业形态劳动者" if f == GIG else (codes.label("employment_form", f) or f) for f in forms)


def _forms(rules: Mapping[str, Any]) -> set[str]:
    forms = set(rules.get("employment_forms") or ())
    if GIG in forms:
        forms = (forms - {GIG}) | gig_forms()
    return forms


def audience_q(org: Organisation, rules: Mapping[str, Any], *, today: dt.date | None = None) -> Q:
    """One filter over Membership: active, in the org's subtree, and every rule."""
    today = today or dt.date.today()
    q = Q(status=Membership.Status.ACTIVE) & subtree_q(org.path, field="union_path")
    if rules.get("employment_forms"):
        q &= Q(person__employment_form__in=sorted(_forms(rules)))
    if rules.get("sex"):
        q &= Q(person__sex=rules["sex"])
    q &= age_q(today, rules.get("age_min"), rules.get("age_max"))
    if rules.get("birth_months"):
        q &= Q(person__birth_date__month__in=rules["birth_months"])
    if rules.get("member_months_min"):
        q &= Q(since__lte=_shift_months(today, rules["member_months_min"]))
    if rules.get("card_numbers"):
        q &= Q(card_number__in=rules["card_numbers"])
    if rules.get("tags"):
        q &= Q(person_id__in=MemberTag.objects.filter(tag__in=rules["tags"], objected=False).values("person_id"))
    return q


def audience_size(org: Organisation, rules: Mapping[str, Any], *, today: dt.date | None = None) -> int:
    return Membership.objects.filter(audience_q(org, rules, today=today)).count()


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def ineligible_reason(org_path: str, rules: Mapping[str, Any], membership: Membership | None, person: Person | None,
                      *, today: dt.date | None = None) -> str | None:
    """Why this member may not take part (a Chinese sentence), or None when they may. No query: the caller passes
    the membership and its person."""
    if membership is None or person is None or membership.status != Membership.Status.ACTIVE:
        return "本活动仅限工会会员参加，请先申请入会"
    if not membership.union_path.startswith(org_path):
        return "本活动仅限发布工会所属的会员参加"
    today = today or dt.date.today()
    if rules.get("employment_forms") and person.employment_form not in _forms(rules):
        return f"本活动仅限以下用工形式的会员参加：{form_names(rules['employment_forms'])}"
    if rules.get("sex") and person.sex != rules["sex"]:
        return f"本活动仅限{SEX_LABELS[rules['sex']]}性会员参加"
    age = age_on(person.birth_date, today)
    low, high = rules.get("age_min"), rules.get("age_max")
    if (low is not None and age < low) or (high is not None and age > high):
        span = (f"{low}至{high}周岁" if low is not None and high is not None
                else f"{low}周岁及以上" if low is not None else f"{high}周岁及以下")
        return f"本活动仅限{span}的会员参加"
    if rules.get("birth_months") and person.birth_date.month not in rules["birth_months"]:
        months = "、".join(f"{m}月" for m in rules["birth_months"])
        return f"本活动仅限{months}出生的会员参加"
    if rules.get("member_months_min") and membership.since > _shift_months(today, rules["member_months_min"]):
        return f"本活动仅限入会满{rules['member_months_min']}个月的会员参加"
    if rules.get("card_numbers") and membership.card_number not in rules["card_numbers"]:
        return "本活动仅限指定名单内的会员参加"
    if rules.get("tags") and not person_tags(person) & set(rules["tags"]):
        return f"本活动仅限带有以下画像标签的会员参加：{'、'.join(rules['tags'])}"
    return None


def person_tags(person: Person) -> set[str]:
    """The person's tags without objection: one query per person object (kept on it), not one per activity."""
    if _TAGS_ATTR not in person.__dict__:
        person.__dict__[_TAGS_ATTR] = set(MemberTag.objects.filter(person_id=person.pk, objected=False)
                                          .values_list("tag", flat=True))
    return person.__dict__[_TAGS_ATTR]


def describe(rules: Mapping[str, Any]) -> list[str]:
    """The rules as short Chinese phrases for screens (an empty list: every member of the subtree)."""
    parts = []
    if rules.get("employment_forms"):
        parts.append("用工形式：" + form_names(rules["employment_forms"]))
    if rules.get("sex"):
        parts.append(f"性别：{SEX_LABELS[rules['sex']]}")
    if rules.get("age_min") is not None or rules.get("age_max") is not None:
        parts.append(f"年龄：{rules.get('age_min', '')}–{rules.get('age_max', '')}周岁")
    if rules.get("birth_months"):
        parts.append("生日月份：" + "、".join(f"{m}月" for m in rules["birth_months"]))
    if rules.get("member_months_min"):
        parts.append(f"入会满{rules['member_months_min']}个月")
    if rules.get("card_numbers"):
        parts.append(f"指定名单{len(rules['card_numbers'])}人")
    if rules.get("tags"):
        parts.append("画像标签：" + "、".join(rules["tags"]))
    return parts
