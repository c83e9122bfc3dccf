"""What every console page shares: the scoped ModelAdmin, the read-only mixin, and the one place where a service's
refusal becomes what the cadre sees.

A service refuses with core.errors.DomainError (code, Chinese message, per-field messages). The console shows it as a
message: on the form that was sent when there is one (field messages next to their fields, the message above the
form), else as a message on the next page. Django's ValidationError and Python's PermissionError are mapped the same
way while services are converted to DomainError (issue 7), so a page looks the same whichever a service raises.

Every list exports what it shows ("导出当前结果", ExportMixin): the rows of the current filters, search and order, in
the list's own columns and masking, as .xlsx; those who manage the rows may export them unmasked, with a reason.
Both are audited.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from unfold.admin import ModelAdmin
from unfold.widgets import INPUT_CLASSES, SELECT_CLASSES

from smartunion.console import excel
from smartunion.core.audit import log_event
from smartunion.core.errors import DomainError, Forbidden
from smartunion.core.pagination import CappedPaginator, capped_count
from smartunion.core.pii import mask_id_number, mask_phone
from smartunion.core.widgets import RegionCascaderWidget
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import can_manage, is_unrestricted, managed_paths, scoped


def region_widget(**kwargs) -> RegionCascaderWidget:
    """Region fields and filters of every console page: the cascader (core.widgets) styled as the theme's inputs."""
    return RegionCascaderWidget(input_class=" ".join(INPUT_CLASSES), select_class=" ".join(SELECT_CLASSES), **kwargs)

REFUSALS = (DomainError, ValidationError, PermissionError)
_REFUSED = "_console_refused"  # request attribute: the refusal to show on the change form drawn again
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reveal_reason(request) -> str:
    """The reason a cadre posted for showing personal data in clear (every reveal page audits it); "" on a GET, and
    "" with a message asking for one when a POST left it empty."""
    reason = request.POST.get("reason", "").strip() if request.method == "POST" else ""
    if request.method == "POST" and not reason:
        messages.error(request, "请填写查看原因")
    return reason[:200]


class Refused(Exception):
    """A service's refusal in the console's terms: `messages` for the page, `fields` (name -> messages) for the form,
    and the stable `code` a page may branch on ("already_member").

    A DomainError's own message sums its field messages up ("提交的数据有误，请检查后重试"), so it is shown only when
    the refusal names no field; a ValidationError's non-field messages are always shown."""

    def __init__(self, messages: list[str], fields: dict[str, list[str]] | None = None, *, code: str = "",
                 summary: bool = False):
        super().__init__("；".join(messages))
        self.messages = messages
        self.fields = fields or {}
        self.code = code
        self.summary = summary

    @classmethod
    def of(cls, exc: Exception) -> Refused:
        """The console's one mapping of a service's refusal."""
        if isinstance(exc, DomainError):
            return cls([exc.message], {name: [message] for name, message in exc.fields.items()}, code=exc.code,
                       summary=True)
        if isinstance(exc, ValidationError):
            if hasattr(exc, "error_dict"):
                fields = {name: list(errors) for name, errors in exc.message_dict.items()}
                return cls(fields.pop(NON_FIELD_ERRORS, []), fields, code=getattr(exc, "code", None) or "")
            return cls(list(exc.messages), code=exc.code or "")
        if isinstance(exc, PermissionError):
            return cls([str(exc) or Forbidden().message], code=Forbidden.default_code)
        raise TypeError(f"not a refusal: {exc!r}")

    def general(self) -> list[str]:
        """The messages that belong to no field."""
        return [] if self.summary and self.fields else list(self.messages)

    def all_messages(self) -> list[str]:
        """Every message once, the general ones first."""
        return list(dict.fromkeys([*self.general(), *(m for ms in self.fields.values() for m in ms)]))

    def show(self, request, form: forms.BaseForm | None = None) -> None:
        """On `form` when given (field messages on the fields it has, the rest above it), else as page messages."""
        if form is None:
            for message in self.all_messages() or [Forbidden().message]:
                messages.error(request, message)
            return
        shown: list[str] = []
        general = self.general()
        for name, field_messages in self.fields.items():
            for message in field_messages:
                if name in form.fields:
                    form.add_error(name, message)
                    shown.append(message)
                else:
                    general.append(message)
        for message in dict.fromkeys(general):
            if message not in shown:
                form.add_error(None, message)
        if not form.errors:  # a refusal without any message still keeps the form from being saved
            form.add_error(None, Forbidden().message)


def run_service(service, /, *args, **kwargs):
    """Call a service for a page; a refusal comes back as Refused, for the page to show (never a 500)."""
    try:
        return service(*args, **kwargs)
    except REFUSALS as exc:
        raise Refused.of(exc) from exc


