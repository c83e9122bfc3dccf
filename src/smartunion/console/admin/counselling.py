"""Console pages of legal aid and counselling: the lawyer directory (援助律师库), the legal-aid queue with its
办理 page (受理, 不予援助, 指派律师, 进展, 结案), the counsellors and their weekly schedules.

No console page shows a session note, to anyone: the notes are read and written only by the booking's counsellor
on the portal's 我的咨询 page (counsellors hold no position, so they do not enter the console)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.cases.models import Counsellor, Lawyer, LegalAidApplication, WeeklySchedule
from smartunion.cases.queries import legal_aid as legal_aid_queries
from smartunion.cases.services import counselling, legal_aid
from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, reveal_reason, run_service
from smartunion.console.admin.pii_fields import KEEP, MaskedReplaceField
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, register
from smartunion.core.audit import events_of, log_event, register_actions, register_data_labels
from smartunion.core.money import yuan
from smartunion.core.pii import mask_name, mask_phone
from smartunion.core.workflow import history
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped

# What these pages log themselves (the services log the rest): revealing a legal-aid applicant.
register_actions({"cases.legal_aid.reveal": "查看法律援助申请人信息"})
register_data_labels({"reason": "原因"}, action="cases.legal_aid.reveal")


def may_manage_directory(user) -> bool:
    """Lawyers and counsellors: chairs and administrators (anywhere in their scope)."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


def may_handle_legal_aid(user) -> bool:
    """The legal-aid queue: chairs, administrators and reviewers."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=legal_aid.HANDLING_ROLES))


def _managed_orgs(user):
    return scoped(Organisation.objects.filter(status=Organisation.Status.ACTIVE), user,
                  roles=Position.MANAGING_ROLES).order_by("path")


class _Pages:
    """The console's own form pages, drawn by console/counselling_form.html."""

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})


# 援助律师库 -------------------------------------------------------------------------------------------------------

