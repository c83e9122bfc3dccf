"""Console pages of the data platform: integrator API keys and open data.

- 接口密钥 (ApiKey changelist): the keys of the orgs in the cadre's scope with scopes, rate, status, uses and last
  use (pending uses are moved into the rows when the list is drawn); 创建接口密钥 (new/: a province or city
  federation's chair or administrator; the key is shown once, on the answer page, never again); 吊销 (<pk>/revoke/,
  asking first); 审计记录 (<pk>/audit/: creation, revocation and every national-layout export made with the key).
- 开放数据 (open-data/): what GET /api/v1/open/statistics answers for an org in the cadre's scope, month and region
  chosen, with the suppression shown as the API shows it; CSV download (audited).
- 数据上报 (national/): the national data-element layout of a federation's subtree for chairs and administrators,
  with a reason; the ID number masked unless 含完整身份证号 is ticked; audited.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.core.audit import action_label, log_event, readable_data
from smartunion.core.errors import DomainError
from smartunion.insight import apikeys, national
from smartunion.insight import rules_open as rules
from smartunion.insight.models import ApiKey
from smartunion.insight.services import open as services
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import held_positions, is_unrestricted, scoped

K = Organisation.Kind
OPEN_DATA_PAGE = 50  # rows of the open statistics a page


def _key_orgs(user) -> list[Organisation]:
    rows = scoped(Organisation.objects.filter(kind__in=rules.KEY_ORG_KINDS, status=Organisation.Status.ACTIVE), user)
    return [o for o in rows.order_by("path")[:500] if rules.can_manage_keys(user, o)]


def _may_hold_keys(user) -> bool:
    return is_unrestricted(user) or any(role in Position.MANAGING_ROLES and kind in rules.KEY_ORG_KINDS
                                        for role, _path, kind, _org in held_positions(user))


def _federations(user, *, managing: bool = False) -> list[Organisation]:
    rows = scoped(Organisation.objects.filter(kind__in=(K.PROVINCE, K.CITY, K.COUNTY),
                                              status=Organisation.Status.ACTIVE), user).order_by("path")[:500]
    if managing:
        return [o for o in rows if rules.can_export_national(user, o)]
    return list(rows)


class KeyForm(forms.Form):
    org = forms.ChoiceField(label="所属单位", widget=UnfoldAdminSelectWidget,
                            help_text="密钥只能读取本单位及下级的数据")
    name = forms.CharField(label="名称", max_length=100, widget=UnfoldAdminTextInputWidget,
                           help_text="如：省政务数据共享交换平台")
    scopes = forms.MultipleChoiceField(label="权限范围", choices=list(rules.SCOPES.items()),
                                       widget=UnfoldAdminCheckboxSelectMultipleWidget)
    rate_per_minute = forms.IntegerField(label="每分钟请求上限", min_value=1, max_value=rules.MAX_RATE_PER_MINUTE,
                                         initial=60, widget=UnfoldAdminIntegerFieldWidget)
    expires_on = forms.DateField(label="到期日期", required=False, widget=UnfoldAdminSingleDateWidget,
                                 help_text="留空为长期有效；到期当日零时起失效")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), o.name) for o in orgs]  # type: ignore[attr-defined]


class NationalForm(forms.Form):
    org = forms.ChoiceField(label="上报单位", widget=UnfoldAdminSelectWidget, help_text="导出本单位及下级的数据")
    dataset = forms.ChoiceField(label="数据集", widget=UnfoldAdminSelectWidget,
                                choices=[("all", "会员信息和工会组织信息"), ("members", "会员信息"),
                                         ("orgs", "工会组织信息")])
    file_format = forms.ChoiceField(label="文件格式", widget=UnfoldAdminSelectWidget,
                                    choices=[("xlsx", "Excel（.xlsx）"), ("csv", "CSV")])
    clear_ids = forms.BooleanField(label="含完整身份证号码（向上级报送时使用）", required=False)
    reason = forms.CharField(label="导出事由", max_length=200, widget=UnfoldAdminTextInputWidget,
                             help_text="记入审计日志，如：2026年度会员数据报送全总")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(str(o.pk), o.name) for o in orgs]  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("dataset") == "all" and data.get("file_format") == "csv":
            self.add_error("file_format", "CSV 一次只能导出一个数据集，请选择数据集或改用 Excel")
        return data


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ApiKey, site=console_site)
class ApiKeyAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["name", "org", "key_prefix", "scope_labels", "rate_per_minute", "state", "expires_at",
                    "last_used_at", "uses", "created_at", "operations"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    ordering = ["-created_at", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/insight_open_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def has_add_permission(self, request):
        # Asked on every console page (the app list): from the cached positions, no query; the form re-checks.
        return _may_hold_keys(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="密钥")
    def key_prefix(self, obj):
        return apikeys.display_prefix(obj)

    @admin.display(description="权限范围")
    def scope_labels(self, obj):
        return "、".join({"open:statistics": "开放统计", "open:national": "全国数据元"}.get(s, s) for s in obj.scopes)

    @admin.display(description="状态")
    def state(self, obj):
        if obj.revoked_at:
            return "已吊销"
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "已到期"
        return "有效"

    @admin.display(description="操作")
    def operations(self, obj):
        audit = reverse("console:insight_open_key_audit", args=[obj.pk])
        if obj.revoked_at:
            return format_html('<a href="{}">审计记录</a>', audit)
        return format_html('<a href="{}">审计记录</a> · <a href="{}">吊销</a>', audit,
                           reverse("console:insight_open_key_revoke", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="insight_open_key_create"),
            path("open-data/", view(self.open_data_view), name="insight_open_data"),
            path("national/", view(self.national_view), name="insight_open_national"),
            path("<int:pk>/revoke/", view(self.revoke_view), name="insight_open_key_revoke"),
            path("<int:pk>/audit/", view(self.audit_view), name="insight_open_key_audit"),
            *super().get_urls(),
        ]

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request), "opts": self.model._meta,
                                                    **context})

    def changelist_view(self, request, extra_context=None):
        # Uses counted since the last flush are moved into the rows shown (at most 200 keys, one read of the cache).
        apikeys.flush_usage(self.get_queryset(request).order_by("-created_at").values_list("pk", flat=True)[:200])
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_open_key_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_open_key_audit", args=[object_id]))

    def _find(self, request, pk) -> ApiKey:
        key = self.get_queryset(request).filter(pk=pk).first()
        if key is None:
            raise Http404("接口密钥不存在")
        return key

    def create_view(self, request):
        orgs = _key_orgs(request.user)
        if not orgs:
            raise PermissionDenied("只有省、市总工会的主席或管理员可以创建接口密钥")
        form = KeyForm(request.POST or None, orgs=orgs)
        back = reverse("console:insight_apikey_changelist")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            expires = None
            if data["expires_on"]:
                expires = timezone.make_aware(dt.datetime.combine(data["expires_on"], dt.time.min))
            try:
                key, secret = run_service(services.create_key, org=form.orgs[data["org"]], name=data["name"],
                                          scopes=data["scopes"], rate_per_minute=data["rate_per_minute"],
                                          expires_at=expires, by=request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                return _no_store(self._page(request, "console/insight_open_key_created.html", title="接口密钥已创建",
                                            key=key, secret=secret, back=back,
                                            scopes=[rules.SCOPES[s] for s in key.scopes]))
        return self._page(request, "console/insight_open_form.html", title="创建接口密钥", form=form, submit="创建",
                          back=back, note="密钥创建后只显示一次，请立即复制并交给对接方妥善保管；系统只保存其摘要，"
                                          "遗失后只能吊销并重新创建。调用时在请求头中携带 X-Api-Key。")

    def revoke_view(self, request, pk):
        key = self._find(request, pk)
        back = reverse("console:insight_apikey_changelist")
        if request.method == "POST":
            try:
                run_service(services.revoke_key, key, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已吊销接口密钥“{key.name}”，使用该密钥的请求将立即被拒绝")
            return HttpResponseRedirect(back)
        return self._page(request, "console/insight_open_confirm.html", title="吊销接口密钥", back=back,
                          question=f"确定吊销接口密钥“{key.name}”（{apikeys.display_prefix(key)}）吗？吊销后立即失效，"
                                   "不能恢复。")

    def audit_view(self, request, pk):
        key = self._find(request, pk)
        apikeys.flush_usage([key.pk])
        key.refresh_from_db()
        page = Paginator(services.key_events(key), 20).get_page(request.GET.get("p"))
        events = [(e, action_label(e.action), readable_data(e.action, e.data, target_type=e.target_type))
                  for e in page.object_list]
        return self._page(request, "console/insight_open_audit.html", title=f"接口密钥审计记录：{key.name}", key=key,
                          page=page, events=events, prefix=apikeys.display_prefix(key), state=self.state(key),
                          scopes=[rules.SCOPES.get(s, s) for s in key.scopes],
                          back=reverse("console:insight_apikey_changelist"))

    def open_data_view(self, request):
        orgs = _federations(request.user)
        chosen = next((o for o in orgs if str(o.pk) == request.GET.get("org")), orgs[0] if orgs else None)
        month_text = (request.GET.get("month") or "").strip()[:7]
        region = (request.GET.get("region") or "").strip()[:6]
        data = None
        if chosen is not None:
            try:
                month = services.parse_month(month_text)
                data = services.statistics(chosen, month=month, region=region)
            except DomainError as exc:
                for message in exc.messages:
                    messages.error(request, message)
        if data is not None and request.GET.get("download"):
            log_event("insight.open_statistics.export", actor=request.user, org=chosen,
                      data={"month": data["month"], "region": region, "rows": len(data["rows"]), "via": "console"})
            response = HttpResponse(services.statistics_csv(data), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="statistics-{data["month"]}.csv"'
            return response
        keys = [c["key"] for c in data["columns"]] if data else []
        # A province's answer holds every federation below it (140+ rows): shown a page at a time, the download
        # has them all.
        page = Paginator(data["rows"] if data else [], OPEN_DATA_PAGE).get_page(request.GET.get("p"))
        month = month_text or f"{timezone.localdate():%Y-%m}"
        return self._page(request, "console/insight_open_data.html", title="开放数据", orgs=orgs, chosen=chosen,
                          month=month, region=region, data=data, page=page,
                          filters=urlencode({"org": chosen.pk if chosen else "", "month": month, "region": region}),
                          table=[[r[k] if r[k] is not None else "—" for k in keys] for r in page.object_list])

    def national_view(self, request):
        orgs = _federations(request.user, managing=True)
        if not orgs:
            raise PermissionDenied("只有总工会的主席或管理员可以导出上报数据")
        form = NationalForm(request.POST or None, orgs=orgs, initial={"file_format": "xlsx"})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            org = form.orgs[data["org"]]
            datasets = ("members", "orgs") if data["dataset"] == "all" else (data["dataset"],)
            clear = bool(data["clear_ids"])
            if data["file_format"] == "xlsx":
                content, counts = national.workbook_bytes(datasets, org, clear_ids=clear)
                response = HttpResponse(
                    content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                filename = f"national-{org.pk}.xlsx"
            else:
                counter: list[int] = []
                content = "".join(national.csv_lines(datasets[0], org, clear_ids=clear, counter=counter))
                counts = {datasets[0]: counter[0]}
                response = HttpResponse(content, content_type="text/csv; charset=utf-8")
                filename = f"national-{org.pk}-{datasets[0]}.csv"
            for dataset, n in counts.items():
                national.log_export(org, by=request.user, dataset=dataset, fmt=data["file_format"], rows_=n,
                                    clear_ids=clear and dataset == "members", via="console", reason=data["reason"])
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return _no_store(response)
        rows = [(e.name, e.source, e.code_table or "—") for e in national.MEMBER_ELEMENTS]
        org_rows = [(e.name, e.source, e.code_table or "—") for e in national.ORG_ELEMENTS]
        return self._page(request, "console/insight_open_national.html", title="数据上报", form=form,
                          member_elements=rows, org_elements=org_rows)
