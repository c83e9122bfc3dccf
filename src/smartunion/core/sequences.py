"""Gap-free counters kept in a row per key (a rule and a year, an org and a year, a day).

`take_next(Model, **key)` adds one to the row's `last` with one conditional UPDATE ... RETURNING (one statement on
SQLite and PostgreSQL): the row stays locked until the caller's transaction ends, so two callers never get the same
value, and a caller that rolls back gives its value back with it. The key's first call makes the row (a concurrent
first call that made it first is caught by the model's unique constraint on the key, and the UPDATE is tried again).
The model needs the key fields, a unique constraint over them, and an integer field `last`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from smartunion.core.errors import Conflict


def take_next(model: Any, **key) -> int:
    """The next value of the counter `key` names (1 for the first call)."""
    last = _increment(model, key)
    if last is None:
        try:
            with transaction.atomic():
                model._default_manager.create(last=1, **{
                    name if isinstance(value, models.Model) else _field(model, name).attname: value
                    for name, value in key.items()})
            return 1
        except IntegrityError:  # a concurrent first call made the row
            last = _increment(model, key)
    if last is None:  # pragma: no cover - the row exists by now
        raise Conflict("取号失败，请重试", code="number_failed")
    return last


def _field(model: Any, name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _increment(model: Any, key: dict) -> int | None:
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote("last")
    where, params = [], []
    for name, value in key.items():
        where.append(f"{quote(str(_field(model, name).column))} = %s")
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, dt.date):
            value = value.isoformat()
        params.append(value)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} + 1 "  # noqa: S608 (names quoted, values bound)
                       f"WHERE {' AND '.join(where)} RETURNING {column}", params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])
