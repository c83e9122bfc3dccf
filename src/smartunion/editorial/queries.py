"""The reads of the editorial app that several places share.

The portal's news list and article pages are the same for every visitor of a subsite, so their rows are cached
(`portal_news_page`, `portal_article`: the Django cache, a minute) under a version that every save of an article or
a publication bumps (signals below). With Redis (REDIS_URL) the version is shared and a withdrawal leaves every
list at once; with the local-memory cache each process drops its own copy at once and the others within a minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import post_delete, post_save

from smartunion.editorial.models import Article, Channel, PoolItem, Publication
from smartunion.editorial.rules import READING_ROLES
from smartunion.orgs.models import subtree_q
from smartunion.orgs.queries import scoped


def portal_news(root_path: str | None = None) -> QuerySet[Article]:
    """Published articles sent to a portal channel, newest first; under `root_path` (a subsite's org) when given."""
    on_portal = Publication.objects.filter(article=OuterRef("pk"), channel__kind=Channel.Kind.PORTAL,
                                           status=Publication.Status.SENT)
    articles = Article.objects.filter(status=Article.Status.PUBLISHED).filter(Exists(on_portal))
    if root_path:
        articles = articles.filter(subtree_q(root_path, "org_path"))
    return articles.select_related("org").order_by("-published_at", "-id")


NEWS_CACHE_SECONDS = 60
MAX_NEWS_PAGE = 1000
VERSION_KEY = "editorial:portal_news:version"
_MISSING = "missing"


@dataclass
class NewsPage:
    """One page of the news list: the rows and whether there is a next page (no COUNT over the whole list)."""

    articles: list = field(default_factory=list)
    number: int = 1
    has_next: bool = False

    def __iter__(self):
        return iter(self.articles)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY, 0)
    return version


def portal_news_changed(**_ignored) -> None:
    """Every cached page and article of the portal's news is stale from now on."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set (yet, or evicted): a new version
        cache.set(VERSION_KEY, time.time_ns(), None)


def _changed_after_commit(**_ignored) -> None:
    portal_news_changed()
    transaction.on_commit(portal_news_changed)  # a reader between the save and the commit cached the old rows


def portal_news_page(root_path: str | None, number: int, size: int) -> NewsPage:
    """Page `number` (1-based) of portal_news(root_path), from the cache when this version has it."""
    number = max(1, min(int(number), MAX_NEWS_PAGE))
    key = f"editorial:portal_news:{_version()}:{root_path or '-'}:{number}:{size}"
    page = cache.get(key)
    if page is None:
        rows = list(portal_news(root_path).defer("body", "body_text")[(number - 1) * size:number * size + 1])
        page = NewsPage(rows[:size], number, len(rows) > size)
        cache.set(key, page, NEWS_CACHE_SECONDS)
    return page


def portal_article(pk: int) -> Article | None:
    """A published portal article by id (None when it is not, or no longer, on the portal), cached like the pages."""
    key = f"editorial:portal_article:{_version()}:{pk}"
    found = cache.get(key)
    if found is None:
        found = portal_news().filter(pk=pk).first() or _MISSING
        cache.set(key, found, NEWS_CACHE_SECONDS)
    return None if found == _MISSING else found


for _model in (Article, Publication):
    post_save.connect(_changed_after_commit, sender=_model, dispatch_uid=f"editorial.news.{_model.__name__}.save")
    post_delete.connect(_changed_after_commit, sender=_model, dispatch_uid=f"editorial.news.{_model.__name__}.del")


def desk_articles(user) -> QuerySet[Article]:
    """The articles of the orgs where the user holds an editorial role, or below them."""
    return scoped(Article.objects.select_related("org"), user, field="org_path", roles=READING_ROLES)


def desk_channels(user) -> QuerySet[Channel]:
    return scoped(Channel.objects.select_related("org").filter(active=True), user, field="org_path",
                  roles=READING_ROLES)


def incoming_pool(user) -> QuerySet[PoolItem]:
    """Pool items sent to the user's orgs (or below them)."""
    return scoped(PoolItem.objects.select_related("article", "from_org", "to_org"), user, field="to_path",
                  roles=READING_ROLES)
