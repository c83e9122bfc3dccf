"""Console pages of the office platform: the approvals part (移动审批).

Cadres approve on the phone, so these pages are single-column and work at 390 px: 发起审批 (the forms they may start,
then a form drawn from the form's fields), 我的申请, 待我审批 (big 同意 / 不同意 / 退回 / 加签 buttons, each
through a confirmation page that asks for the reason where one is required), the request with its step history.
审批表单 lists the forms of the orgs a chair or administrator manages, with a definition page (a table of fields and a
table of steps, a row each, with 添加一行; the service's Chinese messages above) and 安装标准表单.
The changelist of requests is the org's list (chairs and administrators, scoped), with the export.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, register
from smartunion.core.errors import NotFound
from smartunion.core.money import yuan
from smartunion.documents import approvals as shapes
from smartunion.documents import rules_approvals as rules
from smartunion.documents.models import ApprovalForm, ApprovalRequest
from smartunion.documents.queries import approvals as queries
from smartunion.documents.services import approvals as services
from smartunion.orgs.models import Organisation, Position, ancestor_paths
from smartunion.orgs.queries import managed_paths

PER_PAGE = 20
ACTS = {
    "approve": ("同意", False),
    "reject": ("不同意", True),
    "return": ("退回申请人", True),
    "add_signer": ("加签", False),
    "withdraw": ("撤回申请", False),
}


def request_form(fields: list[dict], *, data=None, initial: dict | None = None) -> forms.Form:
    """A Django form drawn from an approval form's fields; the service checks the values (its messages)."""
    form = forms.Form(data=data, initial=initial)
    for spec in fields:
        label = spec["label"]
        attrs: dict = {}
        if spec["type"] == "textarea":
            widget: forms.Widget = forms.Textarea(attrs={"rows": 3})
        elif spec["type"] == "date":
            widget = forms.DateInput(attrs={"type": "date"})
        elif spec["type"] == "datetime":
            widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
        elif spec["type"] in ("number", "amount"):
            attrs = {"inputmode": "decimal"}
            widget = forms.TextInput(attrs=attrs)
        else:
            widget = forms.TextInput()
        if spec["type"] == "choice":
            field: forms.Field = forms.ChoiceField(label=label, required=False,
                                                   choices=[("", "请选择")] + [(c, c) for c in spec["choices"]])
        else:
            field = forms.CharField(label=label, required=False, widget=widget)
        if spec["type"] == "amount":
            field.help_text = "单位：元，可填两位小数，如 1234.56"
        if spec.get("required"):
            field.label = f"{label} *"
        form.fields[spec["name"]] = field
    return form


def initial_of(fields: list[dict], data: dict) -> dict:
    initial = {}
    for spec in fields:
        value = data.get(spec["name"])
        if value is None:
            continue
        if spec["type"] == "amount":
            value = yuan(value)
        elif spec["type"] == "datetime":
            value = str(value).replace(" ", "T")
        initial[spec["name"]] = value
    return initial


def _posted(fields: list[dict], post) -> dict:
    return {spec["name"]: post.get(spec["name"], "") for spec in fields if post.get(spec["name"], "") != ""}


def signer_choices(request_obj: ApprovalRequest, user) -> list[tuple[int, str]]:
    """People an approver may add: cadres of the request's org and the orgs above, members of its departments."""
    org = request_obj.org
    rows = (Position.objects.filter(org__path__in=ancestor_paths(org.path), user__is_active=True)
            .select_related("user", "org").order_by("-org__depth", "id"))
    seen: dict[int, str] = {}
    for position in rows:
        if position.user_id not in seen:
            seen[position.user_id] = f"{position.user}（{position.org.name} {position.get_role_display()}）"
    members = get_user_model().objects.filter(document_departments__org=org, is_active=True).distinct()
    for member in members:
        seen.setdefault(member.pk, f"{member}（{org.name}）")
    skip = {request_obj.applicant_id, getattr(user, "pk", None)}
    return [(pk, label) for pk, label in seen.items() if pk not in skip][:200]


class ActForm(forms.Form):
    note = forms.CharField(label="意见", required=False, max_length=services.MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 3}))


