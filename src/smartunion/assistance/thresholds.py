"""The income threshold of a hardship file: its per-capita monthly income against the local living standard.

Rule (documented in docs/glossary.md, 困难认定标准):

    per_capita_monthly_fen = household_income_fen (a year) // (12 × household_size)
    threshold_fen          = standard.monthly_fen × percent // 100
    qualifies              ⇔ per_capita_monthly_fen ≤ threshold_fen

`standard` is the LivingStandard of the file's region for the year, or of the nearest region above it (county →
city → province) when the region has none. `percent` comes from the multiplier table (HardshipThreshold): the row
for the category set by the nearest org above (or at) the file's union; without any row the defaults below apply:
深度困难 100 % (at most the standard), 相对困难 150 %, 意外致困 no income threshold (the accident is the cause).
A federation changes its table in the console; nothing here is a constant a cadre cannot change.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartunion.assistance.errors import NoStandard, ThresholdNotMet
from smartunion.assistance.models import Category, HardshipThreshold, LivingStandard
from smartunion.core.money import yuan
from smartunion.orgs.models import ancestor_paths

DEFAULT_PERCENT: dict[str, int | None] = {Category.DEEP: 100, Category.RELATIVE: 150, Category.ACCIDENT: None}


def region_chain(code: str) -> list[str]:
    """The region's code and the codes above it, nearest first: 370102 → [370102, 370100, 370000]."""
    code = (code or "")[:6]
    chain = [code]
    if len(code) == 6:
        for parent in (code[:4] + "00", code[:2] + "0000"):
            if parent not in chain:
                chain.append(parent)
    return chain


def living_standard(region_code: str, year: int) -> LivingStandard | None:
    chain = region_chain(region_code)
    rows = {s.region_id: s for s in LivingStandard.objects.filter(region_id__in=chain, year=year)}
    for code in chain:
        if code in rows:
            return rows[code]
    return None


def percent_for(category: str, union_path: str) -> int | None:
    rows = dict(HardshipThreshold.objects.filter(category=category, org_path__in=ancestor_paths(union_path))
                .order_by("org_path").values_list("org_path", "percent"))
    if rows:
        return rows[max(rows)]  # the deepest org that set one
    return DEFAULT_PERCENT.get(category)


@dataclass(frozen=True)
class Check:
    standard_fen: int | None
    threshold_fen: int | None
    per_capita_fen: int
    qualifies: bool


def check(*, category: str, region_code: str, year: int, union_path: str, per_capita_fen: int) -> Check:
    """The threshold check; raises NoStandard when the category needs a standard and none is set."""
    percent = percent_for(category, union_path)
    if percent is None:
        standard = living_standard(region_code, year)
        return Check(standard.monthly_fen if standard else None, None, per_capita_fen, True)
    standard = living_standard(region_code, year)
    if standard is None:
        raise NoStandard(f"尚未设置该地区{year}年的最低生活保障标准，无法核定困难类别，请联系上级总工会维护",
                         fields={"region": "该地区尚未设置最低生活保障标准"})
    threshold = standard.monthly_fen * percent // 100
    return Check(standard.monthly_fen, threshold, per_capita_fen, per_capita_fen <= threshold)


def require(result: Check, category: str) -> None:
    if not result.qualifies:
        label = Category(category).label
        raise ThresholdNotMet(
            f"家庭月人均收入 {yuan(result.per_capita_fen)} 元，"
            f"高于{label}的认定上限 {yuan(result.threshold_fen or 0)} 元"
            f"（当地低保标准 {yuan(result.standard_fen or 0)} 元），不符合{label}认定条件",
            fields={"household_income_fen": "家庭收入高于认定上限"})


