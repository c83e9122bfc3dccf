"""Console pages of the office platform: the outgoing part (发文).

- 发文 (the list): the documents the cadre may read, filtered by status, 文种 and 待办 (我的草稿, 待核稿, 待会签,
  待签发, 待编号用印), searched by title or 发文字号, paginated and exported;
- the drafting form with every element (份号, 密级, 保密期限, 紧急程度, 发文机关标志, 发文字号规则, 主送, 正文, 抄送,
  成文日期, 印发机关和日期) and one attachment at a time;
- the document's page: its elements, attachments, the steps the cadre may take (each confirmed; returns and
  refusals with their reason), the 核稿 form choosing the countersigning departments and orgs, the countersign panel
  (every round, who agreed or refused and why), the versions with a diff between any two, the flow history, and the
  版式文件 (documents.pdf.render_pdf) once there is one to print;
- 发文字号规则 (numbering rules: create, deactivate, activate) and 部门 (departments: create and change; shared with
  the other office parts);
- the workbench queues 待核稿, 待会签, 待签发, 待编号用印.
"""

from __future__ import annotations

import importlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import (
    INPUT_CLASSES,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.accounts.models import User
from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, changelist, register
from smartunion.core.errors import NotFound
from smartunion.core.workflow import history
from smartunion.documents import rules_outgoing as rules
from smartunion.documents.models import Department, NumberingRule, OutgoingDocument, Secrecy, Urgency
from smartunion.documents.queries import outgoing as queries
from smartunion.documents.services import outgoing as services
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import is_unrestricted, managed_paths, visible_orgs

S = OutgoingDocument.Status
WORKFLOW = services.OUTGOING_WORKFLOW
CONFIRM = {
    "submit": "确定送核稿吗？送出后不能再修改，如需修改请由核稿人退回。",
    "cancel": "确定作废该公文吗？作废后不能恢复。",
    "check": "确定核稿通过、直接送签发吗？",
    "sign": "确定签发该公文吗？",
    "number": "确定编号吗？发文字号一经取用不再收回。",
    "seal": "确定已用印、转入分发吗？",
    "archive": "确定归档吗？",
    "return": "确定退回拟稿人吗？",
}


def _is_cadre(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user))


# Forms ------------------------------------------------------------------------------------------------------------


DATE = forms.DateInput(attrs={"type": "date", "class": " ".join(INPUT_CLASSES)}, format="%Y-%m-%d")


def _text(label, max_length, required=False, **kwargs):
    return forms.CharField(label=label, max_length=max_length, required=required, widget=UnfoldAdminTextInputWidget,
                           **kwargs)


class DocumentForm(forms.Form):
    org = forms.ModelChoiceField(label="发文机关", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    kind = forms.ChoiceField(label="文种", choices=OutgoingDocument.Kind.choices, widget=UnfoldAdminSelectWidget)
    title = _text("标题", 200, required=True)
    issuer_mark = _text("发文机关标志", 50, help_text="版头红色字样，如：济南市总工会文件；不填为“发文机关名称＋文件”")
    rule = forms.ModelChoiceField(label="发文字号规则", queryset=NumberingRule.objects.none(), required=False,
                                  widget=UnfoldAdminSelectWidget,
                                  help_text="签发后由办公室按规则编号，如：鲁工发〔2026〕12号")
    copy_number = _text("份号", 6, help_text="1到6位阿拉伯数字，涉密公文应标注")
    secrecy = forms.ChoiceField(label="密级", choices=Secrecy.choices, required=False, widget=UnfoldAdminSelectWidget)
    secrecy_period = _text("保密期限", 20, help_text="如：1年；未标密级的公文不填")
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, required=False,
                                widget=UnfoldAdminSelectWidget)
    main_recipients = _text("主送机关", 500, help_text="如：各县（区）总工会，市直各产业工会")
    body = forms.CharField(label="正文", max_length=services.MAX_BODY, required=False,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 18}),
                           help_text="每段一行；“一、”“（一）”开头的段落为各级标题")
    cc = _text("抄送机关", 500)
    written_on = forms.DateField(label="成文日期", required=False, widget=DATE,
                                 help_text="不填则以签发日期为成文日期")
    printer = _text("印发机关", 100, help_text="不填则用印时按发文机关填写")
    printed_on = forms.DateField(label="印发日期", required=False, widget=DATE,
                                 help_text="不填则以用印日期为印发日期")
    attachment = forms.FileField(label="添加附件（选填）", required=False,
                                 help_text="PDF、OFD、Word（.docx）、Excel（.xlsx）或图片，"
                                           f"不超过 {services.size_limit_text()}")
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).exclude(kind=Organisation.Kind.GRASSROOTS).order_by("path")
        self.fields["rule"].queryset = queries.visible_rules(user).filter(active=True)
        if document is not None:
            self.fields["org"].disabled = True
            self.fields["rule"].queryset = NumberingRule.objects.filter(org_id=document.org_id, active=True)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("org", "base_revision", "attachment"):
            data.pop(name, None)
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", max_length=services.MAX_REASON, required=False)


class CheckForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(label="会签部门", queryset=Department.objects.none(), required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    orgs = forms.ModelMultipleChoiceField(label="会签单位", queryset=Organisation.objects.none(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="核稿意见", max_length=services.MAX_REASON, required=False,
                           widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(org_id=document.org_id,
                                                                        active=True).order_by("name")
        org = document.org
        near = Organisation.objects.filter(status=Organisation.Status.ACTIVE).exclude(pk=org.pk)
        self.fields["orgs"].queryset = (near.filter(parent_id=org.pk) | near.filter(pk=org.parent_id)).order_by("path")


class CountersignForm(forms.Form):
    decision = forms.ChoiceField(label="会签意见", choices=[("agree", "同意"), ("refuse", "不同意")],
                                 widget=forms.RadioSelect, initial="agree")
    note = forms.CharField(label="意见（不同意时必填理由）", max_length=services.MAX_REASON, required=False,
                           widget=UnfoldAdminTextInputWidget)
    party = forms.ChoiceField(label="代表", required=False, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(row.pk, services.party_label(row)) for row in rows]
        if len(rows) < 2:
            self.fields["party"].widget = forms.HiddenInput()


class NumberForm(forms.Form):
    rule = forms.ModelChoiceField(label="发文字号规则", queryset=NumberingRule.objects.none(),
                                  widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = queries.rules_for(document.org_id)
        self.fields["rule"].initial = document.rule_id


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件")


# The list ---------------------------------------------------------------------------------------------------------


class QueueFilter(SimpleListFilter):
    title = "待办"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "我的草稿"), ("check", "待核稿"), ("countersign", "待会签"), ("sign", "待签发"),
                ("clerk", "待编号用印")]

    def queryset(self, request, queryset):
        found = queries.QUEUES.get(self.value() or "")
        if found is None:
            return queryset
        return queryset.filter(pk__in=found(request.user).values("pk"))


@admin.register(OutgoingDocument, site=console_site)
class OutgoingDocumentAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["number_or_dash", "title", "org", "kind", "status", "urgency", "created_by", "updated_at",
                    "open_link"]
    list_filter = [QueueFilter, "status", "kind"]
    search_fields = ["title", "number"]
    ordering = ["-updated_at", "-id"]
    list_select_related = ["org", "created_by"]
    export_columns = list_display[:-1]
    change_list_template = "console/documents_outgoing_changelist.html"

    def get_queryset(self, request):
        return queries.visible_documents(request.user)

    def has_add_permission(self, request):
        return _is_cadre(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # through the drafting form and the document's page, which call the services

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="发文字号", ordering="number")
    def number_or_dash(self, obj):
        return obj.number or "—"

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">打开</a>', reverse("console:documents_outgoing_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.edit_view), name="documents_outgoing_create"),
            path("<int:pk>/", view(self.detail_view), name="documents_outgoing_detail"),
            path("<int:pk>/edit/", view(self.edit_view), name="documents_outgoing_edit"),
            path("<int:pk>/step/<str:action>/", view(self.step_view), name="documents_outgoing_step"),
            path("<int:pk>/check/", view(self.check_view), name="documents_outgoing_check"),
            path("<int:pk>/countersign/", view(self.countersign_view), name="documents_outgoing_countersign"),
            path("<int:pk>/number/", view(self.number_view), name="documents_outgoing_number"),
            path("<int:pk>/diff/", view(self.diff_view), name="documents_outgoing_diff"),
            path("<int:pk>/attachments/", view(self.attach_view), name="documents_outgoing_attach"),
            path("<int:pk>/attachments/<int:aid>/", view(self.file_view), name="documents_outgoing_file"),
            path("<int:pk>/attachments/<int:aid>/remove/", view(self.detach_view),
                 name="documents_outgoing_detach"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="documents_outgoing_pdf"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_outgoing_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("页面不存在")
        return HttpResponseRedirect(reverse("console:documents_outgoing_detail", args=[object_id]))

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _document(self, request, pk) -> OutgoingDocument:
        try:
            return queries.document_for(request.user, pk)
        except NotFound as exc:
            raise Http404("公文不存在") from exc

    def _back(self, pk):
        return HttpResponseRedirect(reverse("console:documents_outgoing_detail", args=[pk]))

    # Drafting

    def edit_view(self, request, pk=None):
        document = self._document(request, pk) if pk else None
        if document is not None and not (document.status == S.DRAFT and rules.may_edit(request.user, document)):
            messages.error(request, "只有拟稿中的公文可以修改")
            return self._back(document.pk)
        initial = {"kind": OutgoingDocument.Kind.NOTICE}
        if document is not None:
            initial = {name: getattr(document, name) for name in services.FIELDS}
            initial.update(org=document.org_id, rule=document.rule_id, base_revision=document.revision)
        form = DocumentForm(request.POST or None, request.FILES or None, initial=initial, user=request.user,
                            document=document)
        if request.method == "POST" and form.is_valid():
            try:
                if document is None:
                    saved = run_service(services.create_document, by=request.user, org=form.cleaned_data["org"],
                                        **form.values())
                else:
                    saved = run_service(services.save_document, document, by=request.user,
                                        base_revision=form.cleaned_data.get("base_revision") or 0, **form.values())
                upload = form.cleaned_data.get("attachment")
                if upload is not None:
                    try:
                        run_service(services.add_attachment, saved, by=request.user, file=upload)
                    except Refused as refused:
                        messages.error(request, f"公文已保存，但附件未能上传：{'；'.join(refused.all_messages())}")
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存“{saved.title}”（第 {saved.revision} 版）")
                return self._back(saved.pk)
        title = "拟稿" if document is None else f"修改公文：{document.title}"
        return self._page(request, "console/documents_outgoing_form.html", title=title, form=form,
                          document=document)

    # The document's page

    def detail_view(self, request, pk):
        document = self._document(request, pk)
        user = request.user
        steps = [{"action": t.action, "label": t.label, "note_required": t.note_required,
                  "confirm": CONFIRM.get(t.action, "")}
                 for t in services.steps_for(document, user) if t.action not in ("check", "number")]
        may_check = document.status == S.CHECKING and rules.may_check(user, document)
        may_number = document.status == S.NUMBERING and rules.may_clerk(user, document)
        answerable = queries.answerable(document, user)
        versions = list(document.versions.select_related("saved_by").order_by("-number"))
        return self._page(
            request, "console/documents_outgoing_detail.html", title=document.title, document=document,
            steps=steps, check_form=CheckForm(document=document) if may_check else None,
            number_form=NumberForm(document=document) if may_number else None,
            countersign_form=CountersignForm(rows=answerable) if answerable else None,
            rounds=queries.countersign_rounds(document),
            may_edit=document.status == S.DRAFT and rules.may_edit(user, document),
            attachments=list(document.attachments.order_by("position", "id")),
            attach_form=AttachmentForm(), versions=versions,
            history=[{"at": h.created_at, "actor": h.actor, "action": WORKFLOW.action_label(h.action),
                      "to": WORKFLOW.label(h.to_state), "note": h.note} for h in history(WORKFLOW, document)],
            pdf_ready=_pdf_module() is not None and bool(document.body.strip()))

    def step_view(self, request, pk, action):
        document = self._document(request, pk)
        if request.method != "POST":
            return self._back(pk)
        note = request.POST.get("note", "")
        calls = {
            "submit": lambda: services.submit(document, by=request.user),
            "cancel": lambda: services.cancel(document, by=request.user, note=note),
            "return": lambda: services.return_document(document, by=request.user, note=note),
            "sign": lambda: services.sign(document, by=request.user, note=note),
            "seal": lambda: services.seal(document, by=request.user),
            "archive": lambda: services.archive(document, by=request.user),
        }
        if action not in calls:
            raise Http404("没有这个操作")
        try:
            result = run_service(calls[action])
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已{WORKFLOW.action_label(action)}，公文现为“{result.get_status_display()}”")
        return self._back(pk)

    def check_view(self, request, pk):
        document = self._document(request, pk)
        if request.method != "POST":
            return self._back(pk)
        form = CheckForm(request.POST, document=document)
        if not form.is_valid():
            messages.error(request, "会签部门或单位不正确，请重新选择")
            return self._back(pk)
        try:
            result = run_service(services.check, document, by=request.user,
                                 departments=list(form.cleaned_data["departments"]),
                                 orgs=list(form.cleaned_data["orgs"]), note=form.cleaned_data["note"])
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, "核稿完成，已送会签" if result.status == S.COUNTERSIGN else "核稿完成，已送签发")
        return self._back(pk)

    def countersign_view(self, request, pk):
        document = self._document(request, pk)
        if request.method != "POST":
            return self._back(pk)
        rows = queries.answerable(document, request.user)
        form = CountersignForm(request.POST, rows=rows)
        if not form.is_valid():
            messages.error(request, "请选择会签意见")
            return self._back(pk)
        party = next((row for row in rows if str(row.pk) == form.cleaned_data.get("party")), None)
        agree = form.cleaned_data["decision"] == "agree"
        try:
            run_service(services.countersign, document, by=request.user, agree=agree,
                        note=form.cleaned_data["note"], party=party)
        except Refused as refused:
            refused.show(request)
            return self._back(pk)
        messages.success(request, "已会签同意" if agree else "已会签不同意，公文退回拟稿人")
        if queries.visible_documents(request.user).filter(pk=pk).exists():
            return self._back(pk)
        return HttpResponseRedirect(reverse("console:documents_outgoingdocument_changelist"))

    def number_view(self, request, pk):
        document = self._document(request, pk)
        if request.method != "POST":
            return self._back(pk)
        form = NumberForm(request.POST, document=document)
        if not form.is_valid():
            messages.error(request, "请选择发文字号规则")
            return self._back(pk)
        try:
            result = run_service(services.number, document, by=request.user, rule=form.cleaned_data["rule"])
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已编号：{result.number}")
        return self._back(pk)

    def diff_view(self, request, pk):
        document = self._document(request, pk)
        numbers = [request.GET.get("older", ""), request.GET.get("newer", "")]
        if not all(n.isdigit() for n in numbers):
            raise Http404("版本不存在")
        try:
            lines = run_service(services.versions_diff, document, int(numbers[0]), int(numbers[1]))
        except Refused as refused:
            raise Http404("版本不存在") from refused
        found = {v.number: v for v in document.versions.filter(number__in=[int(n) for n in numbers])}
        return self._page(request, "console/documents_outgoing_diff.html", title=f"版本差异：{document.title}",
                          document=document, older=found[int(numbers[0])], newer=found[int(numbers[1])],
                          lines=lines, versions=list(document.versions.order_by("-number")))

    # Attachments and the PDF

    def attach_view(self, request, pk):
        document = self._document(request, pk)
        if request.method == "POST":
            try:
                attachment = run_service(services.add_attachment, document, by=request.user,
                                         file=request.FILES.get("file"))
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已上传附件“{attachment.name}”")
        return self._back(pk)

    def file_view(self, request, pk, aid):
        document = self._document(request, pk)
        attachment = document.attachments.filter(pk=aid).first()
        if attachment is None:
            raise Http404("附件不存在")
        return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=services.content_type_of(attachment))

    def detach_view(self, request, pk, aid):
        document = self._document(request, pk)
        attachment = document.attachments.filter(pk=aid).first()
        if attachment is None:
            raise Http404("附件不存在")
        if request.method == "POST":
            try:
                run_service(services.remove_attachment, attachment, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已删除附件“{attachment.name}”")
        return self._back(pk)

    def pdf_view(self, request, pk):
        document = self._document(request, pk)
        module = _pdf_module()
        if module is None:
            raise Http404("版式文件功能尚未启用")
        try:
            data = run_service(module.render_pdf, document)
        except Refused as refused:
            refused.show(request)
            return self._back(pk)
        response = HttpResponse(data, content_type="application/pdf")
        name = (document.number or document.title)[:60]
        from urllib.parse import quote

        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}.pdf"
        return response


