"""惠工活动 in the worker portal (phone first): the list of what the member may join, one page per activity with
its action (领券, 报名 / 取消报名 / 现场签到, 参与抽奖 and the draw's verification data, 投票 and its chart, 问卷),
我的活动, 我的券 (with the QR a merchant scans), and the merchant's 核销 page.

Every act is a benefits service; a refusal (core.errors.DomainError: not eligible, sold out, limit reached, not
open, ...) is shown on the activity's page with its Chinese message and its HTTP status (portal.errors.add_refusal),
never as a server error. A member sees only activities they are eligible for: others answer 403 with the reason, as
the API does. Nothing here ranks members or pushes anyone to take part.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartunion.accounts.lockout import request_ip
from smartunion.accounts.models import User
from smartunion.benefits import audience
from smartunion.benefits.models import (
    Activity,
    Ballot,
    Coupon,
    LotteryEntry,
    Merchant,
    Participation,
    Question,
    Response,
    Signup,
)
from smartunion.benefits.queries import my_coupons, open_activities_for
from smartunion.benefits.services import coupons, lottery, polls, signups
from smartunion.benefits.services.participation import why_not_open
from smartunion.core.errors import DomainError, Invalid
from smartunion.core.qr import qr_svg
from smartunion.members.queries import active_membership
from smartunion.portal.errors import add_refusal

PAGE_SIZE = 10
# The list's filter: the kinds in the words members use.
KIND_FILTERS = [("coupon", "领券"), ("signup", "报名"), ("lottery", "抽奖"), ("vote", "投票"), ("survey", "问卷")]
SHORT_KIND = dict(KIND_FILTERS)
# A member may open an activity's page while it runs and after it closed (results, the draw); never a draft.
SHOWN = (Activity.Status.PUBLISHED, Activity.Status.PAUSED, Activity.Status.CLOSED)
NOT_MEMBER = "惠工活动仅限工会会员参加。加入工会后，即可领取优惠券、报名活动、参与抽奖和投票。"
ONLY_MERCHANTS = "该页面仅限商户账号使用"
RATINGS = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


class ActionForm(forms.Form):
    """The button of an act; it carries no input, only the refusal shown above the button. The claim's form also
    carries an idempotency key, so that a double tap or a resent form gets the same coupon, not a second one."""

    key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class CheckinForm(forms.Form):
    code = forms.CharField(label="现场签到码", max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                         "placeholder": "输入活动现场公布的签到码"}))


class RedeemForm(forms.Form):
    code = forms.CharField(label="券码", max_length=100, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True,
        "placeholder": "扫码或输入券码"}))
    merchant = forms.ModelChoiceField(label="核销商户", queryset=Merchant.objects.none(), required=False,
                                      empty_label=None)

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = Merchant.objects.filter(pk__in=[m.pk for m in merchants])
        if len(merchants) < 2:
            del self.fields["merchant"]


def survey_form_class(questions: list[Question]) -> type[forms.Form]:
    """A form with one field q<position> per question; none is required here (the service decides, with the skip
    logic), so that a refusal keeps every answer given."""
    fields: dict[str, forms.Field] = {}
    for q in questions:
        name = f"q{q.position}"
        if q.kind == Question.Kind.SINGLE:
            fields[name] = forms.ChoiceField(choices=[(c, c) for c in q.choices], required=False,
                                             widget=forms.RadioSelect)
        elif q.kind == Question.Kind.MULTIPLE:
            fields[name] = forms.MultipleChoiceField(choices=[(c, c) for c in q.choices], required=False,
                                                     widget=forms.CheckboxSelectMultiple)
        elif q.kind == Question.Kind.RATING:
            fields[name] = forms.ChoiceField(choices=RATINGS, required=False, widget=forms.RadioSelect)
        else:
            fields[name] = forms.CharField(required=False, max_length=polls.MAX_TEXT,
                                           widget=forms.Textarea(attrs={"rows": 3}))
    return type("SurveyForm", (forms.Form,), fields)


# Who is asking ------------------------------------------------------------------------------------------------------

def _membership(request):
    return active_membership(request.user.person_id, related=("person", "union"))


def _not_member(request, *, status=200):
    return render(request, "portal/benefits/not_member.html", {"text": NOT_MEMBER}, status=status)


def _refused(request, title: str, text: str, *, status: int):
    return render(request, "portal/benefits/refused.html", {"title": title, "text": text}, status=status)


def _activity(pk: int) -> Activity:
    activity = Activity.objects.filter(pk=pk, status__in=SHOWN).select_related("org").first()
    if activity is None:
        raise Http404
    return activity


def _gate(request, pk: int):
    """(activity, membership, None) when the member may see the activity; (None, None, a response) otherwise:
    the non-member's page, or 403 with the reason for a member outside the audience."""
    activity = _activity(pk)
    membership = _membership(request)
    if membership is None:
        return None, None, _not_member(request, status=403)
    reason = audience.ineligible_reason(activity.org_path, activity.audience, membership, membership.person,
                                        today=timezone.localdate())
    if reason:
        return None, None, _refused(request, "无法参加该活动", reason, status=403)
    return activity, membership, None


