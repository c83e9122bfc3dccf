"""Console pages of the orgs app: organisations (with their import, export and scan-to-join poster), regions,
employers, cadre positions."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.accounts.models import User
from smartunion.console import excel, imports
from smartunion.console.admin.base import (
    ReadOnlyAdminMixin,
    Refused,
    ScopedAdmin,
    region_widget,
    run_service,
    scope_root,
)
from smartunion.console.admin.pii_fields import MaskedReplaceField, MaskedReplaceFormMixin
from smartunion.console.site import console_site
from smartunion.core import codes
from smartunion.core.audit import log_event
from smartunion.core.pii import mask_phone
from smartunion.core.qr import qr_svg
from smartunion.core.validators import normalize_fullwidth, validate_mobile
from smartunion.members import services as member_services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation, Position, Region
from smartunion.orgs.queries import can_manage, search_orgs, visible_employers, visible_orgs
from smartunion.orgs.regions import code_prefix
from smartunion.orgs.tree import chain_in_scope, tree_children, tree_roots, with_has_children

# Region fields and filters: the cascader (core.widgets) styled as the theme's own inputs.

REGION_CODE = re.compile(r"\d{6}(\d{3}){0,2}")


def region_field(*, label: str, required: bool) -> forms.ModelChoiceField:
    """A form field for a ForeignKey to Region, drawn as the cascader (its value is the region code)."""
    return forms.ModelChoiceField(label=label, queryset=Region.objects.all(), required=required,
                                  widget=region_widget(),
                                  error_messages={"invalid_choice": "行政区划代码不存在，请逐级选择"})


class RegionFilterForm(forms.Form):
    def __init__(self, *args, name: str, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[name] = forms.CharField(label=label, required=False, widget=region_widget())


class RegionFilter(admin.SimpleListFilter):
    """所在地区: the rows whose region is the chosen one or lies below it (a range on the region code, so a city
    takes its counties and townships)."""

    title = "所在地区"
    parameter_name = "region_code"
    template = "unfold/filters/filters_field.html"

    def has_output(self):
        return True

    def lookups(self, request, model_admin):
        return ()

    def choices(self, changelist):
        yield {"form": RegionFilterForm(name=self.parameter_name, label="所在地区",
                                        data={self.parameter_name: self.value()})}

    def queryset(self, request, queryset):
        code = (self.value() or "").strip()
        if not REGION_CODE.fullmatch(code):
            return queryset
        prefix = code_prefix(code)
        return queryset.filter(region_id__gte=prefix, region_id__lt=str(int(prefix) + 1).zfill(len(prefix)))


# Organisations

COMMON_PLATFORMS = ("美团", "饿了么", "顺丰", "京东", "中通", "圆通", "申通", "韵达", "极兔", "邮政EMS", "滴滴出行",
                    "高德打车", "T3出行", "曹操出行", "货拉拉", "满帮", "抖音", "快手", "58到家")
LOCATION_HINT = "纬度在前、经度在后，用逗号分隔，如 36.651200,117.120000（可在地图应用中查看地址的坐标）"


def parse_location(text: str) -> tuple[Decimal, Decimal] | None:
    """"纬度,经度" as two decimals (six places); None when empty; ValidationError with a Chinese message."""
    text = normalize_fullwidth(text or "").strip()
    if not text:
        return None
    parts = [p for p in re.split(r"[,，、;；\s]+", text) if p]
    try:
        lat, lng = (Decimal(p) for p in parts) if len(parts) == 2 else (None, None)
    except InvalidOperation:
        lat = lng = None
    if lat is None or lng is None or not (lat.is_finite() and lng.is_finite()):
        raise forms.ValidationError("请按“纬度,经度”填写两个数字，如 36.651200,117.120000", code="format")
    if not -90 <= lat <= 90:
        raise forms.ValidationError("纬度应在 -90 到 90 之间（纬度在前、经度在后）", code="latitude")
    if not -180 <= lng <= 180:
        raise forms.ValidationError("经度应在 -180 到 180 之间", code="longitude")
    six = Decimal("0.000001")
    return lat.quantize(six, rounding=ROUND_HALF_UP), lng.quantize(six, rounding=ROUND_HALF_UP)


class OrganisationForm(MaskedReplaceFormMixin, forms.ModelForm):
    region = region_field(label="行政区划", required=False)
    contact_phone = MaskedReplaceField(label="联系电话", mask=mask_phone, normalize=validate_mobile)
    location = forms.CharField(label="经纬度", required=False, max_length=60, help_text=LOCATION_HINT,
                               widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "纬度,经度"}))
    serves_employment_forms = forms.MultipleChoiceField(
        label="面向的用工形式", required=False, choices=codes.choices("employment_form"),
        widget=UnfoldAdminCheckboxSelectMultipleWidget, help_text="新就业形态联合工会：选择其面向的用工形式")
    serves_platforms = forms.MultipleChoiceField(
        label="面向的平台", required=False, choices=[(p, p) for p in COMMON_PLATFORMS],
        widget=UnfoldAdminCheckboxSelectMultipleWidget)
    other_platforms = forms.CharField(
        label="其他平台", required=False, max_length=200,
        help_text="上面没有的平台名称，多个用顿号或逗号分隔，如：闪送、达达",
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "如：闪送、达达"}))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "parent", "region", "credit_code", "address", "location", "founded_on",
                  "contact_name", "contact_phone", "review_days", "serves_employment_forms", "serves_platforms",
                  "other_platforms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if "location" in self.fields and instance.latitude is not None and instance.longitude is not None:
            lat, lng = (format(Decimal(v).normalize(), "f") for v in (instance.latitude, instance.longitude))
            self.initial["location"] = f"{lat},{lng}"
        if "serves_platforms" in self.fields:
            stored = list(instance.serves_platforms or [])
            self.initial["serves_platforms"] = [p for p in stored if p in COMMON_PLATFORMS]
            self.initial["other_platforms"] = "、".join(p for p in stored if p not in COMMON_PLATFORMS)

    def clean_location(self):
        return parse_location(self.cleaned_data.get("location", ""))

    def clean(self):
        data = super().clean()
        if "location" in self.fields:
            location = data.pop("location", None)
            data["latitude"], data["longitude"] = location if location else (None, None)
        if "serves_platforms" in self.fields:
            others = [p for p in re.split(r"[,，、;；\s]+", data.pop("other_platforms", "") or "") if p]
            data["serves_platforms"] = list(dict.fromkeys([*data.get("serves_platforms", []), *others]))
        return data

    def _post_clean(self):
        super()._post_clean()
        # The two columns the one field stands for (construct_instance only copies the Meta fields).
        if "latitude" in self.cleaned_data:
            self.instance.latitude = self.cleaned_data["latitude"]
            self.instance.longitude = self.cleaned_data["longitude"]


UTF8 = {"ensure_ascii": False}
TREE_SELECTED = "parent__id__exact"  # the list of a node's children is the list filtered by its parent


def tree_node(org, *, changelist: str) -> dict:
    """One node of the tree panel, as the page draws it and as the tree endpoint answers it."""
    return {"id": org.pk, "name": org.name, "kind": org.get_kind_display(),
            "status": "" if org.status == Organisation.Status.ACTIVE else org.get_status_display(),
            "members": org.subtree_member_count, "own_members": org.member_count,
            "has_children": bool(org.has_children), "list_url": f"{changelist}?{TREE_SELECTED}={org.pk}"}


@admin.register(Organisation, site=console_site)
class OrganisationAdmin(ScopedAdmin):
    form = OrganisationForm
    list_display = ["name", "kind", "region", "subtree_members", "children_link", "status"]
    list_filter = ["kind", RegionFilter, "status"]
    list_filter_submit = True  # the region filter is a field of the filter form
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["breadcrumbs", "member_count", "subtree_member_count", "status", "poster_link"]
    actions = ["export_xlsx"]
    change_list_template = "console/tree_changelist.html"

    class Media:
        css = {"all": ["core/org-tree.css", "core/region-cascader.css", "core/console-forms.css"]}
        js = ["core/org-tree.js", "core/region-cascader.js"]

    @admin.display(description="下辖会员")
    def subtree_members(self, obj):
        return obj.subtree_member_count

    @admin.display(description="下级组织")
    def children_link(self, obj):
        if not getattr(obj, "has_children", False):
            return "—"
        url = reverse("console:orgs_organisation_changelist") + f"?{TREE_SELECTED}={obj.pk}"
        return format_html('<a href="{}">下级</a>', url)

    @admin.display(description="上级组织链")
    def breadcrumbs(self, obj):
        if obj.pk is None:
            return "—"
        return " › ".join(a.name for a in obj.ancestors()) or "（顶级）"

    def changelist_view(self, request, extra_context=None):
        """The list with the tree panel: the scope's roots (the only one expanded on entry), the node whose children
        are listed and the chain above it (for the breadcrumb, and for the panel to open down to it)."""
        extra = dict(extra_context or {})
        if IS_POPUP_VAR not in request.GET:
            changelist = reverse("console:orgs_organisation_changelist")
            roots = tree_roots(request.user)
            selected = None
            raw = request.GET.get(TREE_SELECTED, "")
            if raw.isdigit():
                selected = visible_orgs(request.user).filter(pk=int(raw)).first()
            chain = chain_in_scope(request.user, selected) if selected is not None else []
            expanded = {}
            if len(roots) == 1 and roots[0].has_children:
                children, more = tree_children(roots[0])
                expanded = {"children": [tree_node(c, changelist=changelist) for c in children], "more": more}
            extra["org_tree"] = {
                "roots": [tree_node(r, changelist=changelist) for r in roots], "expanded": expanded,
                "selected": selected.pk if selected else (roots[0].pk if len(roots) == 1 else None),
                "chain": [{"name": o.name, "url": f"{changelist}?{TREE_SELECTED}={o.pk}"} for o in chain],
                "open": ",".join(str(o.pk) for o in chain[1:]),
                "endpoint": reverse("console:orgs_organisation_tree", args=[0])[:-2],
                "changelist": changelist,
            }
        response = super().changelist_view(request, extra_context=extra)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # 下级 only where there are children: one EXISTS probe per row of the page (not in the list's query,
            # whose COUNT would then probe every row it counts).
            rows = list(changelist.result_list)
            parents = set(with_has_children(Organisation.objects.filter(pk__in=[o.pk for o in rows])).filter(
                has_children=True).values_list("pk", flat=True))
            for org in rows:
                org.has_children = org.pk in parents
        return response

    def tree_view(self, request, pk):
        """The tree panel's endpoint: one page of an org's children as JSON, each with its member figures and
        whether it has children. An org out of scope is not found, like a missing one."""
        org = visible_orgs(request.user).filter(pk=pk).first()
        if org is None:
            return JsonResponse({"code": "not_found", "message": "组织不存在"}, status=404, json_dumps_params=UTF8)
        raw = request.GET.get("offset", "0")
        offset = min(int(raw), 10**6) if raw.isdigit() else 0
        children, more = tree_children(org, offset=offset)
        changelist = reverse("console:orgs_organisation_changelist")
        return JsonResponse({"id": org.pk, "items": [tree_node(c, changelist=changelist) for c in children],
                             "more": more, "next_offset": offset + len(children)}, json_dumps_params=UTF8)

    def get_search_results(self, request, queryset, search_term):
        return search_orgs(queryset, search_term), False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = visible_orgs(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["kind", "parent"]
            if not org_services.may_change_region(request.user, obj):
                fields.append("region")  # a change of region is for a manager above the org
        return fields

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in org_services.ORG_FIELDS if k in form.cleaned_data}
        if change:
            # The form has already written its values onto `obj`: the service compares against the stored row.
            run_service(org_services.org_update, Organisation.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            data.pop("name", None)
            created = run_service(org_services.org_create, parent=form.cleaned_data["parent"],
                                  kind=form.cleaned_data["kind"], name=form.cleaned_data["name"],
                                  by=request.user, **data)
            obj.pk = created.pk

    @admin.action(description="导出所选组织（Excel）")
    def export_xlsx(self, request, queryset):
        log_event("orgs.organisation.export", actor=request.user, org=scope_root(request.user),
                  data={"count": queryset.count()})
        rows = ((o.pk, o.name, o.get_kind_display(), o.parent_id or "", o.region_id or "", o.credit_code,
                 o.address, o.contact_name, o.founded_on.isoformat() if o.founded_on else "",
                 o.subtree_member_count) for o in queryset.select_related("region").iterator())
        return excel.workbook_response(
            "工会组织.xlsx", ["编号", "名称", "类型", "上级组织编号", "行政区划代码", "统一社会信用代码", "地址",
                              "联系人", "成立日期", "下辖会员"], rows)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="orgs_organisation_import"),
            path("tree/<int:pk>/", self.admin_site.admin_view(self.tree_view), name="orgs_organisation_tree"),
            path("<int:pk>/poster/", self.admin_site.admin_view(self.poster_view), name="orgs_organisation_poster"),
            *super().get_urls(),
        ]

    @admin.display(description="入会二维码")
    def poster_link(self, obj):
        if obj.pk is None or obj.kind not in Organisation.MEMBER_KINDS:
            return "—"
        return format_html('<a href="{}" target="_blank">打印扫码入会海报</a>',
                           reverse("console:orgs_organisation_poster", args=[obj.pk]))

    def poster_view(self, request, pk):
        """The union's scan-to-join poster: a QR and the link, ready to print."""
        org = visible_orgs(request.user).filter(pk=pk).first()
        if org is None:
            messages.warning(request, f"ID为“{pk}”的工会组织不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        try:
            token = run_service(org_services.org_join_token, org, by=request.user)
        except Refused as refused:
            refused.show(request)
            return HttpResponseRedirect(reverse("console:orgs_organisation_change", args=[org.pk]))
        url = request.build_absolute_uri(reverse("portal:join") + f"?u={token}")
        context = {**self.admin_site.each_context(request), "title": "扫码入会海报", "org": org, "url": url,
                   "qr": mark_safe(qr_svg(url))}  # noqa: S308  our own generated SVG
        return TemplateResponse(request, "console/join_poster.html", context)

    def import_view(self, request):
        return _import_page(request, self, title="导入工会组织", columns=imports.ORG_COLUMNS,
                            required=imports.ORG_REQUIRED, runner=imports.import_orgs)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    dry_run = forms.BooleanField(label="仅试运行（检查但不写入）", required=False, initial=True)


def _import_page(request, model_admin, *, title, columns, required, runner):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = excel.read_rows(form.cleaned_data["file"], columns, required)
            except excel.WorkbookError as exc:
                form.add_error("file", str(exc))
            else:
                report = runner(rows, by=request.user, dry_run=form.cleaned_data["dry_run"])
                if "errors_xlsx" in request.POST and report.errors:
                    return excel.workbook_response("导入错误.xlsx", ["行号", "列", "原因"],
                                                   ((e.row, e.column, e.message) for e in report.errors))
    else:
        form = ImportForm()
    context = {
        **model_admin.admin_site.each_context(request), "title": title, "form": form, "report": report,
        "columns": columns, "required": required, "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "console/import.html", context)


# Regions are reference data: searchable for autocomplete, never edited here.


@admin.register(Region, site=console_site)
class RegionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["code", "name", "level"]
    list_filter = ["level"]

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)


# Employers


class EmployerForm(forms.ModelForm):
    region = region_field(label="所在区划", required=True)

    class Meta:
        model = Employer
        fields = ["name", "credit_code", "region", "industry", "size", "address", "covering_union", "township_union"]


@admin.register(Employer, site=console_site)
class EmployerAdmin(ScopedAdmin):
    form = EmployerForm
    list_display = ["name", "credit_code", "region", "covering_union", "township_union", "size"]
    list_filter = [RegionFilter, "size", "industry"]
    list_filter_submit = True  # the region filter is a field of the filter form
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["covering_union", "township_union"]
    actions = ["export_xlsx", "reattach_action"]
    change_list_template = "console/import_changelist.html"
    fields = ["name", "credit_code", "region", "industry", "size", "address", "covering_union", "township_union"]

    class Media:
        css = {"all": ["core/region-cascader.css"]}
        js = ["core/region-cascader.js"]

    def get_queryset(self, request):
        return visible_employers(request.user).select_related("region", "covering_union", "township_union")

    def org_of(self, obj):
        return org_services.employer_responsible(obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(name__contains=term) | queryset.filter(credit_code=term.upper()), False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("covering_union", "township_union"):
            kwargs["queryset"] = visible_orgs(request.user)
        if db_field.name == "township_union":
            kwargs["help_text"] = ("留空则按所在行政区划自动确定：乡镇（街道）级区划的乡镇（街道）工会，"
                                   "或只有一个乡镇（街道）工会的县（区）")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in self.fields}
        if change:
            # The form has already written its values onto `obj`: the service compares against the stored row.
            run_service(org_services.employer_update, Employer.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            obj.pk = run_service(org_services.employer_create, by=request.user, **data).pk

    @admin.action(description="将挂靠在乡镇（街道）工会的会员转入本单位工会")
    def reattach_action(self, request, queryset):
        moved = 0
        for employer in queryset.select_related("covering_union"):
            if employer.covering_union is None:
                messages.warning(request, f"“{employer.name}”尚未建立工会，未办理")
                continue
            try:
                moved += run_service(member_services.reattach_members, employer=employer, by=request.user)
            except Refused as refused:
                messages.error(request, f"“{employer.name}”：{refused.all_messages()[0]}")
        messages.success(request, f"已将 {moved} 名挂靠会员转入所在单位工会，并逐一通知本人")

    @admin.action(description="导出所选单位（Excel）")
    def export_xlsx(self, request, queryset):
        log_event("orgs.employer.export", actor=request.user, org=scope_root(request.user),
                  data={"count": queryset.count()})
        rows = ((e.pk, e.name, e.credit_code or "", e.region_id, e.industry, e.get_size_display(),
                 e.covering_union_id or "", e.township_union_id or "", e.address) for e in queryset.iterator())
        return excel.workbook_response("用人单位.xlsx", ["编号", *imports.EMPLOYER_COLUMNS], rows)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="orgs_employer_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return _import_page(request, self, title="导入用人单位", columns=imports.EMPLOYER_COLUMNS,
                            required=imports.EMPLOYER_REQUIRED, runner=imports.import_employers)


# Cadre positions


@admin.register(Position, site=console_site)
class PositionAdmin(ScopedAdmin):
    scope_field = "org__path"
    list_display = ["user", "org", "role", "since"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "org__name"]
    autocomplete_fields = ["org"]
    fields = ["user", "org", "role", "since"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "org")

    def org_of(self, obj):
        return obj.org

    def has_delete_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = visible_orgs(request.user)
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(kind=User.Kind.CADRE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("职务不能修改，请撤销后重新任命")
        obj.pk = run_service(org_services.position_grant, user=obj.user, org=obj.org, role=obj.role,
                             since=obj.since, by=request.user).pk

    def delete_model(self, request, obj):
        run_service(org_services.position_revoke, obj, by=request.user)
