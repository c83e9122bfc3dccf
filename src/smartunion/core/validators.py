"""Validators for Chinese identifiers used throughout SmartUnion.

Covered identifiers:

* Resident identity card number (GB 11643-1999, 18 characters, ISO 7064
  MOD 11-2 check character), and the residence permits of Hong Kong, Macao
  and Taiwan residents, which share its structure.
* Unified social credit code (GB 32100-2015, 18 characters, MOD 31 check
  character over a 31-symbol alphabet).
* Mainland China mobile phone number (11 digits, optional +86 / 86 prefix).

Every ``validate_*`` function returns the normalised value or raises
``django.core.exceptions.ValidationError`` with a Simplified-Chinese message
and a stable ``code``.  The module never touches Django settings, so it can be
imported and used without a configured project (management scripts, seeders,
tests without a database).
"""

from __future__ import annotations

import datetime as _dt
import re

from django.core.exceptions import ValidationError

__all__ = [
    "CREDIT_CODE_CHARSET",
    "PROVINCE_PREFIXES",
    "RESIDENCE_PERMIT_PREFIXES",
    "credit_code_check_char",
    "id_number_birth_date",
    "id_number_check_digit",
    "id_number_sex",
    "is_residence_permit",
    "make_credit_code",
    "make_id_number",
    "normalize_credit_code",
    "normalize_fullwidth",
    "normalize_id_number",
    "normalize_mobile",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
]


# ---------------------------------------------------------------------------
# Full-width -> half-width
# ---------------------------------------------------------------------------

# U+FF01..U+FF5E are the full-width forms of ASCII U+0021..U+007E (offset
# 0xFEE0); U+3000 is the ideographic (full-width) space.
_FULLWIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TABLE[0x3000] = 0x20

_WHITESPACE_RE = re.compile(r"\s+")


def normalize_fullwidth(text: str) -> str:
    """Convert full-width ASCII variants (U+FF01-U+FF5E) and the ideographic
    space (U+3000) to their half-width equivalents.  Other characters are left
    untouched."""
    return str(text).translate(_FULLWIDTH_TABLE)


def _as_text(value) -> str:
    """Coerce ``None`` to ``""`` and anything else to ``str``."""
    if value is None:
        return ""
    return str(value)


def _compact(value) -> str:
    """Full-width -> half-width, then drop every whitespace character
    (leading, trailing and inner, including U+3000 and NBSP)."""
    return _WHITESPACE_RE.sub("", normalize_fullwidth(_as_text(value)))


# ---------------------------------------------------------------------------
# GB 11643-1999 resident identity number
# ---------------------------------------------------------------------------

# First two digits of the administrative division code (GB/T 2260): the 31
# mainland provincial-level divisions, Taiwan (71), Hong Kong (81) and Macao
# (82), plus 83, which exists only in the residence permits of Taiwan
# residents.  Only these two digits are checked: an identity number keeps the
# county code of the place that issued it for life, so a number from a county
# abolished or renumbered since (370181 章丘市, now 370114 章丘区; 320107
# 南京市下关区, merged in 2013) is as valid as it was on the day it was issued.
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    (
        "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
        "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
    ).split()
)

# Residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证,
# issued since 2018) follow GB 11643 with a fixed address code in place of a
# county: the permit's number starts with one of these, never with another
# 81/82/83 code.
RESIDENCE_PERMIT_PREFIXES: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

# ISO 7064 MOD 11-2 weights: 2^(18-k) mod 11 for positions k = 1..17.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_MIN_BIRTH = _dt.date(1900, 1, 1)

_ID_FORMAT_RE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17_RE = re.compile(r"[0-9]{17}")

MSG_ID_REQUIRED = "请填写身份证号码"
MSG_ID_LENGTH = "身份证号码应为18位"
MSG_ID_FORMAT = "身份证号码只能包含数字，最后一位可以是X"
MSG_ID_REGION = "身份证号码的地区码无效"
MSG_ID_BIRTH_DATE = "身份证号码中的出生日期无效"
MSG_ID_CHECK_DIGIT = "身份证号码校验位错误"


