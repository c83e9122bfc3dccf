"""What every console page shares: the scoped ModelAdmin, the read-only mixin, and the one place where a service's
refusal becomes what the cadre sees.

A service refuses with core.errors.DomainError (code, Chinese message, per-field messages). The console shows it as a
message: on the form that was sent when there is one (field messages next to their fields, the message above the
form), else as a message on the next page. Django's ValidationError and Python's PermissionError are mapped the same
way while services are converted to DomainError (issue 7), so a page looks the same whichever a service raises.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from unfold.admin import ModelAdmin

from smartunion.core.errors import DomainError, Forbidden
from smartunion.core.pagination import CappedPaginator
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import can_manage, is_unrestricted, managed_paths, scoped

REFUSALS = (DomainError, ValidationError, PermissionError)
_REFUSED = "_console_refused"  # request attribute: the refusal to show on the change form drawn again
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


class ScopedAdmin(ModelAdmin):
    """Roles, not Django's permission tables, decide what a cadre may do; the scope decides what they see."""

    list_per_page = 20
    show_full_result_count = False  # a COUNT over a province is a slow page for no reason
    paginator = CappedPaginator
    scope_field: str | None = "path"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field)

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
