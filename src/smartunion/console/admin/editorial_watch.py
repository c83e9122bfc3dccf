"""Console pages of the public-opinion watch (舆情监测, editorial/watch.py): the orgs' keyword rules (监测规则: list,
add, edit, switch off after confirmation), the hits they found (舆情信息: filtered by rule, source, status and date,
searched, paginated, linked to their source, marked handled with a note after confirmation, exported), the feeds
imported (舆情订阅源: add, fetch now, upload a file, each with its report) and the portal's article comments
(文章评论: held, visible, hidden; shown or hidden after confirmation).

Every list is scoped to the cadre's subtree by the rows' org path and open to the writing desk (chairs,
administrators, editors: editorial.watch.KEEPING_ROLES) only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.utils import parse_date_str
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.editorial.models import ArticleComment, FeedSource, WatchHit, WatchRule, WatchSource
from smartunion.editorial.rules import may_watch
from smartunion.editorial.services import comments, watch
from smartunion.editorial.watch import KEEPING_ROLES
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import scoped

MAX_FEED_UPLOAD = 2 * 1024 * 1024


def keeping_orgs(user):
    """The orgs where the cadre may keep rules and feeds: their writing desk's subtrees."""
    return scoped(Organisation.objects.filter(status=Organisation.Status.ACTIVE), user, roles=KEEPING_ROLES)