def normalize_id_number(value) -> str:
    """Remove all whitespace (including full-width spaces), convert
    full-width digits/letters to half-width and upper-case a trailing ``x``.

    No validation is performed."""
    text = _compact(value)
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def id_number_check_digit(first17: str) -> str:
    """Return the GB 11643 check character ("0"-"9" or "X") for the first 17
    digits of an identity number.  Raises ``ValueError`` on malformed input."""
    first17 = normalize_fullwidth(_as_text(first17))
    if not _DIGITS17_RE.fullmatch(first17):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _id_structure(value) -> str:
    """Normalise and run the required/length/format checks."""
    text = normalize_id_number(value)
    if not text:
        raise ValidationError(MSG_ID_REQUIRED, code="required")
    if len(text) != 18:
        raise ValidationError(MSG_ID_LENGTH, code="length")
    if not _ID_FORMAT_RE.fullmatch(text):
        raise ValidationError(MSG_ID_FORMAT, code="format")
    return text


def _region_ok(code: str) -> bool:
    """A province prefix; for 81/82/83 (used only by residence permits) exactly the permit's address code."""
    if code[:2] in ("81", "82", "83"):
        return code in RESIDENCE_PERMIT_PREFIXES
    return code[:2] in PROVINCE_PREFIXES


def is_residence_permit(value) -> bool:
    """True for the number of a Hong Kong, Macao or Taiwan resident's residence permit (810000/820000/830000)."""
    return normalize_id_number(value)[:6] in RESIDENCE_PERMIT_PREFIXES


def _parse_birth(text: str) -> _dt.date:
    """Parse digits 7-14 (YYYYMMDD) of a structurally valid number."""
    try:
        return _dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationError(MSG_ID_BIRTH_DATE, code="birth_date") from None


def validate_id_number(value, *, today: _dt.date | None = None) -> str:
    """Validate a GB 11643-1999 18-character resident identity number and
    return it normalised.

    Checks, in order: required, length, format, province prefix (for a
    residence permit: its exact address code), birth date (real calendar date
    within 1900-01-01 .. ``today``), check character.  The county part of the
    address code is deliberately not checked against today's division list.
    ``today`` defaults to ``datetime.date.today()``.
    """
    text = _id_structure(value)
    if not _region_ok(text[:6]):
        raise ValidationError(MSG_ID_REGION, code="region")
    birth = _parse_birth(text)
    if today is None:
        today = _dt.date.today()
    elif isinstance(today, _dt.datetime):
        today = today.date()
    if birth < _ID_MIN_BIRTH or birth > today:
        raise ValidationError(MSG_ID_BIRTH_DATE, code="birth_date")
    if id_number_check_digit(text[:17]) != text[17]:
        raise ValidationError(MSG_ID_CHECK_DIGIT, code="check_digit")
    return text


def id_number_birth_date(value) -> _dt.date:
    """Birth date encoded in digits 7-14 of an identity number.

    Only the structure (length/format) and the calendar date are checked;
    run :func:`validate_id_number` first for full validation.  Raises
    ``ValidationError`` on malformed input."""
    return _parse_birth(_id_structure(value))


def id_number_sex(value) -> str:
    """GB/T 2261.1 sex code derived from the 17th digit: ``"1"`` (male, odd)
    or ``"2"`` (female, even).  Raises ``ValidationError`` on malformed
    input."""
    text = _id_structure(value)
    return "1" if int(text[16]) % 2 else "2"


def make_id_number(region: str, birth: _dt.date, sequence: int) -> str:
    """Build a valid 18-character identity number (used by the demo seeder).

    ``region`` is a 6-digit administrative division code; a bare 2-digit
    province prefix is accepted and padded with ``"0000"``.  ``sequence``
    (0-999) becomes the 3-digit order code; its parity determines the sex
    (odd = male).  Raises ``ValueError`` on bad arguments.
    """
    region = _as_text(region).strip()
    if re.fullmatch(r"[0-9]{2}", region):
        region += "0000"
    if not re.fullmatch(r"[0-9]{6}", region) or not _region_ok(region):
        raise ValueError(f"invalid region code: {region!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be an int in 0..999, got {sequence!r}")
    if isinstance(birth, _dt.datetime):
        birth = birth.date()
    if not 1000 <= birth.year <= 9999:
        raise ValueError(f"birth year out of range: {birth.year}")
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_digit(first17)