class DefinitionForm(forms.Form):
    org = forms.ModelChoiceField(label="所属单位", queryset=Organisation.objects.none(), required=True)
    code = forms.CharField(label="代码", max_length=30, help_text="小写字母开头，如 leave、expense")
    name = forms.CharField(label="名称", max_length=50)
    active = forms.BooleanField(label="启用", required=False, initial=True)
    subject_fields = forms.CharField(label="查重字段", required=False,
                                     help_text="字段名称或代码，用逗号分隔；这些字段相同的未结申请只能有一个")


LIST_SPLIT = re.compile(r"[,，、;；\s]+")


def split_list(text: str) -> list[str]:
    """Items typed with commas, 顿号, semicolons or spaces between them."""
    return [item for item in LIST_SPLIT.split(text or "") if item]


APPROVERS = [
    ("chair", "本单位主席"), ("administrator", "本单位管理员"), ("reviewer", "本单位审核员"),
    ("parent:chair", "上级单位主席"), ("parent:administrator", "上级单位管理员"), ("parent:reviewer", "上级单位审核员"),
    ("users", "指定人员（依次审批）"), ("department_head", "部门负责人"),
]


class FieldRow(forms.Form):
    """One field of the form being defined: a row of the 表单字段 table (a row without a name is left out)."""

    label = forms.CharField(label="字段名称", max_length=30, required=False)
    name = forms.CharField(label="字段代码", max_length=30, required=False)
    type = forms.ChoiceField(label="类型", choices=list(shapes.FIELD_TYPES.items()), initial="text")
    required = forms.BooleanField(label="必填", required=False)
    choices = forms.CharField(label="选项", max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("label"):
            return data
        if data.get("type") == "choice" and not split_list(data.get("choices", "")):
            self.add_error("choices", "选项字段请填写选项，用逗号或顿号分隔")
        return data


class StepRow(forms.Form):
    """One step of the chain: a row of the 审批环节 table (a row without a name is left out)."""

    label = forms.CharField(label="环节名称", max_length=50, required=False)
    approver = forms.ChoiceField(label="审批人", choices=APPROVERS, initial="chair")
    users = forms.CharField(label="指定人员（账号）", max_length=500, required=False)
    department = forms.CharField(label="部门", max_length=50, required=False)
    min_amount = forms.DecimalField(label="金额达到（元）才需此环节", required=False, min_value=0, max_digits=14,
                                    decimal_places=2)

    def clean(self):
        data = super().clean()
        if not data.get("label"):
            return data
        if data.get("approver") == "users" and not data.get("users", "").strip():
            self.add_error("users", "请填写审批人的账号，多人用逗号分隔，按顺序依次审批")
        if data.get("approver") == "department_head" and not data.get("department", "").strip():
            self.add_error("department", "请填写部门名称")
        return data


FieldRows = forms.formset_factory(FieldRow, extra=3, max_num=shapes.MAX_FIELDS, validate_max=True)
StepRows = forms.formset_factory(StepRow, extra=2, max_num=shapes.MAX_STEPS, validate_max=True)


def field_rows_initial(fields: list[dict]) -> list[dict]:
    return [{"label": f["label"], "name": f["name"], "type": f["type"], "required": f.get("required", False),
             "choices": "、".join(f.get("choices", []))} for f in fields]


def step_rows_initial(steps: list[dict]) -> list[dict]:
    ids = [pk for step in steps for pk in step.get("user_ids", [])]
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    rows = []
    for step in steps:
        row = {"label": step["label"], "approver": step.get("role", "")}
        if "user_ids" in step:
            row.update(approver="users", users=", ".join(names.get(pk, str(pk)) for pk in step["user_ids"]))
        elif "department_head" in step:
            row.update(approver="department_head", department=step["department_head"])
        if "min_amount_fen" in step:
            row["min_amount"] = (Decimal(step["min_amount_fen"]) / 100).quantize(Decimal("0.01"))
        rows.append(row)
    return rows


def fields_of(rows) -> list[dict]:
    """The filled rows as the service's field list; a row without a code gets f1, f2 … by its place."""
    fields = []
    for i, row in enumerate((r for r in rows.cleaned_data if r.get("label")), start=1):
        field = {"name": row["name"].strip() or f"f{i}", "label": row["label"].strip(), "type": row["type"],
                 "required": bool(row["required"])}
        if row["type"] == "choice":
            field["choices"] = split_list(row["choices"])
        fields.append(field)
    return fields


def steps_of(rows, errors: list[str]) -> list[dict]:
    """The filled rows as the service's chain; accounts are looked up by user name (unknown ones in `errors`)."""
    filled = [r for r in rows.cleaned_data if r.get("label")]
    wanted = {n for r in filled if r["approver"] == "users" for n in split_list(r["users"])}
    ids = dict(get_user_model().objects.filter(username__in=wanted, is_active=True).values_list("username", "pk"))
    steps = []
    for i, row in enumerate(filled, start=1):
        step: dict = {"label": row["label"].strip()}
        if row["approver"] == "users":
            names = split_list(row["users"])
            unknown = [n for n in names if n not in ids]
            if unknown:
                errors.append(f"第{i}个环节：没有这些账号：{'、'.join(unknown)}")
            step["user_ids"] = [ids[n] for n in names if n in ids]
        elif row["approver"] == "department_head":
            step["department_head"] = row["department"].strip()
        else:
            step["role"] = row["approver"]
        if row.get("min_amount") is not None:
            step["min_amount_fen"] = int(row["min_amount"] * 100)
        steps.append(step)
    return steps


def subject_names(text: str, fields: list[dict]) -> list[str]:
    """查重字段 as typed: codes or names of the form's fields (a name is turned into its code)."""
    by_label = {f["label"]: f["name"] for f in fields}
    return [by_label.get(n, n) for n in split_list(text)]


@admin.register(ApprovalRequest, site=console_site)
class ApprovalRequestAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """审批申请: the org's requests for its chairs and administrators; the phone pages for everyone."""

    scope_field = "org_path"
    list_display = ("title", "form", "org", "applicant", "status", "created_at", "detail_link")
    list_filter = ("status",)
    search_fields = ("title",)
    export_columns = list_display[:-1]
    list_select_related = ("form", "org", "applicant")

    @admin.display(description="详情")
    def detail_link(self, obj):
        return format_html('<a href="{}">查看</a>', reverse("console:documents_approvalrequest_detail",
                                                            args=[obj.pk]))

    def get_queryset(self, request):
        return queries.org_requests(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("start/", view(self.start_view), name="documents_approvalrequest_start"),
            path("start/<int:form_id>/<int:org_id>/", view(self.new_view), name="documents_approvalrequest_new"),
            path("mine/", view(self.mine_view), name="documents_approvalrequest_mine"),
            path("waiting/", view(self.waiting_view), name="documents_approvalrequest_waiting"),
            path("<int:pk>/view/", view(self.detail_view), name="documents_approvalrequest_detail"),
            path("<int:pk>/act/<str:act>/", view(self.act_view), name="documents_approvalrequest_act"),
            path("<int:pk>/resubmit/", view(self.resubmit_view), name="documents_approvalrequest_resubmit"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("console:documents_approvalrequest_detail", args=[object_id]))

    def _page(self, request, template, **context):
        return TemplateResponse(request, f"console/documents_approvals_{template}.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, **context})

    def _visible(self, request, pk) -> ApprovalRequest:
        try:
            return queries.request_for(request.user, pk)
        except NotFound as exc:
            raise Http404("审批申请不存在") from exc

    # Starting ---------------------------------------------------------------------------------------------------

    def start_view(self, request):
        rows = queries.startable_forms(request.user)
        several = len({org.pk for org, _ in rows}) > 1
        return self._page(request, "start", title="发起审批", rows=rows, several=several,
                          waiting=queries.waiting_count(request.user))

    def new_view(self, request, form_id, org_id):
        try:
            org, approval_form = next((o, f) for o, f in queries.startable_forms(request.user)
                                      if f.pk == form_id and o.pk == org_id)
        except StopIteration:
            raise Http404("审批表单不存在") from None
        form = request_form(approval_form.fields, data=request.POST or None)
        if request.method == "POST":
            try:
                created = run_service(services.submit_request, form=approval_form, org=org,
                                      data=_posted(approval_form.fields, request.POST), by=request.user)
            except Refused as refused:
                form.is_valid()
                refused.show(request, form)
            else:
                messages.success(request, "申请已提交")
                return HttpResponseRedirect(reverse("console:documents_approvalrequest_detail", args=[created.pk]))
        return self._page(request, "new", title=f"发起{approval_form.name}申请", form=form, org=org,
                          approval_form=approval_form, steps=shapes.describe_steps(approval_form.steps))

    def resubmit_view(self, request, pk):
        obj = self._visible(request, pk)
        if not rules.is_applicant(request.user, obj) or obj.status != ApprovalRequest.Status.RETURNED:
            raise Http404("审批申请不存在")
        form = request_form(obj.form.fields, data=request.POST or None,
                            initial=initial_of(obj.form.fields, obj.data))
        if request.method == "POST":
            try:
                run_service(services.resubmit, obj, data=_posted(obj.form.fields, request.POST), by=request.user)
            except Refused as refused:
                form.is_valid()
                refused.show(request, form)
            else:
                messages.success(request, "已重新提交，审批从第一个环节重新开始")
                return HttpResponseRedirect(reverse("console:documents_approvalrequest_detail", args=[obj.pk]))
        return self._page(request, "new", title=f"修改并重新提交：{obj.title}", form=form, org=obj.org,
                          approval_form=obj.form, steps=shapes.describe_steps(obj.form.steps), resubmit=True)

    # Lists -------------------------------------------------------------------------------------------------------

    def _list(self, request, rows, *, title: str, box: str):
        q = request.GET.get("q", "")[:100]
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
        return self._page(request, "list", title=title, page=page, box=box, q=q,
                          statuses=ApprovalRequest.Status.choices, status=request.GET.get("status", ""))

    def mine_view(self, request):
        rows = queries.my_requests(request.user, status=request.GET.get("status", ""), q=request.GET.get("q", ""))
        return self._list(request, rows, title="我的申请", box="mine")

    def waiting_view(self, request):
        return self._list(request, queries.waiting_for_me(request.user, q=request.GET.get("q", "")),
                          title="待我审批", box="waiting")

    # One request -------------------------------------------------------------------------------------------------

    def detail_view(self, request, pk):
        obj = self._visible(request, pk)
        return self._page(request, "detail", title=obj.title, obj=obj, steps=queries.steps_of(obj),
                          rows=shapes.display_rows(obj.form.fields, obj.data),
                          actions=services.available_actions(obj, request.user),
                          amount=shapes.format_fen(obj.amount_fen))

    def act_view(self, request, pk, act):
        obj = self._visible(request, pk)
        if act not in ACTS:
            raise Http404
        label, reason_required = ACTS[act]
        if act not in services.available_actions(obj, request.user):
            messages.error(request, f"当前不能{label}")
            return HttpResponseRedirect(reverse("console:documents_approvalrequest_detail", args=[obj.pk]))
        form = ActForm(request.POST or None)
        form.fields["note"].label = "原因" if reason_required else "意见"
        form.fields["note"].required = reason_required
        if act == "add_signer":
            form.fields["user_id"] = forms.TypedChoiceField(label="加签人", coerce=int,
                                                            choices=signer_choices(obj, request.user))
            form.fields["position"] = forms.ChoiceField(
                label="位置", widget=forms.RadioSelect, initial="after",
                choices=[("after", "在我之后审批"), ("before", "在我之前审批（审批后交回我）")])
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if act == "approve":
                    run_service(services.approve, obj, by=request.user, note=note)
                elif act == "reject":
                    run_service(services.reject, obj, by=request.user, reason=note)
                elif act == "return":
                    run_service(services.return_to_applicant, obj, by=request.user, reason=note)
                elif act == "withdraw":
                    run_service(services.withdraw, obj, by=request.user, note=note)
                else:
                    run_service(services.add_signer, obj, by=request.user, user_id=form.cleaned_data["user_id"],
                                position=form.cleaned_data["position"], note=note)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已{label}")
                target = ("console:documents_approvalrequest_waiting" if act != "withdraw"
                          else "console:documents_approvalrequest_mine")
                return HttpResponseRedirect(reverse(target))
        return self._page(request, "act", title=f"{label}：{obj.title}", obj=obj, form=form, act=act, label=label,
                          danger=act in ("reject", "return", "withdraw"))


@admin.register(ApprovalForm, site=console_site)
class ApprovalFormAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """审批表单: the forms of the orgs a chair or administrator manages; defined in two tables of rows (fields,
    steps), checked by the service."""

    scope_field = "org_path"
    list_display = ("name", "code", "org", "active", "define_link")
    list_filter = ("active",)
    search_fields = ("name", "code")
    export_columns = list_display[:-1]
    list_select_related = ("org",)
    change_list_template = "console/documents_approvals_forms.html"

    @admin.display(description="设置")
    def define_link(self, obj):
        return format_html('<a href="{}">修改</a>', reverse("console:documents_approvalform_define", args=[obj.pk]))

    def get_queryset(self, request):
        return queries.managed_forms(request.user)

    def has_view_permission(self, request, obj=None):
        return rules.may_define_forms_somewhere(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("define/", view(self.define_view), name="documents_approvalform_new"),
            path("<int:pk>/define/", view(self.define_view), name="documents_approvalform_define"),
            path("install/", view(self.install_view), name="documents_approvalform_install"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"new_url": reverse("console:documents_approvalform_new"),
                                                 "install_url": reverse("console:documents_approvalform_install"),
                                                 **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("console:documents_approvalform_define", args=[object_id]))

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_approvalform_new"))

    def _orgs(self, request):
        paths = managed_paths(request.user, roles=Position.MANAGING_ROLES)
        if request.user.is_superuser:
            return Organisation.objects.filter(depth__lte=2).order_by("path")
        return Organisation.objects.filter(path__in=paths).order_by("path")

    def define_view(self, request, pk=None):
        if not self.has_view_permission(request):
            raise Http404
        existing = None
        if pk is not None:
            try:
                existing = queries.form_for_editing(request.user, pk)
            except NotFound as exc:
                raise Http404("审批表单不存在") from exc
        initial = {"org": existing.org_id, "code": existing.code, "name": existing.name,
                   "active": existing.active, "subject_fields": ", ".join(existing.subject_fields)
                   } if existing else {"active": True}
        form = DefinitionForm(request.POST or None, initial=initial)
        form.fields["org"].queryset = self._orgs(request)
        field_rows = FieldRows(request.POST or None, prefix="field",
                               initial=field_rows_initial(existing.fields) if existing else None)
        step_rows = StepRows(request.POST or None, prefix="step",
                             initial=step_rows_initial(existing.steps) if existing else None)
        if existing is not None:
            form.fields["org"].disabled = True
        valid = [x.is_valid() for x in (form, field_rows, step_rows)]  # each, so every row shows its errors
        if request.method == "POST" and all(valid):
            problems: list[str] = []
            fields = fields_of(field_rows)
            steps = steps_of(step_rows, problems)
            if not fields:
                problems.append("请至少填写一个表单字段")
            if not steps:
                problems.append("请至少填写一个审批环节")
            for problem in problems:
                form.add_error(None, problem)
            if not problems:
                try:
                    saved = run_service(services.save_form, org=form.cleaned_data["org"],
                                        code=form.cleaned_data["code"], name=form.cleaned_data["name"],
                                        fields=fields, steps=steps,
                                        subject_fields=subject_names(form.cleaned_data["subject_fields"], fields),
                                        active=form.cleaned_data["active"], form=existing, by=request.user)
                except Refused as refused:
                    refused.show(request, form)
                else:
                    messages.success(request, f"审批表单“{saved.name}”已保存")
                    return HttpResponseRedirect(reverse("console:documents_approvalform_changelist"))
        return TemplateResponse(request, "console/documents_approvals_define.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "field_rows": field_rows, "step_rows": step_rows,
            "title": f"修改审批表单：{existing.name}" if existing else "新建审批表单",
            "types": shapes.FIELD_TYPES})

    def install_view(self, request):
        orgs = list(self._orgs(request))
        if not orgs:
            raise Http404
        if request.method == "POST":
            org = next((o for o in orgs if str(o.pk) == request.POST.get("org")), None)
            if org is None:
                messages.error(request, "请选择单位")
            else:
                try:
                    created = run_service(services.install_standard_forms, org, by=request.user)
                except Refused as refused:
                    refused.show(request)
                else:
                    messages.success(request, f"已为{org.name}安装{len(created)}个标准表单" if created
                                     else f"{org.name}已有全部标准表单")
                    return HttpResponseRedirect(reverse("console:documents_approvalform_changelist"))
        return TemplateResponse(request, "console/documents_approvals_install.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "安装标准审批表单",
            "orgs": orgs, "standard": [f["name"] for f in shapes.STANDARD_FORMS]})


register(Queue(
    "documents.approval.waiting", "移动审批", "待我审批", queries.waiting_count,
    lambda user: reverse("console:documents_approvalrequest_waiting"),
    help="轮到您审批的申请"))
