"""Console pages of the benefits app (惠工活动): the activities of the cadre's subtree (create with an audience
preview, the detail with its lifecycle steps behind a confirmation, results as charts), and the coupons issued
(the redemption log, with totals per merchant and day)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.benefits import audience as audiences
from smartunion.benefits import services
from smartunion.benefits.models import Activity, Coupon
from smartunion.benefits.rules import DRAFTING_ROLES
from smartunion.console import excel
from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site, may_run_benefits
from smartunion.console.workbench import Queue, register
from smartunion.core import codes
from smartunion.core.pii import mask_name
from smartunion.core.workflow import history
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CARD_LIST_MAX_BYTES = 2 * 1024 * 1024


def may_run_activities(user) -> bool:
    """Chairs, administrators and editors (anywhere) run benefits; reviewers and auditors do not (the menu rule)."""
    return may_run_benefits(user)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ActivityForm(forms.Form):
    """新建活动: the common fields, the fields of each kind, and the audience rules (with the size previewed)."""

    kind = forms.ChoiceField(label="活动类型", choices=Activity.Kind.choices)
    org = forms.ModelChoiceField(label="发布单位", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    title = forms.CharField(label="标题", max_length=100)
    description = forms.CharField(label="活动说明", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label="地点", required=False, max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    per_member_limit = forms.IntegerField(label="每人限额", required=False, min_value=1, max_value=100, initial=1)
    daily_limit = forms.IntegerField(label="每人每日限额（选填）", required=False, min_value=1, max_value=100)
    # Coupons
    stock = forms.IntegerField(label="库存（领券）", required=False, min_value=1)
    face_value = forms.CharField(label="券面（领券，如“满50减20”）", required=False, max_length=50)
    valid_until = forms.DateField(label="券有效期至（领券）", required=False, widget=DATE)
    terms = forms.CharField(label="使用说明（领券）", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    # Sign-ups
    capacity = forms.IntegerField(label="名额（报名，不填为不限）", required=False, min_value=1)
    # Votes and surveys
    max_choices = forms.IntegerField(label="最多可选（投票）", required=False, min_value=1, max_value=100)
    results = forms.ChoiceField(label="结果公布（投票、问卷）", choices=Activity.Results.choices, required=False)
    anonymous = forms.BooleanField(label="匿名问卷（不记录答卷人）", required=False)
    options = forms.CharField(label="投票选项（每行一个）", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    prizes = forms.CharField(label="抽奖奖项（每行“奖项名称 名额”，如“一等奖 1”）", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    questions = forms.CharField(
        label="问卷题目（每行一题：题型|题目|选项1/选项2，题型为 单选、多选、填空、评分）", required=False,
        widget=forms.Textarea(attrs={"rows": 4}))
    # The audience
    employment_forms = forms.MultipleChoiceField(label="用工形式（不选为不限）", required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    sex = forms.ChoiceField(label="性别", required=False, choices=[("", "不限"), ("1", "男"), ("2", "女")])
    age_min = forms.IntegerField(label="最小年龄", required=False, min_value=16, max_value=100)
    age_max = forms.IntegerField(label="最大年龄", required=False, min_value=16, max_value=100)
    birth_months = forms.TypedMultipleChoiceField(label="生日月份（不选为不限）", required=False, coerce=int,
                                                  choices=[(m, f"{m}月") for m in range(1, 13)],
                                                  widget=forms.CheckboxSelectMultiple)
    member_months_min = forms.IntegerField(label="入会满几个月", required=False, min_value=0, max_value=1200)
    card_numbers_file = forms.FileField(label="指定名单（选填：.xlsx 或 .txt，每行一个会员卡号）", required=False)

    QUESTION_KINDS = {"单选": "single", "多选": "multiple", "填空": "text", "评分": "rating"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = scoped(Organisation.objects.filter(status=Organisation.Status.ACTIVE), user,
                                             roles=DRAFTING_ROLES).order_by("path")
        self.fields["employment_forms"].choices = [(audiences.GIG, "新就业形态劳动者（全部平台用工）")] + [
            (e["code"], e["name"]) for e in codes.entries("employment_form")]

    def clean_card_numbers_file(self):
        upload = self.cleaned_data.get("card_numbers_file")
        if not upload:
            return None
        if upload.size > CARD_LIST_MAX_BYTES:
            raise forms.ValidationError("名单文件不能超过 2MB")
        if upload.name.lower().endswith(".xlsx"):
            try:
                rows = excel.read_rows(upload, ["会员卡号"], ["会员卡号"])
            except excel.WorkbookError as exc:
                raise forms.ValidationError(f"无法读取名单文件（第一行应为“会员卡号”）：{exc}") from None
            numbers = [row["会员卡号"].strip() for _, row in rows if row["会员卡号"].strip()]
        else:
            content = upload.read()
            try:
                numbers = _lines(content.decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise forms.ValidationError("名单文件应为 UTF-8 编码的文本或 .xlsx 表格") from None
        numbers = [n for n in numbers if n not in ("会员卡号", "卡号")]
        if not numbers:
            raise forms.ValidationError("名单文件中没有会员卡号")
        return numbers

    def audience(self) -> dict:
        data = self.cleaned_data
        rules = {key: data.get(key) for key in ("employment_forms", "sex", "age_min", "age_max", "birth_months",
                                                  "member_months_min")}
        if data.get("card_numbers_file"):
            rules["card_numbers"] = data["card_numbers_file"]
        return {k: v for k, v in rules.items() if v not in (None, "", [])}

    def values(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        keep = set(services.activities.COMMON) | set(services.activities.BY_KIND[kind])
        values = {k: v for k, v in data.items() if k in keep and v not in (None, "")}
        values["audience"] = self.audience()
        return values

    def prize_rows(self) -> list[dict]:
        rows = []
        for line in _lines(self.cleaned_data.get("prizes", "")):
            name, _, count = line.rpartition(" ")
            rows.append({"name": name.strip() or line, "count": count if name else None})
        return rows

    def question_rows(self) -> list[dict]:
        rows = []
        for line in _lines(self.cleaned_data.get("questions", "")):
            parts = [p.strip() for p in line.split("|")]
            kind = self.QUESTION_KINDS.get(parts[0], parts[0])
            text = parts[1] if len(parts) > 1 else ""
            choices = [c.strip() for c in parts[2].split("/") if c.strip()] if len(parts) > 2 else []
            rows.append({"kind": kind, "text": text, "choices": choices})
        return rows


def _create(form: ActivityForm, user) -> Activity:
    """Create the draft and its parts in one go; a refusal of a part leaves no half-made draft behind."""
    data = form.cleaned_data
    with transaction.atomic():
        activity = services.create_activity(by=user, org=data["org"], kind=data["kind"], **form.values())
        if data["kind"] == Activity.Kind.VOTE:
            services.set_options(activity, _lines(data.get("options", "")), by=user)
        elif data["kind"] == Activity.Kind.LOTTERY:
            services.set_prizes(activity, form.prize_rows(), by=user)
        elif data["kind"] == Activity.Kind.SURVEY:
            services.set_questions(activity, form.question_rows(), by=user)
    return activity


@admin.register(Activity, site=console_site)
class ActivityAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["title", "kind", "org", "status", "window", "audience_size", "taking_part", "detail_link"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    ordering = ["-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/activity_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_add_permission(self, request):
        return may_run_activities(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="活动时间", ordering="starts_at")
    def window(self, obj):
        return (f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M} 至 "
                f"{timezone.localtime(obj.ends_at):%Y-%m-%d %H:%M}")

    @admin.display(description="参与情况")
    def taking_part(self, obj):
        if obj.kind == Activity.Kind.COUPON:
            return f"已领 {obj.claimed} / 库存 {obj.stock}"
        if obj.kind == Activity.Kind.SIGNUP:
            return f"已报名 {obj.taken}" + (f" / 名额 {obj.capacity}" if obj.capacity else "")
        return f"{obj.participants} 人次"

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">查看与管理</a>', reverse("console:benefits_activity_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="benefits_activity_create"),
            path("<int:pk>/manage/", view(self.detail_view), name="benefits_activity_detail"),
            path("<int:pk>/step/<str:action>/", view(self.step_view), name="benefits_activity_step"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:benefits_activity_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[object_id]))

    def _visible(self, request, pk) -> Activity:
        activity = self.get_queryset(request).filter(pk=pk).first()
        if activity is None:
            raise Http404("活动不存在")
        return activity

    def create_view(self, request):
        if not may_run_activities(request.user):
            raise PermissionDenied("只有工会主席、管理员或编辑可以创建活动")
        form = ActivityForm(request.POST or None, request.FILES or None, user=request.user)
        preview = None
        if request.method == "POST" and form.is_valid():
            if "preview" in request.POST:
                try:
                    rules = run_service(audiences.clean_rules, form.audience())
                    preview = {"size": audiences.audience_size(form.cleaned_data["org"], rules),
                               "rules": audiences.describe(rules) or ["本单位及下级工会的全体会员"]}
                except Refused as refused:
                    refused.show(request, form)
            else:
                try:
                    activity = run_service(_create, form, request.user)
                except Refused as refused:
                    refused.show(request, form)
                else:
                    messages.success(request, f"已保存草稿“{activity.title}”，确认无误后请发布")
                    return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[activity.pk]))
        context = {**self.admin_site.each_context(request), "title": "新建惠工活动", "form": form,
                   "preview": preview, "opts": self.model._meta}
        return TemplateResponse(request, "console/activity_form.html", context)

    def detail_view(self, request, pk):
        activity = self._visible(request, pk)
        steps = services.ACTIVITY_WORKFLOW.available(activity, request.user)
        context = {**self.admin_site.each_context(request), "title": activity.title, "activity": activity,
                   "opts": self.model._meta, "steps": steps, "rules": audiences.describe(activity.audience),
                   "chart": _chart(activity), "history": history(services.ACTIVITY_WORKFLOW, activity)}
        return TemplateResponse(request, "console/activity_detail.html", context)

    def step_view(self, request, pk, action):
        """发布 / 暂停 / 恢复 / 结束: a confirmation page, then the step."""
        activity = self._visible(request, pk)
        step = services.ACTIVITY_WORKFLOW.find(action, activity.status)
        if step is None:
            messages.error(request, "当前状态不能执行该操作")
            return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[pk]))
        if request.method == "POST":
            try:
                run_service(STEPS[action], activity, by=request.user, note=request.POST.get("note", "")[:200])
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已{step.label}“{activity.title}”")
            return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[pk]))
        size = audiences.audience_size(activity.org, activity.audience) if action == "publish" else None
        context = {**self.admin_site.each_context(request), "title": f"确认{step.label}", "activity": activity,
                   "step": step, "audience_size": size, "opts": self.model._meta,
                   "rules": audiences.describe(activity.audience)}
        return TemplateResponse(request, "console/activity_step.html", context)


STEPS = {"publish": services.publish_activity, "pause": services.pause_activity,
         "resume": services.resume_activity, "close": services.close_activity}


def _chart(activity: Activity) -> str:
    """The chart data of a vote (votes per option), as JSON for the page's Chart.js (bundled with the theme)."""
    if activity.kind != Activity.Kind.VOTE:
        return ""
    options = list(activity.options.order_by("position").values_list("text", "votes"))
    return json.dumps({"labels": [o[0] for o in options], "values": [o[1] for o in options]}, ensure_ascii=False)


def _masked_code(code: str) -> str:
    return f"{code[:4]}****{code[-2:]}" if len(code) > 6 else code


@admin.register(Coupon, site=console_site)
class CouponAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """领券与核销: every coupon issued by the activities of the subtree, with its redemption."""

    scope_field = "org_path"
    list_display = ["code_shown", "member", "activity", "status", "claimed_at", "redeemed_at", "merchant"]
    list_filter = ["status", "merchant"]
    search_fields = ["activity__title"]
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("activity", "merchant", "person")

    def org_of(self, obj):
        return obj.activity.org

    @admin.display(description="券码")
    def code_shown(self, obj):
        return _masked_code(obj.code)

    @admin.display(description="会员")
    def member(self, obj):
        return mask_name(obj.person.name)


def _drafts(user):
    return scoped(Activity.objects.filter(status=Activity.Status.DRAFT), user, field="org_path")


register(Queue(
    key="benefits.drafts", group="惠工活动", label="待发布的活动草稿",
    count=lambda user: _drafts(user).count(),
    url=lambda user: reverse("console:benefits_activity_changelist") + "?status__exact=draft",
    visible=may_run_activities,
))