def _pdf_module():
    """documents.pdf (the GB/T 9704 layout), when it offers render_pdf."""
    try:
        module = importlib.import_module("smartunion.documents.pdf")
    except ImportError:
        return None
    return module if hasattr(module, "render_pdf") else None


# Numbering rules ----------------------------------------------------------------------------------------------------


class RuleForm(forms.Form):
    org = forms.ModelChoiceField(label="单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    name = _text("名称", 50, required=True, help_text="如：发文、函、通知")
    prefix = _text("机关代字", 20, required=True, help_text="如：鲁工发；发文字号为 鲁工发〔2026〕12号")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).exclude(kind=Organisation.Kind.GRASSROOTS).order_by("path")


def _may_manage_any(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


@admin.register(NumberingRule, site=console_site)
class NumberingRuleAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["prefix", "name", "org", "active", "sample", "toggle_link"]
    list_filter = ["active"]
    search_fields = ["prefix", "name", "org__name"]
    ordering = ["org_path", "prefix"]
    list_select_related = ["org"]
    export_columns = ["prefix", "name", "org", "active"]
    change_list_template = "console/documents_outgoing_rule_changelist.html"

    def has_add_permission(self, request):
        return _may_manage_any(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="字号示例")
    def sample(self, obj):
        from django.utils import timezone

        return services.format_number(obj.prefix, timezone.localdate().year, 1)

    @admin.display(description="操作")
    def toggle_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("console:documents_outgoing_rule_toggle", args=[obj.pk]),
                           "停用" if obj.active else "启用")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.create_view), name="documents_outgoing_rule_create"),
            path("<int:pk>/toggle/", view(self.toggle_view), name="documents_outgoing_rule_toggle"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_outgoing_rule_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_numberingrule_changelist"))

    def create_view(self, request):
        form = RuleForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                rule = run_service(services.create_rule, by=request.user, **form.cleaned_data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已新建发文字号规则“{rule.prefix}”")
                return HttpResponseRedirect(reverse("console:documents_numberingrule_changelist"))
        return TemplateResponse(request, "console/documents_outgoing_simple_form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "新建发文字号规则",
            "form": form, "back": reverse("console:documents_numberingrule_changelist")})

    def toggle_view(self, request, pk):
        rule = self.get_queryset(request).filter(pk=pk).first()
        if rule is None:
            raise Http404("发文字号规则不存在")
        back = reverse("console:documents_numberingrule_changelist")
        if request.method != "POST":
            question = (f"确定停用发文字号规则“{rule.prefix}”吗？停用后不能再用它拟稿和编号，已编的字号不受影响。"
                        if rule.active else f"确定重新启用发文字号规则“{rule.prefix}”吗？")
            return TemplateResponse(request, "console/documents_outgoing_confirm.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta,
                "title": "停用发文字号规则" if rule.active else "启用发文字号规则", "question": question,
                "button": "停用" if rule.active else "启用", "back": back})
        try:
            run_service(services.set_rule_active, rule, by=request.user, active=not rule.active)
        except Refused as refused:
            refused.show(request)
        else:
            messages.success(request, f"已{'启用' if rule.active else '停用'}“{rule.prefix}”")
        return HttpResponseRedirect(back)


