"""Console pages of the assistance part (困难帮扶): living standards and the multiplier table, hardship files (the
list with filters, the review steps, versions, exit), programmes (create with their rules, the budget bar, the
public notice, the bank file), the review queue per level with bulk approval, payments (mark paid or failed) and the
statistics with a chart. Every list is a ScopedAdmin; bank accounts are masked everywhere, their reveal audited."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.assistance import eligibility, queries
from smartunion.assistance.models import (
    Application,
    Category,
    HardshipFile,
    HardshipThreshold,
    LivingStandard,
    Payment,
    Programme,
    Purpose,
    mask_account,
)
from smartunion.assistance.rules import (
    MANAGING_ROLES,
    REVIEW_ROLES,
    may_manage,
    may_manage_assistance,
    may_run_assistance,
    may_set_living_standards,
)
from smartunion.assistance.services import applications, hardship, payments, programmes
from smartunion.console import excel
from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, register
from smartunion.core import money
from smartunion.core.pii import mask_name
from smartunion.core.workflow import history
from smartunion.members.models import Membership, Person
from smartunion.orgs.models import Organisation, Region
from smartunion.orgs.queries import scoped

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def yuan(fen: int | None) -> str:
    return money.yuan(fen or 0)


to_fen = money.fen


def _orgs(user, roles, *, federations=False):
    qs = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    if federations:
        qs = qs.filter(kind__in=Organisation.FEDERATION_KINDS)
    return scoped(qs, user, roles=roles).order_by("path")


def _page(admin_obj, request, template, **context):
    return TemplateResponse(request, template, {**admin_obj.admin_site.each_context(request),
                                                "opts": admin_obj.model._meta, **context})


# Living standards and the multiplier table ---------------------------------------------------------------------------

class StandardForm(forms.Form):
    org = forms.ModelChoiceField(label="维护单位（县级以上总工会）", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的总工会"})
    region = forms.CharField(label="区划代码（6 位，如 370100）", max_length=6, min_length=6)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    monthly = forms.DecimalField(label="月人均最低生活保障标准（元）", min_value=0.01, max_digits=9, decimal_places=2)
    note = forms.CharField(label="说明（如文件文号）", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _orgs(user, MANAGING_ROLES, federations=True)

    def clean_region(self):
        code = self.cleaned_data["region"]
        if not Region.objects.filter(code=code).exists():
            raise forms.ValidationError("区划代码不存在")
        return code


class ThresholdForm(forms.Form):
    org = forms.ModelChoiceField(label="设定单位（县级以上总工会）", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的总工会"})
    category = forms.ChoiceField(label="困难类别", choices=Category.choices)
    percent = forms.IntegerField(label="收入上限（低保标准的百分比，留空为不设收入上限）", required=False,
                                 min_value=1, max_value=1000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _orgs(user, MANAGING_ROLES, federations=True)


@admin.register(LivingStandard, site=console_site)
class LivingStandardAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """最低生活保障标准: per region and year, kept by the federations covering the region."""

    scope_field = "org_path"
    list_display = ["region", "year", "monthly", "org", "note", "updated_at"]
    list_filter = ["year"]
    search_fields = ["region__name", "region__code"]
    ordering = ["-year", "region_id"]
    change_list_template = "console/assistance_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "org")

    def has_add_permission(self, request):
        return may_set_living_standards(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="月人均标准（元）", ordering="monthly_fen")
    def monthly(self, obj):
        return yuan(obj.monthly_fen)

    def changelist_view(self, request, extra_context=None):
        tools = []
        if self.has_add_permission(request):
            tools = [(reverse("console:assistance_standard_set"), "设置标准", "standard-set"),
                     (reverse("console:assistance_thresholds"), "困难认定收入标准", "thresholds")]
        return super().changelist_view(request, {"tools": tools, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("set/", view(self.set_view), name="assistance_standard_set"),
                path("thresholds/", view(self.thresholds_view), name="assistance_thresholds"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_standard_set"))

    def set_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("只有县级以上总工会的主席、管理员可以设置最低生活保障标准")
        form = StandardForm(request.POST or None, user=request.user,
                            initial={"year": timezone.localdate().year})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run_service(programmes.set_living_standard, by=request.user, org=data["org"], region=data["region"],
                            year=data["year"], monthly_fen=to_fen(data["monthly"]), note=data["note"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已设置 {data['region']} {data['year']} 年的最低生活保障标准")
                return HttpResponseRedirect(reverse("console:assistance_livingstandard_changelist"))
        return _page(self, request, "console/assistance_form.html", title="设置最低生活保障标准", form=form,
                     submit="保存")

    def thresholds_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("只有县级以上总工会的主席、管理员可以设置困难认定收入标准")
        form = ThresholdForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run_service(programmes.set_threshold, by=request.user, org=data["org"], category=data["category"],
                            percent=data["percent"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "已保存困难认定收入标准")
                return HttpResponseRedirect(request.path)
        rows = scoped(HardshipThreshold.objects.select_related("org"), request.user, field="org_path").order_by(
            "org_path", "category")
        defaults = [(Category(c).label, f"{p}%" if p else "不设收入上限") for c, p in
                    (("deep", 100), ("relative", 150), ("accident", None))]
        return _page(self, request, "console/assistance_form.html", title="困难认定收入标准", form=form, submit="保存",
                     intro="家庭月人均收入不高于“当地最低生活保障标准 × 百分比”即符合该类别的收入条件；"
                           "下级总工会设定的标准优先。未设定时：" + "，".join(f"{a} {b}" for a, b in defaults) + "。",
                     table={"headers": ["设定单位", "困难类别", "收入上限"],
                            "rows": [[r.org.name, r.get_category_display(),
                                      f"{r.percent}%" if r.percent else "不设收入上限"] for r in rows[:200]]})


# Hardship files ------------------------------------------------------------------------------------------------------

class FileForm(forms.Form):
    id_number = forms.CharField(label="职工身份证号码", max_length=18, min_length=15)
    union = forms.ModelChoiceField(label="建档工会", queryset=Organisation.objects.none(),
                                   error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    category = forms.ChoiceField(label="困难类别", choices=Category.choices)
    causes = forms.MultipleChoiceField(label="致困原因", choices=HardshipFile.Cause.choices,
                                       widget=forms.CheckboxSelectMultiple)
    health = forms.ChoiceField(label="健康状况", choices=HardshipFile.Health.choices)
    disability_grade = forms.TypedChoiceField(label="残疾等级", required=False, coerce=int, empty_value=None,
                                              choices=[("", "无")] + [(g, f"{g}级") for g in range(1, 5)])
    housing = forms.ChoiceField(label="住房情况", choices=HardshipFile.Housing.choices)
    household_size = forms.IntegerField(label="家庭人口", min_value=1, max_value=30)
    household_income = forms.DecimalField(label="家庭年收入（元）", min_value=0, max_digits=12, decimal_places=2)
    household_members = forms.CharField(
        label="家庭成员（每行一人：关系|年龄|健康状况|年收入（元）|是否在读，如“子女|12|健康|0|是”）", required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    insurance = forms.MultipleChoiceField(label="参保情况", required=False, choices=list(hardship.INSURANCE.items()),
                                          widget=forms.CheckboxSelectMultiple)
    labour_contract = forms.ChoiceField(label="劳动合同", choices=HardshipFile.Contract.choices)
    note = forms.CharField(label="困难情况说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = _orgs(user, REVIEW_ROLES).exclude(kind__in=Organisation.FEDERATION_KINDS)
        if editing:  # the person and the union of a file do not change
            del self.fields["id_number"]
            del self.fields["union"]

    @staticmethod
    def initial_of(f: HardshipFile) -> dict:
        members = "\n".join("|".join([m.get("relation", ""), str(m.get("age") or ""), m.get("health", ""),
                                       yuan(m.get("income_fen") or 0), "是" if m.get("in_school") else "否"])
                             for m in f.household_members)
        return {"category": f.category, "causes": f.causes, "health": f.health, "disability_grade": f.disability_grade,
                "housing": f.housing, "household_size": f.household_size,
                "household_income": yuan(f.household_income_fen), "household_members": members,
                "insurance": f.insurance, "labour_contract": f.labour_contract, "note": f.note}

    def clean_household_members(self):
        rows = []
        for line in (self.cleaned_data.get("household_members") or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts or not parts[0]:
                continue
            parts += [""] * (5 - len(parts))
            try:
                income = to_fen(float(parts[3])) if parts[3] else 0
            except ValueError:
                raise forms.ValidationError(f"“{line}”的年收入应为数字") from None
            rows.append({"relation": parts[0], "age": parts[1], "health": parts[2], "income_fen": income,
                         "in_school": parts[4] in ("是", "在读", "1", "yes")})
        return rows

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("id_number", None)
        data.pop("union", None)
        data["household_income_fen"] = to_fen(data.pop("household_income"))
        return data


def person_by_id_number(user, id_number: str) -> Person | None:
    """A person with an active membership in the cadre's scope, by the blind index of the ID number."""
    try:
        index = Person._meta.get_field("id_number_index").compute(id_number.strip())
    except Exception:  # a malformed number normalises to nothing useful
        return None
    members = scoped(Membership.objects.filter(status=Membership.Status.ACTIVE), user, field="union_path")
    return Person.objects.filter(id_number_index=index, pk__in=members.values("person_id")).first()


