"""Console pages of the rights cases (12351 维权工单): the handler's queue with its deadline badges, filters, bulk
assignment and export; the hotline operator's intake form (12351热线登记); a case's page with its timeline and the
forms of the steps the cadre may take; the supervised list (督办); the statistics of a subtree with charts and an
Excel export; the deadline table (办理时限) an org's managers edit; and the workbench queues.

Every read starts from the cases selectors (cases.queries.cases, scoped to the cadre's subtree: out of scope is not
found), every write is a cases service called through run_service, so a refusal shows in Chinese on the page."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from smartunion.cases import categories, deadlines, rules
from smartunion.cases.models import Case, CaseAssist, CaseClass, CaseMessage, DeadlineRule
from smartunion.cases.queries import cases as queries
from smartunion.cases.services import cases as services
from smartunion.console import excel
from smartunion.console.admin.base import (
    ReadOnlyAdminMixin,
    Refused,
    ScopedAdmin,
    region_widget,
    reveal_reason,
    run_service,
)
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, changelist, register
from smartunion.core import money
from smartunion.core.audit import events_of, log_event, register_actions, register_data_labels
from smartunion.core.calendar import ESTIMATED_HINT, ESTIMATED_NOTE, add_working_days
from smartunion.core.errors import NotFound
from smartunion.core.workflow import history
from smartunion.orgs.models import Organisation, Position, subtree_q
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped, visible_orgs

MAX_UPLOAD_FILES = 5
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"

# What these pages log themselves (the services log the rest): reading a file, exporting the statistics.
register_actions({"cases.attachment.download": "下载维权工单附件", "cases.stats.export": "导出维权工单统计",
                  "cases.case.reveal_phone": "查看维权工单联系电话"})
register_data_labels({"reason": "原因"}, action="cases.case.reveal_phone")
register_data_labels({"attachment": "附件编号"}, action="cases.attachment.download")
register_data_labels({"months": "统计月数"}, action="cases.stats.export")


# Badges ------------------------------------------------------------------------------------------------------------


def deadline_state(due, *, done_at=None, paused=False, now=None) -> tuple[str, str]:
    """(state, words) of a deadline: ok 正常, soon 即将到期 (within a working day), overdue 已超期, done 已完成,
    paused 暂停计时."""
    now = now or timezone.now()
    if done_at is not None:
        return ("done", "按期完成") if done_at <= due else ("late", "超期完成")
    if paused:
        return "paused", "暂停计时"
    if due < now:
        return "overdue", "已超期"
    soon = add_working_days(timezone.localdate(now), 1)
    if timezone.localdate(due) <= soon:
        return "soon", "即将到期"
    return "ok", "正常"


def badge(due, *, estimated: bool, done_at=None, paused=False):
    state, words = deadline_state(due, done_at=done_at, paused=paused)
    colour = {"ok": "text-green-700", "soon": "text-orange-600", "overdue": "text-red-700 font-semibold",
              "done": "text-green-700", "late": "text-red-700", "paused": "text-base-500"}[state]
    when = timezone.localtime(due)
    mark = format_html('<span class="text-orange-700" title="{}">{}</span>', ESTIMATED_HINT,
                       ESTIMATED_NOTE) if estimated else ""
    return format_html('<span class="case-badge case-badge-{} {}" title="期限 {}">{}</span> <small>{}</small>{}',
                       state, colour, f"{when:%Y-%m-%d %H:%M}", words, f"{when:%m-%d %H:%M}", mark)


def first_response_badge(case: Case):
    return badge(case.first_response_due, estimated=case.first_response_due_estimated,
                 done_at=case.first_responded_at)


def resolution_badge(case: Case):
    return badge(case.resolution_due, estimated=case.resolution_due_estimated, done_at=case.closed_at,
                 paused=case.status == Case.Status.WAITING)


# Filters -----------------------------------------------------------------------------------------------------------


class CategoryFilter(admin.SimpleListFilter):
    title = "问题类别"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(code, label) for code, (label, _subs) in categories.CATEGORIES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "是否超期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", "已超期"), ("0", "未超期")]

    def queryset(self, request, queryset):
        if self.value() not in ("0", "1"):
            return queryset
        late = queries.overdue_q()
        return queryset.filter(late) if self.value() == "1" else queryset.exclude(late)


class MineFilter(admin.SimpleListFilter):
    title = "承办人"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "我承办的"), ("none", "尚未分派")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(handler=request.user)
        if self.value() == "none":
            return queryset.filter(handler__isnull=True)
        return queryset


class OrgFilter(admin.SimpleListFilter):
    """承办单位（含下级）: the cases of an org in scope and of its subtree; the choices are the scope's orgs down to
    the county level (a deeper one is reached by its id in the address, as the links of the statistics page do)."""

    title = "承办单位（含下级）"
    parameter_name = "org"

    def lookups(self, request, model_admin):
        orgs = visible_orgs(request.user).filter(kind__in=Organisation.FEDERATION_KINDS).order_by("path")[:200]
        return [(str(org.pk), org.name) for org in orgs]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        org = visible_orgs(request.user).filter(pk=value).first() if str(value).isdigit() else None
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "org_path"))


# Forms -------------------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (images and PDF; cases/files.py checks their type and size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(f"最多上传 {MAX_UPLOAD_FILES} 个附件")
        return files


def category_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _subs) in categories.CATEGORIES.items()]


def subcategory_choices() -> list:
    """The sub-categories grouped by their category's label (the page shows the chosen category's group)."""
    return [("", "（不细分）")] + [(label, [(sub, sublabel) for sub, sublabel in subs.items()])
                                  for _code, (label, subs) in categories.CATEGORIES.items() if subs]


def category_groups_json() -> str:
    return json.dumps({code: label for code, (label, _subs) in categories.CATEGORIES.items()}, ensure_ascii=False)


class HotlineForm(forms.Form):
    """12351热线登记: what the operator takes down during the call."""

    contact_name = forms.CharField(label="来电人姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    kind = forms.ChoiceField(label="诉求类型", choices=Case.Kind.choices)
    category = forms.ChoiceField(label="问题类别", choices=())
    subcategory = forms.ChoiceField(label="问题子类", choices=(), required=False)
    employer_name = forms.CharField(label="涉及单位", max_length=150, required=False)
    employer_credit_code = forms.CharField(label="单位统一社会信用代码（选填）", max_length=18, required=False)
    region = forms.CharField(label="发生地", max_length=12, widget=region_widget(deepest="township"),
                             error_messages={"required": "请选择发生地"})
    title = forms.CharField(label="标题（选填）", max_length=100, required=False)
    description = forms.CharField(label="诉求内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    people_involved = forms.IntegerField(label="涉及人数", min_value=1, max_value=100000, initial=1)
    amount_yuan = forms.DecimalField(label="涉及金额（元，选填）", required=False, min_value=0, max_digits=14,
                                     decimal_places=2)
    hide_identity = forms.BooleanField(
        label="来电人要求对所涉单位保密身份", required=False,
        help_text="勾选后，承办单位以外的人员（含协办单位和涉及单位）看不到来电人的姓名和电话")
    attachments = MultipleFileField(label="附件（图片或 PDF，选填）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["subcategory"].choices = subcategory_choices()
        # Marked by data attributes, not classes: the console's style gives class-less controls their look.
        self.fields["subcategory"].widget.attrs.update({"data-category-groups": category_groups_json(),
                                                        "data-case-subcategory": "1"})
        self.fields["category"].widget.attrs.update({"data-case-category": "1"})

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        amount = data.pop("amount_yuan", None)
        data["amount_involved_fen"] = money.fen(amount)
        data["attachments"] = data.pop("attachments", None) or ()
        return data


class TextForm(forms.Form):
    body = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(label="说明（选填）", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PauseForm(forms.Form):
    note = forms.CharField(label="请职工补充的内容（职工可见）", max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    resolution = forms.ChoiceField(label="办理结果", choices=Case.Resolution.choices)
    note = forms.CharField(label="办结说明（职工可见）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ClassForm(forms.Form):
    case_class = forms.ChoiceField(label="期限类别", choices=CaseClass.choices)
    note = forms.CharField(label="说明（选填）", max_length=500, required=False)


def _handlers(user):
    """Cadres who may be given a case: the holders of a position in the user's scope, each with those positions
    (two cadres of one name are told apart by their union and role)."""
    from django.contrib.auth import get_user_model
    positions = scoped(Position.objects.all(), user, field="org__path")
    return (get_user_model().objects.filter(pk__in=positions.values("user_id"), is_active=True)
            .prefetch_related(Prefetch("positions", queryset=positions.select_related("org").order_by("org__path"),
                                       to_attr="scoped_positions"))
            .order_by("display_name", "username"))


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.display_name or obj.username
        label = f"{name}（{obj.username}）" if name != obj.username else name
        held = [f"{p.org.name}{p.get_role_display()}" for p in getattr(obj, "scoped_positions", [])[:2]]
        return f"{label} · {'、'.join(held)}" if held else label


class OrgChoiceField(forms.ModelChoiceField):
    """A union by its name and its parent's: a province has many a 城关街道总工会."""

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.parent.name}）" if obj.parent_id else obj.name


