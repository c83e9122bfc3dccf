"""Console pages of the data platform: assessment (考核).

- 考核方案 (AssessmentScheme changelist): the schemes the cadre may read (queries/assessment.py: their org's and
  those above it; published ones of the orgs above them too), with search and 导出当前结果;
- 新建考核方案 (new/) and 修改 (<pk>/edit/, while a draft): a federation's scheme of a level below it for whole months;
- one scheme's page (<pk>/view/): its indicators (添加 / 修改 / 删除 while a draft), 计算得分, 发布, and the ranking
  with each indicator's value and score (paginated, searchable by org name), 导出 Excel (<pk>/export/).
Scores are computed from the roll-ups (insight/services/assessment.py), never typed in.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.console import excel
from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.errors import NotFound
from smartunion.insight import figures
from smartunion.insight import rules_assessment as rules
from smartunion.insight.formula import AGGREGATES, FUNCTION_LABELS, FUNCTIONS
from smartunion.insight.models import AssessmentScheme
from smartunion.insight.queries import assessment as queries
from smartunion.insight.services import assessment as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

S = AssessmentScheme.Status
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RANKING_PAGE = 50


def _defining_orgs(user) -> list[Organisation]:
    rows = scoped(Organisation.objects.filter(kind__in=list(rules.ASSESSED_LEVELS),
                                              status=Organisation.Status.ACTIVE), user).order_by("path")[:500]
    return [o for o in rows if rules.can_define(user, o)]


class SchemeForm(forms.Form):
    org = forms.ChoiceField(label="考核单位", widget=UnfoldAdminSelectWidget)
    name = forms.CharField(label="方案名称", max_length=100, widget=UnfoldAdminTextInputWidget)
    level = forms.ChoiceField(label="被考核层级", widget=UnfoldAdminSelectWidget,
                              help_text="省总工会可考核市或县（区）总工会，市总工会考核县（区）总工会")
    period_start = forms.DateField(label="考核期起", widget=DATE, help_text="按整月计算：取所在月份")
    period_end = forms.DateField(label="考核期止", widget=DATE, help_text="按整月计算：取所在月份，最长36个月")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), o.name) for o in orgs]  # type: ignore[attr-defined]
        self.fields["level"].choices = list(rules.LEVEL_LABELS.items())  # type: ignore[attr-defined]


def formula_help() -> str:
    keys = "；".join(f"{f.key} {f.label}（{'期末值' if f.kind == figures.STOCK else '期内合计'}）"
                     for f in figures.FIGURES)
    funcs = "；".join(f"{name}() {FUNCTION_LABELS[name]}" for name in (*AGGREGATES, *FUNCTIONS))
    return (f"可用 + - * / 和括号。指标：{keys}。函数：{funcs}。除数为0时该项无值、得0分。"
            "不得使用签到打卡、在线时长、登录次数、下载安装量等指标。")


class IndicatorForm(forms.Form):
    name = forms.CharField(label="指标名称", max_length=100, widget=UnfoldAdminTextInputWidget)
    formula = forms.CharField(label="计算公式", max_length=500, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
    weight = forms.CharField(label="分值", max_length=20, widget=UnfoldAdminTextInputWidget,
                             help_text="满分，如 20")
    target = forms.CharField(label="目标值", max_length=30, widget=UnfoldAdminTextInputWidget,
                             help_text="达到目标值得满分，未达到按比例得分")
    lower_is_better = forms.BooleanField(label="越低越好（不超过目标值得满分，超过按 目标值÷指标值 得分）",
                                         required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formula"].help_text = formula_help()


class _Pages:
    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),  # type: ignore[attr-defined]
                                                    "opts": self.model._meta, **context})  # type: ignore[attr-defined]


@admin.register(AssessmentScheme, site=console_site)
class AssessmentSchemeAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["name", "org", "level_label", "period", "status", "computed_at", "open_link"]
    list_filter = ["status"]
    search_fields = ["name", "org__name"]
    ordering = ["-period_end", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_assess_changelist.html"

    def get_queryset(self, request):
        return queries.visible_schemes(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="被考核层级")
    def level_label(self, obj):
        return rules.LEVEL_LABELS.get(obj.level, obj.level)

    @admin.display(description="考核期")
    def period(self, obj):
        return services.period_label(obj)

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">查看</a>', reverse("console:insight_assess_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="insight_assess_create"),
            path("<int:pk>/view/", view(self.detail_view), name="insight_assess_detail"),
            path("<int:pk>/edit/", view(self.edit_view), name="insight_assess_edit"),
            path("<int:pk>/export/", view(self.export_view), name="insight_assess_export"),
            path("<int:pk>/indicators/new/", view(self.indicator_view), name="insight_assess_indicator_add"),
            path("<int:pk>/indicators/<int:iid>/edit/", view(self.indicator_view),
                 name="insight_assess_indicator_edit"),
            path("<int:pk>/indicators/<int:iid>/remove/", view(self.remove_view),
                 name="insight_assess_indicator_remove"),
            path("<int:pk>/<str:step>/", view(self.step_view), name="insight_assess_step"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_assess_detail", args=[object_id]))

    def _find(self, request, pk) -> AssessmentScheme:
        try:
            return queries.scheme_for(request.user, pk)
        except NotFound as exc:
            raise Http404("考核方案不存在") from exc

    def _detail_url(self, scheme) -> str:
        return reverse("console:insight_assess_detail", args=[scheme.pk])

    def create_view(self, request):
        orgs = _defining_orgs(request.user)
        if not orgs:
            messages.warning(request, "只有省、市总工会（或全国总工会）的主席、管理员可以制定考核方案")
        form = SchemeForm(request.POST or None, orgs=orgs)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                scheme = run_service(services.create_scheme, org=form.orgs[data["org"]], name=data["name"],
                                     level=data["level"], period_start=data["period_start"],
                                     period_end=data["period_end"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已新建考核方案“{scheme.name}”，请添加考核指标")
                return HttpResponseRedirect(self._detail_url(scheme))
        return self._page(request, "console/insight_assess_form.html", title="新建考核方案", form=form, submit="保存",
                          back=reverse("console:insight_assessmentscheme_changelist"))

    def edit_view(self, request, pk):
        scheme = self._find(request, pk)
        if not rules.can_define(request.user, scheme.org) or scheme.status != S.DRAFT:
            raise Http404("考核方案不存在")
        initial = {"org": str(scheme.org_id), "name": scheme.name, "level": scheme.level,
                   "period_start": scheme.period_start, "period_end": scheme.period_end}
        form = SchemeForm(request.POST or None, orgs=[scheme.org], initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run_service(services.update_scheme, scheme, name=data["name"], level=data["level"],
                            period_start=data["period_start"], period_end=data["period_end"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "已保存考核方案（得分需重新计算）")
                return HttpResponseRedirect(self._detail_url(scheme))
        return self._page(request, "console/insight_assess_form.html", title=f"修改{scheme.name}", form=form,
                          submit="保存", back=self._detail_url(scheme))

    def detail_view(self, request, pk):
        scheme = self._find(request, pk)
        items = queries.indicators(scheme)
        term = (request.GET.get("q") or "").strip()[:50]
        page = Paginator(queries.ranking(scheme, indicators_list=items, search=term), RANKING_PAGE).get_page(
            request.GET.get("p"))
        may_define = rules.can_define(request.user, scheme.org)
        return self._page(
            request, "console/insight_assess_detail.html", title=scheme.name, scheme=scheme, indicators=items,
            page=page, q=term, may_define=may_define, draft=scheme.status == S.DRAFT,
            level_label=rules.LEVEL_LABELS.get(scheme.level, scheme.level), period=services.period_label(scheme),
            back=reverse("console:insight_assessmentscheme_changelist"))

    def export_view(self, request, pk):
        scheme = self._find(request, pk)
        items = queries.indicators(scheme)
        rows = queries.ranking(scheme, indicators_list=items)
        headers = ["名次", "单位", "总分"]
        for indicator in items:
            headers += [f"{indicator.name}（指标值）", f"{indicator.name}（得分）"]
        table = []
        for row in rows:
            line = [row["rank"], row["org"], float(row["total"])]
            for cell in row["cells"]:
                line += [None if cell["value"] is None else float(cell["value"]),
                         None if cell["score"] is None else float(cell["score"])]
            table.append(line)
        log_event("insight.assessment_scheme.export", actor=request.user, target=scheme, org=scheme.org,
                  data={"period": services.period_label(scheme), "count": len(rows)})
        return excel.workbook_response(f"{scheme.name}考核排名.xlsx", headers, table, title="考核排名")

    def indicator_view(self, request, pk, iid=None):
        scheme = self._find(request, pk)
        if not rules.can_define(request.user, scheme.org) or scheme.status != S.DRAFT:
            raise Http404("考核方案不存在")
        indicator = None
        initial = {}
        if iid is not None:
            try:
                indicator = queries.indicator_for(request.user, scheme, iid)
            except NotFound as exc:
                raise Http404("考核指标不存在") from exc
            initial = {"name": indicator.name, "formula": indicator.formula, "weight": indicator.weight,
                       "target": format(indicator.target.normalize(), "f"),
                       "lower_is_better": indicator.lower_is_better}
        form = IndicatorForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if indicator is None:
                    run_service(services.add_indicator, scheme, by=request.user, **data)
                else:
                    run_service(services.update_indicator, indicator, by=request.user, **data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存考核指标“{data['name']}”")
                return HttpResponseRedirect(self._detail_url(scheme))
        return self._page(request, "console/insight_assess_form.html",
                          title="添加考核指标" if indicator is None else f"修改考核指标：{indicator.name}", form=form,
                          submit="保存", back=self._detail_url(scheme), note=f"考核方案：{scheme.name}")

    def remove_view(self, request, pk, iid):
        scheme = self._find(request, pk)
        if not rules.can_define(request.user, scheme.org):
            raise Http404("考核方案不存在")
        try:
            indicator = queries.indicator_for(request.user, scheme, iid)
        except NotFound as exc:
            raise Http404("考核指标不存在") from exc
        if request.method == "POST":
            try:
                run_service(services.remove_indicator, indicator, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已删除考核指标“{indicator.name}”")
            return HttpResponseRedirect(self._detail_url(scheme))
        return self._page(request, "console/insight_assess_confirm.html", title="删除考核指标",
                          question=f"确定删除考核指标“{indicator.name}”吗？", back=self._detail_url(scheme))

    def step_view(self, request, pk, step):
        scheme = self._find(request, pk)
        if step not in ("compute", "publish") or not rules.can_define(request.user, scheme.org):
            raise Http404("页面不存在")
        back = self._detail_url(scheme)
        if request.method == "POST":
            try:
                if step == "compute":
                    result = run_service(services.compute_scheme, scheme, by=request.user)
                    messages.success(request, f"已按汇总数据计算{result['orgs']}个单位的得分")
                else:
                    run_service(services.publish_scheme, scheme, by=request.user)
                    messages.success(request, "已发布：被考核单位的干部现在可以查看排名")
            except Refused as refused:
                refused.show(request)
            return HttpResponseRedirect(back)
        question = {
            "compute": f"按{services.period_label(scheme)}的汇总数据重新计算“{scheme.name}”的得分和排名吗？",
            "publish": f"发布“{scheme.name}”吗？发布前先重新计算得分；发布后指标不能再修改，被考核单位可以查看排名。",
        }[step]
        return self._page(request, "console/insight_assess_confirm.html",
                          title={"compute": "计算得分", "publish": "发布考核结果"}[step], question=question, back=back)
