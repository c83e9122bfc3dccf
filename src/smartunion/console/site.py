"""The cadres' console: Django admin themed with django-unfold, every page scoped to the cadre's subtree.

Which pages a cadre may open depends on their roles (PAGE_RULES below): the site refuses every view of a page to a
cadre its rule excludes (403), and leaves it out of the sidebar and the app list, so a menu entry shows exactly when
its page opens. The pages' own rights (has_module_permission, scoped querysets) apply on top.
"""

from collections.abc import Callable
from functools import update_wrapper
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse_lazy
from django.utils.text import format_lazy
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from smartunion.assistance.rules import may_manage_assistance, may_run_assistance
from smartunion.cases.services.legal_aid import HANDLING_ROLES as LEGAL_AID_ROLES
from smartunion.console import workbench
from smartunion.core.calendar import may_load_holiday_schedules
from smartunion.documents.rules_approvals import may_define_forms_somewhere
from smartunion.editorial.rules import may_maintain_words, may_use_desk, may_watch
from smartunion.orgs.models import SEGMENT, Organisation, Position
from smartunion.orgs.queries import is_unrestricted, managed_paths

# Roles and pages: the province's pages are for the cadres who manage a federation, not for a grassroots union's
# chair or a reviewer.

CADRE_FEDERATIONS = (Organisation.Kind.NATIONAL, Organisation.Kind.PROVINCE, Organisation.Kind.CITY,
                     Organisation.Kind.COUNTY)
SUBSITE_FEDERATIONS = (Organisation.Kind.NATIONAL, Organisation.Kind.PROVINCE, Organisation.Kind.CITY)
_KINDS_ATTR = "_console_managed_federation_kinds"


def managed_federation_kinds(user) -> frozenset[str]:
    """The kinds of the federations where the user is a chair or an administrator.

    Asked by the sidebar on every page: a federation is at most a county one, four levels from the root, so a cadre
    whose managed orgs all lie deeper (a grassroots union's chair) needs no query beyond the cached scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if not any(len(p) <= 4 * SEGMENT for p in managed_paths(user, roles=Position.MANAGING_ROLES)):
        return frozenset()
    if _KINDS_ATTR not in user.__dict__:
        user.__dict__[_KINDS_ATTR] = frozenset(Position.objects.filter(
            user=user, role__in=Position.MANAGING_ROLES, org__status=Organisation.Status.ACTIVE,
            org__kind__in=Organisation.FEDERATION_KINDS).values_list("org__kind", flat=True).distinct())
    return user.__dict__[_KINDS_ATTR]


def may_manage_cadres(user) -> bool:
    """Accounts and positions (账号, 干部职务): platform operators and the chairs and administrators of a federation
    (national to county)."""
    return is_unrestricted(user) or bool(managed_federation_kinds(user) & set(CADRE_FEDERATIONS))


def may_edit_subsites(user) -> bool:
    """City subsites and their notices (城市分站与公告): platform operators and the chairs and administrators of a
    national, provincial or city federation (the federations that run a subsite)."""
    return is_unrestricted(user) or bool(managed_federation_kinds(user) & set(SUBSITE_FEDERATIONS))


def may_read_audit_log(user) -> bool:
    """The audit log (审计日志): platform operators, chairs, administrators and auditors; not reviewers or editors."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES)) or bool(
        managed_paths(user, roles=(Position.Role.AUDITOR,)))


def may_run_benefits(user) -> bool:
    """Benefits (惠工活动, coupons, merchants): chairs, administrators and editors; not reviewers or auditors. The
    managing positions are read on every page already (the add buttons), so only someone without one pays a query
    for the editor check."""
    return (is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))
            or bool(managed_paths(user, roles=(Position.Role.EDITOR,))))


def may_handle_legal_aid(user) -> bool:
    """The legal-aid queue (法律援助申请): chairs, administrators and reviewers, the roles that review one."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=LEGAL_AID_ROLES))


def may_manage_counselling(user) -> bool:
    """The lawyer directory and the counsellors: chairs and administrators."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


