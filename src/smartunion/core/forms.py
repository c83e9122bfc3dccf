"""Field checks shared by every service that takes text from people: length and control characters."""

from __future__ import annotations

import re

from django.db import models

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text_fields(model: type[models.Model], values: dict, errors: dict[str, str]) -> None:
    """Add a Chinese error for every text value longer than its column or holding control characters."""
    for name, value in values.items():
        if not isinstance(value, str) or name in errors:
            continue
        try:
            field = model._meta.get_field(name)
        except LookupError:  # FieldDoesNotExist: not a model field (e.g. a reference resolved later)
            continue
        if _CONTROL.search(value):
            errors[name] = f"{field.verbose_name}不能包含控制字符"
        elif getattr(field, "max_length", None) and len(value) > field.max_length:
            errors[name] = f"{field.verbose_name}不能超过{field.max_length}个字"
