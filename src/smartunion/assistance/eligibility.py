"""A programme's eligibility rule: a small JSON object evaluated in Python over the hardship file and the member.

Keys (every one optional; they combine with AND):

    member_required      bool  an active union membership (default true)
    file_required        bool  an active (verified) hardship file (default true)
    categories           list  hardship categories allowed: "deep", "relative", "accident"
    max_per_capita_fen   int   the file's per-capita monthly income at most this many fen
    child_in_school      bool  a household member with relation 子女 (or 儿子/女儿) and "in_school": true

`reasons(rule, ...)` lists the Chinese reasons a person fails the rule; an empty list means eligible. The same
check runs at application and again at every approval (the file may have been exited meanwhile).

A programme's amount rule: {"fixed": fen} or {"by_category": {"deep": fen, ...}, "cap": fen}.
"""

from __future__ import annotations

from smartunion.assistance.models import Category, HardshipFile
from smartunion.core.errors import Invalid

AMOUNT_RULE_HINT = '金额规则应为 {"fixed": 分} 或 {"by_category": {类别: 分}, "cap": 分}'
KEYS = {"member_required", "file_required", "categories", "max_per_capita_fen", "child_in_school"}
CHILD_RELATIONS = ("子女", "儿子", "女儿")


def clean_rule(rule: dict | None) -> dict:
    rule = dict(rule or {})
    unknown = set(rule) - KEYS
    if unknown:
        raise Invalid.from_fields({"eligibility": f"未知的申请条件：{'、'.join(sorted(unknown))}"})
    cats = rule.get("categories")
    if cats is not None and (not isinstance(cats, list) or any(c not in Category.values for c in cats)):
        raise Invalid.from_fields({"eligibility": "困难类别应为 deep、relative、accident"})
    cap = rule.get("max_per_capita_fen")
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
        raise Invalid.from_fields({"eligibility": "月人均收入上限应为非负整数（分）"})
    for key in ("member_required", "file_required", "child_in_school"):
        if key in rule and not isinstance(rule[key], bool):
            raise Invalid.from_fields({"eligibility": f"{key} 应为是或否"})
    return rule


def has_child_in_school(members: list) -> bool:
    return any(isinstance(m, dict) and m.get("relation") in CHILD_RELATIONS and m.get("in_school") for m in members)


def reasons(rule: dict, *, membership, hardship_file: HardshipFile | None) -> list[str]:
    found: list[str] = []
    if rule.get("member_required", True) and membership is None:
        found.append("本项目仅限工会会员申请")
    needs_file = rule.get("file_required", True)
    active = hardship_file if hardship_file is not None and hardship_file.status == HardshipFile.Status.ACTIVE \
        else None
    if needs_file and active is None:
        found.append("本项目仅限已建档（在档）的困难职工申请")
    if active is not None or needs_file:
        cats = rule.get("categories")
        if cats and (active is None or active.category not in cats):
            labels = "、".join(Category(c).label for c in cats)
            found.append(f"本项目仅限{labels}职工申请")
        cap = rule.get("max_per_capita_fen")
        if cap is not None and (active is None or active.per_capita_monthly_fen > cap):
            found.append(f"本项目要求家庭月人均收入不高于 {cap / 100:.2f} 元")
        if rule.get("child_in_school") and (active is None or not has_child_in_school(active.household_members)):
            found.append("本项目仅限有在读子女的职工申请")
    return found


def describe(rule: dict) -> list[str]:
    out = []
    if rule.get("member_required", True):
        out.append("工会会员")
    if rule.get("file_required", True):
        out.append("在档困难职工")
    if rule.get("categories"):
        out.append("困难类别：" + "、".join(Category(c).label for c in rule["categories"]))
    if rule.get("max_per_capita_fen") is not None:
        out.append(f"家庭月人均收入不高于 {rule['max_per_capita_fen'] / 100:.2f} 元")
    if rule.get("child_in_school"):
        out.append("有在读子女")
    return out


def clean_amount_rule(rule: dict | None) -> dict:
    rule = dict(rule or {})
    if "fixed" in rule:
        if not _positive(rule["fixed"]) or set(rule) != {"fixed"}:
            raise Invalid.from_fields({"amount_rule": "固定金额应为正整数（分）"})
        return rule
    by = rule.get("by_category")
    if not isinstance(by, dict) or not by or any(k not in Category.values or not _positive(v) for k, v in by.items()):
        raise Invalid.from_fields({"amount_rule": AMOUNT_RULE_HINT})
    cap = rule.get("cap")
    if cap is not None and not _positive(cap):
        raise Invalid.from_fields({"amount_rule": "封顶金额应为正整数（分）"})
    if set(rule) - {"by_category", "cap"}:
        raise Invalid.from_fields({"amount_rule": "金额规则含未知的项"})
    return rule


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def amount_for(rule: dict, hardship_file: HardshipFile | None) -> int | None:
    """The amount the rule gives this applicant (None: the rule gives nothing for their category)."""
    if "fixed" in rule:
        return int(rule["fixed"])
    category = hardship_file.category if hardship_file is not None else None
    amount = rule.get("by_category", {}).get(category) if category else None
    if amount is None:
        return None
    cap = rule.get("cap")
    return min(int(amount), int(cap)) if cap else int(amount)


def describe_amount(rule: dict) -> str:
    if "fixed" in rule:
        return f"每人 {rule['fixed'] / 100:.2f} 元"
    parts = [f"{Category(k).label} {v / 100:.2f} 元" for k, v in rule.get("by_category", {}).items()]
    cap = f"，最高 {rule['cap'] / 100:.2f} 元" if rule.get("cap") else ""
    return "按类别：" + "、".join(parts) + cap
