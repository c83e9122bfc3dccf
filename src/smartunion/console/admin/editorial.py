"""Console pages of the editorial app: the deployment's sensitive-word list (敏感词库: the list with filters, adding
and changing words, allowed contexts per word, importing a list from Excel or a text file, a check tool); the desk's
articles (稿件: the editor, the review page with its steps, revisions and diffs, publishing to channels with
retries, distributing down and submitting up; the cover image, and the body's images uploaded as they are inserted
in the editor: `image_upload_view`, answering JSON to console/editorial_editor.js); the pool of articles received
(稿件库); the channels (发布渠道) with their figures imported from the platforms' exports and the monthly reach
ranking with a chart."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from unfold.contrib.forms.widgets import WysiwygWidget
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from smartunion.console import excel
from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.uploads import IMAGE_MAX_BYTES
from smartunion.core.workflow import history
from smartunion.core.xlsx import WorkbookError, cell_text, read_sheet
from smartunion.editorial import reach, sensitive
from smartunion.editorial.models import AllowedContext, Article, Channel, PoolItem, Publication, SensitiveWord
from smartunion.editorial.queries import incoming_pool
from smartunion.editorial.rules import READING_ROLES, WRITING_ROLES, may_maintain_words, may_sign, may_use_desk
from smartunion.editorial.services import articles, metrics, pools, publishing, words
from smartunion.editorial.services.articles import ARTICLE_WORKFLOW
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped, visible_orgs

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_CHECK_CHARS = 100_000


class WordForm(forms.Form):
    word = forms.CharField(label="敏感词", max_length=50, widget=UnfoldAdminTextInputWidget)
    category = forms.ChoiceField(label="类别", choices=SensitiveWord.Category.choices,
                                 widget=UnfoldAdminSelectWidget)
    level = forms.ChoiceField(label="级别", choices=SensitiveWord.Level.choices, initial=SensitiveWord.Level.WARN,
                              widget=UnfoldAdminSelectWidget)
    suggestion = forms.CharField(label="建议改为（选填）", max_length=50, required=False,
                                 widget=UnfoldAdminTextInputWidget)
    note = forms.CharField(label="说明（选填）", max_length=200, required=False, widget=UnfoldAdminTextInputWidget)


class WordChangeForm(WordForm):
    active = forms.BooleanField(label="启用", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["word"].disabled = True


class ContextForm(forms.Form):
    context = forms.CharField(label="允许的上下文", max_length=100, widget=UnfoldAdminTextInputWidget,
                              help_text="包含该词的短语，如“党委”之于“党”；只在这个短语中出现时不再提示")


class ImportForm(forms.Form):
    file = forms.FileField(label="词表文件（.xlsx 或 .txt）",
                           help_text="Excel：第一列敏感词，其后依次为类别、级别、建议改为（可省略，首行如为表头会自动跳过）；"
                                     "文本文件：每行一个词。")
    category = forms.ChoiceField(label="未写类别时按", choices=SensitiveWord.Category.choices,
                                 initial=SensitiveWord.Category.OTHER, widget=UnfoldAdminSelectWidget)
    level = forms.ChoiceField(label="未写级别时按", choices=SensitiveWord.Level.choices,
                              initial=SensitiveWord.Level.WARN, widget=UnfoldAdminSelectWidget)


class CheckForm(forms.Form):
    text = forms.CharField(label="待检测文本", max_length=MAX_CHECK_CHARS,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 10}))


HEADER_WORDS = {"敏感词", "词", "词语", "word"}
WORDS_IMPORT_INTRO = ("类别可写：政治有害、色情低俗、暴恐、违法违规、辱骂、广告营销、不规范表述、其他；"
                      "级别可写：禁用、提示。已在词库中的词按文件更新类别、级别和建议用语并重新启用。")


def _rows(upload):
    """The rows of an uploaded .xlsx (first sheet) or .txt (UTF-8 or GB18030, one word per line)."""
    name = (upload.name or "").lower()
    if upload.size > MAX_IMPORT_BYTES:
        raise WorkbookError("文件过大（上限 5MB）")
    if name.endswith(".txt"):
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [[line] for line in raw.decode(encoding).splitlines()]
            except UnicodeDecodeError:
                continue
        raise WorkbookError("文本文件应为 UTF-8 或 GBK 编码")
    if not name.endswith(".xlsx"):
        raise WorkbookError("请上传 .xlsx 或 .txt 文件")
    rows = [[cell_text(v) for v in values[:4]] for _, values in read_sheet(upload)]
    if rows and rows[0] and str(rows[0][0]).strip().lower() in HEADER_WORDS:
        rows = rows[1:]
    return rows


@admin.register(SensitiveWord, site=console_site)
class SensitiveWordAdmin(ScopedAdmin):
    scope_field = None
    list_display = ["word", "category", "level", "suggestion", "active", "contexts", "updated_at", "manage_link"]
    list_filter = ["category", "level", "active"]
    search_fields = ["word", "normalized"]
    ordering = ["normalized"]
    export_columns = list_display[:-1]
    change_list_template = "console/editorial_word_changelist.html"

    def get_queryset(self, request):
        # One list for the whole deployment: no org scope, only the right to keep it.
        return SensitiveWord.objects.annotate(n_contexts=Count("allowed"))

    def has_module_permission(self, request):
        return may_maintain_words(request.user)

    def has_view_permission(self, request, obj=None):
        return may_maintain_words(request.user)

    def has_add_permission(self, request):
        return may_maintain_words(request.user)

    def has_change_permission(self, request, obj=None):
        return may_maintain_words(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # switched off instead, so the history of what was checked stays readable

    @admin.display(description="允许的上下文")
    def contexts(self, obj):
        return obj.n_contexts

    @admin.display(description="操作")
    def manage_link(self, obj):
        return format_html('<a href="{}">修改</a>', reverse("console:editorial_word_edit", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="editorial_word_create"),
            path("<int:pk>/edit/", view(self.edit_view), name="editorial_word_edit"),
            path("<int:pk>/contexts/<int:context_id>/remove/", view(self.remove_context_view),
                 name="editorial_word_remove_context"),
            path("import/", view(self.import_view), name="editorial_word_import"),
            path("check/", view(self.check_view), name="editorial_word_check"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:editorial_word_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():  # the admin's catch-all sends any path here ("new/undefined/change/")
            raise Http404("页面不存在")
        return HttpResponseRedirect(reverse("console:editorial_word_edit", args=[object_id]))

    def _page(self, request, template, **context):
        if not may_maintain_words(request.user):
            raise Http404("页面不存在")
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _word(self, request, pk) -> SensitiveWord:
        word = SensitiveWord.objects.filter(pk=pk).first() if may_maintain_words(request.user) else None
        if word is None:
            raise Http404("敏感词不存在")
        return word

    def create_view(self, request):
        form = WordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                word = run_service(words.add_word, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已添加敏感词“{word.word}”")
                return HttpResponseRedirect(reverse("console:editorial_sensitiveword_changelist"))
        return self._page(request, "console/benefits_form.html", title="添加敏感词", form=form, submit="添加")

    def edit_view(self, request, pk):
        word = self._word(request, pk)
        initial = {"word": word.word, "category": word.category, "level": word.level,
                   "suggestion": word.suggestion, "note": word.note, "active": word.active}
        posted = request.POST if request.method == "POST" else None
        form = WordChangeForm(posted if posted and "save" in posted else None, initial=initial)
        context_form = ContextForm(posted if posted and "add_context" in posted else None)
        if posted and "save" in posted and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "word"}
            try:
                run_service(words.update_word, word, by=request.user, **data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存“{word.word}”")
                return HttpResponseRedirect(reverse("console:editorial_word_edit", args=[word.pk]))
        if posted and "add_context" in posted and context_form.is_valid():
            try:
                run_service(words.allow_context, word, by=request.user, context=context_form.cleaned_data["context"])
            except Refused as refused:
                refused.show(request, context_form)
            else:
                messages.success(request, "已添加允许的上下文")
                return HttpResponseRedirect(reverse("console:editorial_word_edit", args=[word.pk]))
        return self._page(request, "console/editorial_word.html", title=f"敏感词：{word.word}", word=word,
                          form=form, context_form=context_form, contexts=list(word.allowed.order_by("id")))

    def remove_context_view(self, request, pk, context_id):
        word = self._word(request, pk)
        allowed = AllowedContext.objects.filter(pk=context_id, word=word).select_related("word").first()
        if allowed is None:
            raise Http404("该上下文不存在")
        if request.method == "POST":
            try:
                run_service(words.remove_context, allowed, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已删除允许的上下文“{allowed.context}”")
            return HttpResponseRedirect(reverse("console:editorial_word_edit", args=[word.pk]))
        return self._page(request, "console/editorial_confirm.html", title="删除允许的上下文",
                          question=f"确定删除“{word.word}”的允许上下文“{allowed.context}”吗？删除后该短语中的“{word.word}”将重新提示。",
                          back=reverse("console:editorial_word_edit", args=[word.pk]))

    def import_view(self, request):
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                rows = _rows(form.cleaned_data["file"])
            except WorkbookError as exc:
                form.add_error("file", str(exc))
            else:
                try:
                    report = run_service(words.import_words, rows, by=request.user,
                                         default_category=form.cleaned_data["category"],
                                         default_level=form.cleaned_data["level"])
                except Refused as refused:
                    refused.show(request, form)
                else:
                    messages.success(request, f"导入完成：新增 {report.created} 个，更新 {report.updated} 个，"
                                              f"未变 {report.unchanged} 个，未导入 {len(report.rejected)} 行")
        return self._page(request, "console/editorial_import.html", title="导入敏感词", form=form, report=report,
                          intro=WORDS_IMPORT_INTRO, back=reverse("console:editorial_sensitiveword_changelist"))

    def check_view(self, request):
        form = CheckForm(request.POST or None)
        hits = None
        if request.method == "POST" and form.is_valid():
            hits = sensitive.check(form.cleaned_data["text"])
        return self._page(request, "console/editorial_check.html", title="敏感词检测", form=form, hits=hits,
                          blocking=len(sensitive.blocking(hits or [])))


# Articles (稿件): the desk's list, the editor, the review page with its steps, revisions and diffs, publishing to
# channels with retries, pools down and up. ----------------------------------------------------------------------


class CoverInput(forms.ClearableFileInput):
    """The cover: the current image as a preview, a box to remove it, and a file chooser to set or replace it (the
    chosen image previewed by console/editorial_editor.js before it is saved)."""

    template_name = "console/editorial_cover_widget.html"
    clear_checkbox_label = "删除封面图"


class ArticleForm(forms.Form):
    org = forms.ModelChoiceField(label="发布单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    title = forms.CharField(label="标题", max_length=100, widget=UnfoldAdminTextInputWidget)
    summary = forms.CharField(label="摘要", max_length=300, required=False, widget=UnfoldAdminTextInputWidget)
    cover = forms.FileField(label="封面图（选填）", required=False,
                            help_text=f"JPG、PNG、GIF 或 WebP 图片，不超过 {IMAGE_MAX_BYTES // (1024 * 1024)} MB；"
                                      "用作新闻列表的缩略图和分享链接的配图",
                            widget=CoverInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}))
    body = forms.CharField(label="正文", max_length=articles.MAX_BODY, widget=WysiwygWidget,
                           help_text="插入图片：点“插入图片”按钮，或把图片拖入、粘贴到正文中（不超过 5 MB）")
    author = forms.CharField(label="作者", max_length=50, required=False, widget=UnfoldAdminTextInputWidget)
    tags = forms.CharField(label="标签（用逗号分隔）", max_length=220, required=False,
                           widget=UnfoldAdminTextInputWidget)
    origin = forms.ChoiceField(label="来源类型", choices=Article.Origin.choices, widget=UnfoldAdminSelectWidget)
    source = forms.CharField(label="来源（转载时必填）", max_length=100, required=False,
                             widget=UnfoldAdminTextInputWidget)
    source_url = forms.URLField(label="原文链接", max_length=300, required=False, assume_scheme="https",
                                widget=UnfoldAdminTextInputWidget)
    go_live_at = forms.DateTimeField(label="定时发布时间（选填，签发后到时自动发布）", required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    expires_at = forms.DateTimeField(label="下线时间（选填）", required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).order_by("path")
        if article is not None:
            self.fields["org"].disabled = True

    def values(self) -> dict:
        """The services' arguments; `cover` only when the cover changes (a new file, or None to remove it)."""
        data = dict(self.cleaned_data)
        data["tags"] = [t.strip() for t in data.get("tags", "").replace("，", ",").split(",") if t.strip()]
        for name in ("org", "base_revision"):
            data.pop(name, None)
        cover = data.pop("cover", None)
        if cover is False:  # "删除封面图" ticked
            data["cover"] = None
        elif cover is not None and not hasattr(cover, "url"):  # a new upload (the current cover has a url)
            data["cover"] = cover
        return data


