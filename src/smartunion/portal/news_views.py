"""工会新闻 in the portal: the articles the orgs published to their portal channel (editorial), one page each
(reads counted in batches by editorial/reads.py), and an Atom feed per org for readers and other sites."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed

from smartunion.editorial import reads
from smartunion.editorial.queries import portal_news
from smartunion.orgs.models import Organisation
from smartunion.portal.subsite import current_subsite

PAGE_SIZE = 15
FEED_SIZE = 30


def _root(request) -> str | None:
    subsite = current_subsite(request)
    return subsite.org.path if subsite is not None else None


def news_list(request):
    page = Paginator(portal_news(_root(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/news_list.html", {"page": page})


def news_detail(request, pk: int):
    article = portal_news().filter(pk=pk).first()
    if article is None:
        raise Http404("文章不存在或已撤回")
    reads.count_read(article.pk)
    return render(request, "portal/news_detail.html", {"article": article})


class OrgFeed(Feed):
    """The org's portal articles as Atom 1.0."""

    feed_type = Atom1Feed

    def get_object(self, request, org_id: int):
        return get_object_or_404(Organisation, pk=org_id, status=Organisation.Status.ACTIVE)

    def title(self, org):
        return f"{org.name} · 工会新闻"

    def link(self, org):
        return reverse("portal:news")

    def subtitle(self, org):
        return f"{org.name}在职工门户发布的文章"

    def items(self, org):
        return portal_news().filter(org=org)[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or item.body_text[:200]

    def item_link(self, item):
        return reverse("portal:news_detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.author or item.org.name


urlpatterns = [
    path("news/", news_list, name="news"),
    path("news/<int:pk>/", news_detail, name="news_detail"),
    path("feeds/orgs/<int:org_id>.atom", OrgFeed(), name="news_feed"),
]