class WatchAdmin(ScopedAdmin):
    """What the watch's lists share: the desk's scope and right, no Django add/change/delete forms."""

    scope_field = "org_path"

    def get_queryset(self, request):
        return scoped(self.model._default_manager.all(), request.user, field=self.scope_field, roles=KEEPING_ROLES)

    def has_module_permission(self, request):
        return may_watch(request.user)

    def has_view_permission(self, request, obj=None):
        return may_watch(request.user)

    def has_add_permission(self, request):
        return may_watch(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # through the pages below, which call the services

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # No Django change form: the rows change through the pages below. The admin's catch-all sends any path here
        # ("new/undefined/change/"): the list, or a 404 for what is not an id.
        if not str(object_id).isdigit():
            raise Http404("页面不存在")
        return HttpResponseRedirect(self._list_url())

    def _page(self, request, template, **context):
        if not may_watch(request.user):
            raise Http404("页面不存在")
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _row(self, request, pk, queryset=None):
        row = (queryset if queryset is not None else self.get_queryset(request)).filter(pk=pk).first()
        if row is None:
            raise Http404("记录不存在")
        return row

    def _list_url(self):
        return reverse(f"console:{self.opts.app_label}_{self.opts.model_name}_changelist")


# Rules (监测规则) ------------------------------------------------------------------------------------------------


class RuleForm(forms.Form):
    org = forms.ModelChoiceField(label="所属单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget,
                                 help_text="规则监测本单位及所有下级单位的内容")
    name = forms.CharField(label="规则名称", max_length=50, widget=UnfoldAdminTextInputWidget)
    keywords = forms.CharField(label="监测关键词", max_length=5000,
                               widget=UnfoldAdminTextareaWidget(attrs={"rows": 5}),
                               help_text="每行一个，或用逗号、顿号分隔；全角半角、繁简体、中间夹空格或符号的写法都能发现")
    exclusions = forms.CharField(label="排除词（选填）", max_length=5000, required=False,
                                 widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
                                 help_text="内容中含有任一排除词时，本规则不报告该条内容")
    sources = forms.MultipleChoiceField(label="监测范围", choices=WatchSource.choices,
                                        widget=forms.CheckboxSelectMultiple, initial=WatchSource.values)

    def __init__(self, *args, user=None, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = keeping_orgs(user).order_by("path")
        if rule is not None:
            self.fields["org"].disabled = True
            self.fields["active"] = forms.BooleanField(label="启用", required=False)


@admin.register(WatchRule, site=console_site)
class WatchRuleAdmin(WatchAdmin):
    list_display = ["name", "org", "keywords_shown", "sources_shown", "active", "hit_count", "created_at",
                    "manage_link"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["org_path", "id"]
    export_columns = list_display[:-1]
    change_list_template = "console/editorial_watch_rule_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org").annotate(n_hits=Count("hits"))

    @admin.display(description="监测关键词")
    def keywords_shown(self, obj):
        words = "、".join(obj.keywords)
        return words if len(words) <= 60 else words[:60] + "…"

    @admin.display(description="监测范围")
    def sources_shown(self, obj):
        return obj.sources_display()

    @admin.display(description="命中数")
    def hit_count(self, obj):
        return obj.n_hits

    @admin.display(description="操作")
    def manage_link(self, obj):
        hits = reverse("console:editorial_watchhit_changelist") + f"?rule={obj.pk}"
        return format_html('<a href="{}">修改</a> · <a href="{}">舆情信息</a>',
                           reverse("console:editorial_watch_rule_edit", args=[obj.pk]), hits)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="editorial_watch_rule_create"),
            path("<int:pk>/edit/", view(self.edit_view), name="editorial_watch_rule_edit"),
            path("<int:pk>/deactivate/", view(self.deactivate_view), name="editorial_watch_rule_deactivate"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:editorial_watch_rule_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():  # the admin's catch-all sends any path here ("new/undefined/change/")
            raise Http404("页面不存在")
        return HttpResponseRedirect(reverse("console:editorial_watch_rule_edit", args=[object_id]))

    def create_view(self, request):
        form = RuleForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                rule = run_service(watch.add_rule, by=request.user, org=data["org"], name=data["name"],
                                   keywords=data["keywords"], exclusions=data["exclusions"],
                                   sources=data["sources"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已新建监测规则“{rule.name}”")
                return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_form.html", title="新建监测规则", form=form,
                          submit="保存", back=self._list_url())

    def edit_view(self, request, pk):
        rule = self._row(request, pk)
        initial = {"org": rule.org_id, "name": rule.name, "keywords": "\n".join(rule.keywords),
                   "exclusions": "\n".join(rule.exclusions), "sources": rule.sources, "active": rule.active}
        form = RuleForm(request.POST or None, initial=initial, user=request.user, rule=rule)
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "org"}
            try:
                run_service(watch.update_rule, rule, by=request.user, **data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存监测规则“{data['name']}”")
                return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_form.html", title=f"修改监测规则：{rule.name}",
                          form=form, submit="保存", back=self._list_url(), rule=rule)

    def deactivate_view(self, request, pk):
        rule = self._row(request, pk)
        if request.method == "POST":
            try:
                run_service(watch.update_rule, rule, by=request.user, active=False)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已停用监测规则“{rule.name}”")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_confirm.html", title="停用监测规则",
                          question=f"确定停用监测规则“{rule.name}”吗？停用后不再监测新内容，已发现的舆情信息保留。",
                          back=self._list_url(), submit="停用")


# Hits (舆情信息) -------------------------------------------------------------------------------------------------


class RuleFilter(admin.SimpleListFilter):
    """监测规则: among the rules the cadre sees (never another org's rule names); another id is no rule at all."""

    title = "监测规则"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        rules = scoped(WatchRule.objects.all(), request.user, field="org_path", roles=KEEPING_ROLES)
        return [(str(pk), name) for pk, name in rules.order_by("org_path", "id").values_list("id", "name")[:200]]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(rule_id=int(value)) if value.isdigit() else queryset.none()


class FoundOnFilter(RangeDateFilter):
    """发现时间: from one day to another, inclusive, in the deployment's days."""

    def queryset(self, request, queryset):
        bounds = {}
        for suffix, lookup, shift in (("_from", "gte", 0), ("_to", "lt", 1)):
            value = self.used_parameters.get(f"{self.parameter_name}{suffix}")
            if value in (None, ""):
                continue
            day = parse_date_str(value) if isinstance(value, str) else None
            if day is None:
                return queryset.none()
            start = dt.datetime.combine(day + dt.timedelta(days=shift), dt.time.min)
            bounds[f"created_at__{lookup}"] = timezone.make_aware(start)
        return queryset.filter(**bounds)


class HandleForm(forms.Form):
    note = forms.CharField(label="处理说明", max_length=200, required=False, widget=UnfoldAdminTextInputWidget,
                           help_text="如：已联系发帖人核实、已转维权部门处理")


@admin.register(WatchHit, site=console_site)
class WatchHitAdmin(WatchAdmin):
    list_display = ["created_at", "rule", "source", "source_shown", "keyword", "excerpt", "status", "handled_by",
                    "handle_link"]
    list_filter = [RuleFilter, "source", "status", ("created_at", FoundOnFilter)]
    list_filter_submit = True
    search_fields = ["keyword", "source_title", "excerpt"]
    ordering = ["-id"]
    export_columns = ["created_at", "rule", "source", "source_title", "source_link", "keyword", "excerpt", "start",
                      "status", "handled_by", "handled_at", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("rule", "handled_by")

    def has_add_permission(self, request):
        return False

    @admin.display(description="来源内容")
    def source_shown(self, obj):
        title = obj.source_title or "（无标题）"
        if obj.source_link:
            return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', obj.source_link,
                               title)
        return title

    @admin.display(description="操作")
    def handle_link(self, obj):
        if obj.status == WatchHit.Status.HANDLED:
            return obj.note or "—"
        return format_html('<a href="{}">标记已处理</a>', reverse("console:editorial_watch_hit_handle", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/handle/", view(self.handle_view), name="editorial_watch_hit_handle"),
                *super().get_urls()]

    def handle_view(self, request, pk):
        hit = self._row(request, pk, self.get_queryset(request).select_related("rule__org"))
        form = HandleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run_service(watch.handle_hit, hit, by=request.user, note=form.cleaned_data["note"])
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已将“{hit.keyword}”（{hit.source_title}）标记为已处理")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_confirm.html", title="标记舆情信息已处理",
                          question=f"确定将规则“{hit.rule.name}”在“{hit.source_title}”中发现的“{hit.keyword}”"
                                   "标记为已处理吗？", excerpt=hit.excerpt, form=form, back=self._list_url(),
                          submit="标记已处理")


# Feeds (舆情订阅源) ----------------------------------------------------------------------------------------------


class FeedForm(forms.Form):
    org = forms.ModelChoiceField(label="所属单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    name = forms.CharField(label="名称", max_length=50, widget=UnfoldAdminTextInputWidget)
    url = forms.URLField(label="订阅地址（选填）", max_length=500, required=False, assume_scheme="https",
                         widget=UnfoldAdminTextInputWidget,
                         help_text="RSS 2.0 或 Atom 地址，系统定时抓取；只上传文件导入时可不填")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = keeping_orgs(user).order_by("path")


class FeedUploadForm(forms.Form):
    file = forms.FileField(label="订阅文件（RSS 2.0 或 Atom，.xml）",
                           help_text="如服务器无法访问该网站，可在浏览器中保存订阅内容后上传；同一条目重复导入只保留一次")


@admin.register(FeedSource, site=console_site)
class FeedSourceAdmin(WatchAdmin):
    list_display = ["name", "org", "url", "active", "item_count", "last_fetched_at", "last_error", "act_links"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    ordering = ["org_path", "id"]
    export_columns = list_display[:-1]
    change_list_template = "console/editorial_watch_feed_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org").annotate(n_items=Count("items"))

    @admin.display(description="条目数")
    def item_count(self, obj):
        return obj.n_items

    @admin.display(description="操作")
    def act_links(self, obj):
        upload = reverse("console:editorial_watch_feed_upload", args=[obj.pk])
        if not obj.url:
            return format_html('<a href="{}">上传文件</a>', upload)
        return format_html('<a href="{}">立即抓取</a> · <a href="{}">上传文件</a>',
                           reverse("console:editorial_watch_feed_fetch", args=[obj.pk]), upload)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="editorial_watch_feed_create"),
            path("<int:pk>/fetch/", view(self.fetch_view), name="editorial_watch_feed_fetch"),
            path("<int:pk>/upload/", view(self.upload_view), name="editorial_watch_feed_upload"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:editorial_watch_feed_create"))

    def create_view(self, request):
        form = FeedForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                source = run_service(watch.register_feed, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记订阅源“{source.name}”")
                return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_form.html", title="登记订阅源", form=form,
                          submit="登记", back=self._list_url())

    def fetch_view(self, request, pk):
        source = self._row(request, pk)
        report = None
        if request.method == "POST":
            try:
                report = run_service(watch.fetch_feed, source, by=request.user)
            except Refused as refused:
                refused.show(request)
                return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_feed.html", title=f"抓取订阅源：{source.name}",
                          source=source, report=report, back=self._list_url(),
                          hits_url=reverse("console:editorial_watchhit_changelist") + "?source=feed")

    def upload_view(self, request, pk):
        source = self._row(request, pk)
        form = FeedUploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_FEED_UPLOAD:
                form.add_error("file", "文件过大（上限 2MB）")
            else:
                try:
                    report = run_service(watch.import_feed_file, source, upload.read(), by=request.user)
                except Refused as refused:
                    refused.show(request, form)
        return self._page(request, "console/editorial_watch_feed.html", title=f"上传订阅文件：{source.name}",
                          source=source, form=form, report=report, back=self._list_url(),
                          hits_url=reverse("console:editorial_watchhit_changelist") + "?source=feed")


# Comments (文章评论) --------------------------------------------------------------------------------------------


class CommentArticleFilter(admin.SimpleListFilter):
    title = "单位（含下级）"
    parameter_name = "org"

    def lookups(self, request, model_admin):
        orgs = keeping_orgs(request.user).filter(kind__in=Organisation.FEDERATION_KINDS).order_by("path")[:200]
        return [(str(org.pk), org.name) for org in orgs]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        org = keeping_orgs(request.user).filter(pk=value).first() if value.isdigit() else None
        return queryset.filter(subtree_q(org.path, "org_path")) if org is not None else queryset.none()


@admin.register(ArticleComment, site=console_site)
class ArticleCommentAdmin(WatchAdmin):
    list_display = ["created_at", "article", "author_shown", "text", "status", "flags_shown", "moderated_by",
                    "act_links"]
    list_filter = ["status", CommentArticleFilter]
    search_fields = ["text", "article__title"]
    ordering = ["-id"]
    export_columns = list_display[:-1]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "author", "moderated_by")

    def has_add_permission(self, request):
        return False

    @admin.display(description="评论人")
    def author_shown(self, obj):
        return obj.author_label

    @admin.display(description="提示词")
    def flags_shown(self, obj):
        return "；".join(obj.flags) or "—"

    @admin.display(description="操作")
    def act_links(self, obj):
        links = []
        if obj.status != ArticleComment.Status.VISIBLE:
            links.append(format_html('<a href="{}">显示</a>',
                                     reverse("console:editorial_watch_comment", args=[obj.pk, "show"])))
        if obj.status != ArticleComment.Status.HIDDEN:
            links.append(format_html('<a href="{}">隐藏</a>',
                                     reverse("console:editorial_watch_comment", args=[obj.pk, "hide"])))
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/<str:action>/", view(self.moderate_view), name="editorial_watch_comment"),
                *super().get_urls()]

    def moderate_view(self, request, pk, action):
        status = {"show": ArticleComment.Status.VISIBLE, "hide": ArticleComment.Status.HIDDEN}.get(action)
        if status is None:
            raise Http404("没有这个操作")
        comment = self._row(request, pk, self.get_queryset(request).select_related("article__org"))
        verb = "显示" if action == "show" else "隐藏"
        if request.method == "POST":
            try:
                run_service(comments.moderate, comment, by=request.user, status=status)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已{verb}该评论")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/editorial_watch_confirm.html", title=f"{verb}评论",
                          question=f"确定在门户{verb}这条对《{comment.article.title}》的评论吗？", excerpt=comment.text,
                          back=self._list_url(), submit=verb)