# The list -----------------------------------------------------------------------------------------------------------

@never_cache
@login_required
def activity_list(request):
    """惠工活动: what the member may join now, newest first, with a kind filter; 10 a page."""
    membership = _membership(request)
    if membership is None:
        return _not_member(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in SHORT_KIND else ""
    activities = open_activities_for(membership, membership.person, kind=kind or None)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"activity": a, "kind": SHORT_KIND[a.kind], "closed_reason": why_not_open(a, now=now)} for a in page]
    return render(request, "portal/benefits/list.html", {
        "page": page, "rows": rows, "kind": kind, "filters": KIND_FILTERS,
    })


# One activity ---------------------------------------------------------------------------------------------------------

def _coupon_state(coupon: Coupon, today: dt.date) -> tuple[str, str]:
    """(label, css class): 未使用, 已核销 or 已过期."""
    if coupon.status == Coupon.Status.REDEEMED:
        return "已核销", "redeemed"
    if coupon.valid_until is not None and coupon.valid_until < today:
        return "已过期", "expired"
    return "未使用", "issued"


def _coupon_context(activity, person) -> dict:
    held = list(Coupon.objects.filter(activity=activity, person=person).order_by("sequence"))
    today = timezone.localdate()
    return {
        "held": [{"coupon": c, "state": _coupon_state(c, today)} for c in held],
        "limit_reached": len(held) >= activity.per_member_limit,
        "sold_out": activity.remaining == 0,
    }


def _signup_context(activity, person) -> dict:
    signup = Signup.objects.filter(activity=activity, person=person,
                                   status__in=signups.OPEN).first()
    capacity = activity.capacity
    return {
        "signup": signup,
        "waiting_position": signups.waiting_position(signup) if signup else None,
        "places_left": None if capacity is None else max(capacity - activity.taken, 0),
        "waiting_count": Signup.objects.filter(activity=activity, status=Signup.Status.WAITING).count(),
    }


def _lottery_context(activity, person) -> dict:
    entry = LotteryEntry.objects.filter(activity=activity, person=person).select_related("prize").first()
    data = lottery.publication(activity)
    drawn = activity.drawn_at is not None
    # An entry left out of the draw: its member already won one of the lotteries this one excludes.
    listed = not (drawn and entry) or lottery.entrant_line(entry.pk, entry.card_number) in data["entrants"]
    return {"entry": entry, "draw": data, "prizes": data["prizes"], "drawn": drawn, "listed": listed}


def _vote_context(activity, person, user) -> dict:
    ballot = Ballot.objects.filter(activity=activity, person=person).prefetch_related("options").first()
    results = polls.vote_results(activity, viewer=user)
    chart = [{"label": o["text"], "count": o["votes"], "percent": o["percent"]} for o in results["options"]]
    return {
        "options": list(activity.options.order_by("position")),
        "ballot": ballot, "chosen": {o.pk for o in ballot.options.all()} if ballot else set(),
        "results": results, "chart": chart if results["visible"] else [],
    }


def _survey_context(activity, person, user) -> dict:
    if activity.anonymous:
        answered = Participation.objects.filter(activity=activity, person=person).exists()
    else:
        answered = Response.objects.filter(activity=activity, person=person).exists()
    results = polls.survey_results(activity, viewer=user) if answered else None
    chart = []
    for q in (results or {}).get("questions", []) if results and results["visible"] else []:
        rows = [{"label": c["choice"], "count": c["count"], "percent": c["percent"]} for c in q.get("choices", [])]
        if q["kind"] == Question.Kind.RATING:
            rows = [{"label": f"{d['rating']} 分", "count": d["count"],
                     "percent": round(100 * d["count"] / q["answered"], 1) if q["answered"] else 0.0}
                    for d in q["distribution"]]
        chart.append({**q, "rows": rows, "mean": q.get("mean")})
    return {"answered": answered, "results": results, "survey_chart": chart}


def _questions(activity) -> list[Question]:
    return list(Question.objects.filter(activity=activity).order_by("position"))


