"""Console pages of the editorial app. So far: the deployment's sensitive-word list (敏感词库): the list with
filters, adding and changing words, allowed contexts per word, importing a list from Excel or a text file, and a
check tool that shows every hit of a pasted text."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.xlsx import WorkbookError, cell_text, read_sheet
from smartunion.editorial import sensitive
from smartunion.editorial.models import AllowedContext, SensitiveWord
from smartunion.editorial.rules import may_maintain_words
from smartunion.editorial.services import words

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
        return self._page(request, "console/editorial_import.html", title="导入敏感词", form=form, report=report)

    def check_view(self, request):
        form = CheckForm(request.POST or None)
        hits = None
        if request.method == "POST" and form.is_valid():
            hits = sensitive.check(form.cleaned_data["text"])
        return self._page(request, "console/editorial_check.html", title="敏感词检测", form=form, hits=hits,
                          blocking=len(sensitive.blocking(hits or [])))
