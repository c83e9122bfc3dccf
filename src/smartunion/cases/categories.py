"""The problem categories of a rights case (问题类别) and their sub-categories, as the 12351 work order lists them.

Codes are stable (stored on cases and in the CaseStat roll-up); labels are what every screen shows. Order is the
order of every select and every statistics table.
"""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, dict[str, str]]] = {
    "wages": ("工资报酬", {
        "arrears": "拖欠工资",
        "deduction": "克扣工资",
        "minimum_wage": "最低工资",
        "overtime_pay": "加班费",
    }),
    "contract": ("劳动合同", {
        "unsigned": "未签合同",
        "termination": "解除/终止",
        "compensation": "经济补偿",
        "probation": "试用期",
    }),
    "social_insurance": ("社会保险", {
        "unpaid": "未缴社会保险",
        "underpaid": "少缴社会保险",
        "housing_fund": "住房公积金",
    }),
    "work_injury": ("工伤", {
        "recognition": "工伤认定",
        "treatment": "工伤待遇",
        "occupational_disease": "职业病",
    }),
    "hours": ("工时休假", {
        "overtime": "超时加班",
        "rest_days": "休息休假",
        "annual_leave": "带薪年休假",
        "maternity": "产假哺乳假",
    }),
    "dismissal": ("辞退", {
        "unlawful": "违法辞退",
        "forced_resignation": "逼迫辞职",
    }),
    "discrimination": ("就业歧视", {
        "gender": "性别歧视",
        "age": "年龄歧视",
        "health": "健康歧视",
    }),
    "safety": ("劳动安全卫生", {
        "protection": "劳动保护",
        "hazard": "安全隐患",
    }),
    "union_rights": ("工会权益", {
        "joining": "入会受阻",
        "dues": "会费经费",
        "retaliation": "打击报复工会干部",
    }),
    "other": ("其他", {}),
}


def category_label(code: str) -> str:
    """The Chinese label of a category code; the code itself when unknown (an old code on an old case)."""
    entry = CATEGORIES.get(code)
    return entry[0] if entry else code


def subcategory_label(code: str, sub: str) -> str:
    if not sub:
        return ""
    entry = CATEGORIES.get(code)
    return entry[1].get(sub, sub) if entry else sub


def category_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _subs) in CATEGORIES.items()]


def subcategory_choices(code: str) -> list[tuple[str, str]]:
    entry = CATEGORIES.get(code)
    return list(entry[1].items()) if entry else []


def validate_category(category: str, subcategory: str = "") -> dict[str, str]:
    """Per-field Chinese messages (empty when both are valid): the category must be known, the sub-category (if
    given) must belong to it."""
    errors: dict[str, str] = {}
    if not category:
        errors["category"] = "请选择问题类别"
    elif category not in CATEGORIES:
        errors["category"] = "问题类别不存在，请从列表中选择"
    elif subcategory and subcategory not in CATEGORIES[category][1]:
        errors["subcategory"] = f"问题子类不属于“{CATEGORIES[category][0]}”，请重新选择"
    return errors
