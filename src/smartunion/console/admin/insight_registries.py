"""Console pages of the data platform: government registries (政务数据).

- 政务数据导入 /console/insight/registryimport/: the imports in scope; upload/ (province and city federation chairs
  and administrators), <id>/progress/ (refreshes itself while running; pause, resume), <id>/rejects/ (the rejected
  rows as .xlsx), match/ (start a matching run; the runs are listed there);
- 登记企业 /console/insight/companyrecord/: the registry's companies in scope (by their area); the same list with
  ?list=unorganised is 未建会企业 (largest insured headcount first; 参保人数 filter 25人及以上) and with ?list=closed
  注销仍在册工会; coverage/ is 建会率统计 (the children of a chosen org, drill-down, Excel);
- 待确认匹配 /console/insight/matchcandidate/: the review queue (pending by default), accept or reject per row.
Definitions of the figures: insight/queries/registries.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldAdminFileFieldWidget

from smartunion.console import excel
from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.errors import NotFound
from smartunion.insight import registry_formats as formats
from smartunion.insight import rules_registries as rules
from smartunion.insight.models import CompanyRecord, MatchCandidate, MatchRun, RegistryImport, RegistryKind
from smartunion.insight.queries import registries as queries
from smartunion.insight.services import matching
from smartunion.insight.services import registries as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

RUNNING = (RegistryImport.Status.QUEUED, RegistryImport.Status.RUNNING)
SHOWN_REJECTS = 100


def _importing_orgs(user):
    if rules.may_import(user) and not rules.importing_org_ids(user):
        return Organisation.objects.filter(kind__in=rules.IMPORT_KINDS, status=Organisation.Status.ACTIVE)
    return Organisation.objects.filter(pk__in=rules.importing_org_ids(user))


class UploadForm(forms.Form):
    org = forms.ModelChoiceField(label="导入单位", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择您任主席或管理员的省、市总工会"})
    kind = forms.ChoiceField(label="数据类型", choices=RegistryKind.choices)
    file = forms.FileField(label="文件（CSV 或 .xlsx）",
                           widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".csv,.xlsx,.txt"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = _importing_orgs(user)
        self.fields["org"].queryset = orgs
        only = list(orgs[:2])
        if len(only) == 1:
            self.fields["org"].initial = only[0].pk


class MatchForm(forms.Form):
    org = forms.ModelChoiceField(label="匹配范围", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择您任主席或管理员的省、市总工会"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _importing_orgs(user)


@admin.register(RegistryImport, site=console_site)
class RegistryImportAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["original_name", "kind", "org", "status", "progress", "added", "changed", "unchanged",
                    "rejected", "created_at", "details"]
    list_filter = ["kind", "status"]
    search_fields = ["original_name"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_registries_imports.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def org_of(self, obj):
        return obj.org

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        services.mark_stale_imports()
        return super().changelist_view(request, {"may_import": rules.may_import(request.user),
                                                 **(extra_context or {})})

    @admin.display(description="进度")
    def progress(self, obj):
        return f"{obj.position}/{obj.rows_total if obj.rows_total is not None else '?'}"

    @admin.display(description="详情")
    def details(self, obj):
        return format_html('<a class="text-primary-600" href="{}">查看</a>',
                           reverse("console:insight_registryimport_progress", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="insight_registryimport_upload"),
            path("match/", view(self.match_view), name="insight_registryimport_match"),
            path("<int:pk>/progress/", view(self.progress_view), name="insight_registryimport_progress"),
            path("<int:pk>/pause/", view(require_POST(self.pause_view)), name="insight_registryimport_pause"),
            path("<int:pk>/resume/", view(require_POST(self.resume_view)), name="insight_registryimport_resume"),
            path("<int:pk>/rejects/", view(self.rejects_view), name="insight_registryimport_rejects"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("对象不存在")
        return HttpResponseRedirect(reverse("console:insight_registryimport_progress", args=[object_id]))

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _job(self, request, pk) -> RegistryImport:
        job = self.get_queryset(request).filter(pk=pk).first()
        if job is None:
            raise Http404("对象不存在")
        return job

    def upload_view(self, request):
        if not rules.may_import(request.user):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                job = run_service(services.create_import, org=form.cleaned_data["org"],
                                  kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已上传“{job.original_name}”，正在后台导入")
                return HttpResponseRedirect(reverse("console:insight_registryimport_progress", args=[job.pk]))
        return TemplateResponse(request, "console/insight_registries_upload.html", self._context(
            request, title="上传政务数据", form=form, media=self.media + form.media,
            formats=[(RegistryKind(kind).label, formats.COLUMNS[kind], formats.REQUIRED[kind])
                     for kind in RegistryKind.values]))

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        if job.status == RegistryImport.Status.RUNNING and services.mark_stale_imports(job_ids=[job.pk]):
            job.refresh_from_db()
        follows = rules.can_follow(request.user, job)
        total = job.rows_total or 0
        return TemplateResponse(request, "console/insight_registries_progress.html", self._context(
            request, title=f"政务数据导入：{job.original_name}", job=job, running=job.status in RUNNING,
            percent=min(100, job.position * 100 // total) if total else 0,
            can_pause=follows and job.status in RUNNING, can_resume=follows and services.can_resume(job),
            rejects=list(job.rejects.all()[:SHOWN_REJECTS]), more_rejects=job.rejected > SHOWN_REJECTS))

    def _step(self, request, pk, service, done):
        job = self._job(request, pk)
        try:
            run_service(service, job, by=request.user)
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("console:insight_registryimport_progress", args=[job.pk]))

    def pause_view(self, request, pk):
        return self._step(request, pk, services.pause_import, "已暂停，已写入的部分保留，可随时继续")

    def resume_view(self, request, pk):
        return self._step(request, pk, services.resume_import, "已继续导入，已写入的行不会重复写入")

    def rejects_view(self, request, pk):
        job = self._job(request, pk)
        rows = ([r.row_number, r.reason, "；".join(f"{k}：{v}" for k, v in r.values.items() if v)]
                for r in job.rejects.all())
        return excel.workbook_response(f"未采用的行-{job.pk}.xlsx", ["行号", "原因", "原始内容"], rows,
                                       title="未采用的行")

    def match_view(self, request):
        if not rules.may_import(request.user):
            raise PermissionDenied
        form = MatchForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                run = run_service(matching.start_run, org=form.cleaned_data["org"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "已开始匹配" if run.status == MatchRun.Status.RUNNING else
                                 f"匹配完成：信用代码匹配 {run.exact}，概率匹配 {run.probable}，"
                                 f"待确认 {run.to_review}，未匹配 {run.unmatched}")
                return HttpResponseRedirect(reverse("console:insight_registryimport_match"))
        runs = scoped(MatchRun.objects.all(), request.user, field="org_path").select_related("org").order_by(
            "-started_at")[:20]
        return TemplateResponse(request, "console/insight_registries_match.html", self._context(
            request, title="企业匹配", form=form, runs=runs, link_at=matching.LINK_AT,
            review_at=matching.REVIEW_AT))


class ListChoice(admin.SimpleListFilter):
    title = "清单"
    parameter_name = "list"

    def lookups(self, request, model_admin):
        return [("unorganised", "未建会企业"), ("closed", "注销仍在册工会")]

    def queryset(self, request, queryset):
        if self.value() == "unorganised":
            return queryset.filter(status=queries.ACTIVE).filter(
                Q(employer__isnull=True) | Q(employer__covering_union__isnull=True))
        if self.value() == "closed":
            return queryset.filter(status__in=queries.CLOSED, employer__covering_union__isnull=False,
                                   employer__covering_union__status=Organisation.Status.ACTIVE)
        return queryset


class InsuredFilter(admin.SimpleListFilter):
    title = "参保人数"
    parameter_name = "insured"

    def lookups(self, request, model_admin):
        return [("25", "25人及以上（可建立工会委员会）"), ("100", "100人及以上"), ("none", "无参保数据")]

    def queryset(self, request, queryset):
        if self.value() in ("25", "100"):
            return queryset.filter(insured_count__gte=int(self.value()))
        if self.value() == "none":
            return queryset.filter(insured_count__isnull=True)
        return queryset


TITLES = {"unorganised": "未建会企业", "closed": "注销仍在册工会"}


@admin.register(CompanyRecord, site=console_site)
class CompanyRecordAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "area_path"
    list_display = ["name", "credit_code", "region_code", "status", "insured_count", "employer",
                    "union", "match_method"]
    list_filter = [ListChoice, InsuredFilter, "status", "match_method"]
    search_fields = ["name", "=credit_code"]
    ordering = [F("insured_count").desc(nulls_last=True), "name", "pk"]
    list_select_related = ["employer__covering_union"]
    change_list_template = "console/insight_registries_companies.html"

    def has_change_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return queries.search(queryset, search_term), False

    @admin.display(description="所属工会")
    def union(self, obj):
        return obj.employer.covering_union.name if obj.employer_id and obj.employer.covering_union_id else ""

    def changelist_view(self, request, extra_context=None):
        shown = TITLES.get(request.GET.get("list", ""), "登记企业")
        return super().changelist_view(request, {"title": shown, "list_name": request.GET.get("list", ""),
                                                 **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("coverage/", view(self.coverage_view), name="insight_companyrecord_coverage"),
                *super().get_urls()]

    def coverage_view(self, request):
        org_id = request.GET.get("org")
        try:
            root = queries.root_for(request.user, int(org_id) if org_id and org_id.isdigit() else None)
        except NotFound as exc:
            raise Http404("对象不存在") from exc
        lines = queries.coverage(root)
        if request.GET.get("export"):
            log_event("insight.registries.export", actor=request.user, org=root,
                      data={"list": "建会率统计", "rows": len(lines)})
            return excel.workbook_response(
                f"建会率统计-{root.name}.xlsx",
                ["地区（组织）", "在业企业", "已建会", "未建会", "建会率（%）", "参保人数", "会员人数", "入会率（%）"],
                ([line["org"].name if line["org"] != root else f"{root.name}（合计）", line["companies"],
                  line["organised"], line["unorganised"], line["coverage"], line["insured"], line["members"],
                  line["membership"]] for line in lines), title="建会率统计")
        parent = root.parent if root.parent_id and scoped(Organisation.objects.filter(pk=root.parent_id),
                                                          request.user).exists() else None
        return TemplateResponse(request, "console/insight_registries_coverage.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"建会率统计：{root.name}",
            "root": root, "parent": parent, "lines": lines[:-1], "total": lines[-1]})


class CandidateStatus(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*MatchCandidate.Status.choices, ("all", "全部")]

    def choices(self, changelist):
        current = self.value() or MatchCandidate.Status.PENDING
        for value, label in self.lookup_choices:
            yield {"selected": current == value, "query_string": changelist.get_query_string(
                {self.parameter_name: value}), "display": label}

    def queryset(self, request, queryset):
        value = self.value() or MatchCandidate.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(MatchCandidate, site=console_site)
class MatchCandidateAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "area_path"
    list_display = ["record_name", "record_address", "employer_name", "employer_address", "score_shown", "status",
                    "decide"]
    list_filter = [CandidateStatus]
    search_fields = ["record__name", "employer__name"]
    ordering = ["-score", "pk"]
    list_select_related = ["record", "employer"]
    export_columns = list_display[:-1]

    def has_change_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(record__name__contains=term) | Q(employer__name__contains=term)), False

    @admin.display(description="登记企业")
    def record_name(self, obj):
        return obj.record.name

    @admin.display(description="登记住所")
    def record_address(self, obj):
        return obj.record.address

    @admin.display(description="用人单位")
    def employer_name(self, obj):
        return obj.employer.name

    @admin.display(description="单位地址")
    def employer_address(self, obj):
        return obj.employer.address

    @admin.display(description="匹配概率")
    def score_shown(self, obj):
        return f"{obj.score * 100:.1f}%"

    @admin.display(description="确认")
    def decide(self, obj):
        if obj.status != MatchCandidate.Status.PENDING:
            return ""
        return format_html(
            '<form method="post" action="{}" class="inline">{}<button class="text-primary-600 mr-2" '
            'type="submit">是同一单位</button></form><form method="post" action="{}" class="inline">{}'
            '<button class="text-red-600" type="submit">不是</button></form>',
            reverse("console:insight_matchcandidate_accept", args=[obj.pk]), _csrf(self._request),
            reverse("console:insight_matchcandidate_reject", args=[obj.pk]), _csrf(self._request))

    def changelist_view(self, request, extra_context=None):
        self._request = request
        return super().changelist_view(request, {"title": "待确认匹配", **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/accept/", view(require_POST(self.accept_view)), name="insight_matchcandidate_accept"),
                path("<int:pk>/reject/", view(require_POST(self.reject_view)), name="insight_matchcandidate_reject"),
                *super().get_urls()]

    def _decide(self, request, pk, service, done):
        candidate = self.get_queryset(request).filter(pk=pk).first()
        if candidate is None:
            raise Http404("对象不存在")
        try:
            run_service(service, candidate, by=request.user)
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, done.format(record=candidate.record.name, employer=candidate.employer.name))
        return HttpResponseRedirect(reverse("console:insight_matchcandidate_changelist"))

    def accept_view(self, request, pk):
        return self._decide(request, pk, matching.accept, "已确认：{record} 即 {employer}")

    def reject_view(self, request, pk):
        return self._decide(request, pk, matching.reject, "已否决：{record} 不是 {employer}，今后不再提示")


def _csrf(request) -> str:
    from django.middleware.csrf import get_token

    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
