"""工会新闻: only articles published to a portal channel show, withdrawn ones disappear, reads are counted, and
each org has an Atom feed."""

import pytest
from django.test import Client

from smartunion.core.actors import SYSTEM
from smartunion.editorial import reads, sensitive
from smartunion.editorial.models import Article
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import portal_channel, publish, register_channel

pytestmark = pytest.mark.django_db


def published(org, title):
    article = create_article(by=SYSTEM, org=org, title=title, summary=f"{title}的摘要",
                             body="<p>正文第一段</p><script>x()</script>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    return article


@pytest.fixture
def news(tree):
    reads.flush()  # a page view an earlier test left in this process's read buffer must not land on these articles
    sensitive.word_list_changed()
    on_portal = published(tree.jinan, "济南职工运动会开幕")
    publish(on_portal, by=SYSTEM, channels=[portal_channel(tree.jinan)])
    elsewhere = published(tree.jinan, "只发公众号的文章")
    publish(elsewhere, by=SYSTEM, channels=[register_channel(by=SYSTEM, org=tree.jinan, kind="recording",
                                                             name="演示号")])
    return on_portal, elsewhere


def test_the_list_and_the_page_show_portal_articles_only(news):
    on_portal, elsewhere = news
    page = Client().get("/news/").content.decode()
    assert "济南职工运动会开幕" in page and "只发公众号的文章" not in page
    detail = Client().get(f"/news/{on_portal.pk}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "<p>正文第一段</p>" in body and "<script>x()" not in body
    assert Client().get(f"/news/{elsewhere.pk}/").status_code == 404


def test_a_withdrawn_article_is_gone_and_reads_are_counted(news):
    on_portal, _ = news
    reads.flush()
    Client().get(f"/news/{on_portal.pk}/")
    Client().get(f"/news/{on_portal.pk}/")
    assert reads.flush() == 2
    assert Article.objects.get(pk=on_portal.pk).read_count == 2
    step(on_portal, "withdraw", by=SYSTEM, note="撤回")
    assert Client().get(f"/news/{on_portal.pk}/").status_code == 404


def test_each_org_has_an_atom_feed(tree, news):
    response = Client().get(f"/feeds/orgs/{tree.jinan.pk}.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert "<title>济南市总工会 · 工会新闻</title>" in feed
    assert feed.count("<entry>") == 1 and "济南职工运动会开幕的摘要" in feed
    assert Client().get("/feeds/orgs/999999.atom").status_code == 404
