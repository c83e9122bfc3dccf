"""Console page of the subsites app: each federation sets its city subsite of the worker portal and its notices."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from unfold.admin import TabularInline

from smartunion.console.admin.base import ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import can_manage, visible_orgs
from smartunion.subsites import services
from smartunion.subsites.models import Notice, Subsite
from smartunion.subsites.queries import SERVICE_KEYS

# What a cadre reads for each service key of the portal's grid (the portal names its tiles the same way; a test holds
# the keys equal to subsites.queries.SERVICE_KEYS).
SERVICE_LABELS = {"join": "我要入会", "membership": "我的会籍", "card": "会员证", "directory": "找工会",
                  "notices": "通知公告", "news": "工会新闻", "rights": "我要维权", "legal_aid": "法律援助",
                  "counselling": "心理咨询", "assistance": "困难帮扶", "me": "我的"}


def full_order(order) -> list[str]:
    """A stored order completed as the portal shows it: its own keys first, then the rest in the default order."""
    keys = [key for key in (order if isinstance(order, list) else []) if isinstance(key, str)]
    return [key for key in dict.fromkeys([*keys, *SERVICE_KEYS]) if key in SERVICE_KEYS]


class ServiceOrderWidget(forms.Widget):
    """服务排序 as a list of the services, each with its place (第1位, 第2位...) chosen from a list: no code to type,
    no JSON. Two services given the same place keep their default order."""

    template_name = "console/widgets/service_order.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        places = [(n, f"第{n}位") for n in range(1, len(SERVICE_KEYS) + 1)]
        context["widget"]["services"] = [
            {"key": key, "label": SERVICE_LABELS.get(key, key), "name": f"{name}__{key}", "place": place,
             "id": f"{context['widget']['attrs'].get('id', name)}_{key}"}
            for place, key in enumerate(full_order(value), start=1)]
        context["widget"]["places"] = places
        return context

    def value_from_datadict(self, data, files, name):
        chosen = []
        for index, key in enumerate(SERVICE_KEYS):
            place = str(data.get(f"{name}__{key}", "")).strip()
            chosen.append((int(place) if place.isdigit() else len(SERVICE_KEYS) + 1, index, key))
        return [key for _place, _index, key in sorted(chosen)]

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}__{key}" in data for key in SERVICE_KEYS)


class ServiceOrderField(forms.Field):
    widget = ServiceOrderWidget

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        return full_order(value) if value else []

    def has_changed(self, initial, data):
        return full_order(initial) != full_order(data)


class NoticeInline(TabularInline):
    model = Notice
    extra = 1
    fields = ["title", "body", "published_at", "pinned"]

    # The subsite's own right decides; cadres hold no Django model permissions.
    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)

    def has_change_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)


@admin.register(Subsite, site=console_site)
class SubsiteAdmin(ScopedAdmin):
    scope_field = "org__path"
    list_display = ["name", "org", "banner_title", "updated_at"]
    search_fields = ["name", "org__name"]
    fields = ["org", "name", "banner_title", "banner_text", "service_order"]
    inlines = [NoticeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def org_of(self, obj):
        return obj.org

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "service_order":
            return ServiceOrderField(label=db_field.verbose_name, required=False,
                                     help_text="职工门户首页各项服务的先后顺序")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = visible_orgs(request.user).filter(kind__in=Organisation.FEDERATION_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        run_service(services.subsite_save, obj, by=request.user, changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        for notice in formset.save(commit=False):
            run_service(services.notice_save, notice, by=request.user, changed=["notice"])
        for notice in formset.deleted_objects:
            run_service(services.notice_delete, notice, by=request.user)