def _survey_rows(questions: list[Question], form) -> list[dict]:
    labels = {q.position: q.text for q in questions}
    rows = []
    for q in questions:
        condition = ""
        if q.show_if_position is not None:
            values = "”或“".join(q.show_if_values)
            condition = f"第{q.show_if_position}题选择“{values}”时作答"
            if labels.get(q.show_if_position) is None:
                condition = ""
        rows.append({"question": q, "field": form[f"q{q.position}"], "condition": condition})
    return rows


def _render_detail(request, activity, membership, *, action_form=None, checkin_form=None, survey_form=None,
                   status=200):
    person, user = membership.person, request.user
    context: dict = {
        "activity": activity, "kind": SHORT_KIND[activity.kind], "closed_reason": why_not_open(activity),
        "action_form": action_form or ActionForm(initial={"key": uuid.uuid4().hex}),
        "rules": audience.describe(activity.audience),
    }
    if activity.kind == Activity.Kind.COUPON:
        context.update(_coupon_context(activity, person))
    elif activity.kind == Activity.Kind.SIGNUP:
        context.update(_signup_context(activity, person), checkin_form=checkin_form or CheckinForm())
    elif activity.kind == Activity.Kind.LOTTERY:
        context.update(_lottery_context(activity, person))
    elif activity.kind == Activity.Kind.VOTE:
        context.update(_vote_context(activity, person, user))
        picked = request.POST.getlist("option") if request.method == "POST" else []
        context["chosen_now"] = {int(v) for v in picked if v.isdigit()}
    else:
        questions = _questions(activity)
        form = survey_form or survey_form_class(questions)()
        context.update(_survey_context(activity, person, user), survey_form=form,
                       questions=_survey_rows(questions, form))
    return render(request, f"portal/benefits/detail_{activity.kind}.html", context, status=status)


@never_cache
@login_required
def activity_detail(request, pk: int):
    activity, membership, refusal = _gate(request, pk)
    if refusal is not None:
        return refusal
    return _render_detail(request, activity, membership)


def _act(request, pk: int, act, *, success, forms_for=None):
    """Run one act on the activity: `act(activity, form)` calls the service and returns the message shown after
    the redirect; a refusal is shown on the activity's page, on the form it concerns, with its status."""
    activity, membership, refusal = _gate(request, pk)
    if refusal is not None:
        return refusal
    form = (forms_for or (lambda a: ActionForm(request.POST)))(activity)
    if not form.is_valid():
        return _render_detail(request, activity, membership, **{_form_slot(form): form}, status=422)
    try:
        result = act(activity, form)
    except DomainError as exc:
        add_refusal(form, exc)
        return _render_detail(request, activity, membership, **{_form_slot(form): form}, status=exc.status)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("portal:activity", pk=activity.pk)


def _form_slot(form) -> str:
    if isinstance(form, CheckinForm):
        return "checkin_form"
    if isinstance(form, ActionForm):
        return "action_form"
    return "survey_form"


@never_cache
@login_required
@require_POST
def claim(request, pk: int):
    def act(activity, form):
        return coupons.claim_coupon(activity, by=request.user, idempotency_key=form.cleaned_data["key"],
                                    ip=request_ip(request))
    return _act(request, pk, act, success=lambda c: f"领取成功，券码 {c.code}，可在“我的券”中出示使用")


@never_cache
@login_required
@require_POST
def sign_up(request, pk: int):
    def act(activity, form):
        return signups.sign_up(activity, by=request.user)

    def said(signup):
        if signup.status == Signup.Status.WAITING:
            return "名额已满，您已进入候补名单；有人取消报名时按先后顺序递补，递补后会通知您"
        return "报名成功，请按时参加"
    return _act(request, pk, act, success=said)


@never_cache
@login_required
@require_POST
def cancel(request, pk: int):
    return _act(request, pk, lambda activity, form: signups.cancel_signup(activity, by=request.user),
                success="已取消报名")


@never_cache
@login_required
@require_POST
def check_in(request, pk: int):
    def act(activity, form):
        return signups.check_in(activity, by=request.user, code=form.cleaned_data["code"])
    return _act(request, pk, act, success="签到成功", forms_for=lambda a: CheckinForm(request.POST))


@never_cache
@login_required
@require_POST
def enter(request, pk: int):
    return _act(request, pk, lambda activity, form: lottery.enter_lottery(activity, by=request.user),
                success=lambda e: f"已参与抽奖，您的抽奖号是 {e.pk}，开奖后可在本页核对结果")


def _option_ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise Invalid.from_fields({"option_ids": "请选择投票选项"}) from None


@never_cache
@login_required
@require_POST
def vote(request, pk: int):
    def act(activity, form):
        try:
            return polls.cast_vote(activity, by=request.user,
                                   option_ids=_option_ids(request.POST.getlist("option")))
        except Invalid as exc:  # the form has no field of its own: say the field's message, not the generic one
            raise Invalid(exc.fields.get("option_ids", exc.message), code=exc.code) from None
    return _act(request, pk, act, success="投票成功，感谢参与")


