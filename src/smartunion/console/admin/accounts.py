"""Console pages of the accounts app: the cadre accounts holding a position in the viewer's scope, and the
signed-in cadre's TOTP enrolment."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from smartunion.accounts.models import User
from smartunion.accounts.services import totp_begin, totp_confirm
from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.qr import qr_svg
from smartunion.orgs.models import Position
from smartunion.orgs.queries import can_manage, is_unrestricted, scoped


@admin.register(User, site=console_site)
class UserAdmin(ScopedAdmin):
    scope_field = None
    list_display = ["username", "display_name", "kind", "masked_phone", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    list_filter = ["kind", "is_active"]
    fields = ["username", "display_name", "kind", "is_active", "totp_enabled", "last_login", "date_joined"]
    readonly_fields = ["kind", "totp_enabled", "last_login", "date_joined"]
    export_clear = {"masked_phone": "phone"}

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return obj.masked_phone

    def get_queryset(self, request):
        """Cadres holding a position inside the viewer's scope."""
        qs = User.objects.all()
        if is_unrestricted(request.user):
            return qs
        positions = scoped(Position.objects.filter(user=OuterRef("pk")), request.user, field="org__path")
        return qs.filter(Exists(positions))

    def clear_export_queryset(self, request, queryset):
        """Cadres holding a position in an org the viewer manages."""
        if is_unrestricted(request.user):
            return queryset
        positions = scoped(Position.objects.filter(user=OuterRef("pk")), request.user, field="org__path",
                           roles=Position.MANAGING_ROLES)
        return queryset.filter(Exists(positions))

    def has_add_permission(self, request):
        return False  # cadre accounts are created with their first position (smartunion seed / import)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return any(can_manage(request.user, p.org) for p in obj.positions.select_related("org"))

    def save_model(self, request, obj, form, change):
        obj.save(update_fields=["username", "display_name", "is_active"])
        log_event("accounts.user.update", actor=request.user, target=obj, data={"fields": form.changed_data})


def totp_view(request):
    """Enrol the signed-in cadre in the TOTP second factor: scan the QR, confirm with a code."""
    user = request.user
    uri = None
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            run_service(totp_confirm, user, code=request.POST.get("code", "").strip())
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, "动态口令已启用，下次登录时需要输入")
            return redirect("console:totp")
    if request.method == "POST" and request.POST.get("action") == "begin":
        uri = totp_begin(user)
    context = {
        **console_site.each_context(request), "title": "动态口令（双因素认证）", "enabled": user.totp_enabled,
        "qr": mark_safe(qr_svg(uri)) if uri else None,  # noqa: S308  our own generated SVG
        "secret": user.totp_pending if uri else "",
    }
    return TemplateResponse(request, "console/totp.html", context)


console_site.register_page("security/totp/", totp_view, name="totp")