class FileQueueFilter(admin.SimpleListFilter):
    title = "审核"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("1", "待我审核")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=queries.file_queue(request.user).values("pk"))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "复核"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "已逾期"), ("soon", "30 天内到期")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(status=HardshipFile.Status.ACTIVE, next_verification_due__lt=today)
        if self.value() == "soon":
            return queryset.filter(status=HardshipFile.Status.ACTIVE, next_verification_due__gte=today,
                                   next_verification_due__lte=today + dt.timedelta(days=30))
        return queryset


class WorkerNameSearch:
    """Hardship files and applications: the search box also finds the worker by their whole name (kept in clear,
    shown masked; a part of a name finds nothing, as in 查找人员), beside the list's own search_fields."""

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        name = " ".join(search_term.split())[:50]
        if name:
            found = found | queryset.filter(person__name=name)
        return found, duplicates


@admin.register(HardshipFile, site=console_site)
class HardshipFileAdmin(WorkerNameSearch, ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["member", "union", "category", "status", "per_capita", "due", "detail_link"]
    list_filter = [FileQueueFilter, "status", "category", OverdueFilter]
    search_fields = ["union__name"]
    search_help_text = "按职工完整姓名或建档工会名称搜索"
    ordering = ["-id"]
    export_columns = list_display[:-1]
    export_clear = {"member": "person__name"}
    change_list_template = "console/assistance_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "union")

    def has_add_permission(self, request):
        return may_run_assistance(request.user)

    def org_of(self, obj):
        return obj.union

    @admin.display(description="职工")
    def member(self, obj):
        return mask_name(obj.person.name)

    @admin.display(description="月人均收入（元）", ordering="per_capita_monthly_fen")
    def per_capita(self, obj):
        return yuan(obj.per_capita_monthly_fen)

    @admin.display(description="下次复核", ordering="next_verification_due")
    def due(self, obj):
        if obj.next_verification_due is None:
            return "—"
        if obj.overdue:
            return format_html('<span class="text-red-600 font-semibold">{}（已逾期）</span>',
                               obj.next_verification_due.isoformat())
        return obj.next_verification_due.isoformat()

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">查看与审核</a>', reverse("console:assistance_file_detail", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        tools = [(reverse("console:assistance_file_create"), "新建档案", "file-create")] \
            if self.has_add_permission(request) else []
        tools.append((reverse("console:assistance_hardshipfile_changelist") + "?queue=1", "待我审核", "file-queue"))
        return super().changelist_view(request, {"tools": tools, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("new/", view(self.create_view), name="assistance_file_create"),
                path("<int:pk>/manage/", view(self.detail_view), name="assistance_file_detail"),
                path("<int:pk>/edit/", view(self.edit_view), name="assistance_file_edit"),
                path("<int:pk>/step/<str:action>/", view(self.step_view), name="assistance_file_step"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_file_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_file_detail", args=[object_id]))

    def _visible(self, request, pk) -> HardshipFile:
        found = self.get_queryset(request).filter(pk=pk).first()
        if found is None:
            raise Http404("档案不存在")
        return found

    def create_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("只有主席、管理员、审核员可以建立困难档案")
        form = FileForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            person = person_by_id_number(request.user, form.cleaned_data["id_number"])
            if person is None:
                form.add_error("id_number", "管辖范围内没有该身份证号码的会员")
            else:
                try:
                    created = run_service(hardship.create_file, by=request.user, person=person,
                                          union=form.cleaned_data["union"], **form.values())
                except Refused as refused:
                    refused.show(request, form)
                else:
                    messages.success(request, "已建立困难档案（草稿），核对无误后请提交审核")
                    return HttpResponseRedirect(reverse("console:assistance_file_detail", args=[created.pk]))
        return _page(self, request, "console/assistance_form.html", title="新建困难职工档案", form=form,
                     submit="保存草稿")

    def edit_view(self, request, pk):
        f = self._visible(request, pk)
        form = FileForm(request.POST or None, user=request.user, editing=True, initial=FileForm.initial_of(f))
        if request.method == "POST" and form.is_valid():
            try:
                run_service(hardship.update_file, f, by=request.user, **form.values())
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "已保存修改（历史版本已保留）")
                return HttpResponseRedirect(reverse("console:assistance_file_detail", args=[pk]))
        return _page(self, request, "console/assistance_form.html", title=f"修改困难职工档案 #{f.pk}", form=form,
                     submit="保存修改")

    def detail_view(self, request, pk):
        f = self._visible(request, pk)
        steps = [t for t in hardship.HARDSHIP_WORKFLOW.available(f, request.user)]
        versions = list(f.versions.select_related("actor").order_by("-version")[:50])
        labels = {"create": "建档", "update": "修改", **{t.action: t.label for t in
                                                          hardship.HARDSHIP_WORKFLOW.transitions}}
        return _page(self, request, "console/assistance_file_detail.html", title=f"困难职工档案 #{f.pk}", file=f,
                     member=mask_name(f.person.name), steps=steps, editable=f.status in hardship.EDITABLE,
                     exit_reasons=HardshipFile.ExitReason.choices,
                     versions=[{"v": v, "label": labels.get(v.action, v.action),
                                "rows": _snapshot_rows(v.snapshot)} for v in versions],
                     standard=yuan(f.standard_fen) if f.standard_fen else "—",
                     threshold=yuan(f.threshold_fen) if f.threshold_fen else "不设收入上限",
                     per_capita=yuan(f.per_capita_monthly_fen), income=yuan(f.household_income_fen),
                     insurance=[hardship.INSURANCE.get(i, i) for i in f.insurance])

    def step_view(self, request, pk, action):
        f = self._visible(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("console:assistance_file_detail", args=[pk]))
        note = request.POST.get("note", "")[:200]
        try:
            if action == "exit":
                run_service(hardship.exit_file, f, by=request.user, reason=request.POST.get("exit_reason", ""),
                            note=note)
            elif action in hardship.STEPS:
                run_service(hardship.STEPS[action], f, by=request.user, note=note)
            else:
                raise Http404("未知的操作")
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已{hardship.HARDSHIP_WORKFLOW.action_label(action)}")
        return HttpResponseRedirect(reverse("console:assistance_file_detail", args=[pk]))


SNAPSHOT_LABELS = {"status": "状态", "category": "困难类别", "causes": "致困原因", "household_size": "家庭人口",
                   "household_income_fen": "家庭年收入（元）", "per_capita_monthly_fen": "月人均收入（元）",
                   "health": "健康状况", "housing": "住房情况", "next_verification_due": "下次复核",
                   "return_reason": "退回原因", "exit_reason": "退档原因"}


def _snapshot_rows(snapshot: dict) -> list[tuple[str, str]]:
    choices = {"status": dict(HardshipFile.Status.choices), "category": dict(Category.choices),
               "health": dict(HardshipFile.Health.choices), "housing": dict(HardshipFile.Housing.choices),
               "exit_reason": dict(HardshipFile.ExitReason.choices)}
    causes = dict(HardshipFile.Cause.choices)
    rows = []
    for key, label in SNAPSHOT_LABELS.items():
        value = snapshot.get(key)
        if value in (None, "", []):
            continue
        if key in choices:
            value = choices[key].get(value, value)
        elif key == "causes":
            value = "、".join(causes.get(c, c) for c in value)
        elif key.endswith("_fen"):
            value = yuan(value)
        rows.append((label, str(value)))
    return rows


# Programmes ----------------------------------------------------------------------------------------------------------

class ProgrammeForm(forms.Form):
    org = forms.ModelChoiceField(label="主办单位", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    name = forms.CharField(label="项目名称", max_length=100)
    kind = forms.ChoiceField(label="项目类型", choices=Programme.Kind.choices)
    purpose = forms.ChoiceField(label="资金用途（同一用途同一年度每人只能获得一次，跨项目、跨层级）",
                                choices=Purpose.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    budget = forms.DecimalField(label="预算（元）", min_value=0.01, max_digits=14, decimal_places=2)
    description = forms.CharField(label="项目说明", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    fixed_amount = forms.DecimalField(label="固定金额（元，填写则每人相同）", required=False, min_value=0.01,
                                      max_digits=10, decimal_places=2)
    deep_amount = forms.DecimalField(label="深度困难金额（元）", required=False, min_value=0.01, max_digits=10,
                                     decimal_places=2)
    relative_amount = forms.DecimalField(label="相对困难金额（元）", required=False, min_value=0.01, max_digits=10,
                                         decimal_places=2)
    accident_amount = forms.DecimalField(label="意外致困金额（元）", required=False, min_value=0.01, max_digits=10,
                                         decimal_places=2)
    cap = forms.DecimalField(label="封顶金额（元，选填）", required=False, min_value=0.01, max_digits=10,
                             decimal_places=2)
    member_required = forms.BooleanField(label="限工会会员", required=False, initial=True)
    file_required = forms.BooleanField(label="限在档困难职工", required=False, initial=True)
    categories = forms.MultipleChoiceField(label="困难类别（不选为不限）", required=False, choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    max_per_capita = forms.DecimalField(label="家庭月人均收入上限（元，选填）", required=False, min_value=0,
                                        max_digits=10, decimal_places=2)
    child_in_school = forms.BooleanField(label="限有在读子女（助学）", required=False)
    required_documents = forms.CharField(label="所需材料（每行一项）", required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}))
    opens_on = forms.DateField(label="受理开始日期", widget=DATE)
    closes_on = forms.DateField(label="受理截止日期", widget=DATE)
    review_chain = forms.MultipleChoiceField(
        label="审核层级（勾选的层级由低到高依次审核，最后一级由主办单位终审）", choices=Programme.Level.choices,
        initial=["grassroots", "county", "city"], widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少勾选一个审核层级"})
    notice_days = forms.IntegerField(label="公示天数", min_value=1, max_value=60, initial=5)
    objection_contact = forms.CharField(label="异议受理联系方式", max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _orgs(user, MANAGING_ROLES)

    def amount_rule(self) -> dict:
        data = self.cleaned_data
        if data.get("fixed_amount"):
            return {"fixed": to_fen(data["fixed_amount"])}
        by = {c: to_fen(data[f"{c}_amount"]) for c in Category.values if data.get(f"{c}_amount")}
        rule: dict = {"by_category": by}
        if data.get("cap"):
            rule["cap"] = to_fen(data["cap"])
        return rule

    def eligibility_rule(self) -> dict:
        data = self.cleaned_data
        rule = {"member_required": data["member_required"], "file_required": data["file_required"]}
        if data.get("categories"):
            rule["categories"] = data["categories"]
        if data.get("max_per_capita") is not None:
            rule["max_per_capita_fen"] = to_fen(data["max_per_capita"])
        if data.get("child_in_school"):
            rule["child_in_school"] = True
        return rule


def _bar(obj: Programme) -> str:
    percent = min(obj.committed_percent, 100.0)
    return format_html(
        '<div class="w-40 bg-base-200 rounded-default h-2" title="已批准 {} 元 / 预算 {} 元">'
        '<div class="bg-primary-600 h-2 rounded-default" style="width:{}%"></div></div>'
        '<small>{} / {} 元（{}%）</small>', yuan(obj.committed_fen), yuan(obj.budget_fen), percent,
        yuan(obj.committed_fen), yuan(obj.budget_fen), obj.committed_percent)


@admin.register(Programme, site=console_site)
class ProgrammeAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["name", "kind", "org", "year", "status", "period", "budget", "detail_link"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["name"]
    ordering = ["-id"]
    export_columns = ["name", "kind", "org", "year", "status", "period", "budget_text"]
    change_list_template = "console/assistance_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_add_permission(self, request):
        return may_manage_assistance(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="受理期")
    def period(self, obj):
        return f"{obj.opens_on:%Y-%m-%d} 至 {obj.closes_on:%Y-%m-%d}"

    @admin.display(description="预算使用")
    def budget(self, obj):
        return _bar(obj)

    @admin.display(description="预算使用")
    def budget_text(self, obj):
        return f"已批准 {yuan(obj.committed_fen)} / 已发放 {yuan(obj.paid_fen)} / 预算 {yuan(obj.budget_fen)} 元"

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">查看与管理</a>', reverse("console:assistance_programme_detail", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        tools = [(reverse("console:assistance_programme_create"), "新建项目", "programme-create")] \
            if self.has_add_permission(request) else []
        tools.append((reverse("console:assistance_statistics"), "帮扶统计", "statistics"))
        return super().changelist_view(request, {"tools": tools, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("new/", view(self.create_view), name="assistance_programme_create"),
                path("statistics/", view(self.statistics_view), name="assistance_statistics"),
                path("<int:pk>/manage/", view(self.detail_view), name="assistance_programme_detail"),
                path("<int:pk>/notice/", view(self.notice_view), name="assistance_programme_notice"),
                path("<int:pk>/close/", view(self.close_view), name="assistance_programme_close"),
                path("<int:pk>/bank-file.<str:fmt>", view(self.bank_file_view), name="assistance_bank_file"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_programme_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_programme_detail", args=[object_id]))

    def _visible(self, request, pk) -> Programme:
        found = self.get_queryset(request).filter(pk=pk).first()
        if found is None:
            raise Http404("项目不存在")
        return found

    def create_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("只有主席、管理员可以创建帮扶项目")
        today = timezone.localdate()
        form = ProgrammeForm(request.POST or None, user=request.user, initial={
            "year": today.year, "opens_on": today, "closes_on": today + dt.timedelta(days=30)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = run_service(
                    programmes.create_programme, by=request.user, org=data["org"], name=data["name"],
                    kind=data["kind"], purpose=data["purpose"], year=data["year"], budget_fen=to_fen(data["budget"]),
                    amount_rule=form.amount_rule(), opens_on=data["opens_on"], closes_on=data["closes_on"],
                    review_chain=[level for level in Programme.Level.values if level in data["review_chain"]],
                    eligibility_rule=form.eligibility_rule(),
                    required_documents=[d.strip() for d in data["required_documents"].splitlines() if d.strip()],
                    notice_days=data["notice_days"], objection_contact=data["objection_contact"],
                    description=data["description"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已创建帮扶项目“{created.name}”")
                return HttpResponseRedirect(reverse("console:assistance_programme_detail", args=[created.pk]))
        return _page(self, request, "console/assistance_form.html", title="新建帮扶项目", form=form, submit="创建")

    def detail_view(self, request, pk):
        programme = self._visible(request, pk)
        counts = dict(Application.objects.filter(programme=programme).order_by().values_list("status")
                      .annotate(n=Count("id")))
        labels = dict(Application.Status.choices)
        return _page(self, request, "console/assistance_programme_detail.html", title=programme.name,
                     programme=programme, bar=_bar(programme), paid=yuan(programme.paid_fen),
                     manage=may_manage(request.user, programme.org),
                     counts=[(labels[s], counts.get(s, 0), s) for s in Application.Status.values],
                     rules=eligibility.describe(programme.eligibility),
                     amount=eligibility.describe_amount(programme.amount_rule),
                     chain="→".join(Programme.Level(c).label for c in programme.review_chain),
                     pending_payments=Payment.objects.filter(programme=programme,
                                                             status=Payment.Status.PENDING).count())

    def notice_view(self, request, pk):
        programme = self._visible(request, pk)
        if request.method == "POST":
            try:
                count = run_service(applications.publish_notice, programme, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已对 {count} 份已批准的申请开始公示，公示 {programme.notice_days} 天")
        return HttpResponseRedirect(reverse("console:assistance_programme_detail", args=[pk]))

    def close_view(self, request, pk):
        programme = self._visible(request, pk)
        if request.method == "POST":
            try:
                run_service(programmes.close_programme, programme, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, "项目已结束受理")
        return HttpResponseRedirect(reverse("console:assistance_programme_detail", args=[pk]))

    def bank_file_view(self, request, pk, fmt):
        """银行代发文件: the programme's payments waiting to be paid, account numbers in full (managers only),
        audited."""
        programme = self._visible(request, pk)
        if fmt not in ("xlsx", "csv"):
            raise Http404("文件格式应为 xlsx 或 csv")
        rows_qs = Payment.objects.filter(programme=programme, status=Payment.Status.PENDING).select_related(
            "application", "programme__org").order_by("id")
        if may_manage(request.user, programme.org) and not rows_qs.exists():
            messages.warning(request, "该项目没有待发放的记录，无需导出银行代发文件"
                                      "（请先在公示期满的申请中生成发放记录）")
            return HttpResponseRedirect(reverse("console:assistance_programme_detail", args=[programme.pk]))
        try:
            rows = run_service(payments.export_bank_file, rows_qs, by=request.user, programme=programme, fmt=fmt)
        except Refused as refused:
            raise PermissionDenied(refused.messages[0]) from None
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        name = f"{programme.name}-银行代发-{stamp}"
        if fmt == "csv":
            response = HttpResponse(payments.csv_bytes(rows), content_type="text/csv; charset=utf-8")
            from urllib.parse import quote

            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.csv"
            return response
        return excel.workbook_response(f"{name}.xlsx", payments.BANK_HEADER, rows, title="代发明细")

    def statistics_view(self, request):
        rows = queries.programme_statistics(request.user)
        kinds: dict[str, dict] = {}
        labels = dict(Programme.Kind.choices)
        for r in rows:
            r["kind_label"] = labels.get(r["kind"], r["kind"])
            r["approved"] = yuan(r["approved_fen"])
            r["budget"] = yuan(r["budget_fen"])
            r["paid"] = yuan(r["paid_fen"])
            k = kinds.setdefault(r["kind_label"], {"n": 0, "fen": 0})
            k["n"] += r["n_approved"]
            k["fen"] += r["approved_fen"] or 0
        chart = json.dumps({"labels": list(kinds), "values": [round(k["fen"] / 100, 2) for k in kinds.values()],
                            "label": "批准金额（元）"}, ensure_ascii=False)
        if request.GET.get("export"):
            return excel.workbook_response("帮扶统计.xlsx", ["项目", "类型", "年度", "申请数", "批准数", "已发放数",
                                                         "批准金额（元）", "已发放（元）", "预算（元）"],
                                           [[r["name"], r["kind_label"], r["year"], r["n"], r["n_approved"],
                                             r["n_paid"], *(excel.Yuan.of_fen(r[k]) for k in
                                                            ("approved_fen", "paid_fen", "budget_fen"))]
                                            for r in rows],
                                           title="帮扶统计")
        return _page(self, request, "console/assistance_statistics.html", title="帮扶统计", rows=rows,
                     kinds=[(name, k["n"], yuan(k["fen"])) for name, k in kinds.items()], chart=chart)


# Applications: the review queue per level ----------------------------------------------------------------------------

class LevelFilter(admin.SimpleListFilter):
    title = "审核"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "待我所在单位审核")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(pk__in=queries.application_queue(request.user).values("pk"))
        return queryset


@admin.register(Application, site=console_site)
class ApplicationAdmin(WorkerNameSearch, ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["applicant", "programme", "union", "amount", "status", "level_shown", "account", "created_at",
                    "detail_link"]
    list_filter = [LevelFilter, "status", "programme"]
    search_fields = ["programme__name", "union__name"]
    search_help_text = "按申请人完整姓名、项目名称或工会名称搜索"
    ordering = ["-id"]
    export_columns = list_display[:-1]
    export_clear = {"applicant": "person__name"}
    actions = ["bulk_approve"]

    def get_queryset(self, request):
        return queries.visible_applications(request.user)

    def clear_export_queryset(self, request, queryset):
        return scoped(queryset, request.user, field="org_path", roles=MANAGING_ROLES)

    def org_of(self, obj):
        return obj.union

    @admin.display(description="申请人")
    def applicant(self, obj):
        return mask_name(obj.person.name)

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount(self, obj):
        return yuan(obj.amount_fen)

    @admin.display(description="当前审核")
    def level_shown(self, obj):
        if obj.status != Application.Status.PENDING:
            return "—"
        return f"{obj.reviewing_org.name}" if obj.reviewing_org_id else "—"

    @admin.display(description="银行账号")
    def account(self, obj):
        return mask_account(obj.bank_account)

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">查看与审核</a>',
                           reverse("console:assistance_application_detail", args=[obj.pk]))

    @admin.action(description="批量通过（本级审核）")
    def bulk_approve(self, request, queryset):
        done, refused = 0, []
        for application in queryset.filter(status=Application.Status.PENDING)[:200]:
            try:
                run_service(applications.approve_application, application, by=request.user, note="批量审核通过")
            except Refused as exc:
                refused.append(f"#{application.pk}：{exc.messages[0]}")
            else:
                done += 1
        if done:
            messages.success(request, f"已通过 {done} 份申请")
        for line in refused[:20]:
            messages.error(request, line)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/manage/", view(self.detail_view), name="assistance_application_detail"),
                path("<int:pk>/act/<str:action>/", view(self.act_view), name="assistance_application_act"),
                path("<int:pk>/reveal/", view(self.reveal_view), name="assistance_application_reveal"),
                path("<int:pk>/documents/<int:document_id>/", view(self.document_view),
                     name="assistance_application_document"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:assistance_application_detail", args=[object_id]))

    def _visible(self, request, pk) -> Application:
        found = self.get_queryset(request).filter(pk=pk).first()
        if found is None:
            raise Http404("申请不存在")
        return found

    def detail_view(self, request, pk):
        a = self._visible(request, pk)
        flow = applications.APPLICATION_WORKFLOW
        steps = {t.action for t in flow.available(a, request.user)}
        chain = {o.pk: o.name for o in Organisation.objects.filter(pk__in=a.chain)}
        log = [{"at": row.created_at, "action": flow.action_label(row.action), "note": row.note, "actor": row.actor}
               for row in history(flow, a)]
        return _page(self, request, "console/assistance_application_detail.html", title=f"帮扶申请 #{a.pk}",
                     application=a, applicant=mask_name(a.person.name), holder=mask_name(a.account_holder),
                     account=mask_account(a.bank_account), amount=yuan(a.amount_fen),
                     may_review="approve" in steps or "pass" in steps, may_revoke="revoke" in steps,
                     manage=may_manage(request.user, a.programme.org),
                     chain=[(chain.get(i, ""), index < a.level or a.status in ("approved", "notice", "paid"),
                             index == a.level and a.status == "pending") for index, i in enumerate(a.chain)],
                     documents=list(a.documents.all()), missing=applications.missing_documents(a), log=log,
                     payment_key=new_payment_key(), payment=a.payments.exclude(status=Payment.Status.FAILED).first(),
                     payable=a.status == Application.Status.NOTICE and a.notice_ends_on is not None
                     and a.notice_ends_on < timezone.localdate() and not a.objection)

    def act_view(self, request, pk, action):
        a = self._visible(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("console:assistance_application_detail", args=[pk]))
        note = request.POST.get("note", "")[:200]
        services = {
            "approve": lambda: applications.approve_application(a, by=request.user, note=note),
            "reject": lambda: applications.reject_application(a, by=request.user, note=note),
            "revoke": lambda: applications.revoke_application(a, by=request.user, note=note),
            "objection": lambda: applications.record_objection(a, by=request.user,
                                                               text=request.POST.get("note", "")),
            "clear_objection": lambda: applications.clear_objection(a, by=request.user, note=note),
            "pay": lambda: payments.create_payment(a, by=request.user,
                                                   idempotency_key=request.POST.get("key", "")[:64]),
        }
        if action not in services:
            raise Http404("未知的操作")
        try:
            run_service(services[action])
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, "已办理")
        return HttpResponseRedirect(reverse("console:assistance_application_detail", args=[pk]))

    def document_view(self, request, pk, document_id):
        """One of the application's documents, for the cadres who see the application."""
        a = self._visible(request, pk)
        document = a.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404("材料不存在")
        name = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(document.file.open("rb"), as_attachment=False, filename=name)

    def reveal_view(self, request, pk):
        a = self._visible(request, pk)
        revealed = None
        if request.method == "POST":
            try:
                revealed = run_service(applications.reveal_account, a, by=request.user,
                                       reason=request.POST.get("reason", ""))
            except Refused as refused:
                refused.show(request)
        return _page(self, request, "console/assistance_reveal.html", title="查看完整银行账号", application=a,
                     revealed=revealed, holder=a.account_holder if revealed else mask_name(a.account_holder))


# Payments ------------------------------------------------------------------------------------------------------------

@admin.register(Payment, site=console_site)
class PaymentAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["payee", "programme", "amount", "purpose_label", "year", "status", "created_at", "settled_at",
                    "fail_link"]
    # The change page: what a cadre checks, the amount in yuan (the row keeps fen), the purpose by its name.
    fields = ["payee", "programme", "amount", "purpose_label", "year", "status", "failure_reason", "created_by",
              "created_at", "settled_at", "idempotency_key"]
    readonly_fields = fields
    list_filter = ["status", "programme"]
    search_fields = ["programme__name"]
    ordering = ["-id"]
    export_columns = list_display[:-1]
    actions = ["mark_paid"]
    change_list_template = "console/assistance_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("programme__org", "person", "application")

    def org_of(self, obj):
        return obj.programme.org

    @admin.display(description="收款人")
    def payee(self, obj):
        return mask_name(obj.person.name)

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount(self, obj):
        return yuan(obj.amount_fen)

    @admin.display(description="资金用途", ordering="purpose")
    def purpose_label(self, obj):
        return obj.get_purpose_display()

    @admin.display(description="操作")
    def fail_link(self, obj):
        if obj.status != Payment.Status.PENDING:
            return "—"
        return format_html('<a href="{}">标记发放失败</a>', reverse("console:assistance_payment_fail", args=[obj.pk]))

    @admin.action(description="标记为已发放")
    def mark_paid(self, request, queryset):
        done = 0
        for payment in queryset.filter(status=Payment.Status.PENDING)[:500]:
            try:
                run_service(payments.mark_paid, payment, by=request.user)
            except Refused as refused:
                messages.error(request, f"#{payment.pk}：{refused.messages[0]}")
            else:
                done += 1
        if done:
            messages.success(request, f"已将 {done} 笔标记为已发放")

    def changelist_view(self, request, extra_context=None):
        tools = [(reverse("console:assistance_programme_changelist"), "按项目导出银行代发文件", "bank-files")]
        return super().changelist_view(request, {"tools": tools, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/fail/", view(self.fail_view), name="assistance_payment_fail"), *super().get_urls()]

    def fail_view(self, request, pk):
        payment = self.get_queryset(request).filter(pk=pk).first()
        if payment is None:
            raise Http404("发放记录不存在")
        form = FailForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run_service(payments.mark_failed, payment, by=request.user, reason=form.cleaned_data["reason"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "已标记为发放失败，可重新发放")
                return HttpResponseRedirect(reverse("console:assistance_payment_changelist"))
        return _page(self, request, "console/assistance_form.html", title=f"标记发放失败：#{payment.pk}", form=form,
                     submit="确认")


class FailForm(forms.Form):
    reason = forms.CharField(label="失败原因（如账户已销户、户名不符）", max_length=200)


def new_payment_key() -> str:
    return f"console-{uuid.uuid4().hex}"


# Workbench queues ----------------------------------------------------------------------------------------------------

register(Queue(
    key="assistance.applications", group="困难帮扶", label="待本单位审核的帮扶申请",
    count=lambda user: queries.application_queue(user).count(),
    url=lambda user: reverse("console:assistance_application_changelist") + "?queue=mine",
    visible=may_run_assistance,
))
register(Queue(
    key="assistance.files", group="困难帮扶", label="待审核的困难职工档案",
    count=lambda user: queries.file_queue(user).count(),
    url=lambda user: reverse("console:assistance_hardshipfile_changelist") + "?queue=1",
    visible=may_run_assistance,
))
register(Queue(
    key="assistance.overdue", group="困难帮扶", label="逾期未复核的困难档案", urgent=True,
    count=lambda user: queries.visible_files(user).filter(
        status=HardshipFile.Status.ACTIVE, next_verification_due__lt=timezone.localdate()).count(),
    url=lambda user: reverse("console:assistance_hardshipfile_changelist") + "?due=overdue",
    visible=may_run_assistance,
))