@never_cache
@login_required
@require_POST
def answer(request, pk: int):
    questions: list[Question] = []

    def form_for(activity):
        questions.extend(_questions(activity))
        return survey_form_class(questions)(request.POST)

    def act(activity, form):
        answers = {str(q.position): form.cleaned_data[f"q{q.position}"] for q in questions}
        try:
            return polls.answer_survey(activity, by=request.user, answers=answers)
        except Invalid as exc:  # field messages "answers.<position>" go on the question's field
            fields = {f"q{k.removeprefix('answers.')}" if k.startswith("answers.") else k: v
                      for k, v in exc.fields.items()}
            raise Invalid(exc.message, code=exc.code, fields=fields) from None
    return _act(request, pk, act, success="问卷已提交，感谢参与", forms_for=form_for)


def lottery_rules(request):
    """How anyone checks a draw (the Chinese companion of docs/lottery.md)."""
    return render(request, "portal/benefits/lottery_rules.html", {"algorithm": lottery.ALGORITHM})


# 我的活动 and 我的券 --------------------------------------------------------------------------------------------------

@never_cache
@login_required
def my_activities(request):
    """我的活动: my sign-ups, lottery entries, ballots and surveys answered, newest first."""
    person_id = request.user.person_id
    if person_id is None:
        return render(request, "portal/benefits/my_activities.html", {"empty": True})
    signup_rows = list(Signup.objects.filter(person_id=person_id).exclude(status=Signup.Status.CANCELLED)
                       .select_related("activity").order_by("-id")[:50])
    entries = list(LotteryEntry.objects.filter(person_id=person_id).select_related("activity", "prize")
                   .order_by("-id")[:50])
    ballots = list(Ballot.objects.filter(person_id=person_id).select_related("activity").order_by("-id")[:50])
    named = list(Response.objects.filter(person_id=person_id).select_related("activity")
                 .order_by("-submitted_at")[:50])
    anonymous = list(Participation.objects.filter(person_id=person_id).select_related("activity")
                     .order_by("-created_at", "-id")[:50])
    # An anonymous survey keeps only the day the member answered: every row shows its day, newest first.
    surveys = sorted([(r.activity, timezone.localdate(r.submitted_at)) for r in named]
                     + [(p.activity, p.created_at) for p in anonymous], key=lambda row: row[1], reverse=True)
    return render(request, "portal/benefits/my_activities.html", {
        "signups": signup_rows, "entries": entries, "ballots": ballots, "surveys": surveys,
        "empty": not (signup_rows or entries or ballots or surveys),
    })


@never_cache
@login_required
def my_coupon_list(request):
    """我的券: every coupon I claimed, newest first, its state and validity; an unused one with its QR."""
    person_id = request.user.person_id
    queryset = my_coupons(person_id) if person_id else Coupon.objects.none()  # by id: the person is not read
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for coupon in page:
        label, css = _coupon_state(coupon, today)
        rows.append({"coupon": coupon, "state": label, "css": css,
                     "qr": qr_svg(coupons.qr_payload(coupon)) if css == "issued" else ""})
    return render(request, "portal/benefits/my_coupons.html", {"page": page, "rows": rows})


# The merchant's page --------------------------------------------------------------------------------------------------

def _today_redemptions(merchants: list[Merchant]) -> list[Coupon]:
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return list(Coupon.objects.filter(merchant__in=merchants, redeemed_at__gte=start)
                .select_related("activity", "merchant").order_by("-redeemed_at", "-id"))


@never_cache
@login_required
def merchant(request):
    """商户核销: type or scan a coupon's code; 核销成功 with the coupon's title, or the refusal; today's
    redemptions of the account's merchants."""
    if request.user.kind != User.Kind.MERCHANT:
        return _refused(request, "商户核销", ONLY_MERCHANTS, status=403)
    merchants = list(request.user.merchants.filter(status=Merchant.Status.ACTIVE).order_by("id"))
    form = RedeemForm(request.POST or None, merchants=merchants)
    done = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            done = coupons.redeem_coupon(form.cleaned_data["code"], by=request.user,
                                         merchant=form.cleaned_data.get("merchant"))
        except DomainError as exc:
            add_refusal(form, exc)
            status = exc.status
        else:
            form = RedeemForm(merchants=merchants)  # ready for the next code
    rows = _today_redemptions(merchants)
    return render(request, "portal/benefits/merchant.html", {
        "form": form, "done": done, "merchants": merchants, "today": rows,
    }, status=status)
