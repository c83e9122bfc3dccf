"""Console pages of the office platform: the reports part (信息报送).

- 信息报送 (InfoReport changelist): the items of the orgs where the cadre holds a reporting role, with status and
  level, search and filters; 报送信息 (the submit form); one item's page with the steps the cadre may take
  (withdraw before a decision, forward an adopted item up), each asking first.
- 信息采用 (inbox/): the items sent to the cadre's orgs and waiting; each item's page adopts at a level or declines
  with a reason, asking first.
- 计分规则 (ReportScore changelist, new/): the points per level per year a federation sets for its subtree.
- 信息排行 (ranking/): the ranking by period and org level with a bar chart and an Excel export.
Workbench queue: 待采用信息 (the inbox count).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.console import excel
from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, register
from smartunion.core.audit import log_event
from smartunion.core.errors import DomainError, NotFound
from smartunion.documents import rules_reports as rules
from smartunion.documents.models import InfoReport, ReportScore
from smartunion.documents.queries import reports as queries
from smartunion.documents.services import reports as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import is_unrestricted, scoped

S = InfoReport.Status
L = InfoReport.Level
K = Organisation.Kind
RANKING_COLUMNS = ["名次", "单位", "得分", "采用条数", "市级采用", "省级采用", "报送全总"]
KIND_LABELS = {K.PROVINCE: "省总工会", K.CITY: "市总工会", K.COUNTY: "县（区）总工会", K.INDUSTRY: "产业工会",
               K.TOWNSHIP: "乡镇（街道）工会", K.GRASSROOTS: "基层工会"}


def _acting_orgs(user) -> list[Organisation]:
    """The orgs the cadre submits for: where they hold a reporting role and whose parent takes reports."""
    rows = Organisation.objects.select_related("parent").filter(status=Organisation.Status.ACTIVE)
    rows = rows if is_unrestricted(user) else rows.filter(path__in=rules.acting_paths(user))
    return [o for o in rows.order_by("path")[:200] if o.parent is not None and o.parent.kind in rules.RECEIVING_KINDS]


class SubmitForm(forms.Form):
    org = forms.ChoiceField(label="报送单位", widget=UnfoldAdminSelectWidget)
    category = forms.ChoiceField(label="类别", choices=InfoReport.Category.choices, widget=UnfoldAdminSelectWidget)
    title = forms.CharField(label="标题", max_length=200, widget=UnfoldAdminTextInputWidget)
    body = forms.CharField(label="内容", max_length=20000, widget=UnfoldAdminTextareaWidget)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), f"{o.name}（报送至{o.parent.name}）") for o in orgs]  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="处理", widget=forms.RadioSelect,
                                 choices=[("adopt", "采用"), ("decline", "不采用")])
    level = forms.ChoiceField(label="采用级别", required=False, widget=UnfoldAdminSelectWidget)
    reason = forms.CharField(label="未采用原因", max_length=300, required=False, widget=UnfoldAdminTextInputWidget,
                             help_text="不采用时必填，报送单位会看到")

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(v, L(v).label) for v in levels]  # type: ignore[attr-defined]


class ScoreForm(forms.Form):
    org = forms.ChoiceField(label="设置单位", widget=UnfoldAdminSelectWidget,
                            help_text="对本单位及下级的采用计分；下级总工会设置的同级别分值优先")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, widget=UnfoldAdminIntegerFieldWidget)
    level = forms.ChoiceField(label="采用级别", choices=L.choices, widget=UnfoldAdminSelectWidget)
    points = forms.DecimalField(label="分值", min_value=0, max_value=9999.9, decimal_places=1,
                                widget=UnfoldAdminDecimalFieldWidget)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), o.name) for o in orgs]  # type: ignore[attr-defined]


class _Pages:
    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),  # type: ignore[attr-defined]
                                                    "opts": self.model._meta, **context})  # type: ignore[attr-defined]


@admin.register(InfoReport, site=console_site)
class InfoReportAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["title", "category", "org", "to_org", "status", "level", "submitted_at", "open_link"]
    list_filter = ["status", "level", "category"]
    search_fields = ["title"]
    ordering = ["-submitted_at", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/documents_reports_changelist.html"

    def get_queryset(self, request):
        # 信息报送 lists the cadre's own orgs' items; every other page finds items through the scoped queries.
        return queries.my_submissions(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">查看</a>', reverse("console:documents_reports_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.submit_view), name="documents_reports_submit"),
            path("inbox/", view(self.inbox_view), name="documents_reports_inbox"),
            path("ranking/", view(self.ranking_view), name="documents_reports_ranking"),
            path("<int:pk>/view/", view(self.detail_view), name="documents_reports_detail"),
            path("<int:pk>/decide/", view(self.decide_view), name="documents_reports_decide"),
            path("<int:pk>/<str:step>/", view(self.step_view), name="documents_reports_step"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_reports_detail", args=[object_id]))

    def submit_view(self, request):
        orgs = _acting_orgs(request.user)
        form = SubmitForm(request.POST or None, orgs=orgs)
        if not orgs:
            messages.warning(request, "您任职的单位没有接收信息报送的上级单位（只有市总工会和省总工会接收）")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                report = run_service(services.submit_report, org=form.orgs[data["org"]], category=data["category"],
                                     title=data["title"], body=data["body"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已报送“{report.title}”至{report.to_org.name}")
                return HttpResponseRedirect(reverse("console:documents_inforeport_changelist"))
        return self._page(request, "console/documents_reports_form.html", title="报送信息", form=form, submit="报送",
                          back=reverse("console:documents_inforeport_changelist"))

    def inbox_view(self, request):
        status = request.GET.get("status", S.SUBMITTED)
        status = status if status in S.values or status == "all" else S.SUBMITTED
        rows = queries.inbox(request.user, status=None if status == "all" else status)
        term = (request.GET.get("q") or "").strip()[:100]
        if term:
            rows = rows.filter(Q(title__contains=term) | Q(org__name__contains=term))
        page = Paginator(rows, 20).get_page(request.GET.get("p"))
        return self._page(request, "console/documents_reports_inbox.html", title="信息采用", page=page, q=term,
                          status=status, statuses=[(S.SUBMITTED.value, "待处理"), ("all", "全部")])

    def _find(self, request, pk) -> InfoReport:
        try:
            return queries.report_for(request.user, pk)
        except NotFound as exc:
            raise Http404("信息不存在") from exc

    def detail_view(self, request, pk):
        report = self._find(request, pk)
        decide = report.status == S.SUBMITTED and rules.can_decide(request.user, report)
        form = DecideForm(levels=rules.levels_for(report.to_org)) if decide else None
        return self._page(
            request, "console/documents_reports_detail.html", title=report.title, report=report, form=form,
            points=queries.points_for(report),
            may_withdraw=report.status == S.SUBMITTED and rules.can_withdraw(request.user, report),
            may_forward=(report.status == S.ADOPTED and report.to_org.kind in rules.FORWARDING_KINDS
                         and rules.can_decide(request.user, report)),
            back=reverse("console:documents_reports_inbox") if decide
            else reverse("console:documents_inforeport_changelist"))

    def decide_view(self, request, pk):
        report = self._find(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("console:documents_reports_detail", args=[pk]))
        form = DecideForm(request.POST, levels=rules.levels_for(report.to_org))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "adopt":
                    run_service(services.adopt_report, report, level=data["level"], by=request.user)
                    messages.success(request, f"已采用“{report.title}”（{L(data['level']).label}）")
                else:
                    run_service(services.decline_report, report, reason=data["reason"], by=request.user)
                    messages.success(request, f"已不采用“{report.title}”")
            except Refused as refused:
                refused.show(request, form)
            else:
                return HttpResponseRedirect(reverse("console:documents_reports_inbox"))
        return self._page(request, "console/documents_reports_detail.html", title=report.title, report=report,
                          form=form, points=queries.points_for(report), may_withdraw=False, may_forward=False,
                          back=reverse("console:documents_reports_inbox"))

    def step_view(self, request, pk, step):
        report = self._find(request, pk)
        if step not in ("withdraw", "forward"):
            raise Http404("页面不存在")
        question = {"withdraw": f"确定撤回“{report.title}”吗？撤回后上级不再处理。",
                    "forward": f"确定把“{report.title}”作为本单位的信息转报{report.to_org.name}的上级吗？"}[step]
        back = reverse("console:documents_reports_detail", args=[pk])
        if request.method == "POST":
            try:
                if step == "withdraw":
                    run_service(services.withdraw_report, report, by=request.user)
                    messages.success(request, f"已撤回“{report.title}”")
                    return HttpResponseRedirect(reverse("console:documents_inforeport_changelist"))
                copy = run_service(services.forward_report, report, by=request.user)
                messages.success(request, f"已转报{copy.to_org.name}")
                return HttpResponseRedirect(reverse("console:documents_reports_detail", args=[copy.pk]))
            except Refused as refused:
                refused.show(request)
                return HttpResponseRedirect(back)
        return self._page(request, "console/documents_reports_confirm.html",
                          title={"withdraw": "撤回信息", "forward": "转报上级"}[step], question=question, back=back)

    def ranking_view(self, request):
        today = timezone.localdate()
        user = request.user
        orgs = list(scoped(Organisation.objects.filter(kind__in=(K.NATIONAL, K.PROVINCE, K.CITY, K.COUNTY)), user)
                    .order_by("path")[:500])
        chosen = next((o for o in orgs if str(o.pk) == request.GET.get("org")), orgs[0] if orgs else None)
        period = request.GET.get("period", "")
        rows: list[dict] = []
        kind = ""
        year = today.year
        quarter = month = None
        try:
            year = int(request.GET.get("year") or today.year)
            if period.startswith("q") and period[1:].isdigit():
                quarter = int(period[1:])
            elif period.startswith("m") and period[1:].isdigit():
                month = int(period[1:])
            if chosen is not None:
                kind = request.GET.get("kind") or queries.default_kind(chosen)
                rows = queries.ranking(chosen, kind=kind, year=year, quarter=quarter, month=month)
        except ValueError:
            messages.error(request, "年度不正确")
        except DomainError as exc:
            for message in exc.messages:
                messages.error(request, message)
        period_label = f"{year}年" + (f"第{quarter}季度" if quarter else f"{month}月" if month else "")
        if request.GET.get("export") and chosen is not None:
            log_event("documents.report_ranking.export", actor=user, org=chosen,
                      data={"year": year, "period": period_label, "kind": kind, "count": len(rows)})
            return excel.workbook_response(
                f"信息采用排行{period_label}.xlsx", RANKING_COLUMNS,
                [[r["rank"], r["org"], float(r["points"]), r["adopted"], r["city_count"], r["province_count"],
                  r["national_count"]] for r in rows], title="信息排行")
        chart = json.dumps({"labels": [r["org"] for r in rows[:20]], "values": [float(r["points"]) for r in rows[:20]],
                            "label": "得分"}, ensure_ascii=False)
        periods = [("", "全年")] + [(f"q{n}", f"第{n}季度") for n in range(1, 5)] + [
            (f"m{n}", f"{n}月") for n in range(1, 13)]
        return self._page(request, "console/documents_reports_ranking.html", title="信息排行", rows=rows,
                          orgs=orgs, chosen=chosen, year=year, period=period, periods=periods, kind=kind,
                          kinds=list(KIND_LABELS.items()), chart=chart, period_label=period_label,
                          any_points=any(r["points"] for r in rows))


@admin.register(ReportScore, site=console_site)
class ReportScoreAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["year", "org", "level", "points"]
    list_filter = ["year", "level"]
    search_fields = ["org__name"]
    ordering = ["-year", "org_path", "level"]
    export_columns = list_display
    change_list_template = "console/documents_reports_score_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("new/", view(self.create_view), name="documents_reports_score_create"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_reports_score_create"))

    def create_view(self, request):
        orgs = [o for o in scoped(Organisation.objects.filter(kind__in=Organisation.FEDERATION_KINDS), request.user)
                .order_by("path")[:500] if rules.can_set_scores(request.user, o)]
        form = ScoreForm(request.POST or None, orgs=orgs, initial={"year": timezone.localdate().year})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                row = run_service(services.set_score, org=form.orgs[data["org"]], year=data["year"],
                                  level=data["level"], points=data["points"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request,
                                 f"已设置{row.org.name}{row.year}年{row.get_level_display()}每条{row.points}分")
                return HttpResponseRedirect(reverse("console:documents_reportscore_changelist"))
        defaults = "、".join(f"{L(k).label}{v}分" for k, v in services.DEFAULT_POINTS.items())
        return self._page(request, "console/documents_reports_form.html", title="设置计分规则", form=form,
                          submit="保存", back=reverse("console:documents_reportscore_changelist"),
                          note=f"同一年度同一级别再次设置即覆盖原分值。没有任何总工会设置时按默认：{defaults}。")


register(Queue(
    "documents.reports.inbox", "自动化办公", "待采用信息", lambda user: queries.inbox_count(user),
    lambda user: reverse("console:documents_reports_inbox"),
    visible=lambda user: is_unrestricted(user) or bool(rules.acting_paths(user)),
    help="下级单位报送给本单位、尚未处理的信息"))
