"""Portal comments on published articles: the sensitive-word check (block refused naming the category, warn held for
an editor), the watch scan of every kept comment, moderation by the article org's desk, and refusals."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import Article, ArticleComment, WatchHit
from smartunion.editorial.services.comments import moderate, post_comment
from smartunion.editorial.services.watch import add_rule
from smartunion.editorial.services.words import add_word
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

S = ArticleComment.Status


@pytest.fixture
def article(tree):
    sensitive.word_list_changed()
    watch.rules_changed()
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="法轮功", category="political", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    return Article.objects.create(org=tree.jinan, title="全市职工运动会开幕", body="<p>开幕</p>", body_text="开幕",
                                  status=Article.Status.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def editor(tree):
    user = make_user("jinan_editor")
    org_services.position_grant(user=user, org=tree.jinan, role=Position.Role.EDITOR, by=SYSTEM)
    return user


def test_a_clean_comment_is_visible_at_once(article, personas):
    comment = post_comment(article, by=personas.worker, text="  为职工点赞！ ")
    assert (comment.text, comment.status, comment.org_path, comment.flags) == (
        "为职工点赞！", S.VISIBLE, article.org_path, [])
    assert list(article.comments.visible()) == [comment]
    assert comment.author_label == "w**"


def test_a_block_level_word_refuses_the_comment_naming_its_categories(article, personas):
    for text in ("推荐一个網絡·賭博网站", "网络赌博和法 轮 功"):
        with pytest.raises(Invalid) as caught:
            post_comment(article, by=personas.worker, text=text)
        assert ArticleComment.objects.count() == 0
    assert caught.value.message == "评论含有禁用词（违法违规、政治有害），请修改后再发表"
    assert caught.value.fields == {"text": "评论含有禁用词（违法违规、政治有害），请修改后再发表"}


def test_a_warn_level_word_holds_the_comment_for_an_editor(article, personas, editor):
    comment = post_comment(article, by=personas.worker, text="感谢关心我们农民工")
    assert (comment.status, comment.flags) == (S.HELD, ["第7字“农民工”（不规范表述，提示，建议改为“进城务工人员”）"])
    assert list(article.comments.visible()) == []
    shown = moderate(comment, by=editor, status=S.VISIBLE)
    assert (shown.status, shown.moderated_by) == (S.VISIBLE, editor)
    assert list(article.comments.visible()) == [shown]
    hidden = moderate(comment, by=editor, status=S.HIDDEN)
    assert hidden.status == S.HIDDEN
    with pytest.raises(StateError, match="该评论已隐藏"):
        moderate(comment, by=editor, status=S.HIDDEN)
    events = list(AuditEvent.objects.filter(action__startswith="editorial.comment").order_by("id")
                  .values_list("action", "org_path", "data"))
    assert events == [
        ("editorial.comment.show", article.org_path, {"article": "全市职工运动会开幕", "comment_status": "held"}),
        ("editorial.comment.hide", article.org_path, {"article": "全市职工运动会开幕", "comment_status": "visible"}),
    ]


def test_every_kept_comment_is_read_by_the_watch_after_its_commit(tree, article, personas, editor,
                                                                   django_capture_on_commit_callbacks):
    add_rule(by=editor, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=["comment"])
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_comment(article, by=personas.worker, text="我们厂欠 薪三个月了，农民工怎么办")
        assert WatchHit.objects.count() == 0
    hit = WatchHit.objects.get()
    assert (hit.source, hit.source_ref, hit.source_title, hit.keyword, hit.start, hit.end) == (
        "comment", str(comment.pk), "全市职工运动会开幕", "欠薪", 3, 6)
    assert hit.source_link == f"/news/{article.pk}/#comment-{comment.pk}"


def test_refusals(tree, article, personas, editor):
    with pytest.raises(Invalid) as caught:
        post_comment(article, by=personas.worker, text="   ")
    assert caught.value.fields == {"text": "请填写评论内容"}
    with pytest.raises(Invalid) as caught:
        post_comment(article, by=personas.worker, text="好" * 501)
    assert caught.value.fields == {"text": "评论不能超过 500 个字（现有 501 个字）"}
    draft = Article.objects.create(org=tree.jinan, title="草稿", body="x", status=Article.Status.DRAFT)
    with pytest.raises(NotFound):
        post_comment(draft, by=personas.worker, text="好")
    comment = post_comment(article, by=personas.worker, text="好")
    # Only the desk of the article's org or above moderates: not another city's cadre, not the author.
    for user in (personas.other_city_cadre, personas.worker):
        with pytest.raises(Forbidden):
            moderate(comment, by=user, status=S.HIDDEN)
    moderate(comment, by=personas.province_admin, status=S.HIDDEN)
    with pytest.raises(Invalid):
        moderate(comment, by=editor, status=S.HELD)
    for text in ("二", "三", "四", "五"):
        post_comment(article, by=personas.worker, text=text)
    with pytest.raises(StateError, match="评论太频繁，请稍后再试"):
        post_comment(article, by=personas.worker, text="六")
