"""Console pages of the core app: the audit log (in words, filtered and exported), the message outbox, the holiday
schedules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, DropdownFilter, RangeDateFilter, TextFilter
from unfold.utils import parse_date_str
from unfold.widgets import UnfoldAdminTextareaWidget

from smartunion.console.admin.base import REFUSALS, ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import action_label, readable_data, readable_text, registered_actions
from smartunion.core.calendar import (
    Source,
    clean_holiday_schedule,
    format_date_ranges,
    load_holiday_schedule,
    may_load_holiday_schedules,
    year_source,
)
from smartunion.core.models import AuditEvent, HolidaySchedule, OutboxMessage
from smartunion.core.pagination import CappedPaginator, capped_count
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import scope_q, visible_orgs

# Audit log: read-only, scoped by the orgs each event concerns, in words (core.audit's labels), filtered by time,
# operator, action and org, exported as it is filtered (ExportMixin, audited).


class AuditTimeFilter(RangeDateFilter):
    """时间: from one day to another, inclusive, in the deployment's days (created_at is a date and time)."""

    def queryset(self, request, queryset):
        bounds = {}
        for suffix, lookup, shift in (("_from", "gte", 0), ("_to", "lt", 1)):
            value = self.used_parameters.get(f"{self.parameter_name}{suffix}")
            if value in (None, ""):
                continue
            day = parse_date_str(value) if isinstance(value, str) else None
            if day is None:
                return queryset.none()
            start = dt.datetime.combine(day + dt.timedelta(days=shift), dt.time.min)
            bounds[f"created_at__{lookup}"] = timezone.make_aware(start)
        return queryset.filter(**bounds)


class OperatorFilter(TextFilter):
    title = "操作人"
    parameter_name = "actor"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(actor_label=value) | Q(actor__display_name=value))

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "selected": bool(self.value()), "display": self.value()}


class ActionFilter(DropdownFilter):
    """操作: the declared actions by their labels (the dotted code is the value, as in the API)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(registered_actions().items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "selected": bool(self.value()), "display": action_label(self.value() or "")}


class OrgSubtreeFilter(AutocompleteSelectFilter):
    """组织: the events of an org and of everything below it (either end of a transfer), chosen among the orgs the
    cadre sees; another id is no org at all."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "组织（含下级）"
        self.org = None
        value = self.value()
        if value not in (None, "", []):
            value = value[0] if isinstance(value, list) else value
            self.org = visible_orgs(request.user).filter(pk=value).first() if str(value).isdigit() else None

    def queryset(self, request, queryset):
        if self.value() in (None, "", []):
            return queryset
        if self.org is None:
            return queryset.none()
        return queryset.filter(subtree_q(self.org.path, "org_path") | subtree_q(self.org.path, "also_org_path"))

    def choices(self, changelist):
        for choice in super().choices(changelist):
            field = choice["form"].fields[self.lookup_kwarg]
            field.queryset = visible_orgs(self.request.user)  # the selected org is named only when it is visible
            yield {**choice, "selected": self.org is not None, "display": self.org.name if self.org else ""}


class AuditPaginator(CappedPaginator):
    """Counts the events without the columns the page shows (the second org's name is a subquery per row)."""

    @cached_property
    def count(self):
        return capped_count(self.object_list.values("pk"))[0]


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


