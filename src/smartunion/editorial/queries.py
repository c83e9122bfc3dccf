"""The reads of the editorial app that several places share."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

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
