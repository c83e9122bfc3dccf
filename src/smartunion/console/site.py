"""The cadres' console: Django admin themed with django-unfold, every page scoped to the cadre's subtree."""

from django import forms
from django.urls import path, reverse_lazy
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from smartunion.console import workbench
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
    index_template = "console/workbench.html"
    login_form = ConsoleLoginForm
    login_template = "console/login.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list = []

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and (is_unrestricted(user) or managed_paths(user)))

    def index(self, request, extra_context=None):
        """The workbench (console/workbench.py): the queues the cadre may see, with their counts, and the scope's
        member figures; a fixed number of queries whatever the size of the scope."""
        scope_orgs, figures = workbench.figures_for(request.user)
        context = {"queue_groups": workbench.waiting_for(request.user), "scope_orgs": scope_orgs,
                   "figures": figures, **(extra_context or {})}
        return super().index(request, context)

    def register_page(self, route: str, view, *, name: str) -> None:
        """A console page that belongs to no model list (the TOTP enrolment): registered by its admin module,
        served under /console/<route> as console:<name>, behind the console's log-in and permission."""
        self._pages.append((route, view, name))

    def get_urls(self):
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return [*pages, *super().get_urls()]


console_site = ConsoleSite(name="console")


def navigation(request):
    """The sidebar, in Chinese, grouped by what a cadre does."""
    def link(name):
        return reverse_lazy(f"console:{name}")

    return [
        {
            "title": "首页",
            "items": [
                {"title": "工作台", "icon": "dashboard", "link": link("index")},
            ],
        },
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
                {"title": "城市分站与公告", "icon": "campaign", "link": link("subsites_subsite_changelist")},
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