class StepForm(forms.Form):
    note = forms.CharField(label="意见", max_length=200, required=False, widget=UnfoldAdminTextInputWidget)
    confirm_warnings = forms.BooleanField(label="已核对提示词", required=False)


class PublishForm(forms.Form):
    channels = forms.ModelMultipleChoiceField(label="发布到", queryset=Channel.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        publishing.portal_channel(article.org)  # every org has its portal channel, made the first time it is needed
        self.fields["channels"].queryset = Channel.objects.filter(org=article.org, active=True).order_by("kind", "id")


def _warn(request, hits) -> None:
    for hit in hits:
        level = "禁用" if hit["level"] == SensitiveWord.Level.BLOCK else "提示"
        advice = f"，建议改为“{hit['suggestion']}”" if hit["suggestion"] else ""
        messages.warning(request, f"{FIELD_LABELS.get(hit['field'], '')}第{hit['start'] + 1}字“{hit['text']}”"
                                  f"（{hit['category_label']}，{level}{advice}）")


FIELD_LABELS = {"title": "标题", "summary": "摘要", "body": "正文"}


@admin.register(Article, site=console_site)
class ArticleAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["title", "org", "status", "revision", "origin", "updated_at", "published_at", "read_count",
                    "manage_link"]
    list_filter = ["status", "origin"]
    search_fields = ["title"]
    ordering = ["-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/editorial_article_changelist.html"

    def get_queryset(self, request):
        return scoped(Article.objects.select_related("org"), request.user, field="org_path", roles=READING_ROLES)

    def has_add_permission(self, request):
        return is_unrestricted(request.user) or bool(managed_paths(request.user, roles=WRITING_ROLES))

    def has_change_permission(self, request, obj=None):
        return False  # through the editor and the review page, which call the services

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="操作")
    def manage_link(self, obj):
        return format_html('<a href="{}">打开</a>', reverse("console:editorial_article_review", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.edit_view), name="editorial_article_create"),
            path("<int:pk>/edit/", view(self.edit_view), name="editorial_article_edit"),
            path("<int:pk>/review/", view(self.review_view), name="editorial_article_review"),
            path("<int:pk>/step/<str:action>/", view(self.step_view), name="editorial_article_step"),
            path("<int:pk>/diff/", view(self.diff_view), name="editorial_article_diff"),
            path("<int:pk>/publish/", view(self.publish_view), name="editorial_article_publish"),
            path("<int:pk>/retry/", view(self.retry_view), name="editorial_article_retry"),
            path("<int:pk>/pools/<str:direction>/", view(self.pool_view), name="editorial_article_pool"),
            path("images/", self.image_upload_view, name="editorial_article_image"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:editorial_article_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():  # the admin's catch-all sends any path here ("new/undefined/change/")
            raise Http404("页面不存在")
        return HttpResponseRedirect(reverse("console:editorial_article_review", args=[object_id]))

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _article(self, request, pk) -> Article:
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None:
            raise Http404("稿件不存在")
        return article

    def edit_view(self, request, pk=None):
        article = self._article(request, pk) if pk else None
        initial = {}
        if article is not None:
            initial = {"org": article.org_id, "title": article.title, "summary": article.summary,
                       "cover": article.cover or None, "body": article.body, "author": article.author,
                       "tags": ", ".join(article.tags),
                       "origin": article.origin, "source": article.source, "source_url": article.source_url,
                       "go_live_at": article.go_live_at, "expires_at": article.expires_at,
                       "base_revision": article.revision}
        form = ArticleForm(request.POST or None, request.FILES or None, initial=initial, user=request.user,
                           article=article)
        if request.method == "POST" and form.is_valid():
            try:
                if article is None:
                    saved = run_service(articles.create_article, by=request.user, org=form.cleaned_data["org"],
                                        **form.values())
                else:
                    saved = run_service(articles.save_article, article, by=request.user,
                                        base_revision=form.cleaned_data.get("base_revision") or 0, **form.values())
            except Refused as refused:
                refused.show(request, form)
                hits = getattr(refused.__cause__, "hits", None)
                if hits:
                    _warn(request, hits)
            else:
                _warn(request, saved.warnings)
                messages.success(request, f"已保存“{saved.article.title}”（第 {saved.article.revision} 版）")
                return HttpResponseRedirect(reverse("console:editorial_article_review", args=[saved.article.pk]))
        title = "新建稿件" if article is None else f"修改稿件：{article.title}"
        return self._page(request, "console/editorial_article_form.html", title=title, form=form, article=article,
                          image_upload_url=reverse("console:editorial_article_image"))

    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def image_upload_view(self, request):
        """One image inserted into a body (POST multipart, field "file"): stored, answered {"url", "href"}; a refusal
        is {"code", "message"} with 400 (a bad file) or 403 (not a desk user), 405 for anything but POST. Outside
        admin_view, which would send a worker to the log-in page: JSON whoever asks, for the editor's script."""
        if not (request.user.is_authenticated and self.admin_site.has_permission(request)
                and may_use_desk(request.user)):
            return JsonResponse({"code": "forbidden", "message": "只有新媒体编辑人员可以上传稿件图片"}, status=403)
        if request.method != "POST":
            return JsonResponse({"code": "method_not_allowed", "message": "请用表单上传图片"}, status=405)
        try:
            url = run_service(articles.store_body_image, request.FILES.get("file"), by=request.user)
        except Refused as refused:
            return JsonResponse({"code": refused.code or "invalid", "message": "；".join(refused.all_messages())},
                                status=400)
        return JsonResponse({"url": url, "href": url})

    def review_view(self, request, pk):
        article = self._article(request, pk)
        steps = [t for t in ARTICLE_WORKFLOW.available(article, request.user) if t.action not in ("publish", "expire")]
        editable = articles.EDITABLE.get(article.status)
        flow = [{"at": h.created_at, "actor": h.actor, "action": ARTICLE_WORKFLOW.action_label(h.action),
                 "code": h.action, "note": h.note} for h in history(ARTICLE_WORKFLOW, article)]
        # A draft whose last step sent it back: the reason belongs at the top, not only in the history below.
        sent_back = flow[-1] if flow and article.status == Article.Status.DRAFT and \
            flow[-1]["code"].startswith("send_back") else None
        return self._page(
            request, "console/editorial_article_review.html", title=article.title, article=article, steps=steps,
            step_form=StepForm(), may_edit=bool(editable and editable(request.user, article)),
            history=flow, sent_back=sent_back,
            revisions=list(article.revisions.order_by("-number")),
            publications=list(article.publications.select_related("channel").order_by("id")),
            publish_form=PublishForm(article=article) if article.status == Article.Status.PUBLISHED else None,
            may_sign=may_sign(request.user, article),
            receivers=pools.republished_by(article) if article.status == Article.Status.PUBLISHED else [])

    def step_view(self, request, pk, action):
        article = self._article(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("console:editorial_article_review", args=[pk]))
        form = StepForm(request.POST)
        form.is_valid()
        try:
            result = run_service(articles.step, article, action, by=request.user,
                                 note=form.cleaned_data.get("note", ""),
                                 confirm_warnings=form.cleaned_data.get("confirm_warnings", False))
        except Refused as refused:
            refused.show(request)
            hits = getattr(refused.__cause__, "hits", None)
            if hits:
                _warn(request, hits)
        else:
            messages.success(request, f"已{ARTICLE_WORKFLOW.action_label(action)}，"
                                      f"稿件现为“{result.get_status_display()}”")
        return HttpResponseRedirect(reverse("console:editorial_article_review", args=[pk]))

    def diff_view(self, request, pk):
        article = self._article(request, pk)
        numbers = [n for n in (request.GET.get("older"), request.GET.get("newer")) if n and n.isdigit()]
        found = {r.number: r for r in article.revisions.filter(number__in=numbers)}
        if len(numbers) != 2 or len(found) != len(set(numbers)):
            raise Http404("版本不存在")
        older, newer = found[int(numbers[0])], found[int(numbers[1])]
        return self._page(request, "console/editorial_article_diff.html", title=f"版本差异：{article.title}",
                          article=article, older=older, newer=newer, lines=articles.diff(older, newer))

    def publish_view(self, request, pk):
        article = self._article(request, pk)
        form = PublishForm(request.POST or None, article=article)
        if request.method == "POST" and form.is_valid():
            try:
                result = run_service(publishing.publish, article, by=request.user,
                                     channels=list(form.cleaned_data["channels"]))
            except Refused as refused:
                refused.show(request)
            else:
                sent = sum(p.status == Publication.Status.SENT for p in result)
                messages.success(request, f"已发布到 {sent} 个渠道" + (
                    f"，{len(result) - sent} 个渠道发送失败，可稍后重试" if sent < len(result) else ""))
        return HttpResponseRedirect(reverse("console:editorial_article_review", args=[pk]))

    def retry_view(self, request, pk):
        article = self._article(request, pk)
        if request.method == "POST":
            failed = list(article.publications.select_related("channel", "article__org").filter(
                status=Publication.Status.FAILED))
            try:
                sent = run_service(publishing.retry_failed, failed, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"重试 {len(failed)} 个渠道，成功 {sent} 个")
        return HttpResponseRedirect(reverse("console:editorial_article_review", args=[pk]))

    def pool_view(self, request, pk, direction):
        article = self._article(request, pk)
        if request.method == "POST":
            try:
                if direction == "down":
                    items = run_service(pools.distribute_down, article, by=request.user)
                    messages.success(request, f"已下发到 {len(items)} 个下级单位")
                elif direction == "up":
                    item = run_service(pools.submit_up, article, by=request.user,
                                       note=request.POST.get("note", "")[:200])
                    messages.success(request, f"已报送{item.to_org.name}")
                else:
                    raise Http404("没有这个操作")
            except Refused as refused:
                refused.show(request)
        return HttpResponseRedirect(reverse("console:editorial_article_review", args=[pk]))


class DeclineForm(forms.Form):
    reason = forms.CharField(label="未采用原因", max_length=200, widget=UnfoldAdminTextInputWidget)


@admin.register(PoolItem, site=console_site)
class PoolItemAdmin(ScopedAdmin):
    """稿件库: articles distributed to the user's orgs from above, and submitted to them from below."""

    scope_field = "to_path"
    list_display = ["article", "direction", "from_org", "to_org", "status", "sent_at", "decided_at", "act_link"]
    list_filter = ["direction", "status"]
    search_fields = ["article__title"]
    ordering = ["-id"]
    export_columns = list_display[:-1]

    def get_queryset(self, request):
        return incoming_pool(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="操作")
    def act_link(self, obj):
        if obj.status != PoolItem.Status.WAITING:
            return "—"
        return format_html('<a href="{}">处理</a>', reverse("console:editorial_pool_act", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/act/", view(self.act_view), name="editorial_pool_act"), *super().get_urls()]

    def act_view(self, request, pk):
        item = self.get_queryset(request).filter(pk=pk).first()
        if item is None:
            raise Http404("稿件不存在")
        decline_form = DeclineForm(request.POST if "decline" in request.POST else None)
        publish_form = PublishForm(request.POST if "republish" in request.POST else None,
                                   article=Article(org=item.to_org))
        if request.method == "POST":
            try:
                if "adopt" in request.POST:
                    copy = run_service(pools.adopt, item, by=request.user)
                    messages.success(request, "已采用，稿件已进入本单位审核流程")
                    return HttpResponseRedirect(reverse("console:editorial_article_review", args=[copy.pk]))
                if "republish" in request.POST and publish_form.is_valid():
                    copy = run_service(pools.republish, item, by=request.user,
                                       channels=list(publish_form.cleaned_data["channels"]))
                    messages.success(request, "已转发到本单位渠道")
                    return HttpResponseRedirect(reverse("console:editorial_article_review", args=[copy.pk]))
                if "decline" in request.POST and decline_form.is_valid():
                    run_service(pools.decline, item, by=request.user, reason=decline_form.cleaned_data["reason"])
                    messages.success(request, "已标记为未采用")
                    return HttpResponseRedirect(reverse("console:editorial_poolitem_changelist"))
            except Refused as refused:
                refused.show(request)
        return TemplateResponse(request, "console/editorial_pool_act.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": f"处理稿件：{item.article.title}", "item": item, "decline_form": decline_form,
            "publish_form": publish_form})


RANKING_COLUMNS = ["名次", "渠道", "平台", "单位", "传播力指数", "阅读数", "发文数", "点赞数", "转发数", "评论数",
                   "粉丝数"]


class ChannelForm(forms.Form):
    org = forms.ModelChoiceField(label="所属单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    kind = forms.ChoiceField(label="平台", choices=Channel.Kind.choices, widget=UnfoldAdminSelectWidget)
    name = forms.CharField(label="账号名称", max_length=50, widget=UnfoldAdminTextInputWidget)
    account = forms.CharField(label="账号标识（选填）", max_length=100, required=False,
                              widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).order_by("path")


class MetricImportForm(forms.Form):
    file = forms.FileField(label="平台导出的数据文件（.xlsx）",
                           help_text="首行为表头，须有“日期”和“阅读数”（或阅读量、展现量）列；可有发文数、点赞数、转发数、评论数、粉丝数")


@admin.register(Channel, site=console_site)
class ChannelAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["name", "kind", "org", "account", "active", "created_at", "import_link"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "account"]
    ordering = ["org_path", "kind", "id"]
    export_columns = list_display[:-1]
    change_list_template = "console/editorial_channel_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="操作")
    def import_link(self, obj):
        return format_html('<a href="{}">导入数据</a>', reverse("console:editorial_channel_import", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="editorial_channel_create"),
            path("<int:pk>/import/", view(self.import_view), name="editorial_channel_import"),
            path("ranking/", view(self.ranking_view), name="editorial_channel_ranking"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:editorial_channel_create"))

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def create_view(self, request):
        form = ChannelForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                channel = run_service(publishing.register_channel, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记渠道“{channel.name}”")
                return HttpResponseRedirect(reverse("console:editorial_channel_changelist"))
        return self._page(request, "console/benefits_form.html", title="登记发布渠道", form=form, submit="登记")

    def import_view(self, request, pk):
        channel = self.get_queryset(request).filter(pk=pk).first()
        if channel is None:
            raise Http404("渠道不存在")
        form = MetricImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if not (upload.name or "").lower().endswith(".xlsx") or upload.size > MAX_IMPORT_BYTES:
                    raise WorkbookError("请上传 5MB 以内的 .xlsx 文件")
                rows = [values for _, values in read_sheet(upload)]
                report = run_service(metrics.import_rows, channel, rows, by=request.user)
            except WorkbookError as exc:
                form.add_error("file", str(exc))
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已导入 {report.saved} 天的数据，未导入 {len(report.rejected)} 行")
        return self._page(request, "console/editorial_import.html", title=f"导入渠道数据：{channel.name}",
                          form=form, report=report, back=reverse("console:editorial_channel_changelist"))

    def ranking_view(self, request):
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year") or today.year)
            month = int(request.GET.get("month") or today.month)
            if not (2000 <= year <= 2100 and 1 <= month <= 12):
                raise ValueError
        except ValueError:
            messages.error(request, "年份或月份不正确")
            year, month = today.year, today.month
        levels = (*pools.DESK_KINDS, Organisation.Kind.PROVINCE, Organisation.Kind.NATIONAL)
        orgs = list(visible_orgs(request.user).filter(kind__in=levels).order_by("path")[:500])
        chosen = next((o for o in orgs if str(o.pk) == request.GET.get("org")), orgs[0] if orgs else None)
        kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Channel.Kind.values else ""
        rows = reach.ranking(chosen, year=year, month=month, kind=kind or None) if chosen else []
        if request.GET.get("export") and chosen:
            log_event("editorial.ranking.export", actor=request.user, org=chosen,
                      data={"year": year, "month": month, "count": len(rows)})
            return excel.workbook_response(
                f"渠道传播力排行{year}年{month}月.xlsx",
                RANKING_COLUMNS,
                [[r["rank"], r["channel"], r["kind"], r["org"], r["index"], r["reads"], r["articles"], r["likes"],
                  r["shares"], r["comments"], r["followers"]] for r in rows], title="传播力排行")
        chart = json.dumps({"labels": [r["channel"] for r in rows[:20]], "values": [r["index"] for r in rows[:20]],
                            "label": "传播力指数"}, ensure_ascii=False)
        return self._page(request, "console/editorial_ranking.html", title="渠道传播力排行", rows=rows, orgs=orgs,
                          chosen=chosen, year=year, month=month, kind=kind, kinds=Channel.Kind.choices,
                          chart=chart)
