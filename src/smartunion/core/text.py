"""Chinese text helpers: name normalisation for matching employers."""

import re
import unicodedata

# Company-form suffixes, longest first, so "股份有限公司" is not read as "…有限公司".
COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "股份公司", "公司",
)
_DROP = re.compile(r"[\s()\[\]{}<>《》〈〉【】〔〕（）「」『』\-_·.,，。、]")


def normalize_employer_name(name: str) -> str:
    """Full-width → half-width, no spaces or brackets, no company-form suffix; branches keep "分公司"."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    text = _DROP.sub("", text)
    if text.endswith("分公司"):
        return text
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text
