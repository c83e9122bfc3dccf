"""Console pages of the data platform: member tags (画像标签).

- 标签规则 (TagRule changelist): the rules of the cadre's scope with their counts (命中人数, 有异议), search, and
  导出当前结果 (one row per rule: counts only);
- 新建标签规则 (new/) and 修改 (<pk>/edit/): the tag, a description (the reason a member reads) and the conditions as
  fields, validated by insight/services/tags.py;
- one rule's page (<pk>/view/): the conditions in words, the counts, 立即计算 (<pk>/run/, asking first).
No page lists the persons holding a tag: a tag is shown with a member's identity only to that member (portal).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core import codes
from smartunion.core.events import registered_kinds
from smartunion.insight.models import TagRule
from smartunion.insight.services import tags as services
from smartunion.members.models import MemberTag
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

APP_LABELS = {"members": "会籍办理", "benefits": "惠工活动", "cases": "维权服务", "assistance": "困难帮扶",
              "editorial": "新闻阅读", "learning": "学习培训"}


def _defining_orgs(user) -> list[Organisation]:
    rows = scoped(Organisation.objects.filter(kind__in=Organisation.FEDERATION_KINDS,
                                              status=Organisation.Status.ACTIVE), user).order_by("path")[:500]
    return [o for o in rows if services.can_define(user, o)]


def _kind_choices() -> list[tuple[str, str]]:
    known = registered_kinds()
    apps = sorted({kind.split(".", 1)[0] for kind in known})
    return ([(app, f"{APP_LABELS.get(app, app)}（全部）") for app in apps]
            + sorted(known.items()))


class RuleForm(forms.Form):
    org = forms.ChoiceField(label="制定单位", widget=UnfoldAdminSelectWidget, help_text="规则适用于本单位及下级的会员")
    tag = forms.CharField(label="标签", max_length=services.MAX_TAG, widget=UnfoldAdminTextInputWidget,
                          help_text="如 青年、新业态、困难职工、活跃；惠工活动的参与对象可按标签选择")
    description = forms.CharField(label="说明", max_length=services.MAX_DESCRIPTION, required=False,
                                  widget=UnfoldAdminTextInputWidget,
                                  help_text="会员在“我的画像标签”中看到的依据；不填则按条件自动生成")
    active = forms.BooleanField(label="启用（停用后下次计算移除本规则给出的标签）", required=False, initial=True)
    age_min = forms.IntegerField(label="最小年龄", required=False, min_value=16, max_value=100,
                                 widget=UnfoldAdminIntegerFieldWidget)
    age_max = forms.IntegerField(label="最大年龄", required=False, min_value=16, max_value=100,
                                 widget=UnfoldAdminIntegerFieldWidget)
    sex = forms.ChoiceField(label="性别", required=False, choices=[("", "不限"), ("1", "男"), ("2", "女")],
                            widget=UnfoldAdminSelectWidget)
    employment_forms = forms.MultipleChoiceField(label="用工形式", required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    has_hardship_file = forms.BooleanField(label="在档困难职工（困难职工档案状态为“在档”）", required=False)
    events_min = forms.IntegerField(label="参与次数不少于", required=False, min_value=1, max_value=10000,
                                    widget=UnfoldAdminIntegerFieldWidget,
                                    help_text="平台自动记录的参与（报名活动、领券、提交诉求、阅读等），不含任何签到打卡要求")
    events_days = forms.IntegerField(label="统计最近天数", required=False, min_value=1, max_value=730,
                                     widget=UnfoldAdminIntegerFieldWidget, help_text="默认90天")
    event_kinds = forms.MultipleChoiceField(label="参与事项", required=False, widget=forms.CheckboxSelectMultiple,
                                            help_text="不选则计所有事项")
    joined_within_days = forms.IntegerField(label="入会不满（天）", required=False, min_value=1, max_value=3650,
                                            widget=UnfoldAdminIntegerFieldWidget)

    CONDITION_FIELDS = ("age_min", "age_max", "sex", "employment_forms", "has_hardship_file", "events_min",
                        "events_days", "event_kinds", "joined_within_days")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), o.name) for o in orgs]  # type: ignore[attr-defined]
        self.fields["employment_forms"].choices = [(services.GIG, "新就业形态（全部平台用工）")] + [  # type: ignore[attr-defined]
            (e["code"], e["name"]) for e in codes.entries("employment_form")]
        self.fields["event_kinds"].choices = _kind_choices()  # type: ignore[attr-defined]

    def conditions(self) -> dict:
        data = self.cleaned_data
        out = {}
        for name in self.CONDITION_FIELDS:
            value = data.get(name)
            if value not in (None, "", [], False):
                out[name] = value
        return out

    @classmethod
    def initial_of(cls, rule: TagRule) -> dict:
        return {"org": str(rule.org_id), "tag": rule.tag, "description": rule.description, "active": rule.active,
                **{k: v for k, v in rule.conditions.items() if k in cls.CONDITION_FIELDS}}


def _show(refused: Refused, request, form) -> None:
    """The service names condition fields "conditions.<key>"; the form names them <key>."""
    refused.fields = {name.removeprefix("conditions."): msgs for name, msgs in refused.fields.items()}
    refused.show(request, form)


class _Pages:
    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),  # type: ignore[attr-defined]
                                                    "opts": self.model._meta, **context})  # type: ignore[attr-defined]


def _objected_count():
    rows = (MemberTag.objects.filter(rule_id=OuterRef("pk"), objected=True).order_by().values("rule_id")
            .annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


@admin.register(TagRule, site=console_site)
class TagRuleAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["tag", "org", "description", "active", "members_tagged", "objected_count", "computed_at",
                    "open_link"]
    list_filter = ["active"]
    search_fields = ["tag", "description", "org__name"]
    ordering = ["org_path", "tag"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_tag_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org").annotate(objected_n=_objected_count())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="有异议人数")
    def objected_count(self, obj):
        return getattr(obj, "objected_n", 0)

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">查看</a>', reverse("console:insight_tag_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="insight_tag_create"),
            path("<int:pk>/view/", view(self.detail_view), name="insight_tag_detail"),
            path("<int:pk>/edit/", view(self.edit_view), name="insight_tag_edit"),
            path("<int:pk>/run/", view(self.run_view), name="insight_tag_run"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_tag_detail", args=[object_id]))

    def _find(self, request, pk) -> TagRule:
        rule = self.get_queryset(request).filter(pk=pk).first()
        if rule is None:
            raise Http404("标签规则不存在")
        return rule

    def create_view(self, request):
        orgs = _defining_orgs(request.user)
        if not orgs:
            messages.warning(request, "只有总工会的主席、管理员可以制定标签规则")
        form = RuleForm(request.POST or None, orgs=orgs, initial={"active": True})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                rule = run_service(services.create_rule, org=form.orgs[data["org"]], tag=data["tag"],
                                   description=data["description"], conditions=form.conditions(),
                                   active=data["active"], by=request.user)
            except Refused as refused:
                _show(refused, request, form)
            else:
                messages.success(request, f"已新建标签规则“{rule.tag}”，可点击“立即计算”")
                return HttpResponseRedirect(reverse("console:insight_tag_detail", args=[rule.pk]))
        return self._page(request, "console/insight_tag_form.html", title="新建标签规则", form=form, submit="保存",
                          back=reverse("console:insight_tagrule_changelist"))

    def edit_view(self, request, pk):
        rule = self._find(request, pk)
        if not services.can_define(request.user, rule.org):
            raise Http404("标签规则不存在")
        form = RuleForm(request.POST or None, orgs=[rule.org], initial=RuleForm.initial_of(rule))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run_service(services.update_rule, rule, tag=data["tag"], description=data["description"],
                            conditions=form.conditions(), active=data["active"], by=request.user)
            except Refused as refused:
                _show(refused, request, form)
            else:
                messages.success(request, "已保存标签规则，下次计算时生效")
                return HttpResponseRedirect(reverse("console:insight_tag_detail", args=[rule.pk]))
        return self._page(request, "console/insight_tag_form.html", title=f"修改标签规则：{rule.tag}", form=form,
                          submit="保存", back=reverse("console:insight_tag_detail", args=[rule.pk]))

    def detail_view(self, request, pk):
        rule = self._find(request, pk)
        return self._page(request, "console/insight_tag_detail.html", title=f"标签规则：{rule.tag}", rule=rule,
                          conditions=services.describe(rule.conditions), objected=rule.objected_n,
                          may_define=services.can_define(request.user, rule.org),
                          back=reverse("console:insight_tagrule_changelist"))

    def run_view(self, request, pk):
        rule = self._find(request, pk)
        if not services.can_define(request.user, rule.org):
            raise Http404("标签规则不存在")
        back = reverse("console:insight_tag_detail", args=[rule.pk])
        if request.method == "POST":
            try:
                result = run_service(services.run_rule, rule, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已计算“{rule.tag}”：新增{result['added']}人，移除{result['removed']}人，"
                                          f"现有{result['tagged']}人（另有{result['objected']}人提出异议，保持不变）")
            return HttpResponseRedirect(back)
        return self._page(request, "console/insight_tag_confirm.html", title="立即计算",
                          question=f"按当前条件为{rule.org.name}及下级的会员重新计算“{rule.tag}”标签吗？", back=back)
