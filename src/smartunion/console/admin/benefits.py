"""Console pages of the benefits app (惠工活动): the activities of the cadre's subtree (create with an audience
preview, the detail with its lifecycle steps behind a confirmation, results as charts), and the coupons issued
(the redemption log, with totals per merchant and day)."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.benefits import audience as audiences
from smartunion.benefits import services, templates
from smartunion.benefits.models import Activity, BirthdayProgramme, Coupon, Merchant, Signup
from smartunion.benefits.queries import activity_signups, redemption_totals, visible_merchants
from smartunion.benefits.rules import DRAFTING_ROLES, MANAGING_ROLES
from smartunion.benefits.services import birthday, lottery, merchants, polls, signups
from smartunion.console import excel
from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service, scope_root
from smartunion.console.site import console_site, may_run_benefits
from smartunion.console.workbench import Queue, register
from smartunion.core import codes
from smartunion.core.audit import log_event
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
    template = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)

    QUESTION_KINDS = {"单选": "single", "多选": "multiple", "填空": "text", "评分": "rating"}
    # Fields that belong to some kinds only (the page shows them for the chosen kind: console/activity_form.js).
    KIND_FIELDS = {"stock": "coupon", "face_value": "coupon", "valid_until": "coupon", "terms": "coupon",
                   "capacity": "signup", "max_choices": "vote", "results": "vote survey", "anonymous": "survey",
                   "options": "vote", "prizes": "lottery", "questions": "survey", "daily_limit": "coupon"}
    AUDIENCE_FIELDS = ("employment_forms", "sex", "age_min", "age_max", "birth_months", "member_months_min",
                       "card_numbers_file")

    def sections(self) -> list[tuple[str, list]]:
        """The visible fields in two groups (the activity, its audience), each with the kinds it belongs to."""
        def rows(names):
            return [(self[name], self.KIND_FIELDS.get(name, "")) for name in names]
        activity = [name for name in self.fields if name not in self.AUDIENCE_FIELDS and name != "template"]
        return [("活动", rows(activity)), ("参与对象（本单位及下级工会的会员，可按以下条件缩小）",
                                        rows(self.AUDIENCE_FIELDS))]

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


def template_initial(key: str) -> dict:
    """The form's starting values from a template (送清凉, 送温暖, 生日福利): its fields, window and audience."""
    chosen = templates.TEMPLATES.get(key)
    if chosen is None:
        return {}
    values = chosen.defaults()
    rules = values.pop("audience", {})
    initial = {**values, **rules, "kind": chosen.kind, "template": chosen.key}
    for name in ("starts_at", "ends_at"):
        initial[name] = timezone.localtime(initial[name]).strftime("%Y-%m-%dT%H:%M")
    initial.setdefault("valid_until", timezone.localtime(values["ends_at"]).date()
                       + dt.timedelta(days=chosen.valid_days))
    return initial