class LawyerForm(forms.Form):
    org = forms.ModelChoiceField(label="所属工会", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    name = forms.CharField(label="姓名", max_length=50)
    firm = forms.CharField(label="律师事务所", max_length=100)
    license_number = forms.CharField(label="执业证号（17 位）", max_length=20)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    specialties = forms.CharField(label="擅长领域", max_length=200, required=False)
    active = forms.BooleanField(label="在库（可被指派）", required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, current_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _managed_orgs(user)
        if editing:
            del self.fields["org"]
            # The stored phone is shown masked and replaced by typing, never put back into the page.
            self.fields["phone"] = MaskedReplaceField(label="联系电话", mask=mask_phone)
            self.fields["phone"].widget.current = current_phone
            self.initial.pop("phone", None)
        else:
            del self.fields["active"]

    def clean(self):
        data = super().clean()
        if data.get("phone") is KEEP:
            data["phone"] = self.fields["phone"].widget.current
        return data


@admin.register(Lawyer, site=console_site)
class LawyerAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """援助律师库: the lawyers of the subtree's directories (phones masked)."""

    scope_field = "org_path"
    list_display = ["name", "firm", "license_number", "phone_shown", "specialties", "org", "active", "edit_link"]
    list_filter = ["active"]
    search_fields = ["name", "firm", "license_number"]
    ordering = ["org_path", "name"]
    export_columns = list_display[:-1]
    export_clear = {"phone_shown": "phone"}
    change_list_template = "console/counselling_lawyer_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_add_permission(self, request):
        return may_manage_directory(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="联系电话")
    def phone_shown(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="操作")
    def edit_link(self, obj):
        return format_html('<a href="{}">修改</a>', reverse("console:cases_lawyer_edit", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("new/", view(self.create_view), name="cases_lawyer_create"),
                path("<int:pk>/edit/", view(self.edit_view), name="cases_lawyer_edit"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_lawyer_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_lawyer_edit", args=[object_id]))

    def create_view(self, request):
        if not may_manage_directory(request.user):
            raise PermissionDenied
        form = LawyerForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                lawyer = run_service(legal_aid.create_lawyer, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记援助律师“{lawyer.name}”")
                return HttpResponseRedirect(reverse("console:cases_lawyer_changelist"))
        return self._page(request, "console/counselling_form.html", title="登记援助律师", form=form, submit="保存")

    def edit_view(self, request, pk):
        lawyer = self.get_queryset(request).filter(pk=pk).first()
        if lawyer is None:
            raise Http404("律师不存在")
        if not legal_aid.can_manage_lawyers(request.user, lawyer.org):
            raise PermissionDenied
        initial = {name: getattr(lawyer, name) for name in legal_aid.LAWYER_FIELDS}
        form = LawyerForm(request.POST or None, user=request.user, editing=True, initial=initial,
                          current_phone=lawyer.phone)
        if request.method == "POST" and form.is_valid():
            try:
                run_service(legal_aid.update_lawyer, lawyer, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存援助律师“{lawyer.name}”")
                return HttpResponseRedirect(reverse("console:cases_lawyer_changelist"))
        return self._page(request, "console/counselling_form.html",
                          title=f"修改援助律师：{lawyer.name}（{lawyer.org}）", form=form, submit="保存")


# 法律援助申请 -----------------------------------------------------------------------------------------------------

class AcceptForm(forms.Form):
    note = forms.CharField(label="审查意见（选填）", max_length=500, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label="不予援助的原因（将告知申请人）", max_length=500)


class AssignForm(forms.Form):
    lawyer = forms.ModelChoiceField(label="承办律师", queryset=Lawyer.objects.none(),
                                    error_messages={"invalid_choice": "请从本单位或上级工会的援助律师库中选择在库律师"})
    note = forms.CharField(label="说明（选填）", max_length=500, required=False)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lawyer"].queryset = legal_aid_queries.lawyers_for(application)


class ProgressForm(forms.Form):
    body = forms.CharField(label="进展（申请人可见）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="结案方式", choices=LegalAidApplication.Outcome.choices)
    recovered = forms.DecimalField(label="挽回金额（元；撤回可不填）", required=False, min_value=0, max_digits=12,
                                   decimal_places=2)
    note = forms.CharField(label="结案说明（选填）", max_length=500, required=False)


class DisputeTypeFilter(admin.SimpleListFilter):
    """争议类别 by its Chinese name, from the fixed list (no DISTINCT over the table)."""

    title = "争议类别"
    parameter_name = "dispute_type"

    def lookups(self, request, model_admin):
        return list(legal_aid.DISPUTE_TYPES.items())

    def queryset(self, request, queryset):
        return queryset.filter(dispute_type=self.value()) if self.value() else queryset


STEP_TITLES = {"accept": "受理", "reject": "不予援助", "assign": "指派律师", "note": "填写进展", "close": "结案"}
STEP_FORMS = {"accept": AcceptForm, "reject": RejectForm, "assign": AssignForm, "note": ProgressForm,
              "close": CloseForm}


@admin.register(LegalAidApplication, site=console_site)
class LegalAidApplicationAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """法律援助申请: the applications received by the subtree's orgs (applicant names and phones masked)."""

    scope_field = "org_path"
    list_display = ["number", "applicant_shown", "dispute_type_shown", "employer_name", "org", "status", "lawyer",
                    "claim_shown", "submitted_at", "handle_link"]
    list_filter = ["status", DisputeTypeFilter, "outcome"]
    search_fields = ["number", "employer_name"]
    ordering = ["-id"]
    export_columns = list_display[:-1]
    export_clear = {"applicant_shown": "name"}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org", "lawyer")

    def org_of(self, obj):
        return obj.org

    @admin.display(description="申请人")
    def applicant_shown(self, obj):
        return mask_name(obj.name)

    @admin.display(description="争议类别", ordering="dispute_type")
    def dispute_type_shown(self, obj):
        return legal_aid.DISPUTE_TYPES.get(obj.dispute_type, obj.dispute_type)

    @admin.display(description="请求金额（元）")
    def claim_shown(self, obj):
        return yuan(obj.claim_amount_fen)

    @admin.display(description="操作")
    def handle_link(self, obj):
        return format_html('<a href="{}">办理</a>', reverse("console:cases_legal_aid_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/handle/", view(self.detail_view), name="cases_legal_aid_detail"),
                path("<int:pk>/files/<int:file_id>/", view(self.file_view), name="cases_legal_aid_file"),
                path("<int:pk>/reveal/", view(self.reveal_view), name="cases_legal_aid_reveal"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_legal_aid_detail", args=[object_id]))

    def _visible(self, request, pk) -> LegalAidApplication:
        found = self.get_queryset(request).select_related("region").filter(pk=pk).first()
        if found is None:
            raise Http404("申请不存在")
        return found

    def file_view(self, request, pk, file_id):
        """An attachment, only through the scoped application (never from a public URL)."""
        application = self._visible(request, pk)
        attachment = application.attachments.filter(pk=file_id).first()
        if attachment is None:
            raise Http404("附件不存在")
        return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.name)

    def reveal_view(self, request, pk):
        """The applicant's name and phone in clear, for the handling org and those above it, with a reason, audited
        (the lawyer or the cadre has to call them)."""
        application = self._visible(request, pk)
        if not legal_aid.can_handle(request.user, application):
            raise PermissionDenied("只有承办单位及其上级单位可以查看申请人的完整信息")
        reason = reveal_reason(request)
        if reason:
            log_event("cases.legal_aid.reveal", actor=request.user, target=application, org=application.org,
                      data={"reason": reason})
        return self._page(request, "console/legal_aid_reveal.html", title="查看申请人完整信息",
                          application=application, revealed=bool(reason))

    def _act(self, request, application, step: str, form):
        data = form.cleaned_data
        if step == "accept":
            return legal_aid.accept_application(application, by=request.user, note=data["note"])
        if step == "reject":
            return legal_aid.reject_application(application, by=request.user, reason=data["reason"])
        if step == "assign":
            return legal_aid.assign_lawyer(application, by=request.user, lawyer_id=data["lawyer"].pk,
                                           note=data["note"])
        if step == "note":
            return legal_aid.add_note(application, by=request.user, body=data["body"])
        recovered = data.get("recovered")
        return legal_aid.close_application(application, by=request.user, outcome=data["outcome"],
                                           recovered_fen=None if recovered is None else int(recovered * 100),
                                           note=data["note"])

    def detail_view(self, request, pk):
        application = self._visible(request, pk)
        may_handle = legal_aid.can_handle(request.user, application)
        bound = request.POST.get("step", "") if request.method == "POST" else ""
        if bound and (bound not in STEP_FORMS or not may_handle):
            raise PermissionDenied
        forms_shown = {}
        for step, form_class in STEP_FORMS.items():
            extra = {"application": application} if step == "assign" else {}
            forms_shown[step] = form_class(request.POST if step == bound else None, prefix=step, **extra)
        if bound:
            form = forms_shown[bound]
            if form.is_valid():
                try:
                    run_service(self._act, request, application, bound, form)
                except Refused as refused:
                    refused.show(request, form)
                else:
                    messages.success(request, "已保存")
                    return HttpResponseRedirect(reverse("console:cases_legal_aid_detail", args=[application.pk]))
        available = {t.action for t in legal_aid.WORKFLOW.available(application, request.user)} if may_handle else set()
        if may_handle and application.status not in ("rejected", "closed"):
            available.add("note")
        steps = [(step, STEP_TITLES[step], forms_shown[step]) for step in STEP_FORMS if step in available]
        return self._page(request, "console/legal_aid_detail.html", title=f"法律援助申请 {application.number}",
                          application=application, steps=steps, bound=bound, may_handle=may_handle,
                          type_label=legal_aid.DISPUTE_TYPES.get(application.dispute_type, ""),
                          applicant=mask_name(application.name), phone=mask_phone(application.phone),
                          claim=yuan(application.claim_amount_fen), recovered=yuan(application.recovered_fen),
                          notes=list(legal_aid_queries.notes_of(application)),
                          attachments=list(application.attachments.all()),
                          history=_legal_aid_history(application))


# 心理咨询师与排班 ---------------------------------------------------------------------------------------------------

class CounsellorForm(forms.Form):
    org = forms.ModelChoiceField(label="所属工会", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    display_name = forms.CharField(label="称呼（职工看到的名字，如“林老师”）", max_length=50)
    qualification = forms.CharField(label="资质", max_length=100, required=False)
    introduction = forms.CharField(label="简介", max_length=1000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    username = forms.CharField(label="登录用户名（咨询师在职工门户“我的咨询”中查看预约、填写咨询记录）",
                               max_length=150)
    password = forms.CharField(label="初始密码", max_length=128, widget=forms.PasswordInput(render_value=True))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _managed_orgs(user)


class CounsellorEditForm(forms.Form):
    display_name = forms.CharField(label="称呼", max_length=50)
    qualification = forms.CharField(label="资质", max_length=100, required=False)
    introduction = forms.CharField(label="简介", max_length=1000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label="在岗（停岗后不再生成新时段，其时段不可预约）", required=False)


class ScheduleForm(forms.Form):
    weekday = forms.TypedChoiceField(label="星期", coerce=int,
                                     choices=[(i, f"星期{'一二三四五六日'[i]}") for i in range(7)])
    start = forms.TimeField(label="开始", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="结束", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    slot_minutes = forms.IntegerField(label="每次时长（分钟）", min_value=15, max_value=240, initial=50)
    mode = forms.ChoiceField(label="方式", choices=WeeklySchedule.Mode.choices)
    place = forms.CharField(label="地点（面谈时填写）", max_length=200, required=False)


@admin.register(Counsellor, site=console_site)
class CounsellorAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """心理咨询师: the subtree's counsellors, their weekly schedules and coming slots. Bookings' notes never show
    here."""

    scope_field = "org_path"
    list_display = ["display_name", "org", "qualification", "active", "schedule_count", "upcoming", "manage_link"]
    list_filter = ["active"]
    search_fields = ["display_name"]
    ordering = ["org_path", "id"]
    export_columns = list_display[:-1]
    change_list_template = "console/counselling_counsellor_changelist.html"

    def get_queryset(self, request):
        now = timezone.now()
        return (super().get_queryset(request).select_related("org")
                .annotate(n_schedules=Count("schedules", distinct=True),
                          n_upcoming=Count("slots", filter=Q(slots__starts_at__gt=now, slots__withdrawn=False),
                                           distinct=True)))

    def has_add_permission(self, request):
        return may_manage_directory(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="每周排班")
    def schedule_count(self, obj):
        return obj.n_schedules

    @admin.display(description="未来时段")
    def upcoming(self, obj):
        return obj.n_upcoming

    @admin.display(description="操作")
    def manage_link(self, obj):
        return format_html('<a href="{}">资料与排班</a>', reverse("console:cases_counsellor_manage", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("new/", view(self.create_view), name="cases_counsellor_create"),
                path("<int:pk>/manage/", view(self.manage_view), name="cases_counsellor_manage"),
                path("<int:pk>/schedules/<int:schedule_id>/delete/", view(self.delete_schedule_view),
                     name="cases_counsellor_schedule_delete"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_counsellor_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_counsellor_manage", args=[object_id]))

    def create_view(self, request):
        if not may_manage_directory(request.user):
            raise PermissionDenied
        form = CounsellorForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                made = run_service(counselling.create_counsellor, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记心理咨询师“{made.display_name}”，请添加每周排班")
                return HttpResponseRedirect(reverse("console:cases_counsellor_manage", args=[made.pk]))
        return self._page(request, "console/counselling_form.html", title="登记心理咨询师", form=form, submit="保存")

    def _managed(self, request, pk) -> Counsellor:
        found = self.get_queryset(request).filter(pk=pk).first()
        if found is None:
            raise Http404("咨询师不存在")
        return found

    def manage_view(self, request, pk):
        counsellor = self._managed(request, pk)
        may_manage = counselling.can_manage(request.user, counsellor.org)
        which = request.POST.get("form", "") if request.method == "POST" else ""
        if which and not may_manage:
            raise PermissionDenied
        edit = CounsellorEditForm(request.POST if which == "edit" else None, prefix="edit",
                                  initial={name: getattr(counsellor, name) for name in counselling.COUNSELLOR_FIELDS})
        schedule = ScheduleForm(request.POST if which == "schedule" else None, prefix="schedule")
        bound = {"edit": edit, "schedule": schedule}.get(which)
        if bound is not None and bound.is_valid():
            try:
                if which == "edit":
                    run_service(counselling.update_counsellor, counsellor, by=request.user, **edit.cleaned_data)
                else:
                    run_service(counselling.add_schedule, counsellor, by=request.user, **schedule.cleaned_data)
            except Refused as refused:
                refused.show(request, bound)
            else:
                messages.success(request, "已保存" if which == "edit"
                                 else "已添加排班，时段将在每日生成任务中按工作日生成")
                return HttpResponseRedirect(reverse("console:cases_counsellor_manage", args=[counsellor.pk]))
        now = timezone.now()
        slots = list(counsellor.slots.filter(starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=14),
                                             withdrawn=False).order_by("starts_at")[:100])
        return self._page(request, "console/counselling_counsellor.html",
                          title=f"心理咨询师：{counsellor.display_name}", counsellor=counsellor,
                          may_manage=may_manage, edit=edit, schedule=schedule,
                          schedules=list(counsellor.schedules.order_by("weekday", "start")), slots=slots)

    def delete_schedule_view(self, request, pk, schedule_id):
        counsellor = self._managed(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("console:cases_counsellor_manage", args=[counsellor.pk]))
        schedule = counsellor.schedules.filter(pk=schedule_id).first()
        if schedule is None:
            raise Http404("排班不存在")
        try:
            removed = run_service(counselling.remove_schedule, schedule, by=request.user)
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已删除排班：撤下 {removed.withdrawn} 个未预约的时段"
                             + (f"，已预约的 {removed.kept} 个时段保留（如需取消请逐个处理）" if removed.kept else ""))
        return HttpResponseRedirect(reverse("console:cases_counsellor_manage", args=[counsellor.pk]))


def _legal_aid_history(application) -> list[dict]:
    """The steps of an application; 指派律师 names the lawyer (its audit event keeps the lawyer's id)."""
    lawyer_ids = [data.get("lawyer_id") for _, data in events_of(application, ("cases.legal_aid.assign",))]
    names = dict(Lawyer.objects.filter(pk__in=[i for i in lawyer_ids if i]).values_list("pk", "name"))
    rows = []
    for h in history(legal_aid.WORKFLOW, application):
        action = legal_aid.WORKFLOW.action_label(h.action)
        if h.action == "assign" and lawyer_ids:
            action = f"{action}：{names.get(lawyer_ids.pop(0), '（律师已删除）')}"
        rows.append({"at": h.created_at, "action": action, "note": h.note})
    return rows


# Workbench ------------------------------------------------------------------------------------------------------

def _waiting(user, status: str):
    return legal_aid_queries.visible_applications(user).filter(status=status)


register(Queue(
    key="cases.legal_aid.submitted", group="法律援助", label="待审查的法律援助申请",
    count=lambda user: _waiting(user, "submitted").count(),
    url=lambda user: reverse("console:cases_legalaidapplication_changelist") + "?status__exact=submitted",
    visible=may_handle_legal_aid,
))
register(Queue(
    key="cases.legal_aid.accepted", group="法律援助", label="已受理待指派律师",
    count=lambda user: _waiting(user, "accepted").count(),
    url=lambda user: reverse("console:cases_legalaidapplication_changelist") + "?status__exact=accepted",
    visible=may_handle_legal_aid,
))
