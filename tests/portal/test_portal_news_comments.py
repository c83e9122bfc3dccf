"""Comments on an article's portal page: the visible ones listed, the form for a logged-in person and a log-in link
otherwise, a clean comment shown at once, a warn-level word held with its message, a block-level one refused on the
form naming the category with the text kept, and the watch reading every kept comment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import include, path
from tests.conftest import console_client

from smartunion.console.site import console_site
from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import ArticleComment, WatchHit
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import portal_channel, publish
from smartunion.editorial.services.watch import add_rule
from smartunion.editorial.services.words import add_word
from smartunion.portal import news_comments_views
from smartunion.portal import urls as portal_urls

# The portal's URLs with the comment URL added (as portal/urls.py will: urlpatterns += news_comments_views...).
urlpatterns = [
    path("console/", console_site.urls),
    path("", include(([*portal_urls.urlpatterns, *news_comments_views.urlpatterns], "portal"))),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def article(tree):
    sensitive.word_list_changed()
    watch.rules_changed()
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    article = create_article(by=SYSTEM, org=tree.jinan, title="济南职工运动会开幕", summary="开幕",
                             body="<p>正文</p>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    publish(article, by=SYSTEM, channels=[portal_channel(tree.jinan)])
    return article


def page(client, article) -> str:
    response = client.get(f"/news/{article.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_reads_the_comments_and_is_asked_to_log_in(article, personas):
    ArticleComment.objects.create(article=article, author=personas.worker, text="为运动员加油")
    ArticleComment.objects.create(article=article, author=personas.outsider, text="藏起来的", status="hidden")
    ArticleComment.objects.create(article=article, author=personas.outsider, text="待审核的", status="held")
    html = page(Client(), article)
    assert "<h2>评论（1）</h2>" in html
    assert "为运动员加油" in html and "藏起来的" not in html and "待审核的" not in html
    assert f'<a href="/login/?next=/news/{article.pk}/">登录</a>后可发表评论' in html
    assert 'id="comment-form"' not in html
    response = Client().post(f"/news/{article.pk}/comments/", {"text": "匿名"})
    assert response.status_code == 302 and response["Location"] == f"/login/?next=%2Fnews%2F{article.pk}%2F"
    assert ArticleComment.objects.count() == 3


def test_a_clean_comment_shows_at_once(article, personas):
    client = console_client(personas.worker)
    assert 'id="comment-form"' in page(client, article)
    response = client.post(f"/news/{article.pk}/comments/", {"text": "为运动员加油！"}, follow=True)
    comment = ArticleComment.objects.get()
    assert response.redirect_chain == [(f"/news/{article.pk}/#comment-{comment.pk}", 302)]
    html = response.content.decode()
    assert "评论已发表" in html
    assert f'id="comment-{comment.pk}"' in html and "为运动员加油！" in html
    assert "<strong>w**</strong>" in html


def test_a_warn_level_word_holds_the_comment_with_its_message(article, personas):
    client = console_client(personas.worker)
    response = client.post(f"/news/{article.pk}/comments/", {"text": "关心农民工"}, follow=True)
    assert "评论已提交，其中有需要核对的用词，编辑审核后显示" in response.content.decode()
    assert ArticleComment.objects.get().status == "held"
    assert "关心农民工" not in response.content.decode().split('id="comments"')[1]


def test_a_block_level_word_is_refused_on_the_form_with_the_text_kept(article, personas):
    client = console_client(personas.worker)
    response = client.post(f"/news/{article.pk}/comments/", {"text": "推荐网络 赌博平台"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "评论含有禁用词（违法违规），请修改后再发表" in html
    assert ">推荐网络 赌博平台</textarea>" in html
    assert ArticleComment.objects.count() == 0
    empty = client.post(f"/news/{article.pk}/comments/", {"text": ""})
    assert "请填写评论内容" in empty.content.decode()


def test_a_comment_on_an_article_not_on_the_portal_is_not_found(article, personas, tree):
    draft = create_article(by=SYSTEM, org=tree.jinan, title="草稿", body="<p>x</p>").article
    assert console_client(personas.worker).post(f"/news/{draft.pk}/comments/", {"text": "好"}).status_code == 404
    assert console_client(personas.worker).get(f"/news/{article.pk}/comments/").status_code == 405


def test_the_watch_reads_a_posted_comment(article, personas, tree, django_capture_on_commit_callbacks):
    add_rule(by=SYSTEM, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=["comment"])
    with django_capture_on_commit_callbacks(execute=True):
        console_client(personas.worker).post(f"/news/{article.pk}/comments/", {"text": "我们厂也欠薪"})
    comment = ArticleComment.objects.get()
    hit = WatchHit.objects.get()
    assert (hit.source, hit.source_ref, hit.source_title, hit.source_link, hit.keyword) == (
        "comment", str(comment.pk), "济南职工运动会开幕", f"/news/{article.pk}/#comment-{comment.pk}", "欠薪")