class ReadOnlyAdminMixin:
    """A page that shows and never edits: rows are written by their services, through their own pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


EXPORT_MAX_ROWS = 50_000  # one request writes the file; beyond this the cadre narrows the list first


def export_max_rows() -> int:
    """The cap on one list export (settings.CONSOLE_EXPORT_MAX_ROWS overrides EXPORT_MAX_ROWS)."""
    return int(getattr(settings, "CONSOLE_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS))


def export_too_many() -> str:
    return (f"当前结果超过单次导出上限 {export_max_rows()} 条，请先通过筛选或搜索缩小范围后再导出"
            "（导出整个辖区的会员名册请使用“名册导入导出”中的“导出会员名册”）")
CLEAR_EXPORT_NOTE = "完整信息仅限工作使用，请妥善保管，不得外传"


class ExportMixin:
    """导出当前结果: the rows the list shows under its current filters, search and order (no selection needed), as
    .xlsx with the list's columns and values: personal data masked as the list masks it. The file names the exporting
    account and the time; the export is audited ("console.list.export").

    `export_columns` (default: the list's columns) names what is written; a column of links ("审核", "办理") is left
    out by naming the others. `export_clear` maps a masked column to the attribute path holding its value in clear
    ("person__name"): a list that has it offers the unmasked export to those who manage the rows (a chair or an
    administrator above them, as the full roster export), with a reason, audited as "console.list.export_full". The
    unmasked file holds only the rows of the orgs the cadre manages (`clear_export_queryset`)."""

    export_columns: Sequence[str] | None = None
    export_clear: dict[str, str] = {}

    def get_export_columns(self, request) -> list[str]:
        columns = self.export_columns or self.get_list_display(request)
        return [name for name in columns if name != "action_checkbox"]

    def may_export_clear(self, request) -> bool:
        user = request.user
        return bool(self.export_clear) and (is_unrestricted(user)
                                            or bool(managed_paths(user, roles=Position.MANAGING_ROLES)))

    def clear_export_queryset(self, request, queryset):
        """The rows of `queryset` the cadre manages (only those are exported in clear). A list whose rows carry no
        org path (scope_field None) says which of its rows are managed by overriding this."""
        field = getattr(self, "scope_field", None)
        if field is None:
            return queryset.none()
        return scoped(queryset, request.user, field=field, roles=Position.MANAGING_ROLES)

    def export_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("export-current/", view(self.export_current_view), name="{}_{}_export_current".format(*info)),
            path("export-current/full/", view(self.export_current_full_view),
                 name="{}_{}_export_current_full".format(*info)),
        ]

    def export_context(self, request) -> dict:
        """What the list's export buttons need (console/change_list.html)."""
        info = self.opts.app_label, self.opts.model_name
        return {"export_url": reverse("{}:{}_{}_export_current".format(self.admin_site.name, *info)),
                "export_full_url": reverse("{}:{}_{}_export_current_full".format(self.admin_site.name, *info))
                if self.may_export_clear(request) else ""}

    # The two exports

    def export_current_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = self._export_rows(request)
        if isinstance(found, HttpResponse):
            return found
        changelist, queryset = found
        return self._export_file(request, changelist, queryset, clear=False)

    def export_current_full_view(self, request):
        if not (self.has_view_permission(request) and self.may_export_clear(request)):
            raise PermissionDenied
        found = self._export_rows(request)
        if isinstance(found, HttpResponse):
            return found
        changelist, queryset = found
        queryset = self.clear_export_queryset(request, queryset)
        reason = request.POST.get("reason", "").strip() if request.method == "POST" else ""
        if reason:
            return self._export_file(request, changelist, queryset, clear=True, reason=reason[:200])
        count, capped = capped_count(queryset, export_max_rows())
        return TemplateResponse(request, "console/export_confirm.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"完整导出：{self._export_title()}",
            "count": count, "too_many": capped, "too_many_message": export_too_many(),
            "filters": self._export_filters(changelist),
            "clear_columns": [str(label_for_field(name, self.model, self)) for name in self.get_export_columns(request)
                              if name in self.export_clear],
            "back": self._changelist_url(request),
            "error": "请填写导出原因" if request.method == "POST" else "",
        })

    # Helpers

    def _export_title(self) -> str:
        return str(self.opts.verbose_name_plural)

    def _changelist_url(self, request) -> str:
        url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        query = request.GET.urlencode()
        return f"{url}?{query}" if query else url

    def _export_rows(self, request):
        """(the list as the cadre sees it, its whole filtered queryset), or the answer sending them back to it."""
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, "筛选条件有误，请重新筛选后再导出")
            url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(url)
        queryset = changelist.queryset
        if capped_count(queryset, export_max_rows())[1]:
            messages.error(request, export_too_many())
            return HttpResponseRedirect(self._changelist_url(request))
        return changelist, queryset

    def _export_filters(self, changelist) -> list[str]:
        """The current filters and search in words ("状态：待审核"), for the file's note and the audit log."""
        shown = []
        for spec in changelist.filter_specs:
            used = [key for key in spec.expected_parameters() if key in changelist.params]
            if not used:
                continue
            chosen = [str(choice["display"]) for choice in spec.choices(changelist) if choice.get("selected")]
            if not chosen:  # a filter without choices (a date range): its values as given
                chosen = [str(changelist.params[key]) for key in used]
            shown.append(f"{spec.title}：{'、'.join(chosen)}")
        if changelist.query:
            shown.append(f"搜索：{_masked_term(changelist.query)}")
        return shown

    def _export_file(self, request, changelist, queryset, *, clear: bool, reason: str = ""):
        columns = self.get_export_columns(request)
        headers = [str(label_for_field(name, self.model, self)) for name in columns]
        user = request.user
        name, username = getattr(user, "display_name", "") or "", user.get_username()
        who = f"{name}（{username}）" if name and name != username else username
        now = timezone.localtime()
        filters = self._export_filters(changelist)
        title = f"{self._export_title()}（{'完整' if clear else '脱敏'}）"
        note = [f"导出人：{who}　导出时间：{now:%Y-%m-%d %H:%M}",
                f"筛选条件：{'；'.join(filters) if filters else '无（全部可见记录）'}"]
        if clear:
            note.append(f"导出原因：{reason}。{CLEAR_EXPORT_NOTE}")
        rows = (self._export_row(obj, columns, clear) for obj in queryset.iterator(chunk_size=2000))
        output, count = excel.list_workbook(title=title, note=note, headers=headers, rows=rows,
                                            creator=user.get_username())
        data = {"list": self.opts.label_lower, "count": count, "filters": filters, "masked": not clear}
        if clear:
            data["reason"] = reason
        log_event("console.list.export_full" if clear else "console.list.export", actor=user,
                  org=scope_root(user), data=data)
        return FileResponse(output, as_attachment=True, content_type=excel.XLSX,
                            filename=f"{title}-{now:%Y%m%d%H%M}.xlsx")

    def _export_row(self, obj, columns: list[str], clear: bool) -> list:
        return [self._export_value(obj, name, clear) for name in columns]

    def _export_value(self, obj, name: str, clear: bool):
        if clear and name in self.export_clear:
            value = obj
            for part in self.export_clear[name].split("__"):
                value = getattr(value, part, None) if value is not None else None
            return _plain(value)
        try:
            field, attr, value = lookup_field(name, obj, self)
        except (FieldDoesNotExist, AttributeError):
            return ""
        if field is None:
            if getattr(attr, "boolean", False):
                return "" if value is None else ("是" if value else "否")
            return _plain(value)
        if getattr(field, "flatchoices", None):
            return str(dict(field.flatchoices).get(value, "" if value is None else value))
        if isinstance(field, models.BooleanField):
            return "" if value is None else ("是" if value else "否")
        return _plain(value)


