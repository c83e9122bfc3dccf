"""法律援助 and 心理咨询 in the worker portal (phone first).

法律援助: apply (dispute type, summary, claim in yuan, employer, region, phone, files), my applications and each
one's progress (status, lawyer, notes). 心理咨询: the counsellors, free slots by day, booking under a nickname, my
bookings with cancelling within the rules. The counsellor's own page 我的咨询 (/me/counselling/sessions/) lives here
too: a counsellor's account holds no position, so it cannot enter the console; only that counsellor reads and writes
the notes of their sessions.

Every act is a cases service; a refusal is shown on the form with its Chinese message (portal.errors.add_refusal).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartunion.cases.models import Booking, Slot
from smartunion.cases.queries import counselling as counselling_queries
from smartunion.cases.queries import legal_aid as legal_aid_queries
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.errors import DomainError
from smartunion.core.money import yuan
from smartunion.core.pii import mask_phone
from smartunion.core.widgets import RegionCascaderWidget
from smartunion.orgs.models import Organisation
from smartunion.portal.errors import add_refusal

PAGE_SIZE = 10
DAYS_SHOWN = 14
WEEKDAYS = "一二三四五六日"


# Forms ----------------------------------------------------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class LegalAidForm(forms.Form):
    dispute_type = forms.ChoiceField(label="争议类别", choices=[("", "请选择"), *legal_aid.DISPUTE_TYPES.items()])
    employer_name = forms.CharField(label="对方单位", max_length=150,
                                    widget=forms.TextInput(attrs={"placeholder": "与您发生争议的单位全称"}))
    region = forms.CharField(label="纠纷发生地", max_length=12, widget=RegionCascaderWidget())
    dispute_summary = forms.CharField(label="争议概要", max_length=5000, widget=forms.Textarea(attrs={
        "rows": 5, "placeholder": "请说明事情经过、您的请求（如追讨工资、经济补偿）和已经做过的努力"}))
    claim_amount = forms.CharField(label="请求金额（元，选填）", max_length=16, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 12500"}))
    name = forms.CharField(label="申请人姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    files = MultipleFileField(label="证据材料（选填：图片或 PDF，最多 5 个，每个不超过 10MB）", required=False)


class BookingForm(forms.Form):
    nickname = forms.CharField(label="称呼（可以用昵称，咨询师只看到这个称呼）", max_length=30)
    topic = forms.CharField(label="想咨询的方面（选填）", max_length=200, required=False,
                            widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：工作压力、家庭关系、情绪困扰"}))
    phone = forms.CharField(label="联系电话（选填，线上或电话咨询时联系用）", max_length=32, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因（选填）", max_length=200, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(label="咨询记录（仅您本人可见）", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))


# 法律援助 --------------------------------------------------------------------------------------------------------

@never_cache
@login_required
def legal_aid_home(request):
    """法律援助: what it is, the button to apply, and my applications with their status."""
    page = Paginator(legal_aid_queries.my_applications(request.user).select_related("org"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "portal/legal_aid_home.html", {"page": page, "types": legal_aid.DISPUTE_TYPES})


@never_cache
@login_required
def legal_aid_apply(request):
    initial = {"name": request.user.display_name, "phone": request.user.phone}
    form = LegalAidForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = legal_aid.apply_for_legal_aid(
                by=request.user, name=data["name"], phone=data["phone"], employer_name=data["employer_name"],
                region=data["region"], dispute_type=data["dispute_type"], dispute_summary=data["dispute_summary"],
                claim_amount_fen=legal_aid.yuan_to_fen(data["claim_amount"]), files=data["files"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"申请已提交，编号 {made.number}，由{made.org.name}审查，请留意消息通知")
            return redirect("portal:legal_aid_application", pk=made.pk)
    return render(request, "portal/legal_aid_apply.html", {"form": form}, status=422 if form.errors else 200)


@never_cache
@login_required
def legal_aid_detail(request, pk: int):
    application = legal_aid_queries.my_application(request.user, pk)
    if application is None:
        raise Http404
    return render(request, "portal/legal_aid_detail.html", {
        "application": application, "type_label": legal_aid.DISPUTE_TYPES.get(application.dispute_type, ""),
        "notes": list(legal_aid_queries.notes_of(application)), "attachments": list(application.attachments.all()),
        "lawyer_phone": mask_phone(application.lawyer.phone) if application.lawyer else "",
        "claim_yuan": yuan(application.claim_amount_fen), "recovered_yuan": yuan(application.recovered_fen)})


# 心理咨询 --------------------------------------------------------------------------------------------------------

def _day(value: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day if today <= day < today + dt.timedelta(days=DAYS_SHOWN) else today


@never_cache
@login_required
def counselling_home(request):
    """心理咨询: the counsellors, the next two weeks as day chips, and the free slots of the chosen day."""
    today = timezone.localdate()
    day = _day(request.GET.get("date", ""), today)
    org = None
    if request.GET.get("org", "").isdigit():
        org = Organisation.objects.filter(pk=int(request.GET["org"]), status=Organisation.Status.ACTIVE).first()
    slots = list(counselling_queries.open_slots(org=org, day=day)[:100])
    days = [{"date": d, "label": "今天" if d == today else f"{d.month}/{d.day}", "weekday": WEEKDAYS[d.weekday()]}
            for d in (today + dt.timedelta(days=i) for i in range(DAYS_SHOWN))]
    return render(request, "portal/counselling_home.html", {
        "counsellors": list(counselling_queries.active_counsellors(org)[:50]), "slots": slots, "day": day,
        "days": days, "org": org, "cancel_hours": counselling.CANCEL_HOURS,
        "max_bookings": counselling.MAX_FUTURE_BOOKINGS})


@never_cache
@login_required
def counselling_book(request, pk: int):
    slot = (Slot.objects.select_related("counsellor__org").filter(pk=pk, counsellor__active=True).first())
    if slot is None:
        raise Http404
    form = BookingForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            counselling.book_slot(slot.pk, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_refusal(form, exc)
            status = exc.status
        else:
            at = timezone.localtime(slot.starts_at)
            messages.success(request, f"预约成功：{at.month}月{at.day}日 {at:%H:%M}，{slot.counsellor.display_name}")
            return redirect("portal:counselling_bookings")
    elif form.errors:
        status = 422
    return render(request, "portal/counselling_book.html", {
        "slot": slot, "form": form, "cancel_hours": counselling.CANCEL_HOURS,
        "free": not (slot.booked or slot.withdrawn) and slot.starts_at > timezone.now()}, status=status)


@never_cache
@login_required
def counselling_mine(request):
    """我的预约: upcoming and past bookings, with 取消 where the rules still allow it."""
    now = timezone.now()
    limit = dt.timedelta(hours=counselling.CANCEL_HOURS)
    rows = [{"booking": b, "may_cancel": b.status == Booking.Status.BOOKED and b.slot.starts_at - limit >= now}
            for b in counselling_queries.my_bookings(request.user).select_related("slot__counsellor__org")[:50]]
    return render(request, "portal/counselling_mine.html", {"rows": rows, "cancel_form": CancelForm(),
                                                            "cancel_hours": counselling.CANCEL_HOURS})


@never_cache
@login_required
@require_POST
def counselling_cancel(request, pk: int):
    booking = counselling_queries.my_bookings(request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        counselling.cancel_booking(booking, by=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已取消预约，该时段已开放给其他职工")
    return redirect("portal:counselling_bookings")


# 我的咨询 (the counsellor's page) -------------------------------------------------------------------------------

def _counsellor(request):
    counsellor = counselling_queries.counsellor_of(request.user)
    if counsellor is None:
        return None, render(request, "portal/counselling_refused.html",
                            {"text": "该页面仅限心理咨询师本人使用"}, status=403)
    return counsellor, None


@never_cache
@login_required
def counselling_sessions(request):
    counsellor, refusal = _counsellor(request)
    if refusal is not None:
        return refusal
    now = timezone.now()
    bookings = list(counselling_queries.counsellor_bookings(counsellor)[:200])
    return render(request, "portal/counselling_sessions.html", {
        "counsellor": counsellor, "upcoming": [b for b in bookings if b.slot.ends_at > now],
        "past": [b for b in bookings if b.slot.ends_at <= now][::-1]})


@never_cache
@login_required
def counselling_session(request, pk: int):
    """One booking of the counsellor: the nickname and topic, the notes form, 完成 / 未到."""
    counsellor, refusal = _counsellor(request)
    if refusal is not None:
        return refusal
    booking = counselling_queries.counsellor_bookings(counsellor).filter(pk=pk).first()
    if booking is None:
        raise Http404
    form = NoteForm(request.POST or None, initial={"body": counselling.read_session_note(booking, by=request.user)})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "note")
        try:
            if action == "done":
                counselling.mark_done(booking, by=request.user)
                messages.success(request, "已标记为完成")
                return redirect("portal:counselling_session", pk=booking.pk)
            if action == "no_show":
                counselling.mark_no_show(booking, by=request.user)
                messages.success(request, "已标记为未到")
                return redirect("portal:counselling_session", pk=booking.pk)
            if form.is_valid():
                counselling.write_session_note(booking, by=request.user, body=form.cleaned_data["body"])
                messages.success(request, "咨询记录已保存")
                return redirect("portal:counselling_session", pk=booking.pk)
            status = 422
        except DomainError as exc:
            add_refusal(form, exc)
            status = exc.status
    booking.refresh_from_db(fields=["status"])
    return render(request, "portal/counselling_session.html", {
        "booking": booking, "form": form, "phone": mask_phone(booking.phone),
        "started": booking.slot.starts_at <= timezone.now()}, status=status)


urlpatterns = [
    path("legal-aid/", legal_aid_home, name="legal_aid"),
    path("legal-aid/apply/", legal_aid_apply, name="legal_aid_apply"),
    path("legal-aid/<int:pk>/", legal_aid_detail, name="legal_aid_application"),
    path("counselling/", counselling_home, name="counselling"),
    path("counselling/slots/<int:pk>/book/", counselling_book, name="counselling_book"),
    path("me/counselling/", counselling_mine, name="counselling_bookings"),
    path("me/counselling/<int:pk>/cancel/", counselling_cancel, name="counselling_cancel"),
    path("me/counselling/sessions/", counselling_sessions, name="counselling_sessions"),
    path("me/counselling/sessions/<int:pk>/", counselling_session, name="counselling_session"),
]
