"""Text checks shared by every service that takes text from people: names, free text, lengths, bad characters.

Every check answers a Chinese message (or None) instead of raising, so a service collects all field errors at once
and raises one ValidationError. The same rules run at the API edge (api/schemas.py) and in the services, so a
console form, a roster row and an API call are refused alike.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import FieldDoesNotExist
from django.db import models

# C0 and C1 controls and DEL. Free text may hold tab and line breaks; a name or a code holds none.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair without the other half (JSON "\ud800"): no encoding can store it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Letters that render as nothing: the Hangul fillers are category Lo but are blank on screen.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

# Text columns without a length of their own (encrypted text) still get a bound at the edge.
DEFAULT_LIMITS = {"address": 200, "body": 20_000}
DEFAULT_TEXT_LIMIT = 5000
# Model fields that hold the name of a person or an organisation: they must contain a character to read.
NAME_FIELDS = frozenset({"name", "contact_name", "display_name", "employer_name", "to_employer_name"})


def _invisible(ch: str) -> bool:
    """Format characters (U+200B zero width space, U+FEFF, U+200E marks...) and blank fillers."""
    return unicodedata.category(ch) == "Cf" or ch in _BLANK_LETTERS


def bad_character_error(value: str, label: str, *, single_line: bool = False) -> str | None:
    """The message for control characters or unpaired surrogates in `value`, else None."""
    if _SURROGATE.search(value):
        return f"{label}含有无法识别的字符"
    if (_CONTROL_SINGLE_LINE if single_line else _CONTROL).search(value):
        return f"{label}不能包含控制字符"
    return None


def text_error(value: str, label: str, *, max_length: int | None = None, single_line: bool = False) -> str | None:
    """Free text: no control characters (tab and line breaks allowed unless `single_line`), no unpaired
    surrogates, at most `max_length` characters."""
    error = bad_character_error(value, label, single_line=single_line)
    if error:
        return error
    if max_length is not None and len(value) > max_length:
        return f"{label}不能超过{max_length}个字"
    return None


def name_error(value: str, label: str = "姓名", *, max_length: int | None = 50) -> str | None:
    """A name (of a person or an organisation), already stripped: one line, no invisible characters, and at least
    one Chinese character or letter, so that only emoji, spaces or digits are refused."""
    error = text_error(value, label, max_length=max_length, single_line=True)
    if error:
        return error
    if any(_invisible(ch) for ch in value):
        return f"{label}不能包含不可见字符"
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        return f"{label}应包含汉字或字母"
    return None


def clean_name(value, label: str = "姓名", *, max_length: int | None = 50) -> tuple[str, str | None]:
    """(the stripped name, its error or None); an empty name is reported as missing."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return text, f"请填写{label}"
    return text, name_error(text, label, max_length=max_length)


def field_limit(field) -> int:
    """The longest text a model field takes: its max_length, else the bound for its kind of text."""
    return getattr(field, "max_length", None) or DEFAULT_LIMITS.get(field.name, DEFAULT_TEXT_LIMIT)


def check_text_fields(model: type[models.Model], values: dict, errors: dict[str, str], *,
                      names: frozenset[str] | set[str] = NAME_FIELDS) -> None:
    """Add a Chinese error for every text value that is too long for its column, holds control characters or
    unpaired surrogates, or (for the fields in `names`, when not empty) is not a readable name."""
    for name, value in values.items():
        if not isinstance(value, str) or name in errors:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # not a model field (e.g. a reference resolved later)
            continue
        if not isinstance(field, models.Field):  # a reverse relation holds no text of its own
            continue
        label = str(field.verbose_name)
        if name in names and value.strip():
            error = text_error(value, label, max_length=field_limit(field)) or name_error(
                value.strip(), label, max_length=None)
        else:
            error = text_error(value, label, max_length=field_limit(field))
        if error:
            errors[name] = error
