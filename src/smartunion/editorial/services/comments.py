"""Workers' comments on published articles in the portal, and their moderation by the article org's desk.

A comment passes the deployment's sensitive-word check first: a block-level word refuses it (nothing kept, the
message names the word's category), a warn-level word keeps it held (待审核) for an editor; every kept comment is then
read by the public-opinion watch (editorial/watch.py). Editors of the article's org or above show or hide any comment.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.core.ratelimit import allow
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import Article, ArticleComment, WatchSource
from smartunion.editorial.services.watch import may_keep

MAX_COMMENT = 500
COMMENT_RATE = "5/min"
HELD_MESSAGE = "评论已提交，其中有需要核对的用词，编辑审核后显示"


def _link(article: Article, comment: ArticleComment) -> str:
    try:
        return reverse("portal:news_detail", args=[article.pk]) + f"#comment-{comment.pk}"
    except NoReverseMatch:  # a deployment without the portal's URLs
        return ""


def post_comment(article: Article, *, by, text) -> ArticleComment:
    """A logged-in person's comment on a published article: visible at once, or held when it carries a warn-level
    word; refused with a block-level one."""
    require_actor(by)
    if not getattr(by, "is_authenticated", False):
        raise Forbidden("请先登录后再发表评论", code="login_required")
    if article.status != Article.Status.PUBLISHED:
        raise NotFound("文章不存在或已撤回")
    text = str(text or "").strip()
    if not text:
        raise Invalid.from_fields({"text": "请填写评论内容"})
    if len(text) > MAX_COMMENT:
        raise Invalid.from_fields({"text": f"评论不能超过 {MAX_COMMENT} 个字（现有 {len(text)} 个字）"})
    hits = sensitive.check(text)
    blocking = sensitive.blocking(hits)
    if blocking:
        categories = "、".join(dict.fromkeys(hit.category_label for hit in blocking))
        raise Invalid(f"评论含有禁用词（{categories}），请修改后再发表", code="sensitive_words",
                      fields={"text": f"评论含有禁用词（{categories}），请修改后再发表"})
    if not allow("editorial.comment", by.pk, COMMENT_RATE):
        raise StateError("评论太频繁，请稍后再试", code="too_many_comments")
    status = ArticleComment.Status.HELD if hits else ArticleComment.Status.VISIBLE
    with transaction.atomic():
        comment = ArticleComment.objects.create(article=article, org_path=article.org_path, author=by, text=text,
                                                status=status, flags=[sensitive.describe(hit) for hit in hits])
        link = _link(article, comment)
        transaction.on_commit(lambda: watch.scan(WatchSource.COMMENT, comment.pk, article.title, text,
                                                 article.org_path, link))
    return comment


def moderate(comment: ArticleComment, *, by, status: str) -> ArticleComment:
    """Show (已显示) or hide (已隐藏) a comment; the desk of the article's org or above."""
    require_actor(by)
    if not may_keep(by, comment.article.org):
        raise Forbidden("只有本单位或上级单位的编辑、管理员和主席可以审核评论")
    if status not in (ArticleComment.Status.VISIBLE, ArticleComment.Status.HIDDEN):
        raise Invalid("只能显示或隐藏评论")
    with transaction.atomic():
        locked = ArticleComment.objects.select_for_update().get(pk=comment.pk)
        if locked.status == status:
            raise StateError(f"该评论已{locked.get_status_display().removeprefix('已')}", code="unchanged")
        before = locked.status
        locked.status = status
        locked.moderated_by = user_or_none(by)
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])
        action = "show" if status == ArticleComment.Status.VISIBLE else "hide"
        log_event(f"editorial.comment.{action}", actor=by, target=locked, org=comment.article.org,
                  data={"article": comment.article.title, "comment_status": before})
    return locked
