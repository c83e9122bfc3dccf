"""我要维权 in the worker portal (phone first): file a rights case (12351), follow it in 我的维权, answer the handler's
question (which restarts the clock), read the close-out, rate the service and reopen within the window.

Every act is a cases service; a refusal (core.errors.DomainError) shows on the form with its Chinese message
(portal.errors.add_refusal). A worker sees only their own cases (cases.queries.cases.case_for_worker): another's is
not found, exactly like a missing one. Internal notes never reach these pages. Anyone with an account may file a
case, member or not.
"""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartunion.cases import categories
from smartunion.cases import files as case_files
from smartunion.cases.models import Case
from smartunion.cases.queries import cases as queries
from smartunion.cases.services import cases as services
from smartunion.cases.services.intake import MAX_PEOPLE
from smartunion.core import money
from smartunion.core.calendar import ESTIMATED_HINT, ESTIMATED_NOTE
from smartunion.core.errors import DomainError, NotFound
from smartunion.core.widgets import RegionCascaderWidget
from smartunion.portal.errors import add_refusal

PAGE_SIZE = 10
MAX_FILES = 5
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"
# The kinds in the words a worker uses.
KIND_HELP = {"consult": "咨询劳动法规、政策", "assistance": "生活困难，申请帮扶", "complaint": "投诉单位侵害权益",
             "legal_aid": "需要律师等法律援助", "suggestion": "对工会工作提建议"}
HIDE_IDENTITY_HELP = ("勾选后，除受理您诉求的工会外，其他人员（包括被投诉的单位）都看不到您的姓名和电话；"
                      "工会工作人员仍会通过您留下的电话与您联系。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(d, initial) for d in data if d] if isinstance(data, list | tuple) else (
            [single(data, initial)] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"最多上传 {MAX_FILES} 个文件")
        return files


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label="诉求类型", choices=[(k, f"{label}（{KIND_HELP[k]}）")
                                                     for k, label in Case.Kind.choices], widget=forms.RadioSelect,
                             initial=Case.Kind.COMPLAINT)
    category = forms.ChoiceField(label="问题类别", choices=())
    subcategory = forms.ChoiceField(label="具体问题（选填）", choices=(), required=False)
    employer_name = forms.CharField(label="涉及单位（选填）", max_length=150, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": "单位全称，便于转到该单位的工会"}))
    region = forms.CharField(label="发生地", max_length=12, widget=RegionCascaderWidget(deepest="township"),
                             error_messages={"required": "请选择发生地"})
    description = forms.CharField(label="诉求内容", max_length=5000, widget=forms.Textarea(attrs={
        "rows": 6, "placeholder": "请写明发生了什么、从什么时候开始、您希望工会帮您做什么"}))
    people_involved = forms.IntegerField(
        label="涉及人数", min_value=1, max_value=MAX_PEOPLE, initial=1, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        error_messages={"invalid": "涉及人数请填写整数", "min_value": "涉及人数至少为1人",
                        "max_value": f"涉及人数最多{MAX_PEOPLE}人"})
    amount_yuan = forms.DecimalField(
        label="涉及金额（元，选填）", required=False, min_value=0, max_digits=14, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01",
                                        "placeholder": "如拖欠工资的总额"}),
        error_messages={"invalid": "涉及金额请填写数字，如 12000 或 12000.50", "min_value": "涉及金额不能为负数",
                        "max_decimal_places": "涉及金额最多两位小数", "max_digits": "涉及金额过大，请核对",
                        "max_whole_digits": "涉及金额过大，请核对"})
    contact_name = forms.CharField(label="您的称呼", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    hide_identity = forms.BooleanField(label="对涉及单位保密我的身份", required=False, help_text=HIDE_IDENTITY_HELP)
    attachments = FilesField(label=f"证明材料（选填：照片或 PDF，最多{MAX_FILES}个，每个不超过"
                                   f"{case_files.MAX_BYTES // (1024 * 1024)}MB）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择"), *categories.category_choices()]
        groups = [(label, list(subs.items())) for _code, (label, subs) in categories.CATEGORIES.items() if subs]
        self.fields["subcategory"].choices = [("", "（不细分）"), *groups]
        self.fields["subcategory"].widget.attrs.update({
            "class": "case-subcategory", "data-category-groups": json.dumps(
                {code: label for code, (label, _s) in categories.CATEGORIES.items()}, ensure_ascii=False)})
        self.fields["category"].widget.attrs["class"] = "case-category"


