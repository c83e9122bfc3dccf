"""The reads of the editorial app that several places share."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from smartunion.editorial.models import Article, Channel, Publication
from smartunion.orgs.models import subtree_q


def portal_news(root_path: str | None = None) -> QuerySet[Article]:
    """Published articles sent to a portal channel, newest first; under `root_path` (a subsite's org) when given."""
    on_portal = Publication.objects.filter(article=OuterRef("pk"), channel__kind=Channel.Kind.PORTAL,
                                           status=Publication.Status.SENT)
    articles = Article.objects.filter(status=Article.Status.PUBLISHED).filter(Exists(on_portal))
    if root_path:
        articles = articles.filter(subtree_q(root_path, "org_path"))
    return articles.select_related("org").order_by("-published_at", "-id")
