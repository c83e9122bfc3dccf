"""SQL text for the few reads and writes on a hot path (every API request's token; a case filing's employer, case,
audit event and messages), written once per process instead of built by the ORM on each call: the ORM spends a
third of a millisecond building the same statement again, as much as the database takes to run it.

    rows = Employer.objects.raw(hotsql.select(Employer, 'WHERE {t}."county_code" = %s LIMIT 2'), [code])
    hotsql.insert([event])

Column names in `rest` are double-quoted (both SQLite and PostgreSQL read them so). Rows still come back as model
instances through `Model.objects.raw` (field converters, decryption of PII fields), and `insert` has each field
prepare its value: only the SQL text is cached. Use it where a bench shows the cost; everywhere else the ORM reads
better.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def columns(model: type[models.Model]) -> str:
    """Every concrete column of `model`, qualified by its table: what `Model.objects.raw` needs to build it."""
    quote = connection.ops.quote_name
    return ", ".join(f"{table(model)}.{quote(f.column or f.name)}" for f in model._meta.concrete_fields)


@functools.cache
def select(model: type[models.Model], rest: str) -> str:
    """`SELECT <model's columns> FROM <model's table> <rest>`; `{t}` in `rest` stands for the quoted table name."""
    return f"SELECT {columns(model)} FROM {table(model)} {rest.format(t=table(model))}"  # noqa: S608  (names)


def when(value: dt.datetime):
    """A datetime as the database backend takes it as a parameter (SQLite keeps text, PostgreSQL a timestamptz)."""
    return connection.ops.adapt_datetimefield_value(value)


@functools.cache
def _insert_plan(model: type[models.Model]) -> tuple[tuple[models.Field, ...], str, str]:
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if f is not model._meta.auto_field)
    head = f"INSERT INTO {table(model)} ({', '.join(quote(f.column or f.name) for f in fields)}) VALUES "  # noqa: S608
    return fields, head, "(" + ", ".join(["%s"] * len(fields)) + ")"


def insert(objs, *, ignore_conflicts: bool = False) -> None:
    """INSERT unsaved instances of one model in one statement, as `bulk_create` does but without the ORM building the
    statement on each call (a fifth of a millisecond for a wide row). Each field prepares its value as for a save
    (defaults, auto_now_add, blind indexes, PII encryption); the primary keys are set on the objects (not with
    `ignore_conflicts`, where PostgreSQL's ON CONFLICT DO NOTHING skips rows that clash with a unique key).

    The model's own save() and the save signals are not run: only for append-style rows whose save() adds nothing
    (audit events, in-app messages, watch hits) or whose caller does what save() would (a filed case sets its
    org_path)."""
    objs = list(objs)
    if not objs:
        return
    model: type[models.Model] = type(objs[0])
    fields, head, row = _insert_plan(model)
    per_statement = max(1, MAX_PARAMS // len(fields))
    if not ignore_conflicts and not connection.features.can_return_rows_from_bulk_insert:
        per_statement = 1  # SQLite before 3.35 has no RETURNING: one row a statement, its key from lastrowid
    for start in range(0, len(objs), per_statement):
        part = objs[start:start + per_statement]
        _insert_rows(part, model, fields, head + ", ".join([row] * len(part)), ignore_conflicts=ignore_conflicts)


MAX_PARAMS = 30_000  # SQLite takes 32,766 parameters in one statement


def _insert_rows(objs: list, model, fields, sql: str, *, ignore_conflicts: bool) -> None:
    params = []
    for obj in objs:
        if type(obj) is not model or not obj._state.adding or obj.pk is not None:
            raise ValueError("hotsql.insert takes new instances of one model")
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"hotsql.insert takes values, not expressions ({field.name})")
            params.append(field.get_db_prep_save(value, connection))
    returning = not ignore_conflicts and connection.features.can_return_rows_from_bulk_insert
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    elif returning:
        sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
        elif not ignore_conflicts:
            objs[0].pk = cursor.lastrowid
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