_DIGITS = re.compile(r"\d{7,}[\dXx]*")


def _masked_term(term: str) -> str:
    """A search term as it may appear in a file or the log: an ID or phone number searched for stays masked."""
    def mask(match):
        text = match.group(0)
        return mask_phone(text) if len(text) == 11 else mask_id_number(text)
    return _DIGITS.sub(mask, term)


def _plain(value):
    """A list cell as a spreadsheet value: text without markup, numbers and dates as such."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    return html.unescape(strip_tags(str(value))).strip()


class ScopedAdmin(ExportMixin, ModelAdmin):
    """Roles, not Django's permission tables, decide what a cadre may do; the scope decides what they see."""

    change_list_template = "console/change_list.html"  # the list with its export buttons
    list_per_page = 20
    show_full_result_count = False  # a COUNT over a province is a slow page for no reason
    paginator = CappedPaginator
    scope_field: str | None = "path"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field)

    def get_urls(self):
        return [*self.export_urls(), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**self.export_context(request), **(extra_context or {})})

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            # The save ran inside the view's transaction, so nothing of it was written. The same POST is drawn
            # again with the refusal on the form (see get_form): the cadre's input stays, the message shows where
            # it belongs.
            setattr(request, _REFUSED, refused)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, _REFUSED, None)
        if refused is None:
            return form

        class RefusedForm(form):
            def clean(self):
                data = super().clean()
                refused.show(request, self)
                return data

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as refused:
            refused.show(request)
            return HttpResponseRedirect(request.get_full_path())


def scope_root(user):
    """The top org of the user's scope: where a scope-wide act (an export) is filed in the audit log."""
    paths = managed_paths(user)
    return Organisation.objects.filter(path=paths[0]).first() if paths else None


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download under a Chinese file name."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