def _create(form: ActivityForm, user) -> Activity:
    """Create the draft and its parts in one go; a refusal of a part leaves no half-made draft behind."""
    data = form.cleaned_data
    kind = data["kind"]
    return services.create_activity_with_parts(
        by=user, org=data["org"], kind=kind,
        options=_lines(data.get("options", "")) if kind == Activity.Kind.VOTE else None,
        prizes=form.prize_rows() if kind == Activity.Kind.LOTTERY else None,
        questions=form.question_rows() if kind == Activity.Kind.SURVEY else None, **form.values())


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
            path("birthday/", view(self.birthday_view), name="benefits_birthday"),
            path("<int:pk>/step/<str:action>/", view(self.step_view), name="benefits_activity_step"),
            path("<int:pk>/draw/", view(self.draw_view), name="benefits_activity_draw"),
            path("<int:pk>/options/<int:option_id>/image/", view(self.option_image_view),
                 name="benefits_activity_option_image"),
            path("<int:pk>/answers.xlsx", view(self.answers_view), name="benefits_activity_answers"),
            path("<int:pk>/checkin/", view(self.checkin_view), name="benefits_activity_checkin"),
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
        initial = template_initial(request.GET.get("template", ""))
        form = ActivityForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
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
                   "preview": preview, "opts": self.model._meta,
                   "templates": [t.describe() for t in templates.TEMPLATES.values()],
                   "template": templates.TEMPLATES.get(initial.get("template", ""))}
        return TemplateResponse(request, "console/activity_form.html", context)

    def detail_view(self, request, pk):
        activity = self._visible(request, pk)
        steps = services.ACTIVITY_WORKFLOW.available(activity, request.user)
        context = {**self.admin_site.each_context(request), "title": activity.title, "activity": activity,
                   "opts": self.model._meta, "steps": steps, "rules": audiences.describe(activity.audience),
                   "history": _history(activity), **_kind_context(activity, request)}
        return TemplateResponse(request, "console/activity_detail.html", context)

    def birthday_view(self, request):
        """生日福利: an org's birthday coupons, granted each month by the scheduled job to members born that month."""
        form = BirthdayForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            org = data.pop("org")
            try:
                run_service(birthday.configure_birthday, org, by=request.user, **data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已{'启用' if data['enabled'] else '停用'}“{org.name}”的生日福利"
                                          "，每月初由系统为当月过生日的会员发放生日券")
                return HttpResponseRedirect(request.path)
        programmes = scoped(BirthdayProgramme.objects.select_related("org"), request.user,
                            field="org__path").order_by("org__path")
        context = {**self.admin_site.each_context(request), "title": "生日福利", "form": form,
                   "opts": self.model._meta, "programmes": programmes[:200]}
        return TemplateResponse(request, "console/benefits_birthday.html", context)

    def option_image_view(self, request, pk, option_id):
        """A vote option's picture (POST with the file), back to the detail page with the outcome."""
        activity = self._visible(request, pk)
        option = activity.options.filter(pk=option_id).first() if activity.kind == Activity.Kind.VOTE else None
        if option is None or request.method != "POST":
            raise Http404("选项不存在")
        try:
            run_service(services.set_option_image, option, by=request.user, upload=request.FILES.get("image"))
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已更新选项“{option.text}”的图片")
        return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[pk]))

    def draw_view(self, request, pk):
        """开奖: a confirmation page, then the draw (its own audited service)."""
        activity = self._visible(request, pk)
        if request.method == "POST":
            try:
                run_service(lottery.draw, activity, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, "已开奖，中奖名单和验证数据已公布，中奖会员已收到通知")
            return HttpResponseRedirect(reverse("console:benefits_activity_detail", args=[pk]))
        context = {**self.admin_site.each_context(request), "title": "确认开奖", "activity": activity,
                   "opts": self.model._meta, "entries": activity.entries.count(),
                   "prizes": list(activity.prizes.order_by("rank"))}
        return TemplateResponse(request, "console/activity_draw.html", context)

    def answers_view(self, request, pk):
        """导出答卷: a survey's answers as .xlsx (names masked; an anonymous survey has none), audited."""
        activity = self._visible(request, pk)
        if activity.kind != Activity.Kind.SURVEY:
            raise Http404("只有问卷调查可以导出答卷")
        table = polls.survey_answers_table(activity)
        log_event("benefits.survey.export", actor=request.user, target=activity, org=activity.org,
                  data={"count": len(table["rows"])})
        return excel.workbook_response(f"{activity.title}-答卷.xlsx", table["header"], table["rows"], title="答卷")

    def checkin_view(self, request, pk):
        """签到台: the organiser scans each member's card QR (a scanner types the token) and sees who came."""
        activity = self._visible(request, pk)
        if activity.kind != Activity.Kind.SIGNUP:
            raise Http404("只有报名活动有签到台")
        form = CheckinForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                signup = run_service(signups.check_in, activity, by=request.user,
                                     card_token=form.cleaned_data["card_token"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"{mask_name(signup.person.name)} 签到成功")
                return HttpResponseRedirect(request.path)
        confirmed = activity_signups(activity, status=Signup.Status.CONFIRMED)
        context = {**self.admin_site.each_context(request), "title": f"签到台：{activity.title}",
                   "activity": activity, "form": form, "opts": self.model._meta,
                   "checked_in": confirmed.filter(checked_in_at__isnull=False).count(),
                   "confirmed": confirmed.count(),
                   "recent": [(mask_name(s.person.name), s.checked_in_at) for s in
                              confirmed.filter(checked_in_at__isnull=False).order_by("-checked_in_at")[:20]]}
        return TemplateResponse(request, "console/activity_checkin.html", context)

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


def _history(activity: Activity) -> list[dict]:
    """The activity's steps as people read them (发布：草稿 → 进行中)."""
    flow = services.ACTIVITY_WORKFLOW
    return [{"at": row.created_at, "action": flow.action_label(row.action), "from": flow.label(row.from_state),
             "to": flow.label(row.to_state), "note": row.note, "actor": row.actor}
            for row in history(flow, activity)]


STEPS = {"publish": services.publish_activity, "pause": services.pause_activity,
         "resume": services.resume_activity, "close": services.close_activity}


class BirthdayForm(forms.Form):
    org = forms.ModelChoiceField(label="工会", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    enabled = forms.BooleanField(label="启用（每月为当月过生日的会员发放一张生日券）", required=False, initial=True)
    title = forms.CharField(label="券名称", max_length=100, initial="生日慰问券")
    face_value = forms.CharField(label="券面", max_length=50, required=False, initial="生日蛋糕券一张")
    terms = forms.CharField(label="使用说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    valid_days = forms.IntegerField(label="有效天数", min_value=1, max_value=366, initial=60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = scoped(Organisation.objects.filter(status=Organisation.Status.ACTIVE), user,
                                             roles=MANAGING_ROLES).order_by("path")


class CheckinForm(forms.Form):
    card_token = forms.CharField(label="扫描会员证二维码（或粘贴其内容）", max_length=2000,
                                 widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))


def _chart(labels: list[str], values: list, label: str) -> str:
    """One bar chart's data, as JSON for the page's Chart.js (bundled with the theme)."""
    return json.dumps({"labels": labels, "values": values, "label": label}, ensure_ascii=False)


def _kind_context(activity: Activity, request) -> dict:
    """What the detail page shows for the activity's kind: results as charts, the lottery's published data, the
    sign-up figures."""
    user = request.user
    if activity.kind == Activity.Kind.VOTE:
        results = polls.vote_results(activity, viewer=user)
        chart = _chart([o["text"] for o in results["options"]], [o["votes"] for o in results["options"]], "票数")
        return {"results": results, "options": list(activity.options.order_by("position")),
                "charts": [("投票结果", chart)]}
    if activity.kind == Activity.Kind.SURVEY:
        results = polls.survey_results(activity, viewer=user)
        charts = []
        for q in results["questions"]:
            if q.get("choices"):
                charts.append((f"{q['position']}. {q['text']}", _chart(
                    [c["choice"] for c in q["choices"]], [c["count"] for c in q["choices"]], "人数")))
            elif q.get("distribution"):
                charts.append((f"{q['position']}. {q['text']}（平均 {q['mean'] or '-'} 分）", _chart(
                    [f"{d['rating']}分" for d in q["distribution"]], [d["count"] for d in q["distribution"]],
                    "人数")))
        return {"results": results, "charts": charts}
    if activity.kind == Activity.Kind.LOTTERY:
        ended = activity.status == Activity.Status.CLOSED or activity.ends_at <= timezone.now()
        return {"publication": lottery.publication(activity), "entries": activity.entries.count(),
                "may_draw": ended and activity.drawn_at is None and activity.status != Activity.Status.DRAFT}
    if activity.kind == Activity.Kind.SIGNUP:
        return {"waiting": activity_signups(activity, status=Signup.Status.WAITING).count()}
    return {}


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


class MerchantForm(forms.Form):
    org = forms.ModelChoiceField(label="所属工会", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    name = forms.CharField(label="商户名称", max_length=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = scoped(Organisation.objects.filter(status=Organisation.Status.ACTIVE), user,
                                             roles=MANAGING_ROLES).order_by("path")


class MerchantAccountForm(forms.Form):
    username = forms.CharField(label="登录用户名", max_length=150)
    display_name = forms.CharField(label="使用人姓名", max_length=50, required=False)
    password = forms.CharField(label="初始密码", max_length=128, widget=forms.PasswordInput(render_value=True))


@admin.register(Merchant, site=console_site)
class MerchantAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """商户: the shops that accept the subtree's coupons, their log-ins, and redemptions per day."""

    scope_field = "org_path"
    list_display = ["name", "org", "address", "status", "accounts", "manage_link"]
    list_filter = ["status"]
    search_fields = ["name"]
    ordering = ["id"]
    export_columns = list_display[:-1]
    change_list_template = "console/merchant_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org").annotate(n_accounts=Count("users"))

    def has_add_permission(self, request):
        return may_run_activities(request.user)

    def org_of(self, obj):
        return obj.org

    @admin.display(description="商户账号数")
    def accounts(self, obj):
        return obj.n_accounts

    @admin.display(description="操作")
    def manage_link(self, obj):
        return format_html('<a href="{}">开通账号</a>', reverse("console:benefits_merchant_account", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="benefits_merchant_create"),
            path("<int:pk>/account/", view(self.account_view), name="benefits_merchant_account"),
            path("totals/", view(self.totals_view), name="benefits_merchant_totals"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:benefits_merchant_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:benefits_merchant_account", args=[object_id]))

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def create_view(self, request):
        form = MerchantForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                merchant = run_service(merchants.create_merchant, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记商户“{merchant.name}”，请为其开通核销账号")
                return HttpResponseRedirect(reverse("console:benefits_merchant_account", args=[merchant.pk]))
        return self._page(request, "console/benefits_form.html", title="登记商户", form=form,
                          submit="保存")

    def account_view(self, request, pk):
        merchant = self.get_queryset(request).filter(pk=pk).first()
        if merchant is None:
            raise Http404("商户不存在")
        form = MerchantAccountForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = run_service(merchants.add_merchant_account, merchant, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已开通商户账号“{user.username}”，商户可在职工门户登录后核销优惠券")
                return HttpResponseRedirect(reverse("console:benefits_merchant_changelist"))
        accounts = list(merchant.users.order_by("id").values_list("username", "display_name"))
        return self._page(request, "console/benefits_form.html", title=f"开通商户账号：{merchant.name}",
                          form=form, submit="开通账号", accounts=accounts)

    def totals_view(self, request):
        """核销统计: redemptions per merchant and day in the subtree (one grouped query), exportable."""
        try:
            since = dt.date.fromisoformat(request.GET.get("since", "")) if request.GET.get("since") else None
            until = dt.date.fromisoformat(request.GET.get("until", "")) if request.GET.get("until") else None
        except ValueError:
            messages.error(request, "日期格式应为 年-月-日")
            since = until = None
        rows = redemption_totals(visible_merchants(request.user), since=since, until=until)
        if request.GET.get("export"):
            log_event("benefits.redemption.export", actor=request.user, org=scope_root(request.user),
                      data={"count": len(rows)})
            return excel.workbook_response("商户核销统计.xlsx", ["商户", "日期", "核销张数"],
                                           [[r["merchant"], r["day"], r["count"]] for r in rows], title="核销统计")
        return self._page(request, "console/merchant_totals.html", title="商户核销统计", rows=rows,
                          total=sum(r["count"] for r in rows), since=since, until=until)


@admin.register(Signup, site=console_site)
class SignupAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """活动报名: who signed up, waits or came, for the activities of the subtree (names masked)."""

    scope_field = "activity__org_path"
    list_display = ["member", "activity", "status", "created_at", "promoted_at", "checked_in_at"]
    list_filter = ["status", ("checked_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["activity__title"]
    ordering = ["activity", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("activity", "person")

    def org_of(self, obj):
        return obj.activity.org

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

