"""Console pages of the data platform: integrator access (single sign-on clients and webhooks).

- 单点登录应用 (ClientProfile changelist): the OIDC clients registered in the cadre's subtree (name, org, client id,
  allowed scopes, redirect addresses); 登记应用 (new/) for a chair or administrator of a province or city federation:
  the client secret is shown once on the page that follows; 吊销 (<id>/revoke/) after confirmation.
- 事件推送 (Webhook changelist): the endpoints of the orgs the cadre manages; 登记推送地址 (new/), the signing secret
  shown once; 删除 (<id>/delete/) after confirmation.
- 推送记录 (WebhookDelivery changelist): the deliveries of those webhooks with status, attempts, last error and 重新推送
  (<id>/resend/, asking first).
Every list is scoped by org path to the subtrees where the cadre holds a managing role (chair, administrator).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.insight import rules_access as rules
from smartunion.insight import webhooks
from smartunion.insight.models import ClientProfile, Webhook, WebhookDelivery
from smartunion.insight.services import access
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, is_unrestricted, managed_paths, scoped

MANAGING = tuple(Position.MANAGING_ROLES)
SHOWN_SECRET = "_insight_access_secret"  # noqa: S105  session key: the secret shown once on the page after registration


def may_manage_any(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user, roles=MANAGING))


class AccessAdmin(ScopedAdmin):
    """What the access lists share: managing roles' scope, no Django add/change/delete forms."""

    scope_field = "org_path"
    url_prefix = ""

    def get_queryset(self, request):
        return scoped(self.model._default_manager.all(), request.user, field=self.scope_field, roles=MANAGING)

    def has_module_permission(self, request):
        return may_manage_any(request.user)

    def has_view_permission(self, request, obj=None):
        return may_manage_any(request.user)

    def has_add_permission(self, request):
        return may_manage_any(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("页面不存在")
        return HttpResponseRedirect(self._list_url())

    def _page(self, request, template, **context):
        if not may_manage_any(request.user):
            raise Http404("页面不存在")
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _row(self, request, pk):
        row = self.get_queryset(request).filter(pk=pk).first()
        if row is None:
            raise Http404("记录不存在")
        return row

    def _list_url(self):
        return reverse(f"console:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def _secret_page(self, request, title, rows, note):
        """The page after a registration: the secret, popped from the session (a reload shows it no more)."""
        secret = request.session.pop(SHOWN_SECRET, None)
        return self._page(request, "console/insight_access_secret.html", title=title, rows=rows, secret=secret,
                          note=note, back=self._list_url())


# Single sign-on clients (单点登录应用) ----------------------------------------------------------------------------


class ClientForm(forms.Form):
    org = forms.ModelChoiceField(label="登记单位", queryset=None, widget=UnfoldAdminSelectWidget,
                                 help_text="省、市总工会可以登记本单位的应用")
    name = forms.CharField(label="应用名称", max_length=100, widget=UnfoldAdminTextInputWidget,
                           help_text="职工在授权页面上看到的名称")
    redirect_uris = forms.CharField(label="回调地址", max_length=2000,
                                    widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
                                    help_text="每行一个；须使用 https，本机开发可用 http://127.0.0.1 或 http://localhost")
    scopes = forms.MultipleChoiceField(label="允许的范围", widget=forms.CheckboxSelectMultiple,
                                       help_text="应用请求超出这些范围时只能得到这些范围内的信息；身份标识必选")
    description = forms.CharField(label="说明（选填）", max_length=200, required=False,
                                  widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = rules.client_orgs(user)
        self.fields["scopes"].choices = access.scope_choices()
        self.fields["scopes"].initial = ["openid", "profile"]

    def clean_redirect_uris(self):
        return [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines() if line.strip()]


@admin.register(ClientProfile, site=console_site)
class ClientProfileAdmin(AccessAdmin):
    list_display = ["app_name", "org", "client_id", "scopes_label", "redirects", "created_at", "act_links"]
    search_fields = ["application__name", "application__client_id"]
    ordering = ["org_path", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_access_client_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "org")

    def changelist_view(self, request, extra_context=None):
        # Without a signing key the provider runs plain OAuth2: applications get no id_token (docs/deployment.md).
        oidc_off = not settings.OAUTH2_PROVIDER.get("OIDC_ENABLED")
        return super().changelist_view(request, {"oidc_off": oidc_off, **(extra_context or {})})

    def has_add_permission(self, request):
        # Asked on every console page (the app list): from the cached positions, no query; the form re-checks.
        return is_unrestricted(request.user) or any(
            role in Position.MANAGING_ROLES and kind in (Organisation.Kind.PROVINCE, Organisation.Kind.CITY)
            for role, _path, kind, _org in held_positions(request.user))

    @admin.display(description="应用名称", ordering="application__name")
    def app_name(self, obj):
        return obj.application.name

    @admin.display(description="客户端标识")
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description="允许的范围")
    def scopes_label(self, obj):
        names = dict(access.scope_choices())
        return "、".join(names.get(s, s) for s in obj.allowed_scopes)

    @admin.display(description="回调地址")
    def redirects(self, obj):
        return " ".join(obj.application.redirect_uris.split())

    @admin.display(description="操作")
    def act_links(self, obj):
        return format_html('<a class="text-red-600" href="{}">吊销</a>',
                           reverse("console:insight_access_client_revoke", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="insight_access_client_create"),
            path("<int:pk>/registered/", view(self.registered_view), name="insight_access_client_registered"),
            path("<int:pk>/revoke/", view(self.revoke_view), name="insight_access_client_revoke"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_access_client_create"))

    def create_view(self, request):
        form = ClientForm(request.POST or None, user=request.user)
        if not form.fields["org"].queryset.exists():
            messages.warning(request, "只有省、市总工会的主席或管理员可以登记单点登录应用")
        if request.method == "POST" and form.is_valid():
            try:
                profile, secret = run_service(access.register_client, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                request.session[SHOWN_SECRET] = secret
                return HttpResponseRedirect(reverse("console:insight_access_client_registered", args=[profile.pk]))
        return self._page(request, "console/insight_access_form.html", title="登记单点登录应用", form=form,
                          submit="登记", back=self._list_url())

    def registered_view(self, request, pk):
        profile = self._row(request, pk)
        app = profile.application
        rows = [("应用名称", app.name), ("登记单位", profile.org.name), ("客户端标识（client_id）", app.client_id),
                ("回调地址", " ".join(app.redirect_uris.split())),
                ("发现文档", request.build_absolute_uri("/oauth/.well-known/openid-configuration"))]
        return self._secret_page(request, f"已登记应用“{app.name}”", rows,
                                 "客户端密钥（client_secret）只显示这一次，平台只保存其摘要，请立即交给应用的开发者妥善保存。"
                                 "授权方式为授权码模式，必须使用 PKCE（S256）。")

    def revoke_view(self, request, pk):
        profile = self._row(request, pk)
        if request.method == "POST":
            name = profile.application.name
            try:
                run_service(access.revoke_client, profile, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已吊销应用“{name}”，其令牌全部失效")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/insight_access_confirm.html", title="吊销单点登录应用",
                          question=f"确定吊销“{profile.application.name}”（{profile.org.name}）吗？吊销后该应用的"
                                   "所有授权和令牌立即失效，职工无法再通过它登录，此操作不能撤销。",
                          submit="吊销", back=self._list_url())


# Webhooks (事件推送) ----------------------------------------------------------------------------------------------


class WebhookForm(forms.Form):
    org = forms.ModelChoiceField(label="所属单位", queryset=None, widget=UnfoldAdminSelectWidget,
                                 help_text="推送本单位及所有下级单位的事件")
    name = forms.CharField(label="名称", max_length=100, widget=UnfoldAdminTextInputWidget)
    url = forms.CharField(label="接收地址", max_length=500, widget=UnfoldAdminTextInputWidget,
                          help_text="http:// 或 https:// 开头的公网地址")
    events = forms.MultipleChoiceField(label="订阅事件", widget=forms.CheckboxSelectMultiple,
                                       choices=list(webhooks.EVENTS.items()))
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = rules.webhook_orgs(user)


@admin.register(Webhook, site=console_site)
class WebhookAdmin(AccessAdmin):
    list_display = ["name", "org", "url", "events_label", "active", "created_at", "act_links"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    ordering = ["org_path", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_access_webhook_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    @admin.display(description="订阅事件")
    def events_label(self, obj):
        return "、".join(webhooks.EVENTS.get(e, e) for e in obj.events or [])

    @admin.display(description="操作")
    def act_links(self, obj):
        deliveries = reverse("console:insight_webhookdelivery_changelist") + f"?webhook__id__exact={obj.pk}"
        return format_html('<a href="{}">推送记录</a> · <a class="text-red-600" href="{}">删除</a>', deliveries,
                           reverse("console:insight_access_webhook_delete", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="insight_access_webhook_create"),
            path("<int:pk>/registered/", view(self.registered_view), name="insight_access_webhook_registered"),
            path("<int:pk>/delete/", view(self.delete_hook_view), name="insight_access_webhook_delete"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_access_webhook_create"))

    def create_view(self, request):
        form = WebhookForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                hook, secret = run_service(access.create_webhook, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                request.session[SHOWN_SECRET] = secret
                return HttpResponseRedirect(reverse("console:insight_access_webhook_registered", args=[hook.pk]))
        return self._page(request, "console/insight_access_form.html", title="登记事件推送地址", form=form,
                          submit="登记", back=self._list_url())

    def registered_view(self, request, pk):
        hook = self._row(request, pk)
        rows = [("名称", hook.name), ("所属单位", hook.org.name), ("接收地址", hook.url),
                ("订阅事件", self.events_label(hook))]
        return self._secret_page(request, f"已登记推送地址“{hook.name}”", rows,
                                 "签名密钥只显示这一次。每次推送带有 X-SmartUnion-Signature: "
                                 "sha256=<以该密钥对请求体计算的 HMAC-SHA256 十六进制值>，"
                                 "接收方应校验签名，并以 X-SmartUnion-Delivery（事件编号）去重。")

    def delete_hook_view(self, request, pk):
        hook = self._row(request, pk)
        if request.method == "POST":
            try:
                run_service(access.delete_webhook, hook, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已删除推送地址“{hook.name}”")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/insight_access_confirm.html", title="删除事件推送地址",
                          question=f"确定删除“{hook.name}”（{hook.url}）吗？未发送的推送不再发送，推送记录一并删除。",
                          submit="删除", back=self._list_url())


@admin.register(WebhookDelivery, site=console_site)
class WebhookDeliveryAdmin(AccessAdmin):
    scope_field = "webhook__org_path"
    list_display = ["event_label", "event_id", "webhook", "status", "attempts", "response_code", "last_error",
                    "next_attempt_at", "delivered_at", "act_links"]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["event_id", "webhook__name"]
    ordering = ["-id"]
    export_columns = list_display[:-1]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("webhook")

    def has_add_permission(self, request):
        return False

    def get_list_filter(self, request):
        return ["status", "event"]

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "webhook__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="事件", ordering="event")
    def event_label(self, obj):
        return webhooks.EVENTS.get(obj.event, obj.event)

    @admin.display(description="操作")
    def act_links(self, obj):
        url = reverse("console:insight_access_delivery_resend", args=[obj.pk])
        return format_html('<a href="{}">重新推送</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/resend/", view(self.resend_view), name="insight_access_delivery_resend"),
                *super().get_urls()]

    def resend_view(self, request, pk):
        delivery = self._row(request, pk)
        if request.method == "POST":
            try:
                run_service(access.resend_delivery, delivery, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已安排重新推送事件 {delivery.event_id}，一分钟内发送")
            return HttpResponseRedirect(self._list_url())
        return self._page(request, "console/insight_access_confirm.html", title="重新推送",
                          question=f"确定向“{delivery.webhook.name}”重新推送事件 {delivery.event_id}"
                                   f"（{webhooks.EVENTS.get(delivery.event, delivery.event)}）吗？"
                                   "将从第一次尝试重新开始。",
                          submit="重新推送", back=self._list_url())
