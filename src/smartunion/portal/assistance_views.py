"""困难帮扶 in the worker portal (phone first): the programmes open to me with their rules, applying (bank account and
the required documents), my applications with their status and the level reviewing them, withdrawal; and the public
公示 page of a programme (no login): the approved applications under notice with masked names and amounts, the end
date and whom to tell an objection to.

Every act is an assistance service; a refusal (not eligible, already applied, outside the period) is shown on the
form with its Chinese message and HTTP status. The bank account is shown masked, also to its owner.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartunion.assistance import eligibility, queries
from smartunion.assistance.models import Application, Programme, mask_account
from smartunion.assistance.services import applications
from smartunion.core.errors import DomainError
from smartunion.core.money import yuan
from smartunion.core.pii import mask_name
from smartunion.members.queries import active_membership
from smartunion.portal.errors import add_refusal

NOT_MEMBER = "困难帮扶面向工会会员。加入工会后，符合条件的困难职工可在这里申请帮扶。"
MAX_FILES = 10


class ApplyForm(forms.Form):
    bank_name = forms.CharField(label="开户银行", max_length=50,
                                widget=forms.TextInput(attrs={"placeholder": "如：中国工商银行济南泉城路支行"}))
    bank_account = forms.CharField(label="银行账号", max_length=40,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    account_holder = forms.CharField(label="账户户名", max_length=50)
    reason = forms.CharField(label="申请理由（选填）", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        for index, name in enumerate(documents):
            self.fields[f"doc{index}"] = forms.FileField(label=f"{name}（PDF、JPG 或 PNG，10MB 以内）", required=False)
        self.documents = list(documents)


def _membership(request):
    return active_membership(request.user.person_id, related=("union",)) if request.user.person_id else None


@never_cache
@login_required
def programme_list(request):
    """困难帮扶: what I may apply for now, and my applications."""
    membership = _membership(request)
    mine = list(queries.my_applications(request.user.person_id)[:50]) if request.user.person_id else []
    rows = []
    if membership is not None:
        hardship_file = applications.current_file(request.user.person_id)
        for p in queries.open_programmes_for(request.user.person_id, membership.union_path):
            reasons = eligibility.reasons(p.eligibility, membership=membership, hardship_file=hardship_file)
            rows.append({"programme": p, "amount": eligibility.describe_amount(p.amount_rule),
                         "rules": eligibility.describe(p.eligibility), "reasons": reasons})
    return render(request, "portal/assistance_list.html", {
        "membership": membership, "rows": rows, "not_member": NOT_MEMBER,
        "mine": [{"a": a, "amount": yuan(a.amount_fen)} for a in mine],
    })


def _open_programme(request, pk: int, membership) -> Programme:
    found = [p for p in queries.open_programmes_for(request.user.person_id, membership.union_path) if p.pk == pk]
    if not found:
        raise Http404
    return found[0]


@never_cache
@login_required
def apply(request, pk: int):
    membership = _membership(request)
    if membership is None:
        return render(request, "portal/assistance_list.html", {"membership": None, "not_member": NOT_MEMBER,
                                                               "rows": [], "mine": []}, status=403)
    programme = _open_programme(request, pk, membership)
    form = ApplyForm(request.POST or None, request.FILES or None, documents=programme.required_documents,
                     initial={"account_holder": request.user.person.name})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                application = applications.submit_application(
                    programme, by=request.user, bank_name=data["bank_name"], bank_account=data["bank_account"],
                    account_holder=data["account_holder"], reason=data["reason"])
                for index, name in enumerate(form.documents[:MAX_FILES]):
                    upload = data.get(f"doc{index}")
                    if upload:
                        applications.add_document(application, by=request.user, name=name, upload=upload)
        except DomainError as exc:
            add_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, "申请已提交，请留意审核进度")
            return redirect("portal:assistance_application", pk=application.pk)
    reasons = applications.ineligible_reasons(programme, request.user.person_id)
    return render(request, "portal/assistance_apply.html", {
        "programme": programme, "form": form, "reasons": reasons,
        "amount": eligibility.describe_amount(programme.amount_rule),
        "rules": eligibility.describe(programme.eligibility),
    }, status=status)


def _mine(request, pk: int) -> Application:
    application = (Application.objects.filter(pk=pk, person_id=request.user.person_id)
                   .select_related("programme", "reviewing_org").first()) if request.user.person_id else None
    if application is None:
        raise Http404
    return application


@never_cache
@login_required
def application_detail(request, pk: int):
    application = _mine(request, pk)
    # The programme's 公示 page lists the applications under notice today: linked while this one is among them.
    notice_open = queries.on_notice(application)
    return render(request, "portal/assistance_application.html", {
        "a": application, "amount": yuan(application.amount_fen), "account": mask_account(application.bank_account),
        "notice_open": notice_open,
        "documents": list(application.documents.values_list("name", flat=True)),
        "missing": applications.missing_documents(application),
    })


@require_POST
@login_required
def withdraw(request, pk: int):
    application = _mine(request, pk)
    try:
        applications.withdraw_application(application, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤回申请")
    return redirect("portal:assistance_application", pk=pk)


def notice(request, pk: int):
    """公示 (public, no login): the programme's applications under notice, names masked."""
    programme = Programme.objects.filter(pk=pk).select_related("org").first()
    if programme is None:
        raise Http404
    today = timezone.localdate()
    rows = list(queries.notice_list(programme, today)[:500])
    ends = max((a.notice_ends_on for a in rows), default=None)
    return render(request, "portal/assistance_notice.html", {
        "programme": programme, "ends": ends, "total": yuan(sum(a.amount_fen for a in rows)),
        "rows": [{"name": mask_name(a.person.name), "amount": yuan(a.amount_fen), "ends": a.notice_ends_on}
                 for a in rows],
    })


urlpatterns: list = [
    path("assistance/", programme_list, name="assistance"),
    path("assistance/<int:pk>/apply/", apply, name="assistance_apply"),
    path("assistance/applications/<int:pk>/", application_detail, name="assistance_application"),
    path("assistance/applications/<int:pk>/withdraw/", withdraw, name="assistance_withdraw"),
    path("assistance/notice/<int:pk>/", notice, name="assistance_notice"),
]
