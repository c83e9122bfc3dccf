"""Console pages of member rosters: upload, dry-run progress, commit, resume, error list, template and export.

The import jobs list lives at /console/members/rosterimport/. The export actions of the membership list are that
list's own (console/admin/members.py); both call members.roster.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldAdminFileFieldWidget

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service, scope_root, xlsx_response
from smartunion.console.site import console_site
from smartunion.members import roster
from smartunion.members.models import RosterImport
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import can_manage, visible_orgs

RUNNING = (RosterImport.Status.QUEUED, RosterImport.Status.VALIDATING, RosterImport.Status.COMMITTING)
SHOWN_ERRORS = 100


def _org_widget():
    """Search-as-you-type over the cadre's orgs (a province has too many for a plain list)."""
    return AutocompleteSelect(RosterImport._meta.get_field("union"), console_site)


class RosterUploadForm(forms.Form):
    union = forms.ModelChoiceField(label="导入到工会", queryset=Organisation.objects.none(),
                                   error_messages={"invalid_choice": "请选择您管理的基层工会、联合基层工会、"
                                                                     "乡镇（街道）工会或分工会"})
    file = forms.FileField(label="名册文件（.xlsx）", widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        unions = roster.importable_unions(user)
        self.fields["union"].widget = _org_widget()
        self.fields["union"].queryset = unions  # after the widget: this hands the widget its choices
        only = list(unions[:2])
        if len(only) == 1:
            self.fields["union"].initial = only[0].pk


class RosterExportForm(forms.Form):
    org = forms.ModelChoiceField(label="导出范围", queryset=Organisation.objects.none(), required=False,
                                 help_text="不选择则导出全部管辖范围内的在册会员",
                                 error_messages={"invalid_choice": "请选择您管辖范围内的组织"})
    reason = forms.CharField(label="完整导出原因", required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget = _org_widget()
        self.fields["org"].queryset = visible_orgs(user)


@admin.register(RosterImport, site=console_site)
class RosterImportAdmin(ScopedAdmin):
    scope_field = "union_path"
    list_display = ["file_name", "union", "status", "progress", "to_create", "to_update", "unchanged", "rejected",
                    "conflicts", "created_at", "details"]
    list_filter = ["status"]
    export_columns = list_display[:-1]  # without the 查看 link
    change_list_template = "console/roster_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("union")

    def org_of(self, obj):
        return obj.union

    def has_change_permission(self, request, obj=None):
        return False  # a job is followed on its progress page, never edited

    @admin.display(description="进度")
    def progress(self, obj):
        return f"{obj.percent}%"

    @admin.display(description="详情")
    def details(self, obj):
        return format_html('<a class="text-primary-600" href="{}">查看</a>',
                           reverse("console:members_rosterimport_progress", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="members_rosterimport_upload"),
            path("template/", view(self.template_view), name="members_rosterimport_template"),
            path("export/", view(self.export_view), name="members_rosterimport_export"),
            path("<int:pk>/progress/", view(self.progress_view), name="members_rosterimport_progress"),
            path("<int:pk>/commit/", view(require_POST(self.commit_view)), name="members_rosterimport_commit"),
            path("<int:pk>/resume/", view(require_POST(self.resume_view)), name="members_rosterimport_resume"),
            path("<int:pk>/restart/", view(require_POST(self.restart_view)), name="members_rosterimport_restart"),
            path("<int:pk>/errors/", view(self.errors_view), name="members_rosterimport_errors"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:members_rosterimport_upload"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("对象不存在")
        return HttpResponseRedirect(reverse("console:members_rosterimport_progress", args=[object_id]))

    def _job(self, request, pk) -> RosterImport:
        job = self.get_queryset(request).filter(pk=pk).first()
        if job is None:
            raise Http404("对象不存在")
        return job

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                job = run_service(roster.create_job, union=form.cleaned_data["union"],
                                  upload=form.cleaned_data["file"], by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已上传“{job.file_name}”，正在试运行校验")
                return HttpResponseRedirect(reverse("console:members_rosterimport_progress", args=[job.pk]))
        return TemplateResponse(request, "console/roster_upload.html", self._context(
            request, title="上传会员名册", form=form, media=self.media + form.media, columns=roster.COLUMNS,
            required=roster.REQUIRED))

    def changelist_view(self, request, extra_context=None):
        roster.mark_stale_jobs()  # a job whose process died shows as failed, not as running forever
        return super().changelist_view(request, extra_context)

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        if job.status in RUNNING and roster.mark_stale_jobs(job_ids=[job.pk]):
            job.refresh_from_db()
        running = job.status in RUNNING
        manages = can_manage(request.user, job.union)
        can_commit = (job.status == RosterImport.Status.VALIDATED and bool(job.to_create or job.to_update)
                      and manages)
        return TemplateResponse(request, "console/roster_progress.html", self._context(
            request, title=f"名册导入：{job.file_name}", job=job, running=running, can_commit=can_commit,
            can_resume=manages and roster.can_resume(job), can_restart=manages and roster.can_restart(job),
            errors=job.errors[:SHOWN_ERRORS], more_errors=max(len(job.errors), job.rejected + job.conflicts) >
            SHOWN_ERRORS, has_errors=bool(job.errors), dry_run=job.status == RosterImport.Status.VALIDATED))

    def _step(self, request, job: RosterImport, service, done: str) -> HttpResponseRedirect:
        """Run one step of the job's workflow; its refusal (no right, wrong state) is a message on the progress
        page."""
        try:
            run_service(service, job, by=request.user)
        except Refused as refused:
            refused.show(request)
        except roster.ImportStateError as exc:  # until members.roster raises core.errors.StateError
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("console:members_rosterimport_progress", args=[job.pk]))

    def commit_view(self, request, pk):
        return self._step(request, self._job(request, pk), roster.request_commit, "已确认导入，正在写入")

    def _retry(self, request, pk, service, done: str):
        """继续导入 / 重新校验: both need the confirmation box ticked; the service audits the step."""
        job = self._job(request, pk)
        if not request.POST.get("confirm"):
            messages.error(request, "请勾选确认后再提交")
            return HttpResponseRedirect(reverse("console:members_rosterimport_progress", args=[job.pk]))
        return self._step(request, job, service, done)

    def resume_view(self, request, pk):
        return self._retry(request, pk, roster.resume_job, "已继续导入，已写入的部分不会重复写入")

    def restart_view(self, request, pk):
        return self._retry(request, pk, roster.restart_job, "已重新开始试运行校验")

    def errors_view(self, request, pk):
        job = self._job(request, pk)
        return xlsx_response(roster.errors_workbook(job), f"导入错误清单-{job.pk}.xlsx")

    def template_view(self, request):
        return xlsx_response(roster.template_workbook(), "会员名册导入模板.xlsx")

    def export_view(self, request):
        """Masked export at once; the full export needs a reason (and a managing role), and both are audited."""
        form = RosterExportForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            org = form.cleaned_data["org"]
            full = request.POST.get("mode") == "full"
            reason = form.cleaned_data["reason"].strip()
            if full and not reason:
                form.add_error("reason", "完整导出包含身份证号码、手机号码和住址，请填写导出原因")
            else:
                try:
                    queryset = run_service(roster.roster_queryset, request.user, org, full=full)
                    content, _count = run_service(roster.export_roster, queryset, by=request.user, full=full,
                                                  reason=reason, org=org or scope_root(request.user))
                except Refused as refused:
                    refused.show(request, form)
                else:
                    name = org.name if org else "管辖范围"
                    return xlsx_response(content, f"{name}会员名册{'（完整）' if full else '（脱敏）'}.xlsx")
        return TemplateResponse(request, "console/roster_export.html", self._context(
            request, title="导出会员名册", form=form, media=self.media + form.media))