SEARCH = {"data-searchable": "输入姓名、账号或单位筛选"}


class AssignForm(forms.Form):
    handler = HandlerChoiceField(label="承办人", queryset=None, widget=forms.Select(attrs=SEARCH), error_messages={
        "invalid_choice": "请选择管辖范围内的干部"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _handlers(user)


class OrgForm(forms.Form):
    org = OrgChoiceField(label="单位", queryset=Organisation.objects.none(),
                         widget=forms.Select(attrs={"data-searchable": "输入工会名称筛选"}),
                         error_messages={"invalid_choice": "请选择管辖范围内的工会"})
    note = forms.CharField(label="说明", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The federations and townships of the scope, and the unions near the case (under its org's parent):
        # not every grassroots union of a province in one select.
        near = Q(kind__in=(*Organisation.FEDERATION_KINDS, Organisation.Kind.TOWNSHIP))
        if case is not None:
            near |= subtree_q((case.org.parent or case.org).path, "path")
        orgs = scoped(Organisation.objects.filter(near, status=Organisation.Status.ACTIVE), user)
        if case is not None:
            orgs = orgs.exclude(pk=case.org_id)
        self.fields["org"].queryset = orgs.select_related("parent").order_by("path")


class AnswerAssistForm(forms.Form):
    reply = forms.CharField(label="协办反馈", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# The case's acts: name -> (title, form class, service call, whether it asks for confirmation first). A transition
# of CASE_WORKFLOW is offered when the workflow says the cadre may take it; the other acts while the case is open.


def _call(name):
    return lambda case, user, data: getattr(services, name)(case, by=user, **data)


ACTS: dict[str, dict] = {
    "accept": {"title": "受理", "form": None, "call": lambda case, user, data: services.accept(case, by=user)},
    "reply": {"title": "答复职工", "form": TextForm, "call": _call("reply")},
    "note": {"title": "内部备注", "form": TextForm, "call": _call("add_note")},
    "assign": {"title": "分派承办人", "form": AssignForm, "call": _call("assign")},
    "pause": {"title": "请职工补充（暂停计时）", "form": PauseForm, "call": _call("pause")},
    "resume": {"title": "恢复办理", "form": OptionalNoteForm, "call": _call("resume")},
    "close": {"title": "办结", "form": CloseForm, "call": _call("close"), "confirm": True},
    "transfer": {"title": "转办", "form": OrgForm, "call": _call("transfer"), "confirm": True},
    "set_class": {"title": "调整期限类别", "form": ClassForm, "call": _call("set_class")},
    "request_assist": {"title": "发起协办", "form": OrgForm, "call": _call("request_assist")},
    "supervise": {"title": "督办", "form": NoteForm, "call": _call("supervise")},
    "end_supervision": {"title": "解除督办", "form": None,
                        "call": lambda case, user, data: services.end_supervision(case, by=user)},
}


def _form(name, user, case, data=None):
    form_class = ACTS[name]["form"]
    if form_class is None:
        return None
    prefix = name
    if form_class in (AssignForm,):
        return form_class(data, user=user, prefix=prefix)
    if form_class is OrgForm:
        form = form_class(data, user=user, case=case, prefix=prefix)
        if name == "transfer":
            form.fields["org"].label = "转至单位"
            form.fields["note"].label = "转办说明"
        else:
            form.fields["org"].label = "协办单位"
            form.fields["note"].label = "协办事项"
        return form
    return form_class(data, prefix=prefix)


def offered_acts(case: Case, user) -> list[str]:
    """The acts the cadre sees forms for on the case's page: the workflow's steps it allows the cadre now, a reply
    while the case is open and they handle it, an internal note while they handle or co-handle it."""
    workflow = services.CASE_WORKFLOW
    available = {t.action for t in workflow.available(case, user)}
    handles = rules.can_handle(user, case)
    shown = []
    for name in ACTS:
        if name in workflow.actions:
            if name not in available:
                continue
            if (name == "supervise" and case.supervised) or (name == "end_supervision" and not case.supervised):
                continue
        elif name == "reply" and not (handles and case.is_open):
            continue
        elif name == "note" and not (handles or _assisting(user, case)):
            continue
        shown.append(name)
    return shown


def _assisting(user, case: Case) -> bool:
    return any(rules.can_assist(user, a) for a in case.assists.filter(status=CaseAssist.Status.OPEN))


# The queue ---------------------------------------------------------------------------------------------------------


@admin.register(Case, site=console_site)
class CaseAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """维权工单: the cases handled by the orgs of the cadre's subtree."""

    scope_field = "org_path"
    list_filter = ["status", "kind", CategoryFilter, OverdueFilter, "supervised", MineFilter, OrgFilter]
    search_fields = ["=number", "employer_name"]
    search_help_text = "按工单编号或涉及单位查找"
    ordering = ["-id"]
    actions = ["assign_selected"]
    change_list_template = "console/cases/case_changelist.html"

    def get_queryset(self, request):
        # The subtree's cases and those the cadre's org co-handles (cases.queries.cases.visible_cases).
        return queries.visible_cases(request.user).select_related("org", "handler")

    def org_of(self, obj):
        return obj.org

    def get_list_display(self, request):
        user = request.user

        def contact(obj):
            return queries.display_name(obj, user)
        contact.short_description = "联系人"  # type: ignore[attr-defined]
        return ["number", "kind", "category_shown", contact, "org", "handler_shown", "status", "first_due",
                "resolution_due_shown", "supervised", "detail_link"]

    def get_list_display_links(self, request, list_display):
        return None

    def get_export_columns(self, request) -> list:
        return [c for c in self.get_list_display(request) if c != "detail_link"]

    @admin.display(description="问题类别")
    def category_shown(self, obj):
        sub = categories.subcategory_label(obj.category, obj.subcategory) if obj.subcategory else ""
        label = categories.category_label(obj.category)
        return f"{label}·{sub}" if sub else label

    @admin.display(description="承办人")
    def handler_shown(self, obj):
        if obj.handler is None:
            return "未分派"
        return obj.handler.display_name or obj.handler.username

    @admin.display(description="首次响应")
    def first_due(self, obj):
        return first_response_badge(obj)

    @admin.display(description="办结期限", ordering="resolution_due")
    def resolution_due_shown(self, obj):
        return resolution_badge(obj)

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">办理</a>', reverse("console:cases_case_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("hotline/", view(self.hotline_view), name="cases_case_hotline"),
            path("supervised/", view(self.supervised_view), name="cases_case_supervised"),
            path("stats/", view(self.stats_view), name="cases_case_stats"),
            path("<int:pk>/handle/", view(self.detail_view), name="cases_case_detail"),
            path("<int:pk>/act/<str:act>/", view(self.act_view), name="cases_case_act"),
            path("<int:pk>/assists/<int:assist_id>/answer/", view(self.answer_assist_view),
                 name="cases_case_answer_assist"),
            path("<int:pk>/files/<int:file_id>/", view(self.attachment_view), name="cases_case_attachment"),
            path("<int:pk>/reveal/", view(self.reveal_view), name="cases_case_reveal"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("console:cases_case_detail", args=[object_id]))

    def changelist_view(self, request, extra_context=None):
        context = {"hotline_url": reverse("console:cases_case_hotline"),
                   "stats_url": reverse("console:cases_case_stats"),
                   "deadlines_url": reverse("console:cases_deadlinerule_changelist"), **(extra_context or {})}
        return super().changelist_view(request, context)

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _visible(self, request, pk) -> Case:
        try:
            return queries.case_for_cadre(request.user, pk)
        except NotFound as exc:  # out of scope is not found
            raise Http404("工单不存在") from exc

    # Bulk assignment

    @admin.action(description="分派给承办人")
    def assign_selected(self, request, queryset):
        form = AssignForm(request.POST if "handler" in request.POST else None, user=request.user)
        if form.is_bound and form.is_valid():
            try:
                count = run_service(services.bulk_assign, list(queryset), by=request.user,
                                    handler=form.cleaned_data["handler"])
            except Refused as refused:
                refused.show(request)
            else:
                name = form.cleaned_data["handler"].display_name or form.cleaned_data["handler"].username
                messages.success(request, f"已将 {count} 件工单分派给{name}")
            return None
        return self._page(request, "console/cases/assign.html", title="批量分派工单", form=form,
                          cases=list(queryset[:200]), ids=request.POST.getlist("_selected_action"))

    # Hotline intake

    def hotline_view(self, request):
        """12351热线登记: the operator files the caller's case; the case is routed as any other."""
        form = HotlineForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                case = run_service(services.file_case, by=request.user, channel=Case.Channel.HOTLINE,
                                   **form.values())
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已登记工单 {case.number}，分派至{case.org.name}")
                if queries.handler_queue(request.user).filter(pk=case.pk).exists():
                    return HttpResponseRedirect(reverse("console:cases_case_detail", args=[case.pk]))
                return HttpResponseRedirect(reverse("console:cases_case_hotline"))
        return self._page(request, "console/cases/hotline.html", title="12351热线登记", form=form)

    # The case's page

    def detail_view(self, request, pk, forms_given=None):
        case = self._visible(request, pk)
        user = request.user
        acts = offered_acts(case, user)
        given = forms_given or {}
        act_forms = [{"name": name, "title": ACTS[name]["title"], "confirm": ACTS[name].get("confirm", False),
                      "form": given.get(name) or _form(name, user, case)} for name in acts]
        assists = list(case.assists.select_related("org", "requested_by").order_by("id"))
        answerable = {a.pk for a in assists if a.status == CaseAssist.Status.OPEN and rules.can_assist(user, a)}
        return self._page(request, "console/cases/detail.html", title=f"工单 {case.number}", case=case,
                          contact=queries.display_name(case, user), acts=act_forms,
                          may_reveal=rules.can_handle(user, case),
                          first_badge=first_response_badge(case), resolution_badge=resolution_badge(case),
                          category=categories.category_label(case.category),
                          subcategory=categories.subcategory_label(case.category, case.subcategory)
                          if case.subcategory else "",
                          timeline=timeline(case, worker_view=False), assists=assists,
                          answerable=answerable, assist_form=AnswerAssistForm(),
                          attachments=list(case.attachments.order_by("id")))

    def act_view(self, request, pk, act):
        case = self._visible(request, pk)
        if act not in ACTS:
            raise Http404
        back = HttpResponseRedirect(reverse("console:cases_case_detail", args=[case.pk]))
        if request.method != "POST":
            return back
        form = _form(act, request.user, case, request.POST)
        if form is not None and not form.is_valid():
            return self.detail_view(request, pk, forms_given={act: form})
        if ACTS[act].get("confirm") and "confirmed" not in request.POST:
            return self._page(request, "console/cases/confirm.html", title=f"确认{ACTS[act]['title']}", case=case,
                              act=act, act_title=ACTS[act]["title"], form=form,
                              summary=_confirm_summary(act, form))
        data = dict(form.cleaned_data) if form is not None else {}
        try:
            run_service(ACTS[act]["call"], case, request.user, data)
        except Refused as refused:
            if form is None or act not in offered_acts(case, request.user):
                refused.show(request)  # no form of it on the page: the refusal as the page's message
                return back
            refused.show(request, form)
            return self.detail_view(request, pk, forms_given={act: form})
        messages.success(request, f"已{ACTS[act]['title']}")
        if act == "transfer" and not queries.handler_queue(request.user).filter(pk=case.pk).exists():
            return HttpResponseRedirect(reverse("console:cases_case_changelist"))
        return back

    def answer_assist_view(self, request, pk, assist_id):
        case = self._visible(request, pk)
        assist = case.assists.filter(pk=assist_id).first()
        if assist is None or request.method != "POST":
            raise Http404
        form = AnswerAssistForm(request.POST)
        if form.is_valid():
            try:
                run_service(services.answer_assist, assist, by=request.user, reply=form.cleaned_data["reply"])
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, "已反馈协办意见")
        else:
            messages.error(request, "请填写协办反馈")
        return HttpResponseRedirect(reverse("console:cases_case_detail", args=[case.pk]))

    def attachment_view(self, request, pk, file_id):
        """An attachment, only through the case the cadre may see (never a public address), audited."""
        case = self._visible(request, pk)
        attachment = case.attachments.filter(pk=file_id).first()
        if attachment is None:
            raise Http404("附件不存在")
        log_event("cases.attachment.download", actor=request.user, target=case, org=case.org,
                  data={"attachment": attachment.pk})
        return FileResponse(attachment.file.open("rb"), as_attachment=attachment.content_type != "application/pdf"
                            and not attachment.content_type.startswith("image/"),
                            filename=attachment.name, content_type=attachment.content_type)

    def reveal_view(self, request, pk):
        """The contact phone in clear, for the handling chain only (not a co-handling org), with a reason, audited."""
        case = self._visible(request, pk)
        if not rules.can_handle(request.user, case):
            raise PermissionDenied("只有承办单位及其上级单位可以查看完整联系电话")
        reason = reveal_reason(request)
        revealed = bool(reason)
        if revealed:
            log_event("cases.case.reveal_phone", actor=request.user, target=case, org=case.org,
                      data={"reason": reason})
        return self._page(request, "console/cases/reveal.html", title="查看联系电话", case=case,
                          contact=queries.display_name(case, request.user), revealed=revealed)

    # 督办

    def supervised_view(self, request):
        return HttpResponseRedirect(changelist("cases_case_changelist", supervised__exact="1"))

    # 统计

    def stats_view(self, request):
        """统计: the figures of an org's subtree from the roll-ups (volume by kind, category and month, on-time
        rates, satisfaction, open and overdue), with charts and an Excel export of the tables."""
        orgs = visible_orgs(request.user).filter(kind__in=(
            *Organisation.FEDERATION_KINDS, Organisation.Kind.GRASSROOTS, Organisation.Kind.TOWNSHIP,
            Organisation.Kind.JOINT))
        chosen = request.GET.get("org", "")
        org = orgs.filter(pk=chosen).first() if chosen.isdigit() else None
        if org is None:
            org = _scope_top(request.user)
        if org is None:
            raise Http404("没有可统计的单位")
        months = 12
        figures = run_stats(request.user, org, months)
        tables = stats_tables(figures)
        if request.GET.get("export"):
            log_event("cases.stats.export", actor=request.user, org=org, data={"months": months})
            return excel.workbook_response(f"维权工单统计-{org.name}.xlsx", ["统计项", "项目", "数值"],
                                           [row for table in tables for row in table["export"]], title="统计")
        for table in tables:
            table["chart_data"] = json.dumps({"labels": [r[0] for r in table["rows"]],
                                              "values": [r[1] for r in table["rows"]], "label": "件数"},
                                             ensure_ascii=False) if table["chart"] else ""
        charts = [(t["title"], t["chart_data"]) for t in tables if t["chart"]]
        choices = list(orgs.order_by("path")[:300])
        if all(o.pk != org.pk for o in choices):
            choices.insert(0, org)
        return self._page(request, "console/cases/stats.html", title=f"工单统计：{org.name}", org=org,
                          org_choices=choices, figures=figures, tables=tables, charts=charts, months=months)


def _scope_top(user):
    if is_unrestricted(user):
        return Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    paths = managed_paths(user)
    return Organisation.objects.filter(path=paths[0]).first() if paths else None


def run_stats(user, org, months):
    try:
        return queries.stats(user, org, months=months)
    except NotFound as exc:
        raise Http404("没有可统计的单位") from exc


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def stats_tables(figures: dict) -> list[dict]:
    """The statistics as tables of (label, value) rows, each with its unit; the volume tables are charted. The
    export has numbers where the page has text: rates as percentages, the average rating as a number."""
    totals = figures["totals"]
    average = figures["average_rating"]
    # (label, value shown, value exported); a rate counts the cases responded to or closed, not the open ones.
    summary = [
        ("受理量（件）", totals["received"], None), ("在办（件）", figures["open"], None),
        ("已超期（件）", figures["overdue"], None), ("已首次响应（件）", totals["responded"], None),
        ("首次响应按期率（已响应的）", *_rate(figures["first_response_on_time_rate"])),
        ("已办结（件）", totals["closed"], None),
        ("按期办结率（已办结的）", *_rate(figures["resolution_on_time_rate"])),
        ("已评价（件）", totals["rated"], None),
        ("平均评分", "-" if average is None else f"{average:.2f}", None if average is None else round(average, 2)),
        ("满意率（4-5分）", *_rate(figures["satisfaction_rate"]))]
    tables = [{"key": "summary", "title": "总体情况", "unit": "", "chart": False,
               "rows": [(label, shown) for label, shown, _ in summary],
               "export": [["总体情况", label, shown if exported is None else exported]
                          for label, shown, exported in summary]}]
    for key, title, rows in (
            ("by_kind", "按诉求类型", [(r["label"], r["received"]) for r in figures["by_kind"]]),
            ("by_category", "按问题类别", [(r["label"], r["received"]) for r in figures["by_category"]]),
            ("by_month", "按月受理量", [(r["month"], r["received"]) for r in figures["months"]])):
        tables.append({"key": key, "title": title, "unit": "件", "rows": rows, "chart": True,
                       "export": [[title, label, value] for label, value in rows]})
    return tables


def _rate(value) -> tuple[str, excel.Percent | None]:
    return _pct(value), None if value is None else excel.Percent(value)


def _confirm_summary(act, form) -> list[str]:
    data = form.cleaned_data if form is not None else {}
    if act == "transfer":
        return [f"转至：{data['org'].name}", f"说明：{data['note']}",
                "转办后本工单由对方单位承办，期限按对方单位的办理时限重新计算。"]
    if act == "close":
        return [f"办理结果：{dict(Case.Resolution.choices)[data['resolution']]}", f"办结说明：{data['note']}",
                "办结后职工可以评价，并可在规定时间内申请重新办理。"]
    return []


def timeline(case: Case, *, worker_view: bool) -> list[dict]:
    """The case's messages and steps in time order; the worker's view leaves out internal notes and who wrote."""
    rows = []
    kinds = case.messages.select_related("author", "org").order_by("id")
    if worker_view:
        kinds = kinds.exclude(kind=CaseMessage.Kind.NOTE)
    for message in kinds:
        author = message.author
        rows.append({"at": message.created_at, "kind": message.kind, "label": message.get_kind_display(),
                     "body": message.body, "org": message.org.name if message.org else "",
                     "author": (author.display_name or author.username) if author else "",
                     "internal": message.kind == CaseMessage.Kind.NOTE})
    workflow = services.CASE_WORKFLOW
    if not worker_view:
        details = _step_details(case)
        for row in history(workflow, case):
            actor = row.actor
            what = details.get(row.action, [])
            rows.append({"at": row.created_at, "kind": "step", "label": workflow.action_label(row.action),
                         "body": (what.pop(0) if what else
                                  f"{workflow.label(row.from_state)} → {workflow.label(row.to_state)}")
                                 + (f"：{row.note}" if row.note else ""),
                         "org": "", "author": (actor.display_name or actor.username) if actor else "系统",
                         "internal": False})
    rows.sort(key=lambda r: r["at"])
    return rows


def _step_details(case: Case) -> dict[str, list[str]]:
    """What the steps that change who handles the case did, in their order: 分派给 whom, 转办 from which org to
    which (their audit events keep the ids; the history rows keep only the states, the same before and after)."""
    from smartunion.accounts.models import User

    events = events_of(case, ("cases.case.assign", "cases.case.transfer"))
    user_ids = {d.get("handler_id") for a, d in events if a == "cases.case.assign"}
    org_ids = {d.get(k) for a, d in events if a == "cases.case.transfer" for k in ("org_id", "from_org_id")}
    users = {pk: name or username for pk, name, username in
             User.objects.filter(pk__in=user_ids - {None}).values_list("pk", "display_name", "username")}
    orgs = dict(Organisation.objects.filter(pk__in=org_ids - {None}).values_list("pk", "name"))
    details: dict[str, list[str]] = {}
    for action, data in events:
        if action == "cases.case.assign":
            text = f"分派给{users.get(data.get('handler_id'), '（账号已删除）')}"
        else:
            source, target = orgs.get(data.get("from_org_id"), "原单位"), orgs.get(data.get("org_id"), "（单位已撤销）")
            text = f"由{source}转至{target}"
        details.setdefault(action.rsplit(".", 1)[1], []).append(text)
    return details


# The deadline table ------------------------------------------------------------------------------------------------


class DeadlineForm(forms.Form):
    org = forms.ModelChoiceField(label="制定单位", queryset=Organisation.objects.none(),
                                 error_messages={"invalid_choice": "请选择您管理的单位"})
    case_class = forms.ChoiceField(label="期限类别", choices=CaseClass.choices)
    first_response_days = forms.IntegerField(label="首次响应时限（工作日）", min_value=1, max_value=60)
    resolution_days = forms.IntegerField(label="办结时限（工作日）", min_value=1, max_value=365)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = scoped(Organisation.objects.filter(
            status=Organisation.Status.ACTIVE, kind__in=Organisation.FEDERATION_KINDS), user,
            roles=Position.MANAGING_ROLES).order_by("path")


def may_edit_deadlines(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


@admin.register(DeadlineRule, site=console_site)
class DeadlineRuleAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """办理时限: the working days each org allows per deadline class (the nearest org's row wins)."""

    scope_field = "org_path"
    list_display = ["org", "case_class", "first_response_days", "resolution_days", "updated_by", "updated_at"]
    list_filter = ["case_class"]
    search_fields = ["org__name"]
    ordering = ["org_path", "case_class"]
    change_list_template = "console/cases/deadline_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org", "updated_by")

    def org_of(self, obj):
        return obj.org

    def has_add_permission(self, request):
        return may_edit_deadlines(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("edit/", view(self.edit_view), name="cases_deadlinerule_edit"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:cases_deadlinerule_edit"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rule = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if rule is None:
            raise Http404
        return HttpResponseRedirect(reverse("console:cases_deadlinerule_edit") + f"?rule={rule.pk}")

    def edit_view(self, request):
        if not may_edit_deadlines(request.user):
            raise PermissionDenied("只有工会主席或管理员可以修改办理时限")
        initial = {}
        rule_id = request.GET.get("rule", "")
        if rule_id.isdigit():
            rule = self.get_queryset(request).filter(pk=rule_id).first()
            if rule is not None:
                initial = {"org": rule.org_id, "case_class": rule.case_class,
                           "first_response_days": rule.first_response_days, "resolution_days": rule.resolution_days}
        form = DeadlineForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                rule = run_service(deadlines.set_deadline_rule, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存{rule.org.name}的“{rule.get_case_class_display()}”办理时限，"
                                          "此后受理和调整的工单按新时限计算")
                return HttpResponseRedirect(reverse("console:cases_deadlinerule_changelist"))
        defaults = [(label, *deadlines.DEFAULT_DAYS.get(code, ("-", "-")))
                    for code, label in CaseClass.choices]
        top = _scope_top(request.user)
        labels = dict(CaseClass.choices)
        current = [(labels[code], first, resolution, org.name if org is not None else "全国默认")
                   for code, (first, resolution, org) in deadlines.rules_for(top).items()] if top else []
        return TemplateResponse(request, "console/cases/deadline_form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "设置办理时限",
            "form": form, "defaults": defaults, "current": current, "top": top})


# The workbench -----------------------------------------------------------------------------------------------------

GROUP = "维权工单"


def _waiting_first_response(user):
    return queries.handler_queue(user, status=Case.Status.SUBMITTED)


def _overdue(user):
    return queries.handler_queue(user, overdue=True)


def _supervised(user):
    return queries.handler_queue(user, supervised=True).filter(status__in=Case.OPEN_STATES)


register(Queue(
    "cases.case.submitted", GROUP, "待受理", lambda user: _waiting_first_response(user).count(),
    lambda user: changelist("cases_case_changelist", status__exact=Case.Status.SUBMITTED),
    help="本级及下级工会收到、尚未首次响应的工单"))
register(Queue(
    "cases.case.overdue", GROUP, "已超期", lambda user: _overdue(user).count(),
    lambda user: changelist("cases_case_changelist", overdue="1"), urgent=True,
    help="超过首次响应或办结期限仍未办结的工单"))
register(Queue(
    "cases.case.supervised", GROUP, "督办中", lambda user: _supervised(user).count(),
    lambda user: changelist("cases_case_changelist", supervised__exact="1", status__in=",".join(Case.OPEN_STATES)),
    help="被督办、尚未办结的工单"))


def badges_html(case: Case):
    """Both badges of a case, for templates that list cases outside the queue."""
    return format_html_join("", "<div>{}：{}</div>", [("首次响应", first_response_badge(case)),
                                                       ("办结", resolution_badge(case))])
