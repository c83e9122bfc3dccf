"""工会新闻 as shareable links: the list's cover thumbnails, an article page's title, description, canonical link and
Open Graph tags (exact values), the cover and body images on the page and served from MEDIA_URL; the API's
cover_url."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.editorial import reads, sensitive
from smartunion.editorial.services.articles import create_article, step, store_body_image
from smartunion.editorial.services.publishing import portal_channel, publish
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db
HOST = "testserver"


def png(color=(10, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 24), color).save(buffer, format="PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _reads_of_this_test_stay_in_it():
    """The pages count reads in a per-process buffer: add them up before the test's database goes."""
    yield
    reads.flush()


def on_portal(org, title, **values):
    article = create_article(by=SYSTEM, org=org, title=title, **values).article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    publish(article, by=SYSTEM, channels=[portal_channel(org)])
    return article


@pytest.fixture
def news(tree):
    sensitive.word_list_changed()
    image_url = store_body_image(png((0, 0, 0)), by=SYSTEM)
    covered = on_portal(tree.jinan, "职工运动会开幕", summary="三千名职工参加开幕式", cover=png(),
                        body=f'<p>开幕式现场</p><figure><img src="{image_url}" width="40" height="24">'
                             '<figcaption>入场仪式</figcaption></figure>')
    plain = on_portal(tree.jinan, "劳模座谈会 \"匠心\"", body="<p>第一段讲话。</p><p>第二段。</p>")
    return covered, plain, image_url


def test_the_article_page_carries_its_share_tags(news):
    covered, _, image_url = news
    page = Client().get(f"/news/{covered.pk}/").content.decode()
    url = f"http://{HOST}/news/{covered.pk}/"
    cover = f"http://{HOST}/media/{covered.cover.name}"
    assert "<title>职工运动会开幕 - " in page
    for tag in ('<meta name="description" content="三千名职工参加开幕式">',
                f'<link rel="canonical" href="{url}">',
                '<meta property="og:type" content="article">',
                '<meta property="og:title" content="职工运动会开幕">',
                '<meta property="og:description" content="三千名职工参加开幕式">',
                f'<meta property="og:url" content="{url}">',
                f'<meta property="og:image" content="{cover}">'):
        assert page.count(tag) == 1, tag
    assert f'<img class="news-cover" src="/media/{covered.cover.name}" alt="职工运动会开幕">' in page
    assert f'<figure><img src="{image_url}" width="40" height="24"><figcaption>入场仪式</figcaption></figure>' in page


def test_without_a_cover_or_summary_the_text_describes_it_and_there_is_no_image(news):
    _, plain, _ = news
    page = Client().get(f"/news/{plain.pk}/").content.decode()
    assert '<meta property="og:title" content="劳模座谈会 &quot;匠心&quot;">' in page
    assert '<meta property="og:description" content="第一段讲话。 第二段。">' in page
    assert '<meta name="description" content="第一段讲话。 第二段。">' in page
    assert "og:image" not in page and "news-cover" not in page


def test_the_list_shows_cover_thumbnails(news):
    covered, plain, _ = news
    page = Client().get("/news/").content.decode()
    assert plain.title.replace('"', "&quot;") in page
    assert f'<img class="news-thumb" src="/media/{covered.cover.name}" alt="" loading="lazy">' in page
    assert page.count('class="news-thumb"') == 1
    assert "portal/news.css" in page


def test_the_images_are_served_and_nothing_else_of_the_media_folder(news):
    covered, _, image_url = news
    response = Client().get(f"/media/{covered.cover.name}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == covered.cover.open("rb").read()
    assert "immutable" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert Client().get(image_url).status_code == 200
    for name in ("editorial/covers/2026/11/" + "0" * 32 + ".png",  # no such file
                 "editorial/../cases/x.pdf", "cases/2026/x.pdf", "editorial/images/a.html",
                 "editorial/covers/2026/11/" + "a" * 32 + ".svg"):
        assert Client().get(f"/media/{name}").status_code == 404, name


def test_the_api_gives_the_cover_url(tree, news, api):
    covered, plain, _ = news
    editor = make_user("editor")
    org_services.position_grant(user=editor, org=tree.jinan, role=Position.Role.EDITOR, by=SYSTEM)
    client = api(editor)
    listed = {a["id"]: a["cover_url"] for a in client.get("/api/v1/articles").json()["items"]}
    assert listed == {covered.pk: f"/media/{covered.cover.name}", plain.pk: None}
    assert client.get(f"/api/v1/articles/{covered.pk}").json()["cover_url"] == f"/media/{covered.cover.name}"