# ---------------------------------------------------------------------------
# GB 32100-2015 unified social credit code
# ---------------------------------------------------------------------------

# 31 symbols: digits plus upper-case letters without I, O, Z, S, V.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_DIGITS6_RE = re.compile(r"[0-9]{6}")
_CREDIT_INDEX = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}
# 3^(k-1) mod 31 for positions k = 1..17.
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

MSG_CREDIT_REQUIRED = "请填写统一社会信用代码"
MSG_CREDIT_LENGTH = "统一社会信用代码应为18位"
MSG_CREDIT_CHARSET = "统一社会信用代码含有无效字符（不使用I、O、Z、S、V）"
MSG_CREDIT_DIVISION = "统一社会信用代码的行政区划码无效"
MSG_CREDIT_CHECK = "统一社会信用代码校验码错误"


def normalize_credit_code(value) -> str:
    """Remove whitespace, convert full-width to half-width, upper-case."""
    return _compact(value).upper()


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters.
    Raises ``ValueError`` on malformed input."""
    first17 = normalize_credit_code(first17)
    if len(first17) != 17 or any(ch not in _CREDIT_INDEX for ch in first17):
        raise ValueError("first17 must be 17 characters from CREDIT_CODE_CHARSET")
    total = sum(_CREDIT_INDEX[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    c = 31 - total % 31
    return CREDIT_CODE_CHARSET[0 if c == 31 else c]


def make_credit_code(first17: str) -> str:
    """Append the check character to ``first17`` (normalised)."""
    first17 = normalize_credit_code(first17)
    return first17 + credit_code_check_char(first17)


def validate_credit_code(value) -> str:
    """Validate a GB 32100-2015 unified social credit code and return it
    normalised.

    Checks, in order: required, length, charset, administrative division code
    (characters 3-8 must be digits), check character.  The registration
    authority / organisation type codes (characters 1-2) are not checked
    beyond the charset.
    """
    text = normalize_credit_code(value)
    if not text:
        raise ValidationError(MSG_CREDIT_REQUIRED, code="required")
    if len(text) != 18:
        raise ValidationError(MSG_CREDIT_LENGTH, code="length")
    if any(ch not in _CREDIT_INDEX for ch in text):
        raise ValidationError(MSG_CREDIT_CHARSET, code="charset")
    if not _DIGITS6_RE.fullmatch(text[2:8]):
        raise ValidationError(MSG_CREDIT_DIVISION, code="division")
    if credit_code_check_char(text[:17]) != text[17]:
        raise ValidationError(MSG_CREDIT_CHECK, code="check_char")
    return text


# ---------------------------------------------------------------------------
# Mainland mobile number
# ---------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_SEPARATORS_RE = re.compile(r"[\s\-]+")

MSG_MOBILE_REQUIRED = "请填写手机号码"
MSG_MOBILE_FORMAT = "手机号码格式不正确，应为11位中国大陆手机号"


def normalize_mobile(value) -> str:
    """Full-width -> half-width, drop whitespace and hyphens, then drop a
    leading ``+86``, or a leading ``86`` when exactly 13 digits remain."""
    text = _MOBILE_SEPARATORS_RE.sub("", normalize_fullwidth(_as_text(value)))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def validate_mobile(value) -> str:
    """Validate a mainland China mobile number and return the bare 11 digits.

    Accepts e.g. ``"13800138000"``, ``"+86 138 0013 8000"``,
    ``"86-13800138000"`` and full-width digits.
    """
    raw = _MOBILE_SEPARATORS_RE.sub("", normalize_fullwidth(_as_text(value)))
    if not raw:
        raise ValidationError(MSG_MOBILE_REQUIRED, code="required")
    text = normalize_mobile(raw)
    if not _MOBILE_RE.fullmatch(text):
        raise ValidationError(MSG_MOBILE_FORMAT, code="format")
    return text
