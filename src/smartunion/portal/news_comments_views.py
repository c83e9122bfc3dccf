"""Comments on 工会新闻 articles in the portal: a logged-in person posts one from the article's page (the comments
section, portal/news_comments.html, included at the end of portal/news_detail.html, lists the visible ones).

The comment goes through editorial/services/comments.py: a block-level sensitive word refuses it with the word's
category (shown on the form, the text kept), a warn-level one holds it for the article org's editors, and every kept
comment is read by the public-opinion watch (舆情监测)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from smartunion.core.errors import DomainError
from smartunion.editorial.models import ArticleComment
from smartunion.editorial.queries import portal_news
from smartunion.editorial.services import comments
from smartunion.portal.errors import add_refusal


class CommentForm(forms.Form):
    text = forms.CharField(label="发表评论", max_length=comments.MAX_COMMENT, widget=forms.Textarea(attrs={
        "rows": 3, "placeholder": "文明上网，理性发言", "maxlength": comments.MAX_COMMENT}),
        error_messages={"required": "请填写评论内容",
                        "max_length": f"评论不能超过 {comments.MAX_COMMENT} 个字"})


@require_POST
def post_comment(request, pk: int):
    article = portal_news().filter(pk=pk).first()
    if article is None:
        raise Http404("文章不存在或已撤回")
    page = reverse("portal:news_detail", args=[article.pk])
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:login')}?{urlencode({'next': page})}")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = comments.post_comment(article, by=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            if comment.status == ArticleComment.Status.HELD:
                messages.info(request, comments.HELD_MESSAGE)
                return redirect(f"{page}#comments")
            messages.success(request, "评论已发表")
            return redirect(f"{page}#comment-{comment.pk}")
    # A refusal: the comments section again on a page of its own, with the text as typed and the reason.
    return render(request, "portal/news_comment_refused.html", {"article": article, "comment_form": form},
                  status=422)


urlpatterns = [
    path("news/<int:pk>/comments/", post_comment, name="news_comment"),
]
