"""Console page of the holiday schedules: platform operators and provincial federations load a year's official
schedule (the State Council notice), which then takes precedence in every deadline (core.calendar)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from unfold.widgets import UnfoldAdminTextareaWidget

from smartunion.console.admin import ScopedAdmin
from smartunion.console.site import console_site
from smartunion.core.calendar import (
    Source,
    clean_holiday_schedule,
    format_date_ranges,
    load_holiday_schedule,
    may_load_holiday_schedules,
    year_source,
)
from smartunion.core.errors import DomainError
from smartunion.core.models import HolidaySchedule

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
        except (ValidationError, DomainError) as exc:
            names = {"year": "year" if "year" in self.fields else None, "holidays": "holidays_text",
                     "workdays": "workdays_text"}
            fields = exc.fields if isinstance(exc, DomainError) else exc.message_dict
            for key, errors in fields.items():
                self.add_error(names.get(key), errors)
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
        result = self.run_service(load_holiday_schedule, year=data["year"], holidays=data["holidays"],
                                  workdays=data["workdays"], source=data.get("source", ""), by=request.user)
        obj.pk = result.schedule.pk
        messages.success(request, f"已{'导入' if result.created else '更新'}{result.schedule.year}年节假日安排，"
                                  f"重新计算了 {result.recomputed} 件办理中事项的期限")
