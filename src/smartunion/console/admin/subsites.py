"""Console page of the subsites app: each federation sets its city subsite of the worker portal and its notices."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import TabularInline

from smartunion.console.admin.base import ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import can_manage, visible_orgs
from smartunion.subsites import services
from smartunion.subsites.models import Notice, Subsite


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
