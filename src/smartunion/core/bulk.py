"""Fast bulk inserts of rows already in database form, for loads of hundreds of thousands of rows.

Django's bulk_create spends most of its time compiling SQL and preparing each value through the field machinery
(about 9 of 17 seconds for 30k people in a profile). Loaders that build ciphertext and blind indexes themselves
use this instead: executemany on SQLite, COPY on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `fields` order, values as the database stores them); returns the count."""
    meta = model._meta
    columns = [_column(model, name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column_sql = ", ".join(quote(c) for c in columns)
    rows = list(rows)
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor bypasses Django's error translation: restore it, so callers can catch
            # django.db.IntegrityError for a duplicate as they would with executemany.
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})", rows)  # noqa: S608
    return len(rows)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field.column


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys nobody else will use, so rows can be inserted with their ids known (no read-back).

    PostgreSQL: taken from the table's sequence. SQLite: the write transaction (BEGIN IMMEDIATE) holds the database's
    write lock, so the ids after the highest ever used (sqlite_sequence, AUTOINCREMENT) stay free until it ends; call
    it inside the transaction that inserts the rows."""
    meta = model._meta
    pk_column = _column(model, meta.pk.name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, pk_column, count])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(pk_column)}) FROM {quote(meta.db_table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        used = cursor.fetchone()
        start = max(top, used[0] if used else 0) + 1
    return list(range(start, start + count))


def next_id(model: type[models.Model]) -> int:
    """The first free primary key (for loads that assign ids themselves; call reset_sequences afterwards)."""
    return (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """Move PostgreSQL's id sequences past explicitly inserted ids (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(statement)


def refresh_statistics() -> None:
    """After a bulk load, let the query planner see the new table sizes (a stale estimate of 2,500 rows for a
    500k-org subtree made PostgreSQL pick a bitmap scan and sort instead of walking the path index)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
