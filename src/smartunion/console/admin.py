"""Console pages. Every queryset starts from the scoping helper; out-of-scope objects are simply not there."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin, TabularInline

from smartunion.accounts.models import User
from smartunion.console import excel, imports
from smartunion.console.pii_fields import MaskedReplaceField, MaskedReplaceFormMixin
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.errors import DomainError, Forbidden
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.pagination import CappedPaginator
from smartunion.core.pii import mask_phone
from smartunion.core.qr import qr_svg
from smartunion.core.validators import validate_mobile
from smartunion.members import services as member_services
from smartunion.members.models import Membership, Person
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation, Position, Region
from smartunion.orgs.queries import (
    can_manage,
    is_unrestricted,
    managed_paths,
    scoped,
    search_orgs,
    visible_employers,
    visible_orgs,
)
from smartunion.portal import services as portal_services
from smartunion.portal.models import Channel, Notice


class ScopedAdmin(ModelAdmin):
    """Roles, not Django's permission tables, decide what a cadre may do; the scope decides what they see."""

    list_per_page = 20
    show_full_result_count = False  # a COUNT over a province is a slow page for no reason
    paginator = CappedPaginator
    scope_field: str | None = "path"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field)

    def has_module_permission(self, request):
        return console_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return console_site.has_permission(request)

    def has_add_permission(self, request):
        return is_unrestricted(request.user) or bool(managed_paths(request.user, roles=Position.MANAGING_ROLES))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return can_manage(request.user, self.org_of(obj))

    def has_delete_permission(self, request, obj=None):
        return False  # destructive acts go through their own confirmed workflows

    def org_of(self, obj):
        return obj

    def run_service(self, service, /, *args, **kwargs):
        """Call a service from a form save; its refusals come back to the cadre as messages, not as 500s."""
        try:
            return service(*args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            raise _FormRejected(ValidationError(list(exc.fields.values()) or [exc.message])) from exc
        except ValidationError as exc:
            raise _FormRejected(exc) from exc
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _FormRejected as exc:
            for message in exc.error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


class _FormRejected(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(str(error))
        self.error = error


def scope_root(user):
    """The top org of the user's scope: where a scope-wide act (an export) is filed in the audit log."""
    paths = managed_paths(user)
    return Organisation.objects.filter(path=paths[0]).first() if paths else None


# Organisations


class ScopeRefusalAsMessage:
    """A scope refusal on a field (an org's region, an employer's area) is shown on the form like a validation
    error, not as a 403 page: the cadre chose a value, and needs to choose another."""

    def run_service(self, service, /, *args, **kwargs):
        try:
            return super().run_service(service, *args, **kwargs)
        except PermissionDenied as exc:
            if isinstance(exc.__cause__, org_services.ScopeRefused):
                raise _FormRejected(ValidationError(str(exc.__cause__))) from exc
            raise


class OrganisationForm(MaskedReplaceFormMixin, forms.ModelForm):
    contact_phone = MaskedReplaceField(label="联系电话", mask=mask_phone, normalize=validate_mobile)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "parent", "region", "credit_code", "address", "latitude", "longitude",
                  "founded_on", "contact_name", "contact_phone", "review_days", "serves_employment_forms",
                  "serves_platforms"]


@admin.register(Organisation, site=console_site)
class OrganisationAdmin(ScopeRefusalAsMessage, ScopedAdmin):
    form = OrganisationForm
    list_display = ["name", "kind", "region", "subtree_members", "children_link", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "region"]
    readonly_fields = ["breadcrumbs", "member_count", "subtree_member_count", "status", "poster_link"]
    actions = ["export_xlsx"]
    change_list_template = "console/import_changelist.html"

    @admin.display(description="下辖会员")
    def subtree_members(self, obj):
        return obj.subtree_member_count

    @admin.display(description="下级组织")
    def children_link(self, obj):
        url = reverse("console:orgs_organisation_changelist") + f"?parent__id__exact={obj.pk}"
        return format_html('<a href="{}">查看下级</a>', url)

    @admin.display(description="上级组织链")
    def breadcrumbs(self, obj):
        if obj.pk is None:
            return "-"
        return " › ".join(a.name for a in obj.ancestors()) or "（顶级）"

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
            self.run_service(org_services.org_update, Organisation.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            data.pop("name", None)
            created = self.run_service(org_services.org_create, parent=form.cleaned_data["parent"],
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
            path("<int:pk>/poster/", self.admin_site.admin_view(self.poster_view), name="orgs_organisation_poster"),
            *super().get_urls(),
        ]

    @admin.display(description="入会二维码")
    def poster_link(self, obj):
        if obj.pk is None or obj.kind not in Organisation.MEMBER_KINDS:
            return "-"
        return format_html('<a href="{}" target="_blank">打印扫码入会海报</a>',
                           reverse("console:orgs_organisation_poster", args=[obj.pk]))

    def poster_view(self, request, pk):
        """The union's scan-to-join poster: a QR and the link, ready to print."""
        org = visible_orgs(request.user).filter(pk=pk).first()
        if org is None:
            messages.warning(request, f"ID为“{pk}”的工会组织不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        try:
            token = org_services.org_join_token(org, by=request.user)
        except (ValidationError, DomainError) as exc:
            messages.error(request, exc.messages[0])
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
class RegionAdmin(ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["code", "name", "level"]
    list_filter = ["level"]

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return console_site.has_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Employers


@admin.register(Employer, site=console_site)
class EmployerAdmin(ScopeRefusalAsMessage, ScopedAdmin):
    list_display = ["name", "credit_code", "region", "covering_union", "township_union", "size"]
    list_filter = ["size", "industry"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "covering_union", "township_union"]
    actions = ["export_xlsx", "reattach_action"]
    change_list_template = "console/import_changelist.html"
    fields = ["name", "credit_code", "region", "industry", "size", "address", "covering_union", "township_union"]

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
            self.run_service(org_services.employer_update, Employer.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            obj.pk = self.run_service(org_services.employer_create, by=request.user, **data).pk

    @admin.action(description="将挂靠在乡镇（街道）工会的会员转入本单位工会")
    def reattach_action(self, request, queryset):
        moved = 0
        for employer in queryset.select_related("covering_union"):
            if employer.covering_union is None:
                messages.warning(request, f"“{employer.name}”尚未建立工会，未办理")
                continue
            try:
                moved += member_services.reattach_members(employer=employer, by=request.user)
            except (ValidationError, PermissionError) as exc:
                messages.error(request, f"“{employer.name}”：{exc.messages[0] if hasattr(exc, 'messages') else exc}")
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


# Positions and cadre accounts


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
        obj.pk = self.run_service(org_services.position_grant, user=obj.user, org=obj.org, role=obj.role,
                                  since=obj.since, by=request.user).pk

    def delete_model(self, request, obj):
        org_services.position_revoke(obj, by=request.user)


@admin.register(User, site=console_site)
class UserAdmin(ScopedAdmin):
    scope_field = None
    list_display = ["username", "display_name", "kind", "masked_phone", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    list_filter = ["kind", "is_active"]
    fields = ["username", "display_name", "kind", "is_active", "totp_enabled", "last_login", "date_joined"]
    readonly_fields = ["kind", "totp_enabled", "last_login", "date_joined"]

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

    def has_add_permission(self, request):
        return False  # cadre accounts are created with their first position (smartunion seed / import)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return any(can_manage(request.user, p.org) for p in obj.positions.select_related("org"))

    def save_model(self, request, obj, form, change):
        obj.save(update_fields=["username", "display_name", "is_active"])
        log_event("accounts.user.update", actor=request.user, target=obj, data={"fields": form.changed_data})


# Members: masked by default; revealing is audited.


@admin.register(Membership, site=console_site)
class MembershipAdmin(ScopedAdmin):
    scope_field = "union_path"
    # The (union_path, id) index serves this order, so the first page is a short index walk for any scope;
    # "newest first" would sort the whole scope (4.6 s for a province of 1M members on SQLite).
    ordering = ["union_path", "id"]
    list_display = ["card_number", "person_name", "union", "since", "status", "provisional"]
    list_filter = ["status", "provisional"]
    search_fields = ["card_number"]
    readonly_fields = ["card_number", "person", "union", "since", "status", "ended_on", "provisional"]
    fields = readonly_fields

    @admin.display(description="姓名")
    def person_name(self, obj):
        return str(obj.person)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "union")

    def org_of(self, obj):
        return obj.union

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Person, site=console_site)
class PersonAdmin(ScopedAdmin):
    scope_field = None
    list_display = ["masked_name", "masked_id", "masked_phone", "sex", "birth_date", "employment_form"]
    list_filter = ["sex", "employment_form"]
    fields = ["masked_name", "masked_id", "masked_phone", "sex", "birth_date", "ethnicity", "education",
              "political_status", "employment_form", "employer", "reveal"]
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name(self, obj):
        return str(obj)

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description="完整信息")
    def reveal(self, obj):
        url = reverse("console:members_person_reveal", args=[obj.pk])
        return format_html('<a class="text-primary-600" href="{}">查看完整信息（将记录审计日志）</a>', url)

    def get_queryset(self, request):
        qs = Person.objects.all()
        if is_unrestricted(request.user):
            return qs
        memberships = scoped(Membership.objects.filter(person=OuterRef("pk"), status=Membership.Status.ACTIVE),
                             request.user, field="union_path")
        return qs.filter(Exists(memberships))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:pk>/reveal/", self.admin_site.admin_view(self.reveal_view), name="members_person_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk):
        person = self.get_queryset(request).filter(pk=pk).first()
        if person is None:
            messages.warning(request, f"ID为“{pk}”的职工不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        reason = request.POST.get("reason", "").strip()
        if request.method == "POST" and not reason:
            messages.error(request, "请填写查看原因")
        elif request.method == "POST":
            membership = person.memberships.filter(status=Membership.Status.ACTIVE).select_related("union").first()
            log_event("members.person.reveal", actor=request.user, target=person,
                      org=membership.union if membership else None,
                      data={"fields": ["id_number", "phone", "address"], "reason": reason[:200]})
            return render(request, "console/reveal.html", {
                **self.admin_site.each_context(request), "person": person, "revealed": True, "title": "完整信息",
            })
        return render(request, "console/reveal.html", {
            **self.admin_site.each_context(request), "person": person, "revealed": False, "title": "查看完整信息",
        })


# Audit log: read-only, scoped by the org each event concerns.


@admin.register(AuditEvent, site=console_site)
class AuditEventAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["created_at", "actor_label", "action", "target_label", "org", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label"]
    readonly_fields = ["created_at", "actor_label", "action", "target_type", "target_id", "target_label", "org",
                       "data", "ip"]
    fields = readonly_fields

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("org")
        if is_unrestricted(request.user):
            return qs
        return qs.exclude(org_path="")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(action__startswith=term) if term else queryset), False


@admin.register(OutboxMessage, site=console_site)
class OutboxAdmin(ModelAdmin):
    list_display = ["created_at", "channel", "recipient_masked", "subject", "status"]
    list_filter = ["channel", "status"]
    readonly_fields = ["created_at", "channel", "recipient_masked", "subject", "body", "status", "sent_at", "error"]
    fields = readonly_fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# City channels on the worker portal: each federation sets its own.


class NoticeInline(TabularInline):
    model = Notice
    extra = 1
    fields = ["title", "body", "published_at", "pinned"]

    # The channel's own right decides; cadres hold no Django model permissions.
    def has_view_permission(self, request, obj=None):
        return console_site.has_permission(request)

    def has_add_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)

    def has_change_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and can_manage(request.user, obj.org)


@admin.register(Channel, site=console_site)
class ChannelAdmin(ScopedAdmin):
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
        self.run_service(portal_services.channel_save, obj, by=request.user, changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        for notice in formset.save(commit=False):
            self.run_service(portal_services.notice_save, notice, by=request.user, changed=["notice"])
        for notice in formset.deleted_objects:
            notice.delete()

from smartunion.console import membership_admin  # noqa: E402,F401  membership pages

# isort: split
from smartunion.console import roster_admin  # noqa: E402,F401

# isort: split
from smartunion.console import calendar_admin  # noqa: E402,F401  holiday schedules
