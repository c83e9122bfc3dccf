"""The CaseStat roll-up, kept in the transaction of every change it counts.

One row per (handling org, month of submission, kind, category). The services add to it with one
INSERT ... ON CONFLICT (org, month, kind, category) DO UPDATE SET n = n + delta, so two first filings of a month
racing count exactly (the loser's insert becomes an update of the winner's row). What each change counts:

    filing            received +1
    first response    responded +1, responded_on_time +1 when by the first-response deadline
    close             closed +1, closed_on_time +1 when by the resolution deadline
    reopen            closed -1, closed_on_time -1 if that close was on time (the next close counts again)
    rating            rated +1, rating_sum + rating, satisfied +1 for 4 or 5
    transfer          the case's whole contribution moves from the old org's row to the new org's

so an org's figures are always those of the cases it handles now (the open and overdue counts, read from the
cases themselves, agree with them). Each change is counted twice: in CaseStat, the handling org's own row, and in
CaseSubtreeStat, the rows of that org and of every org above it, which the statistics of a subtree read.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from smartunion.cases.models import Case, CaseStat, CaseSubtreeStat
from smartunion.orgs.models import SEGMENT, ancestor_paths

COUNTERS = ("received", "responded", "responded_on_time", "closed", "closed_on_time", "rated", "rating_sum",
            "satisfied")


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def bump(case: Case, *, org=None, **deltas: int) -> None:
    """Add `deltas` to the row of the case's org (or `org`), month, kind and category, and to the subtree rows of
    that org and each of its ancestors: two INSERT ... ON CONFLICT DO UPDATE statements (SQLite and PostgreSQL; one
    round trip on PostgreSQL),
    so concurrent first changes of a month count exactly. A row created by a negative delta starts at 0 for that
    counter."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"not a CaseStat counter: {sorted(unknown)}")
    org = org or case.org
    key = [month_of(case.submitted_at).isoformat(), case.kind, case.category]
    statements = [_upsert(CaseStat, [[org.pk, org.path, *key]], ["org_id", "org_path"], deltas),
                  _upsert(CaseSubtreeStat, [[pk, *key] for pk in ancestor_ids(org.path)], ["org_id"], deltas)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip (psycopg's client-side binding takes several)
            cursor.execute(";\n".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def ancestor_ids(path: str) -> list[int]:
    """The ids of the org of `path` and of its ancestors (a path is the ancestors' ids, SEGMENT digits each)."""
    return [int(p[-SEGMENT:]) for p in ancestor_paths(path)]


def _upsert(model, rows: list[list], leading: list[str], deltas: dict[str, int]) -> tuple[str, list]:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = list(deltas)
    columns = [*leading, "month", "kind", "category", *COUNTERS]
    starting = [max(deltas.get(n, 0), 0) for n in COUNTERS]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{quote(n)} = {table}.{quote(n)} + %s" for n in names)
    sql = (f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608  (names, not input)
           f"VALUES {', '.join([one] * len(rows))} "
           f"ON CONFLICT ({', '.join(quote(c) for c in ['org_id', 'month', 'kind', 'category'])}) "
           f"DO UPDATE SET {updates}")
    params = [value for row in rows for value in (*row, *starting)] + [deltas[n] for n in names]
    return sql, params


def rebuild_subtree_stats() -> int:
    """Recompute every CaseSubtreeStat row from CaseStat (after a bulk load that wrote CaseStat only, or a repair);
    returns how many rows were written."""
    totals: dict[tuple, list[int]] = {}
    for row in CaseStat.objects.values_list("org_path", "month", "kind", "category", *COUNTERS).iterator():
        path, month, kind, category, *counts = row
        for pk in ancestor_ids(path):
            into = totals.setdefault((pk, month, kind, category), [0] * len(COUNTERS))
            for i, n in enumerate(counts):
                into[i] += n
    with transaction.atomic():
        CaseSubtreeStat.objects.all().delete()
        CaseSubtreeStat.objects.bulk_create(
            (CaseSubtreeStat(org_id=pk, month=month, kind=kind, category=category, **dict(zip(COUNTERS, counts,
                                                                                               strict=True)))
             for (pk, month, kind, category), counts in totals.items()), batch_size=2000)
    return len(totals)


def contribution(case: Case) -> dict[str, int]:
    """What the case counts for in its row now."""
    responded_at = case.first_responded_at
    rating = case.rating or 0
    return {
        "received": 1,
        "responded": int(responded_at is not None),
        "responded_on_time": int(responded_at is not None and responded_at <= case.first_response_due),
        "closed": int(case.status == Case.Status.CLOSED),
        "closed_on_time": int(case.status == Case.Status.CLOSED and bool(case.closed_on_time)),
        "rated": int(case.rating is not None),
        "rating_sum": rating,
        "satisfied": int(rating >= 4),
    }


def move(case: Case, *, old_org, new_org) -> None:
    """A transfer: the case's contribution leaves the old org's row for the new org's."""
    counts = contribution(case)
    bump(case, org=old_org, **{k: -v for k, v in counts.items()})
    bump(case, org=new_org, **counts)