class MessageForm(forms.Form):
    body = forms.CharField(label="回复工会", max_length=5000, widget=forms.Textarea(attrs={
        "rows": 4, "placeholder": "补充说明情况或回答工作人员的问题"}))
    attachments = FilesField(label=f"补充材料（选填：照片或 PDF，最多{MAX_FILES}个，每个不超过"
                                   f"{case_files.MAX_BYTES // (1024 * 1024)}MB）", required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label="满意度", coerce=int, choices=[(i, f"{i} 星") for i in range(5, 0, -1)],
                                    widget=forms.RadioSelect, error_messages={"required": "请选择满意度（1-5星）"})
    comment = forms.CharField(label="评价（选填）", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    note = forms.CharField(label="重新办理的理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _initial(user) -> dict:
    person = getattr(user, "person", None)
    name = person.name if person is not None else (user.display_name if user.display_name != user.username else "")
    return {"contact_name": name, "phone": user.phone or ""}


@never_cache
@login_required
def file_case(request):
    """我要维权: the form; after it, the page with the number, the routed org and the due date."""
    form = CaseForm(request.POST or None, request.FILES or None, initial=_initial(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attachments = data.pop("attachments") or ()
        amount = data.pop("amount_yuan")
        data["amount_involved_fen"] = money.fen(amount)
        data["people_involved"] = data["people_involved"] or 1
        try:
            case = services.file_case(by=request.user, channel=Case.Channel.PORTAL, attachments=attachments,
                                      person=getattr(request.user, "person", None), **data)
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            return redirect("portal:case_filed", pk=case.pk)
    return render(request, "portal/cases_new.html", {"form": form}, status=422 if form.errors else 200)


def _mine(request, pk) -> Case:
    try:
        return queries.case_for_worker(request.user, pk)
    except NotFound as exc:
        raise Http404("工单不存在") from exc


@never_cache
@login_required
def case_filed(request, pk):
    case = _mine(request, pk)
    return render(request, "portal/cases_filed.html", {"case": case, **_due(case)})


def _due(case: Case) -> dict:
    return {"estimated_note": ESTIMATED_NOTE if case.resolution_due_estimated else "",
            "estimated_hint": ESTIMATED_HINT if case.resolution_due_estimated else ""}


@never_cache
@login_required
def my_cases(request):
    """我的维权: the worker's cases, newest first, with their status."""
    page = Paginator(queries.my_cases(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"case": c, "category": categories.category_label(c.category)} for c in page]
    return render(request, "portal/cases_list.html", {"page": page, "rows": rows})


def _render_case(request, case, *, message_form=None, rate_form=None, reopen_form=None, status=200):
    lines = list(queries.messages_for(case, worker=True))  # never the internal notes
    may_reopen = case.status == Case.Status.CLOSED and _reopen_open(case)
    return render(request, "portal/cases_detail.html", {
        "case": case, "lines": lines, "category": categories.category_label(case.category),
        "subcategory": categories.subcategory_label(case.category, case.subcategory),
        "message_form": message_form or MessageForm(), "rate_form": rate_form or RateForm(),
        "reopen_form": reopen_form or ReopenForm(), "may_reopen": may_reopen,
        "attachments": list(case.attachments.order_by("id")), **_due(case),
    }, status=status)


def _reopen_open(case: Case) -> bool:
    """Whether the reopening window (calendar days after the close) is still open; the service is the judge, this
    only hides the form after it."""
    if case.closed_at is None:
        return False
    return timezone.now() <= case.closed_at + dt.timedelta(days=services.reopen_days())


@never_cache
@login_required
def case_detail(request, pk):
    return _render_case(request, _mine(request, pk))


@require_POST
@login_required
def case_message(request, pk):
    """回复工会: a message on the case; when the handler asked for more (待补充), the reply restarts the clock."""
    case = _mine(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.worker_message(case, by=request.user, body=form.cleaned_data["body"],
                                    files=form.cleaned_data["attachments"] or ())
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "已发送，工作人员会尽快处理")
            return redirect("portal:case", pk=case.pk)
    return _render_case(request, case, message_form=form, status=422)


@require_POST
@login_required
def case_rate(request, pk):
    case = _mine(request, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.rate(case, by=request.user, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "感谢您的评价")
            return redirect("portal:case", pk=case.pk)
    return _render_case(request, case, rate_form=form, status=422)


@require_POST
@login_required
def case_reopen(request, pk):
    case = _mine(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen(case, by=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "已申请重新办理，工会将继续处理")
            return redirect("portal:case", pk=case.pk)
    return _render_case(request, case, reopen_form=form, status=422)


@login_required
def case_attachment(request, pk, file_id):
    """One of the worker's own files, only through their case (never a public address)."""
    case = _mine(request, pk)
    attachment = case.attachments.filter(pk=file_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    return FileResponse(attachment.file.open("rb"), filename=attachment.name, content_type=attachment.content_type)


# 我的 · 维权帮扶 -----------------------------------------------------------------------------------------------------

ME_ROWS = 3  # the latest of each kind on 我的; the full lists are a tap away


def _url(name: str, *args) -> str:
    from django.urls import NoReverseMatch, reverse
    try:
        return reverse(f"portal:{name}", args=args)
    except NoReverseMatch:
        return ""


def _rows_of(module: str, function: str, whose, describe) -> list[dict]:
    """The latest rows of a part that may not be installed yet (legal aid, counselling, assistance are written
    alongside): nothing when its selector does not exist."""
    import importlib
    try:
        selector = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return []
    return [describe(row) for row in selector(whose)[:ME_ROWS]]


def rights_summary(user) -> list[dict]:
    """维权帮扶 on 我的: the status of everything the worker filed, newest first per kind: rights cases, legal-aid
    applications, counselling bookings and assistance applications (one query each)."""
    rows = [{"kind": "维权", "title": f"{c.get_kind_display()} · {categories.category_label(c.category)}",
             "status": c.get_status_display() + (" · 待评价" if c.status == Case.Status.CLOSED and not c.rating
                                                 else ""),
             "url": _url("case", c.pk), "key": f"case-{c.pk}"}
            for c in queries.my_cases(user)[:ME_ROWS]]
    rows += _rows_of("smartunion.cases.queries.legal_aid", "my_applications", user, lambda a: {
        "kind": "法律援助", "title": a.number, "status": a.get_status_display(),
        "url": _url("legal_aid_application", a.pk) or _url("legal_aid"), "key": f"legal-aid-{a.pk}"})
    rows += _rows_of("smartunion.cases.queries.counselling", "my_bookings", user, lambda b: {
        "kind": "心理咨询", "title": f"{timezone.localtime(b.slot.starts_at):%m月%d日 %H:%M}",
        "status": b.get_status_display(), "url": _url("counselling_bookings") or _url("counselling"),
        "key": f"booking-{b.pk}"})
    if user.person_id is None:  # assistance applications belong to the person (a cadre may apply for them)
        return rows
    rows += _rows_of("smartunion.assistance.queries", "my_applications", user.person_id, lambda a: {
        "kind": "困难帮扶", "title": str(getattr(a, "programme", "") or a), "status": a.get_status_display(),
        "url": _url("assistance_application", a.pk) or _url("assistance"), "key": f"assistance-{a.pk}"})
    return rows


urlpatterns = [
    path("cases/new/", file_case, name="case_new"),
    path("me/cases/", my_cases, name="my_cases"),
    path("me/cases/<int:pk>/", case_detail, name="case"),
    path("me/cases/<int:pk>/filed/", case_filed, name="case_filed"),
    path("me/cases/<int:pk>/message/", case_message, name="case_message"),
    path("me/cases/<int:pk>/rate/", case_rate, name="case_rate"),
    path("me/cases/<int:pk>/reopen/", case_reopen, name="case_reopen"),
    path("me/cases/<int:pk>/files/<int:file_id>/", case_attachment, name="case_attachment"),
]
