"""Chinese text helpers: the one normalisation of employer names, used wherever names are stored or matched.

People write the same employer many ways: with their province, city or county in front ("山东省济南市甲科技有限公司",
"济南甲科技"), the place in brackets after the trade name ("甲科技（济南）有限公司"), traditional characters
("濟南甲科技"), full-width letters, spaces and punctuation, and another company form ("有限责任公司" for "有限公司").
All of these reduce to the same key ("甲科技"), stored in Employer.normalized_name and compared within one county.

Which place names are stripped depends on the county: only the names of that county, its city and its province
(full and short forms, from the GB/T 2260 table in core/codes), so a trade name that happens to be some other
place's name ("青岛啤酒" registered in 济南) is kept. Matching is always within one county, and the county chain is
the same for an employer registered at a township and an application that names only the county.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from smartunion.core import codes

# Company-form suffixes, longest first, so "股份有限公司" is not read as "…有限公司". A worker rarely knows the exact
# legal form, so "甲科技股份有限公司" and "甲科技有限公司" are the same key; two firms in one county that differ only in
# form are listed to the reviewer as candidates by dispatch.
COMPANY_SUFFIXES = (
    "集团股份有限公司", "集团有限责任公司", "股份有限公司", "有限责任公司", "责任有限公司", "集团有限公司", "有限公司",
    "集团公司", "股份公司", "公司",
)
# A branch is its own workplace: "甲科技有限公司历下分公司" keeps its company form.
BRANCH = "分公司"
# Level words of region names, longest first: 济南市 → 济南, 历下区 → 历下, 广西壮族自治区 → 广西壮族 (→ 广西 below).
LEVEL_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "区", "县", "盟", "旗")
MIN_SHORT = 2  # a one-character short form (郊区 → 郊) would eat the first character of many names

_BRACKETED = re.compile(r"[(\[{【〔〖〈《「『]([^()\[\]{}【】〔〕〖〗〈〉《》「」『』]*)[)\]}】〕〗〉》」』]")
_DROP = re.compile(r"[\W_]+")  # everything but letters, digits and ideographs: spaces, punctuation, symbols


@cache
def _t2s():
    """The traditional → simplified converter, built once per process (its dictionaries take a few ms to load)."""
    import opencc

    return opencc.OpenCC("t2s")


def _fold(text: str) -> str:
    """Width, compatibility forms, traditional characters and letter case folded to one spelling."""
    return _t2s().convert(unicodedata.normalize("NFKC", text)).upper()


@cache
def _ethnic_names() -> tuple[str, ...]:
    """Ethnic group names as they appear in autonomous-area names (壮族, 维吾尔族 and 维吾尔), longest first."""
    names: set[str] = set()
    for entry in codes.entries("ethnicity"):
        name = entry["name"]
        if name.endswith("族"):
            names.add(name)
            if len(name) - 1 >= MIN_SHORT:
                names.add(name[:-1])
    return tuple(sorted(names, key=len, reverse=True))


def short_region_name(name: str) -> str:
    """济南市 → 济南, 历下区 → 历下, 延边朝鲜族自治州 → 延边, 新疆维吾尔自治区 → 新疆, 内蒙古自治区 → 内蒙古."""
    for suffix in LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT:
            name = name[: -len(suffix)]
            break
    stripped = True
    while stripped:
        stripped = False
        for ethnic in _ethnic_names():
            if name.endswith(ethnic) and len(name) - len(ethnic) >= MIN_SHORT:
                name = name[: -len(ethnic)]
                stripped = True
                break
    return name


def _region_entry_code(region: str) -> str | None:
    """The code table entry for a region: a township (9 or 12 digits) stands for its county."""
    for code in (region[:6], region[:4] + "00", region[:2] + "0000"):
        if codes.is_valid("regions", code):
            return code
    return None


@cache
def region_name_forms(county: str) -> tuple[str, ...]:
    """The names of a county, its city and its province, full and short, folded (longest first, then by code
    point, so the order is stable)."""
    code = _region_entry_code(county)
    if code is None:
        return ()
    names = [codes.label("regions", code) or ""] + [e["name"] for e in codes.region_ancestors(code)]
    forms: set[str] = set()
    for name in names:
        if name:
            forms.add(_fold(name))
            forms.add(_fold(short_region_name(name)))
    return tuple(sorted((f for f in forms if len(f) >= MIN_SHORT), key=lambda f: (-len(f), f)))


def _strip_company_form(text: str) -> str:
    if text.endswith(BRANCH):
        return text
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


@cache
def _forms_by_first_character(forms: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for form in forms:
        index.setdefault(form[0], []).append(form)
    return {first: tuple(group) for first, group in index.items()}


def _place_prefix_ends(text: str, forms: tuple[str, ...]) -> set[int]:
    """Every position up to which the front of `text` is place names only. All readings are kept, since the
    greedy one can be wrong: "青岛市南…" in 市南区 is 青岛 + 市南, not 青岛市 + "南…"."""
    by_first = _forms_by_first_character(forms)
    ends, frontier = {0}, [0]
    while frontier:
        start = frontier.pop()
        for form in by_first.get(text[start:start + 1], ()):
            end = start + len(form)
            if end not in ends and text.startswith(form, start):
                ends.add(end)
                frontier.append(end)
    return ends


def _strip_leading_regions(text: str, forms: tuple[str, ...]) -> str:
    """Remove as many place names from the front as are written ("山东济南历下…"), never the whole name."""
    ends = [end for end in _place_prefix_ends(text, forms) if _strip_company_form(text[end:])]
    return text[max(ends):] if ends else text


def _only_place_names(text: str, forms: tuple[str, ...]) -> bool:
    text = _DROP.sub("", text)
    return bool(text) and len(text) in _place_prefix_ends(text, forms)


def normalize_employer_name(name: str, *, region: str) -> str:
    """The matching key of an employer name in the county of `region` (any region code; townships count as their
    county): folded, without place names, brackets, spaces, punctuation or company form; branches keep "分公司"."""
    forms = region_name_forms((region or "")[:6])
    text = _fold((name or "").strip())
    if forms:
        # "甲科技（济南）有限公司": a bracketed place name goes entirely; other bracketed words stay, unbracketed.
        text = _BRACKETED.sub(lambda m: "" if _only_place_names(m.group(1), forms) else m.group(1), text)
    text = _DROP.sub("", text)
    if forms:
        text = _strip_leading_regions(text, forms)
    return _strip_company_form(text) or text
