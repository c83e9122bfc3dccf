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
from django.db.models.query import ModelIterable

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


class PagedByIds(QuerySet):
    """A queryset whose sliced reads (a page) take two steps: the page's primary keys first, in the queryset's order,
    then the rows of those keys. An index on (scope, id) gives a page of ids newest first without reading or sorting
    the rows; sorting a subtree's whole rows (wide ones: a rights case has its description) to keep 20 of them is
    what made a province-wide "every state" list slow (SQLite, a million cases: 400 ms in one step, 30 ms in two).
    Unsliced reads, counts and everything else are the plain queryset's."""

    def _fetch_all(self):
        if self._result_cache is None and self.query.is_sliced and self._iterable_class is ModelIterable \
                and not self._prefetch_related_lookups:  # type: ignore[attr-defined]  # QuerySet internals
            ids = list(self._chain().values_list("pk", flat=True))  # type: ignore[attr-defined]
            rows = self.model._base_manager.using(self.db).filter(pk__in=ids)
            rows.query.select_related = self.query.select_related
            found = {row.pk: row for row in rows}
            self._result_cache = [found[pk] for pk in ids if pk in found]  # type: ignore[misc]
        super()._fetch_all()


def paged_by_ids(queryset: QuerySet) -> QuerySet:
    """`queryset` reading its pages in two steps (PagedByIds)."""
    paged = queryset._chain()  # type: ignore[attr-defined]
    paged.__class__ = PagedByIds
    return paged
