"""The worker's e-member card: the card page with a QR that card.js refreshes every minute, and reporting it lost."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from smartunion.core.errors import DomainError
from smartunion.core.pii import mask_name
from smartunion.core.qr import qr_svg
from smartunion.members import card_tokens, cards
from smartunion.members.card_tokens import member_card
from smartunion.members.models import MemberCard, Membership

NOT_MEMBER_MESSAGE = "您还不是工会会员"


def _qr(membership: Membership, card: MemberCard) -> dict:
    token = card_tokens.card_token(membership, card)
    return {"svg": qr_svg(token), "expires_at": card_tokens.token_expiry(token).isoformat()}


def _message(exc: DomainError | ValidationError) -> str:
    return exc.message if isinstance(exc, DomainError) else exc.messages[0]


def card_number_of(user, membership: Membership | None) -> str:
    """The 会员卡号 我的 and 我的会籍 show: that of the member's card, issued on first use as the card page does (a
    membership from before the card format takes the card's number then), so that every page shows one number;
    the membership's own while no card can be issued."""
    if membership is None:
        return ""
    try:
        _, card = member_card(user)
    except (DomainError, ValidationError):
        return membership.card_number
    return card.card_number if card is not None else membership.card_number


@never_cache
@login_required
def card_page(request):
    card_error = ""
    try:
        membership, card = member_card(request.user)
    except (DomainError, ValidationError) as exc:  # a member whose union has no federation that can issue cards yet
        membership, card, card_error = None, None, _message(exc)
    context = {"membership": membership, "card": card, "card_error": card_error,
               "not_member_message": NOT_MEMBER_MESSAGE}
    if membership is not None:
        qr = _qr(membership, card)
        # The name masked as on every other screen (a card is shown to strangers); the number as stored, the same
        # 会员卡号 as 我的, 我的会籍, the console and exports.
        context.update(qr=qr, qr_expires=dt.datetime.fromisoformat(qr["expires_at"]),
                       holder=mask_name(membership.person.name))
    return render(request, "portal/card.html", context)


@never_cache
@require_GET
def card_qr(request):
    """A fresh QR as JSON for card.js; answers JSON (not a log-in redirect) when the session is gone."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "unauthenticated", "message": "登录已失效，请重新登录"}, status=401)
    try:
        membership, card = member_card(request.user)
    except (DomainError, ValidationError) as exc:
        return JsonResponse({"code": "card_unavailable", "message": _message(exc)}, status=409)
    if membership is None:
        return JsonResponse({"code": "not_member", "message": NOT_MEMBER_MESSAGE}, status=404)
    return JsonResponse(_qr(membership, card))


@never_cache
@login_required
def report_lost(request):
    """挂失补办: a confirmation page (GET), then revoke the card (every QR it produced stops working) and reissue it
    under the same number (POST with the box ticked)."""
    if request.method == "GET":
        try:
            membership, card = member_card(request.user)
        except (DomainError, ValidationError) as exc:
            messages.error(request, _message(exc))
            return redirect("portal:card")
        if membership is None:
            messages.error(request, NOT_MEMBER_MESSAGE)
            return redirect("portal:card")
        return render(request, "portal/report_lost.html", {"card": card})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.POST.get("confirm") != "on":
        messages.error(request, "请先勾选确认，再办理挂失补办")
        return redirect("portal:card_report_lost")
    try:
        membership, card = member_card(request.user)
        if membership is None:
            messages.error(request, NOT_MEMBER_MESSAGE)
            return redirect("portal:card")
        new = cards.reissue_card(card, by=request.user)
    except (DomainError, ValidationError) as exc:  # e.g. reported lost twice at the same moment
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"挂失补办成功：原二维码已失效，卡号不变，现为第{new.version}版会员证")
    return redirect("portal:card")