def may_manage_integrations(user) -> bool:
    """Single sign-on clients, webhooks and their deliveries: chairs and administrators (registering a client
    re-checks for a province or city federation)."""
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


def may_run_federation_data(user) -> bool:
    """Member-tag rules, API keys, open data and the national-layout export: chairs and administrators of a
    federation (creating a key re-checks for a province or city federation)."""
    return is_unrestricted(user) or bool(managed_federation_kinds(user))


def _superuser(user) -> bool:
    return is_unrestricted(user)


# Model label -> who may open its pages. A page not listed here is open to every console user (scoped as ever).
PAGE_RULES: dict[str, Callable[..., bool]] = {
    "accounts.user": may_manage_cadres,
    "orgs.position": may_manage_cadres,
    "subsites.subsite": may_edit_subsites,
    "subsites.notice": may_edit_subsites,
    "core.auditevent": may_read_audit_log,
    "core.holidayschedule": may_load_holiday_schedules,
    "core.outboxmessage": _superuser,
    "benefits.activity": may_run_benefits,
    "benefits.coupon": may_run_benefits,
    "benefits.signup": may_run_benefits,
    "benefits.merchant": may_run_benefits,
    "cases.legalaidapplication": may_handle_legal_aid,
    "cases.lawyer": may_manage_counselling,
    "cases.counsellor": may_manage_counselling,
    "assistance.hardshipfile": may_run_assistance,
    "assistance.application": may_run_assistance,
    "assistance.livingstandard": may_manage_assistance,
    "assistance.programme": may_manage_assistance,
    "assistance.payment": may_manage_assistance,
    "editorial.sensitiveword": may_maintain_words,
    "editorial.article": may_use_desk,
    "editorial.poolitem": may_use_desk,
    "editorial.channel": may_use_desk,
    "editorial.watchrule": may_watch,
    "editorial.watchhit": may_watch,
    "editorial.feedsource": may_watch,
    "editorial.articlecomment": may_watch,
    "documents.approvalform": may_define_forms_somewhere,
    "insight.clientprofile": may_manage_integrations,
    "insight.webhook": may_manage_integrations,
    "insight.webhookdelivery": may_manage_integrations,
    "insight.tagrule": may_run_federation_data,
    "insight.apikey": may_run_federation_data,
}


