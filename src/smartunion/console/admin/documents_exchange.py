"""Console pages of the office platform: the exchange part (公文交换 and 收文).

- 公文交换 (Exchange changelist): the exchanges sent by orgs in the cadre's scope with their per-status counts
  (待签收 / 已签收 / 已退回); one exchange's page lists every receiver with its status, time, return reason and urges,
  with 催办 (asks first; refused within the hour). 发送交换 (send/<document id>/): the form on a released outgoing
  document: chosen orgs, all city federations or all county federations below.
- 收文 (IncomingDocument changelist): the incoming documents of the scope, filters (状态, 来源, 待签收, 超期, 待阅),
  search, pagination, export; 登记收文 (new/) with a scan; one document's page shows the flow (登记 → 拟办 → 批办 →
  承办 → 办结 → 归档), the 签收 / 退回 of an exchanged one, each step the cadre may take (each asks first), the
  circulation with who has and has not read, and the reader's 阅知 button.
Workbench queues (公文处理): 待签收, 待拟办, 待批办, 待办理, 待阅.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from smartunion.console.admin.base import Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, changelist, register
from smartunion.core.errors import NotFound
from smartunion.documents import rules_exchange as rules
from smartunion.documents.models import Delivery, Exchange, IncomingDocument, OutgoingDocument, Secrecy, Urgency
from smartunion.documents.queries import exchange as queries
from smartunion.documents.services import exchange as exchange_services
from smartunion.documents.services import incoming as services
from smartunion.orgs.models import Organisation, subtree_q
from smartunion.orgs.queries import scoped

S = IncomingDocument.Status
D = Delivery.Status
FLOW = [(S.REGISTERED, "登记"), (S.PROPOSED, "拟办"), (S.INSTRUCTED, "批办"), (S.HANDLING, "承办"),
        (S.DONE, "办结"), (S.ARCHIVED, "归档")]
STEP_QUESTIONS = {
    "propose": "确定提交拟办意见吗？", "instruct": "确定提交批办意见吗？", "assign": "确定分派承办吗？",
    "done": "确定办结吗？办结后不能再修改办理结果。", "archive": "确定归档吗？", "circulate": "确定发起传阅吗？",
    "sign": "确定签收该公文吗？签收后不能退回。", "return": "确定退回该公文吗？退回后不能撤销。",
}


class _Pages:
    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),  # type: ignore[attr-defined]
                                                    "opts": self.model._meta, **context})  # type: ignore[attr-defined]


def overdue_badge(doc: IncomingDocument):
    if services.is_overdue(doc):
        return format_html('<span class="text-red-600 font-semibold" data-overdue="1">已超期</span>')
    if doc.due_at is None:
        return "—"
    estimated = "（预估）" if doc.due_estimated else ""
    return f"{timezone.localtime(doc.due_at):%Y-%m-%d}{estimated}"


# Forms --------------------------------------------------------------------------------------------------------------


class SendForm(forms.Form):
    scope = forms.ChoiceField(label="接收范围", widget=forms.RadioSelect, initial="chosen", choices=[
        ("chosen", "选择单位"), (exchange_services.ALL_CITIES, "全部市总工会"),
        (exchange_services.ALL_COUNTIES_BELOW, "下辖全部县（区）总工会")])
    orgs = forms.MultipleChoiceField(label="接收单位", required=False, widget=forms.CheckboxSelectMultiple,
                                     help_text="选择“选择单位”时勾选；可选本单位的下级单位和上级单位")
    sign_days = forms.IntegerField(label="签收期限（工作日）", min_value=1, max_value=exchange_services.MAX_SIGN_DAYS,
                                   initial=exchange_services.DEFAULT_SIGN_DAYS, widget=UnfoldAdminIntegerFieldWidget)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].choices = choices  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("scope") == "chosen" and not data.get("orgs"):
            self.add_error("orgs", "请选择接收单位")
        return data


class TextForm(forms.Form):
    text = forms.CharField(label="意见", max_length=services.MAX_TEXT, widget=UnfoldAdminTextareaWidget)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=exchange_services.MAX_REASON,
                             widget=UnfoldAdminTextInputWidget, help_text="发文单位会看到退回原因")


class AssignForm(forms.Form):
    department = forms.ChoiceField(label="承办部门", widget=UnfoldAdminSelectWidget)
    handler = forms.ChoiceField(label="承办人", required=False, widget=UnfoldAdminSelectWidget,
                                help_text="可不指定，由承办部门办理")
    days = forms.IntegerField(label="办理期限（工作日）", min_value=1, max_value=services.MAX_DAYS, initial=5,
                              widget=UnfoldAdminIntegerFieldWidget)

    def __init__(self, *args, doc, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in queries.departments_of(doc.org_id).prefetch_related("members")}
        self.fields["department"].choices = [(k, d.name) for k, d in self.departments.items()]  # type: ignore[attr-defined]
        people = {}
        for d in self.departments.values():
            for u in [d.head, *d.members.all()]:
                if u is not None:
                    people[str(u.pk)] = f"{u}（{d.name}）"
        self.people = people
        self.fields["handler"].choices = [("", "不指定"), *people.items()]  # type: ignore[attr-defined]


class ResultForm(forms.Form):
    text = forms.CharField(label="办理结果", max_length=services.MAX_TEXT, widget=UnfoldAdminTextareaWidget)


class CirculateForm(forms.Form):
    readers = forms.MultipleChoiceField(label="传阅人", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, doc, **kwargs):
        super().__init__(*args, **kwargs)
        users = services.eligible_readers(doc.org_id).order_by("username")[:200]
        self.fields["readers"].choices = [(str(u.pk), str(u)) for u in users]  # type: ignore[attr-defined]


class RegisterForm(forms.Form):
    org = forms.ChoiceField(label="收文单位", widget=UnfoldAdminSelectWidget)
    title = forms.CharField(label="标题", max_length=200, widget=UnfoldAdminTextInputWidget)
    sender_name = forms.CharField(label="来文单位", max_length=100, widget=UnfoldAdminTextInputWidget)
    original_number = forms.CharField(label="来文字号", max_length=40, required=False,
                                      widget=UnfoldAdminTextInputWidget)
    received_on = forms.DateField(label="收文日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    secrecy = forms.ChoiceField(label="密级", choices=Secrecy.choices, required=False, widget=UnfoldAdminSelectWidget)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, required=False,
                                widget=UnfoldAdminSelectWidget)
    body = forms.CharField(label="正文摘要", max_length=20000, required=False, widget=UnfoldAdminTextareaWidget)
    scan = forms.FileField(label="扫描件", required=False, help_text="PDF 或图片，不超过 20 MB")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["org"].choices = [(k, o.name) for k, o in self.orgs.items()]  # type: ignore[attr-defined]


# 公文交换 -----------------------------------------------------------------------------------------------------------


@admin.register(Exchange, site=console_site)
class ExchangeAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["title", "number", "org", "sent_at", "sign_due_at", "total", "delivered", "signed", "returned",
                    "open_link"]
    search_fields = ["document__title", "document__number"]
    ordering = ["-sent_at", "-id"]
    export_columns = list_display[:-1]

    def get_queryset(self, request):
        return queries.with_counts(super().get_queryset(request).select_related("org"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="标题")
    def title(self, obj):
        return obj.envelope.get("document", {}).get("title", "")

    @admin.display(description="发文字号")
    def number(self, obj):
        return obj.envelope.get("document", {}).get("number", "")

    @admin.display(description="接收单位数")
    def total(self, obj):
        return obj.total

    @admin.display(description="待签收")
    def delivered(self, obj):
        return obj.delivered

    @admin.display(description="已签收")
    def signed(self, obj):
        return obj.signed

    @admin.display(description="已退回")
    def returned(self, obj):
        return obj.returned

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">签收情况</a>', reverse("console:documents_exchange_status", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", view(self.status_view), name="documents_exchange_status"),
            path("<int:pk>/urge/", view(self.urge_view), name="documents_exchange_urge"),
            path("send/<int:doc_id>/", view(self.send_view), name="documents_exchange_send"),
            *super().get_urls(),
        ]

    def _exchange(self, request, pk) -> Exchange:
        try:
            return queries.exchange_for(request.user, pk)
        except NotFound:
            raise Http404("公文交换不存在") from None

    def status_view(self, request, pk):
        exchange = self._exchange(request, pk)
        status = request.GET.get("status", "")
        recipients = queries.recipients(exchange)
        if status in D.values:
            recipients = [d for d in recipients if d.status == status]
        return self._page(request, "console/documents_exchange_status.html", title="签收情况", exchange=exchange,
                          document=exchange.envelope.get("document", {}), recipients=recipients, status=status,
                          may_urge=rules.can_urge(request.user, exchange) and exchange.delivered > 0,
                          now=timezone.now(), back=reverse("console:documents_exchange_changelist"))

    def urge_view(self, request, pk):
        exchange = self._exchange(request, pk)
        back = reverse("console:documents_exchange_status", args=[pk])
        if request.method == "POST":
            try:
                urged = run_service(exchange_services.urge, exchange, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已向{urged}个未签收单位发送催办通知")
            return HttpResponseRedirect(back)
        title = exchange.envelope.get("document", {}).get("title", "")
        return self._page(request, "console/documents_exchange_confirm.html", title="催办",
                          question=f"确定向《{title}》尚未签收的{exchange.delivered}个单位发送催办通知吗？"
                                   "一小时内已催办过的单位不会重复通知。", submit="催办", back=back)

    def send_view(self, request, doc_id):
        document = scoped(OutgoingDocument.objects.select_related("org"), request.user, field="org_path").filter(
            pk=doc_id).first()
        if document is None:
            raise Http404("发文不存在")
        sender = document.org
        below = Organisation.objects.filter(subtree_q(sender.path), status=Organisation.Status.ACTIVE).exclude(
            pk=sender.pk).filter(kind__in=Organisation.FEDERATION_KINDS).order_by("path")[:500]
        choices = [(str(o.pk), f"{o.name}") for o in below]
        if sender.parent_id:
            choices.insert(0, (str(sender.parent_id), f"{sender.parent.name}（上级）"))  # type: ignore[union-attr]
        form = SendForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            scope = form.cleaned_data["scope"]
            to = scope if scope != "chosen" else list(Organisation.objects.filter(
                pk__in=[int(pk) for pk in form.cleaned_data["orgs"]]))
            try:
                exchange = run_service(exchange_services.send, document, to=to, by=request.user,
                                       sign_days=form.cleaned_data["sign_days"])
            except Refused as refused:
                refused.show(request, form)
            else:
                skipped = f"，跳过{len(exchange.skipped)}个单位" if exchange.skipped else ""
                messages.success(request, f"已发送给{exchange.deliveries.count()}个单位{skipped}")
                return HttpResponseRedirect(reverse("console:documents_exchange_status", args=[exchange.pk]))
        sent = Delivery.objects.filter(exchange__document=document).exclude(status=D.RETURNED).count()
        return self._page(request, "console/documents_exchange_send.html", title="发送公文交换", form=form,
                          document=document, sent=sent, released=document.status in exchange_services.RELEASED,
                          back=reverse("console:documents_exchange_changelist"))


# 收文 ---------------------------------------------------------------------------------------------------------------


class QueueFilter(SimpleListFilter):
    title = "待办"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("sign", "待签收"), ("overdue", "已超期"), ("toread", "待阅"), ("handle", "待办理")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "sign":
            return queryset.filter(delivery__status=D.DELIVERED)
        if value == "overdue":
            return queryset.filter(services.overdue_q())
        if value == "toread":
            return queryset.filter(circulations__reader=request.user, circulations__read_at__isnull=True)
        if value == "handle":
            return queryset.filter(pk__in=queries.to_handle(request.user).values("pk"))
        return queryset


@admin.register(IncomingDocument, site=console_site)
class IncomingDocumentAdmin(_Pages, ScopedAdmin):
    scope_field = "org_path"
    list_display = ["serial", "title", "sender_name", "original_number", "org", "received_on", "status", "sign_state",
                    "due", "open_link"]
    list_filter = [QueueFilter, "status", "source"]
    list_select_related = ["org", "delivery", "department"]
    search_fields = ["title", "original_number", "sender_name", "serial"]
    ordering = ["-received_on", "-id"]
    export_columns = list_display[:-1]
    change_list_template = "console/documents_exchange_incoming_changelist.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="签收")
    def sign_state(self, obj):
        return obj.delivery.get_status_display() if obj.delivery else "手工登记"

    @admin.display(description="办理期限")
    def due(self, obj):
        return overdue_badge(obj)

    @admin.display(description="操作")
    def open_link(self, obj):
        return format_html('<a href="{}">办理</a>', reverse("console:documents_exchange_incoming", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.register_view), name="documents_exchange_register"),
            path("<int:pk>/view/", view(self.detail_view), name="documents_exchange_incoming"),
            path("<int:pk>/read/", view(self.read_view), name="documents_exchange_read"),
            path("<int:pk>/<str:step>/", view(self.step_view), name="documents_exchange_step"),
            *super().get_urls(),
        ]

    def _doc(self, request, pk) -> IncomingDocument:
        try:
            return queries.incoming_for(request.user, pk)
        except NotFound:
            # A reader or a handler opens what was sent to them, even from outside their scope.
            found = (IncomingDocument.objects.select_related("org", "delivery", "department")
                     .filter(pk=pk, circulations__reader=request.user).first()
                     or queries.to_handle(request.user).select_related("org", "delivery", "department")
                     .filter(pk=pk).first())
            if found is None:
                raise Http404("收文不存在") from None
            return found

    def register_view(self, request):
        orgs = list(Organisation.objects.filter(pk__in=rules.office_org_ids(request.user)).order_by("path"))
        if not orgs:
            raise Http404("您不是任何单位的主席或管理员")
        form = RegisterForm(request.POST or None, request.FILES or None, orgs=orgs)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            org = form.orgs[data.pop("org")]
            try:
                doc = run_service(services.register, org=org, by=request.user, **data)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, "收文已登记")
                return HttpResponseRedirect(reverse("console:documents_exchange_incoming", args=[doc.pk]))
        return self._page(request, "console/documents_exchange_form.html", title="登记收文", form=form,
                          multipart=True, back=reverse("console:documents_incomingdocument_changelist"))

    def detail_view(self, request, pk):
        doc = self._doc(request, pk)
        user = request.user
        steps = [t.action for t in services.INCOMING_WORKFLOW.available(doc, user)]
        signing = doc.delivery is not None and doc.delivery.status == D.DELIVERED
        if signing:
            steps = [s for s in steps if s != "propose"]
            if rules.can_decide_delivery(user, doc.delivery):
                steps = ["sign", "return", *steps]
        if doc.status not in (S.ARCHIVED,) and rules.can_circulate(user, doc):
            steps.append("circulate")
        reached = [s for s, _ in FLOW].index(doc.status)
        circulation = queries.circulations(doc)
        mine = next((c for c in circulation if c.reader_id == user.pk), None)
        return self._page(
            request, "console/documents_exchange_incoming.html", title=doc.title, doc=doc,
            flow=[(label, i <= reached, i == reached) for i, (_, label) in enumerate(FLOW)],
            steps=[(s, STEP_LABELS[s]) for s in steps], circulation=circulation,
            read_count=sum(1 for c in circulation if c.read_at), my_circulation=mine, badge=overdue_badge(doc),
            attachments=list(doc.attachments.order_by("position", "id")),
            back=reverse("console:documents_incomingdocument_changelist"))

    def read_view(self, request, pk):
        doc = IncomingDocument.objects.filter(pk=pk, circulations__reader=request.user).first()
        if doc is None:
            raise Http404("收文不存在")
        if request.method == "POST":
            try:
                run_service(services.mark_read, doc, by=request.user, comment=request.POST.get("comment", ""))
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, "已阅知")
        return HttpResponseRedirect(reverse("console:documents_exchange_incoming", args=[pk]))

    def step_view(self, request, pk, step):
        if step not in STEP_LABELS:
            raise Http404("没有这个操作")
        doc = self._doc(request, pk)
        form = _step_form(step, doc, request.POST if request.method == "POST" else None)
        back = reverse("console:documents_exchange_incoming", args=[pk])
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                _run_step(step, doc, form, request.user)
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已{STEP_LABELS[step]}")
                return HttpResponseRedirect(back)
        return self._page(request, "console/documents_exchange_form.html", title=f"{STEP_LABELS[step]}：{doc.title}",
                          form=form, question=STEP_QUESTIONS[step], back=back, danger=step == "return",
                          submit=STEP_LABELS[step])


STEP_LABELS = {"sign": "签收", "return": "退回", "propose": "拟办", "instruct": "批办", "assign": "承办",
               "done": "办结", "archive": "归档", "circulate": "传阅"}


def _step_form(step: str, doc: IncomingDocument, data):
    if step in ("propose", "instruct"):
        return TextForm(data)
    if step == "return":
        return ReasonForm(data)
    if step == "assign":
        return AssignForm(data, doc=doc)
    if step == "done":
        return ResultForm(data)
    if step == "circulate":
        return CirculateForm(data, doc=doc)
    return None  # sign, archive: a confirmation only


def _run_step(step: str, doc: IncomingDocument, form, user) -> None:
    data = form.cleaned_data if form is not None else {}
    if step == "sign":
        run_service(exchange_services.sign_for, _delivery(doc), by=user)
    elif step == "return":
        run_service(exchange_services.return_delivery, _delivery(doc), by=user, reason=data["reason"])
    elif step == "propose":
        run_service(services.propose, doc, by=user, text=data["text"])
    elif step == "instruct":
        run_service(services.instruct, doc, by=user, text=data["text"])
    elif step == "assign":
        handler = get_user_model().objects.filter(pk=data["handler"]).first() if data.get("handler") else None
        run_service(services.assign, doc, by=user, department=form.departments[data["department"]],
                    days=data["days"], handler=handler)
    elif step == "done":
        run_service(services.finish, doc, by=user, result=data["text"])
    elif step == "archive":
        run_service(services.archive, doc, by=user)
    elif step == "circulate":
        run_service(services.circulate, doc, by=user, readers=[int(pk) for pk in data["readers"]])


def _delivery(doc: IncomingDocument) -> Delivery:
    if doc.delivery is None:
        raise Refused(["手工登记的收文无需签收"])
    return doc.delivery


# The workbench ------------------------------------------------------------------------------------------------------

GROUP = "公文处理"
INCOMING = "documents_incomingdocument_changelist"


def _has_office(user) -> bool:
    return bool(rules.office_org_ids(user))


register(Queue(
    "documents.exchange.to_sign", GROUP, "待签收", lambda user: queries.to_sign(user).count(),
    lambda user: changelist(INCOMING, queue="sign"), visible=_has_office,
    help="其他单位交换来、本单位尚未签收或退回的公文"))
register(Queue(
    "documents.incoming.to_propose", GROUP, "待拟办", lambda user: queries.to_propose(user).count(),
    lambda user: changelist(INCOMING, status__exact=S.REGISTERED), visible=_has_office,
    help="已登记（交换来的已签收）、尚未拟办的收文"))
register(Queue(
    "documents.incoming.to_instruct", GROUP, "待批办", lambda user: queries.to_instruct(user).count(),
    lambda user: changelist(INCOMING, status__exact=S.PROPOSED),
    visible=lambda user: bool(rules.office_org_ids(user, (rules.CHAIR,))), help="已拟办、等待主席批办的收文"))
register(Queue(
    "documents.incoming.to_handle", GROUP, "待办理", lambda user: queries.to_handle(user).count(),
    lambda user: changelist(INCOMING, queue="handle"), help="分派给我或我所在部门承办的收文"))
register(Queue(
    "documents.incoming.to_read", GROUP, "待阅", lambda user: queries.to_read(user).count(),
    lambda user: changelist(INCOMING, queue="toread"), help="传阅给我、尚未阅知的收文"))
