"""Page counts that stay cheap at province scale, and the one page shape of every API list.

A COUNT over a province's million memberships costs 60 ms on SQLite and over 200 ms on PostgreSQL, for a number
nobody reads past "more than 10,000". Lists count up to a cap and say "10000+" beyond it (settings.PAGE_COUNT_CAP
overrides COUNT_CAP).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet

from smartunion.core.errors import Invalid

COUNT_CAP = 10_000
MAX_PAGE = 100_000  # beyond this a client should narrow its search; huge offsets overflow the database
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class BadPage(Invalid):
    """A page number or page size out of range (HTTP 400: the request, not a field's value, is wrong)."""

    status = 400
    default_code = "bad_page"

    def __init__(self, message: str = f"页码应在1到{MAX_PAGE}之间，每页条数应在1到{MAX_PAGE_SIZE}之间", **kwargs):
        super().__init__(message, **kwargs)


def count_cap() -> int:
    """Where counts stop: settings.PAGE_COUNT_CAP, else COUNT_CAP."""
    return int(getattr(settings, "PAGE_COUNT_CAP", COUNT_CAP))


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): the exact count up to `cap` (default count_cap()), else (cap, True)."""
    if cap is None:
        cap = count_cap()
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def paginate(queryset: QuerySet, *, page: int, page_size: int, serialize: Callable[[Any], Any]) -> dict:
    """One page of an ordered queryset as every API list answers it:
    {count, count_capped, page, page_size, items}; the count stops at count_cap() (count_capped is then true)."""
    if not (1 <= page <= MAX_PAGE) or not (1 <= page_size <= MAX_PAGE_SIZE):
        raise BadPage()
    start = (page - 1) * page_size
    items = [serialize(obj) for obj in queryset[start: start + page_size]]
    end = start + len(items)
    cap = count_cap()
    if len(items) < page_size and (items or page == 1) and end <= cap:
        count, capped = end, False  # this page holds the end of the list: no COUNT needed
    else:
        count, capped = capped_count(queryset, cap)
    return {"count": count, "count_capped": capped, "page": page, "page_size": page_size, "items": items}


class CappedPaginator(Paginator):
    """Paginator for the console's large lists: counts at most count_cap() rows."""

    @cached_property
    def count(self):
        n, _ = capped_count(self.object_list)
        return n
