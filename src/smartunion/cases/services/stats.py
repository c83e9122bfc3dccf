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
cases themselves, agree with them).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from smartunion.cases.models import Case, CaseStat

COUNTERS = ("received", "responded", "responded_on_time", "closed", "closed_on_time", "rated", "rating_sum",
            "satisfied")


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def bump(case: Case, *, org=None, **deltas: int) -> None:
    """Add `deltas` to the row of the case's org (or `org`), month, kind and category: one INSERT ... ON CONFLICT
    DO UPDATE (SQLite and PostgreSQL), so concurrent first changes of a month count exactly. A row created by a
    negative delta starts at 0 for that counter."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"not a CaseStat counter: {sorted(unknown)}")
    org = org or case.org
    quote = connection.ops.quote_name
    names = list(deltas)
    key = ["org_id", "month", "kind", "category"]
    columns = ", ".join(quote(c) for c in [*key, "org_path", *COUNTERS])
    placeholders = ", ".join(["%s"] * (len(key) + 1 + len(COUNTERS)))
    updates = ", ".join(f"{quote(n)} = {quote(CaseStat._meta.db_table)}.{quote(n)} + %s" for n in names)
    sql = (f"INSERT INTO {quote(CaseStat._meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
           f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {updates}")
    params = [org.pk, month_of(case.submitted_at).isoformat(), case.kind, case.category, org.path,
              *(max(deltas.get(n, 0), 0) for n in COUNTERS), *(deltas[n] for n in names)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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