# Departments --------------------------------------------------------------------------------------------------------


class DepartmentForm(forms.Form):
    org = forms.ModelChoiceField(label="单位", queryset=Organisation.objects.none(), widget=UnfoldAdminSelectWidget)
    name = _text("部门名称", 50, required=True, help_text="如：办公室、组织部、宣传部、权益保障部、财务部")
    head = forms.CharField(label="负责人（用户名）", max_length=150, required=False, widget=UnfoldAdminTextInputWidget)
    members = forms.CharField(label="成员（用户名，用逗号或换行分隔）", max_length=3000, required=False,
                              widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}))
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, user=None, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).exclude(kind=Organisation.Kind.GRASSROOTS).order_by("path")
        if department is not None:
            self.fields["org"].disabled = True

    def clean_head(self):
        name = self.cleaned_data["head"].strip()
        if not name:
            return None
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(f"没有用户名为“{name}”的账号")
        return user

    def clean_members(self):
        names = [n.strip() for n in self.cleaned_data["members"].replace("，", ",").replace("\n", ",").split(",")
                 if n.strip()]
        found = {u.username: u for u in User.objects.filter(username__in=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise forms.ValidationError(f"没有这些用户名的账号：{'、'.join(missing)}")
        return [found[n] for n in dict.fromkeys(names)]


@admin.register(Department, site=console_site)
class DepartmentAdmin(ScopedAdmin):
    scope_field = "org_path"
    list_display = ["name", "org", "head", "member_count", "active", "edit_link"]
    list_filter = ["active"]
    search_fields = ["name", "org__name"]
    ordering = ["org_path", "name"]
    list_select_related = ["org", "head"]
    export_columns = ["name", "org", "head", "member_count", "active"]
    change_list_template = "console/documents_outgoing_department_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members_total=Count("members"))

    def has_add_permission(self, request):
        return _may_manage_any(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="成员数", ordering="members_total")
    def member_count(self, obj):
        return obj.members_total

    @admin.display(description="操作")
    def edit_link(self, obj):
        return format_html('<a href="{}">修改</a>', reverse("console:documents_outgoing_department_edit",
                                                            args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.edit_view), name="documents_outgoing_department_create"),
            path("<int:pk>/edit/", view(self.edit_view), name="documents_outgoing_department_edit"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("console:documents_outgoing_department_create"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("页面不存在")
        return HttpResponseRedirect(reverse("console:documents_outgoing_department_edit", args=[object_id]))

    def edit_view(self, request, pk=None):
        department = None
        if pk is not None:
            department = self.get_queryset(request).filter(pk=pk).first()
            if department is None:
                raise Http404("部门不存在")
        initial = {"active": True}
        if department is not None:
            initial = {"org": department.org_id, "name": department.name,
                       "head": department.head.username if department.head_id else "",
                       "members": ", ".join(department.members.order_by("username")
                                            .values_list("username", flat=True)),
                       "active": department.active}
        form = DepartmentForm(request.POST or None, initial=initial, user=request.user, department=department)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                saved = run_service(services.save_department, by=request.user,
                                    org=data["org"] if department is None else None, department=department,
                                    name=data["name"], head=data["head"], members=data["members"],
                                    active=data["active"])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已保存部门“{saved.name}”")
                return HttpResponseRedirect(reverse("console:documents_department_changelist"))
        return TemplateResponse(request, "console/documents_outgoing_simple_form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": "新建部门" if department is None else f"修改部门：{department.name}", "form": form,
            "back": reverse("console:documents_department_changelist")})


# The workbench -----------------------------------------------------------------------------------------------------

GROUP = "发文"
_LIST = "documents_outgoingdocument_changelist"


def _queue(key: str, label: str, queue: str, help_text: str, visible=_is_cadre):
    register(Queue(f"documents.outgoing.{key}", GROUP, label,
                   lambda user, q=queue: queries.QUEUES[q](user).count(),
                   lambda user, q=queue: changelist(_LIST, queue=q), visible=visible, help=help_text))


_queue("check", "待核稿", "check", "本单位送核稿、等待您（审核员或主席）核稿的公文")
_queue("countersign", "待会签", "countersign", "请您所在部门或单位会签、尚未答复的公文")
_queue("sign", "待签发", "sign", "已核稿（会签）完毕、等待您（主席）签发的公文")
_queue("clerk", "待编号用印", "clerk", "已签发、等待办公室（管理员）编号或用印的公文")
