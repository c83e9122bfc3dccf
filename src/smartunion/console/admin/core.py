"""Console pages of the core app: the audit log, the message outbox, the holiday schedules."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextareaWidget

from smartunion.console.admin.base import REFUSALS, ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.calendar import (
    Source,
    clean_holiday_schedule,
    format_date_ranges,
    load_holiday_schedule,
    may_load_holiday_schedules,
    year_source,
)
from smartunion.core.models import AuditEvent, HolidaySchedule, OutboxMessage
from smartunion.orgs.queries import scope_q

# Audit log: read-only, scoped by the orgs each event concerns.


@admin.register(AuditEvent, site=console_site)
class AuditEventAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label", "org", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label"]
    readonly_fields = ["created_at", "actor_label", "action", "target_type", "target_id", "target_label", "org",
                       "data", "ip"]
    fields = readonly_fields

    def get_queryset(self, request):
        """Events filed in an org of the scope, or naming one as their second org (the other end of a transfer,
        the union a join application was forwarded from): both ends' cadres see them. Events of no org are the
        platform operators' only."""
        queryset = AuditEvent.objects.select_related("org")
        in_org = scope_q(request.user, field="org_path")
        if in_org is None:
            return queryset
        return queryset.filter(in_org | scope_q(request.user, field="also_org_path"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(action__startswith=term) if term else queryset), False


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
