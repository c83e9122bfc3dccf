"""工会新闻 in the portal: the articles the orgs published to their portal channel (editorial), one page each
(reads counted in batches by editorial/reads.py), and an Atom feed per org for readers and other sites. The rows of
the list and of an article come from the editorial cache (editorial/queries.py: a minute, dropped when an article
or a publication changes); the page itself is rendered per visitor (its header and the comment form are theirs).

An article's page is a shareable link: its <title>, meta description (the summary), a canonical link and Open Graph
tags (og:title, og:description, og:image from the cover, og:type article, og:url), absolute URLs built from the
request's host. The articles' images (covers and body images, editorial/services/articles.py) are served from
MEDIA_URL's editorial/ folder by `editorial_image`: only those two folders' random-named images, never the rest of
the private media folder."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from smartunion.editorial import reads
from smartunion.editorial.queries import portal_article, portal_news, portal_news_page
from smartunion.orgs.models import Organisation
from smartunion.portal.subsite import current_subsite

PAGE_SIZE = 15
FEED_SIZE = 30
DESCRIPTION_CHARS = 120
# editorial/covers/2026/11/<32 hex>.png, editorial/images/…: what the editorial services store, nothing else.
IMAGE_NAME = re.compile(r"(covers|images)/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|gif|webp)")
IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def _root(request) -> str | None:
    subsite = current_subsite(request)
    return subsite.org.path if subsite is not None else None


def news_list(request):
    number = request.GET.get("page", "1")
    page = portal_news_page(_root(request), int(number) if number.isdigit() else 1, PAGE_SIZE)
    return render(request, "portal/news_list.html", {"page": page})


def news_detail(request, pk: int):
    article = portal_article(pk)
    if article is None:
        raise Http404("文章不存在或已撤回")
    reads.count_read(article.pk)
    description = article.summary or article.body_text[:DESCRIPTION_CHARS].replace("\n", " ")
    return render(request, "portal/news_detail.html", {
        "article": article, "description": description,
        "page_url": request.build_absolute_uri(reverse("portal:news_detail", args=[article.pk])),
        "cover_url": request.build_absolute_uri(article.cover.url) if article.cover else ""})


@require_GET
@cache_control(public=True, max_age=30 * 24 * 3600, immutable=True)
def editorial_image(request, name: str):
    """An article's cover or body image. Public: a body image may be opened before its article is published by
    anyone who has its address, which is random (128 bits) and given to no one but the article's editors."""
    match = IMAGE_NAME.fullmatch(name)
    if match is None:
        raise Http404("图片不存在")
    try:
        handle = default_storage.open(f"editorial/{name}", "rb")
    except FileNotFoundError:
        raise Http404("图片不存在") from None
    return FileResponse(handle, content_type=IMAGE_TYPES[match.group(2)])


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
if settings.MEDIA_URL.startswith("/") and not settings.MEDIA_URL.startswith("//"):
    # MEDIA_URL on this site ("/media/"): its editorial/ images are ours to serve (a MEDIA_URL elsewhere serves them).
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/editorial/<path:name>", editorial_image,
                            name="editorial_image"))