@admin.register(AuditEvent, site=console_site)
class AuditEventAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["when", "operator", "action_shown", "target", "orgs", "details", "ip"]
    paginator = AuditPaginator
    list_filter = [("created_at", AuditTimeFilter), OperatorFilter, ActionFilter, ("org", OrgSubtreeFilter)]
    list_filter_submit = True  # the time range and the operator are typed: one 应用 button for them all
    search_fields = ["action"]
    search_help_text = "按操作代码查找，如 members.join_application（代码以此开头的操作）"
    readonly_fields = ["when", "operator", "action_shown", "target", "orgs", "details_listed", "ip"]
    fields = readonly_fields
    # The file: the action's label and its code in their own columns, the data in words.
    export_columns = ["created_at", "operator", "action_name", "action", "target", "orgs", "details", "ip"]

    def get_queryset(self, request):
        """Events filed in an org of the scope, or naming one as their second org (the other end of a transfer,
        the union a join application was forwarded from): both ends' cadres see them. Events of no org are the
        platform operators' only. The second org's name comes with the row (one query for the page)."""
        also = Organisation.objects.filter(path=OuterRef("also_org_path")).values("name")[:1]
        queryset = AuditEvent.objects.select_related("org", "actor").annotate(also_org_name=Subquery(also))
        in_org = scope_q(request.user, field="org_path")
        if in_org is None:
            return queryset
        return queryset.filter(in_org | scope_q(request.user, field="also_org_path"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(action__startswith=term) if term else queryset), False

    @admin.display(description="时间", ordering="created_at")
    def when(self, obj):
        return format_html('<span class="whitespace-nowrap">{}</span>', _when(obj.created_at))

    @admin.display(description="操作人")
    def operator(self, obj):
        actor = obj.actor
        name = getattr(actor, "display_name", "") if actor is not None else ""
        label = obj.actor_label or "系统"
        return f"{name}（{label}）" if name and name != label else label

    @admin.display(description="操作")
    def action_shown(self, obj):
        return format_html('{}<span class="block text-xs text-font-subtle-light dark:text-font-subtle-dark">{}</span>',
                           action_label(obj.action), obj.action)

    @admin.display(description="操作")
    def action_name(self, obj):
        return action_label(obj.action)

    @admin.display(description="对象")
    def target(self, obj):
        if not obj.target_label:
            return ""
        try:
            kind = str(apps.get_model(obj.target_type)._meta.verbose_name) if obj.target_type else ""
        except (LookupError, ValueError):
            kind = ""
        return f"{kind}：{obj.target_label}" if kind else obj.target_label

    @admin.display(description="所属组织")
    def orgs(self, obj):
        names = [name for name in (obj.org.name if obj.org_id and obj.org else "",
                                   getattr(obj, "also_org_name", "") or "") if name]
        return "、".join(dict.fromkeys(names))

    @admin.display(description="详情")
    def details(self, obj):
        return readable_text(obj.action, obj.data, target_type=obj.target_type)

    @admin.display(description="详情")
    def details_listed(self, obj):
        pairs = readable_data(obj.action, obj.data, target_type=obj.target_type)
        if not pairs:
            return "无"
        return format_html_join("", '<div><span class="text-font-subtle-light">{}：</span>{}</div>', pairs)


@admin.register(OutboxMessage, site=console_site)
class OutboxAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["created_at", "channel", "recipient_masked", "subject", "status"]
    list_filter = ["channel", "status"]
    readonly_fields = ["created_at", "channel", "recipient_masked", "subject", "body", "status", "sent_at", "error"]
    fields = readonly_fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


# Holiday schedules: platform operators and provincial federations load a year's official schedule (the State
# Council notice), which then takes precedence in every deadline (core.calendar).

RANGE_HELP = "每行一个日期或一段日期，如 2027-01-01 或 2027-02-05~2027-02-11"


class HolidayScheduleForm(forms.ModelForm):
    holidays_text = forms.CharField(
        label="放假日期", widget=UnfoldAdminTextareaWidget(attrs={"rows": 10}),
        help_text=f"{RANGE_HELP}。按通知填写全部放假日期，假期中的周六、周日也写上")
    workdays_text = forms.CharField(
        label="调休上班日期", required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
        help_text="通知中需要上班的周六、周日，每行一个，如 2027-02-20")

    class Meta:
        model = HolidaySchedule
        fields = ["year", "source"]
        error_messages = {"year": {"unique": "该年份的节假日安排已导入，请在列表中打开它修改"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["holidays_text"].initial = "\n".join(format_date_ranges(self.instance.holidays))
            self.fields["workdays_text"].initial = "\n".join(format_date_ranges(self.instance.workdays))

    def clean(self):
        data = super().clean()
        year = data.get("year") or self.instance.year
        if year is None or "holidays_text" in self.errors:
            return data
        # The service's own checks, shown next to the fields they concern.
        try:
            data["year"], data["holidays"], data["workdays"] = clean_holiday_schedule(
                year=year, holidays=data.get("holidays_text", ""), workdays=data.get("workdays_text", ""))
        except REFUSALS as exc:
            refused = Refused.of(exc)
            names = {"holidays": "holidays_text", "workdays": "workdays_text"}
            refused.fields = {names.get(key, key): texts for key, texts in refused.fields.items()}
            refused.show(None, self)
        return data


@admin.register(HolidaySchedule, site=console_site)
class HolidayScheduleAdmin(ScopedAdmin):
    form = HolidayScheduleForm
    scope_field = None
    list_display = ["year", "holiday_count", "workday_count", "source", "loaded_at", "loaded_by"]
    fields = ["year", "source", "holidays_text", "workdays_text"]
    ordering = ["-year"]

    def get_queryset(self, request):
        # One schedule for the whole deployment: no org scope, only the right to maintain it.
        return HolidaySchedule.objects.select_related("loaded_by")

    def get_readonly_fields(self, request, obj=None):
        return ["year"] if obj is not None else []

    def has_module_permission(self, request):
        return may_load_holiday_schedules(request.user)

    def has_view_permission(self, request, obj=None):
        return may_load_holiday_schedules(request.user)

    def has_add_permission(self, request):
        return may_load_holiday_schedules(request.user)

    def has_change_permission(self, request, obj=None):
        return may_load_holiday_schedules(request.user)

    @admin.display(description="放假天数")
    def holiday_count(self, obj):
        return len(obj.holidays)

    @admin.display(description="调休上班天数")
    def workday_count(self, obj):
        return len(obj.workdays)

    def changelist_view(self, request, extra_context=None):
        # What the operator is here for: this year's and next year's deadlines resting on an estimate.
        this_year = timezone.localdate().year
        for year in (this_year, this_year + 1) if self.has_view_permission(request) else ():
            if year_source(year) is Source.ESTIMATE:
                messages.warning(request, f"{year}年尚无官方节假日安排，涉及该年的期限按法定节假日预估"
                                          f"（标注“按预估假期计算”）；国务院办公厅通知发布后请在此导入")
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        result = run_service(load_holiday_schedule, year=data["year"], holidays=data["holidays"],
                             workdays=data["workdays"], source=data.get("source", ""), by=request.user)
        obj.pk = result.schedule.pk
        messages.success(request, f"已{'导入' if result.created else '更新'}{result.schedule.year}年节假日安排，"
                                  f"重新计算了 {result.recomputed} 件办理中事项的期限")
