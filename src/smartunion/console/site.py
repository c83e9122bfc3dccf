"""The cadres' console: Django admin themed with django-unfold, every page scoped to the cadre's subtree."""

from django import forms
from django.urls import reverse_lazy
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from smartunion.core.calendar import may_load_holiday_schedules
from smartunion.orgs.queries import is_unrestricted, managed_paths


class ConsoleLoginForm(AuthenticationForm):
    """Username + password, plus the TOTP code for accounts that enabled it; lockout messages in Chinese."""

    otp = forms.CharField(label="动态口令（如已启用）", required=False, max_length=6)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码错误",
        "inactive": "该账号已停用",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            from smartunion.accounts.services import LoginError, authenticate_login

            # Through the accounts service, as the portal and the API: axes throttling, the same answers.
            try:
                self.user_cache = authenticate_login(login=username, password=password,
                                                     otp=self.cleaned_data.get("otp", ""), request=self.request)
            except LoginError as exc:
                raise forms.ValidationError(exc.message, code="invalid_login") from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        # Ours first: Django's admin form would tell a worker only "wrong password".
        if user.is_active and not (user.is_staff and (is_unrestricted(user) or managed_paths(user))):
            raise forms.ValidationError("该账号没有管理后台权限", code="no_console")
        super().confirm_login_allowed(user)


class ConsoleSite(UnfoldAdminSite):
    site_header = "智慧工会管理后台"
    site_title = "智慧工会"
    index_title = "工作台"
    login_form = ConsoleLoginForm
    login_template = "console/login.html"

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and (is_unrestricted(user) or managed_paths(user)))

    def get_urls(self):
        from django.urls import path

        return [path("security/totp/", self.admin_view(self.totp_view), name="totp"), *super().get_urls()]

    def totp_view(self, request):
        """Enrol the signed-in cadre in the TOTP second factor: scan the QR, confirm with a code."""
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse
        from django.utils.safestring import mark_safe

        from smartunion.accounts.services import totp_begin, totp_confirm
        from smartunion.core.errors import DomainError
        from smartunion.core.qr import qr_svg

        user = request.user
        uri = None
        if request.method == "POST" and request.POST.get("action") == "confirm":
            try:
                totp_confirm(user, code=request.POST.get("code", "").strip())
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "动态口令已启用，下次登录时需要输入")
                return redirect("console:totp")
        if request.method == "POST" and request.POST.get("action") == "begin":
            uri = totp_begin(user)
        context = {
            **self.each_context(request), "title": "动态口令（双因素认证）", "enabled": user.totp_enabled,
            "qr": mark_safe(qr_svg(uri)) if uri else None,  # noqa: S308  our own generated SVG
            "secret": user.totp_pending if uri else "",
        }
        return TemplateResponse(request, "console/totp.html", context)


console_site = ConsoleSite(name="console")


def navigation(request):
    """The sidebar, in Chinese, grouped by what a cadre does."""
    def link(name):
        return reverse_lazy(f"console:{name}")

    return [
        {
            "title": "组织管理",
            "items": [
                {"title": "工会组织", "icon": "account_tree", "link": link("orgs_organisation_changelist")},
                {"title": "用人单位", "icon": "apartment", "link": link("orgs_employer_changelist")},
                {"title": "干部职务", "icon": "badge", "link": link("orgs_position_changelist")},
            ],
        },
        {
            "title": "职工门户",
            "items": [
                {"title": "城市频道与公告", "icon": "campaign", "link": link("portal_channel_changelist")},
            ],
        },
        {
            "title": "会员管理",
            "items": [
                {"title": "入会申请审核", "icon": "how_to_reg", "link": link("members_joinapplication_changelist")},
                {"title": "会籍转移", "icon": "swap_horiz", "link": link("members_transfer_changelist")},
                {"title": "会籍", "icon": "card_membership", "link": link("members_membership_changelist")},
                {"title": "职工实名信息", "icon": "person", "link": link("members_person_changelist")},
                {"title": "名册导入导出", "icon": "upload_file", "link": link("members_rosterimport_changelist")},
            ],
        },
        {
            "title": "系统",
            "items": [
                {"title": "账号", "icon": "manage_accounts", "link": link("accounts_user_changelist")},
                {"title": "审计日志", "icon": "history", "link": link("core_auditevent_changelist")},
                {"title": "动态口令", "icon": "key", "link": link("totp")},
                {"title": "节假日安排", "icon": "event", "link": link("core_holidayschedule_changelist"),
                 "permission": lambda request: may_load_holiday_schedules(request.user)},
                {"title": "消息发件箱", "icon": "outbox", "link": link("core_outboxmessage_changelist"),
                 "permission": lambda request: request.user.is_superuser},
            ],
        },
    ]