class ConsoleLoginForm(AuthenticationForm):
    """Username + password, plus the TOTP code for accounts that enabled it; lockout messages in Chinese."""

    otp = forms.CharField(label="动态口令（如已启用）", required=False, max_length=6, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}))

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
    site_header = f"{settings.PLATFORM_NAME}管理后台"
    site_title = settings.PLATFORM_NAME
    index_title = "工作台"
    empty_value_display = "—"  # an empty cell in every list, as the lists' own columns write it
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

    # Pages by role (PAGE_RULES).

    def may_open(self, request, label: str) -> bool:
        """May the user open the pages of the model `label` ("accounts.user")? Its rule, and its admin's own
        module permission."""
        model_admin = self._registry.get(apps.get_model(label))
        if model_admin is None:
            return False
        rule = PAGE_RULES.get(label)
        return (rule is None or rule(request.user)) and model_admin.has_module_permission(request)

    def admin_view(self, view, cacheable=False):
        """Every view of a model's pages (its lists, forms and own extra pages, which model admins wrap here too)
        refuses a cadre that the page's rule excludes: 403, as for a page they may not open at all."""
        wrapped = super().admin_view(view, cacheable)
        model = getattr(getattr(view, "__self__", None), "model", None)
        rule = PAGE_RULES.get(model._meta.label_lower) if model is not None else None
        if rule is None:
            return wrapped

        def guarded(request, *args, **kwargs):
            if self.has_permission(request) and not rule(request.user):
                raise PermissionDenied
            return wrapped(request, *args, **kwargs)

        return update_wrapper(guarded, wrapped)

    def get_app_list(self, request, app_label=None):
        """Once per request: the workbench (index) asks for it, and so does every page's context (available_apps)."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        if not hasattr(request, "_console_app_list"):
            request._console_app_list = super().get_app_list(request)
        return request._console_app_list

    def _build_app_dict(self, request, label=None):
        app_dict = super()._build_app_dict(request, label)
        for app_label in list(app_dict):
            app = app_dict[app_label]
            app["models"] = [entry for entry in app["models"]
                             if PAGE_RULES.get(entry["model"]._meta.label_lower, _anyone)(request.user)]
            if not app["models"]:
                del app_dict[app_label]
        return app_dict


def _anyone(user) -> bool:
    return True


console_site = ConsoleSite(name="console")


def navigation(request):
    """The sidebar, in Chinese, grouped by what a cadre does; only the entries whose page the user may open."""
    def link(name):
        return reverse_lazy(f"console:{name}")

    def page(title, icon, label, name=None):
        name = name or f"{label.replace('.', '_')}_changelist"
        return {"title": title, "icon": icon, "link": link(name), "_allowed": console_site.may_open(request, label)}

    def listing(title, icon, label, query):
        """A page's list with a filter in the address (one model, several lists)."""
        entry = page(title, icon, label)
        return {**entry, "link": format_lazy("{}?{}", entry["link"], query)}

    def anyone(title, icon, name):
        return {"title": title, "icon": icon, "link": link(name), "_allowed": True}

    groups = [
        ("首页", [anyone("工作台", "dashboard", "index")]),
        ("组织管理", [
            page("工会组织", "account_tree", "orgs.organisation"),
            page("用人单位", "apartment", "orgs.employer"),
            page("干部职务", "badge", "orgs.position"),
        ]),
        ("职工门户", [page("城市分站与公告", "campaign", "subsites.subsite")]),
        ("会员管理", [
            anyone("查找人员", "person_search", "people_search"),
            page("入会申请审核", "how_to_reg", "members.joinapplication"),
            page("会籍转移", "swap_horiz", "members.transfer"),
            page("会籍", "card_membership", "members.membership"),
            page("职工实名信息", "person", "members.person"),
            page("名册导入导出", "upload_file", "members.rosterimport"),
        ]),
        ("惠工服务", [
            page("惠工活动", "redeem", "benefits.activity"),
            page("活动报名", "event_available", "benefits.signup"),
            page("领券与核销", "confirmation_number", "benefits.coupon"),
            page("商户", "storefront", "benefits.merchant"),
        ]),
        ("维权服务", [
            page("维权工单", "support_agent", "cases.case"),
            page("12351热线登记", "call", "cases.case", name="cases_case_hotline"),
            page("督办工单", "flag", "cases.case", name="cases_case_supervised"),
            page("工单统计", "bar_chart", "cases.case", name="cases_case_stats"),
            page("办理时限", "schedule", "cases.deadlinerule"),
            page("法律援助申请", "gavel", "cases.legalaidapplication"),
            page("援助律师库", "balance", "cases.lawyer"),
            page("心理咨询师", "psychology", "cases.counsellor"),
        ]),
        ("困难帮扶", [
            page("困难职工档案", "folder_shared", "assistance.hardshipfile"),
            page("帮扶申请审核", "fact_check", "assistance.application"),
            page("帮扶项目", "volunteer_activism", "assistance.programme"),
            page("资金发放", "payments", "assistance.payment"),
            page("最低生活保障标准", "rule", "assistance.livingstandard"),
        ]),
        ("新媒体宣传", [
            page("稿件", "article", "editorial.article"),
            page("稿件库", "move_to_inbox", "editorial.poolitem"),
            page("发布渠道", "share", "editorial.channel"),
            page("传播力排行", "leaderboard", "editorial.channel", name="editorial_channel_ranking"),
            page("舆情信息", "crisis_alert", "editorial.watchhit"),
            page("监测规则", "manage_search", "editorial.watchrule"),
            page("舆情订阅源", "rss_feed", "editorial.feedsource"),
            page("文章评论", "forum", "editorial.articlecomment"),
            page("敏感词库", "spellcheck", "editorial.sensitiveword"),
        ]),
        ("公文处理", [
            page("发文", "description", "documents.outgoingdocument"),
            page("收文", "inbox", "documents.incomingdocument"),
            page("公文交换", "swap_horiz", "documents.exchange"),
            page("信息报送", "campaign", "documents.inforeport"),
            page("信息采用", "fact_check", "documents.inforeport", name="documents_reports_inbox"),
            page("信息排行", "leaderboard", "documents.inforeport", name="documents_reports_ranking"),
        ]),
        ("办公事务", [
            page("发起审批", "edit_note", "documents.approvalrequest", name="documents_approvalrequest_start"),
            page("待我审批", "pending_actions", "documents.approvalrequest",
                 name="documents_approvalrequest_waiting"),
            page("我的申请", "assignment", "documents.approvalrequest", name="documents_approvalrequest_mine"),
            page("本单位审批", "fact_check", "documents.approvalrequest"),
            page("会议", "groups", "documents.meeting"),
            page("安排会议", "event", "documents.meeting", name="documents_meeting_schedule"),
            page("我的会议", "event_available", "documents.invitation"),
            page("督办事项", "task_alt", "documents.actionitem"),
        ]),
        ("办公设置", [
            page("发文字号规则", "format_list_numbered", "documents.numberingrule"),
            page("部门", "groups", "documents.department"),
            page("计分规则", "scoreboard", "documents.reportscore"),
            page("审批表单", "dynamic_form", "documents.approvalform"),
            page("会议室", "meeting_room", "documents.room"),
        ]),
        ("数据平台", [
            page("数据看板", "monitoring", "insight.figure", name="insight_dashboard"),
            page("数据大屏", "tv", "insight.figure", name="insight_screen"),
            page("考核方案", "military_tech", "insight.assessmentscheme"),
            listing("未建会企业", "domain_disabled", "insight.companyrecord", "list=unorganised"),
            listing("注销仍在册工会", "domain_verification_off", "insight.companyrecord", "list=closed"),
            page("建会率统计", "pie_chart", "insight.companyrecord", name="insight_companyrecord_coverage"),
            page("登记企业", "domain", "insight.companyrecord"),
            page("待确认匹配", "rule", "insight.matchcandidate"),
            page("政务数据导入", "upload_file", "insight.registryimport"),
            page("画像标签规则", "sell", "insight.tagrule"),
            page("开放数据", "public", "insight.apikey", name="insight_open_data"),
            page("数据上报", "outbox", "insight.apikey", name="insight_open_national"),
        ]),
        ("开放接口", [
            page("单点登录应用", "login", "insight.clientprofile"),
            page("接口密钥", "key", "insight.apikey"),
            page("事件推送", "webhook", "insight.webhook"),
            page("推送记录", "send", "insight.webhookdelivery"),
        ]),
        ("系统", [
            page("账号", "manage_accounts", "accounts.user"),
            page("审计日志", "history", "core.auditevent"),
            anyone("动态口令", "key", "totp"),
            page("节假日安排", "event", "core.holidayschedule"),
            page("消息发件箱", "outbox", "core.outboxmessage"),
        ]),
    ]
    navigation = []
    for title, items in groups:
        allowed = [{k: v for k, v in item.items() if k != "_allowed"} for item in items if item["_allowed"]]
        if allowed:
            navigation.append({"title": title, "items": allowed})
    mark_active(request, [item for group in navigation for item in group["items"]])
    return navigation


def mark_active(request, items: list[dict]) -> None:
    """One sidebar entry is highlighted: the one whose address is the longest prefix of the page's, and among
    entries of the same page the one whose filter the address carries (未建会企业, not also 登记企业 and 注销仍在册工会,
    which unfold's own rule, "the link's path is in the page's path", would light up together)."""
    best, best_key = None, (-1, -1)
    index_path = str(reverse_lazy("console:index"))
    for item in items:
        link = urlsplit(str(item["link"]))
        if link.path == index_path and request.path != index_path:
            continue
        if not request.path.startswith(link.path):
            continue
        wanted = parse_qs(link.query)
        if any(request.GET.getlist(key) != values for key, values in wanted.items()):
            continue
        key = (len(link.path), len(wanted))
        if key > best_key:
            best, best_key = item, key
    for item in items:
        item["active"] = item is best
