"""Sign-up activities (报名活动): places up to the capacity, a waiting list promoted in order, check-in at the venue.

Taking a place is one conditional UPDATE of the activity row
(`filter(pk=..., taken__lt=F("capacity")).update(taken=F("taken") + 1)`; no capacity means unlimited places), and
the partial unique constraint `signup_one_open_per_member` makes a second open sign-up of the same member fail in
the database, whatever the timing. A member who finds the activity full is put on the waiting list (status
waiting); when a confirmed member cancels, the earliest waiting sign-up (lowest id) becomes confirmed in the same
transaction and its member gets an inbox message; when nobody waits, the place is given back (taken - 1).

Sign-up, cancellation and check-in of one activity are serialised on the activity row: `count_participant` (an
UPDATE of that row) runs first in a sign-up, and a cancellation locks the row before it looks at the waiting list.
Otherwise a sign-up that found the activity full could write its waiting row just after a cancellation found
nobody waiting and gave the place back, leaving a free place and a member waiting for it.

Check-in: the organiser (a chair or administrator of the publishing org or above: rules.can_manage) scans the
member's card QR (a member-card token, members.card_tokens.verify_token), or the member types the activity's
check-in code (Activity.checkin_code, shown at the venue). Only a confirmed sign-up checks in, once. Check-in is
possible while the activity is published or paused (the event may take place after the sign-up window), not once
it is closed. Taking part is voluntary: nothing here penalises a member who does not come, or ranks anyone.

Every act logs an audit event (benefits.signup.create / cancel / promote / checkin) and records a behaviour event
(benefits.signup.create / cancel / checkin) inside its transaction.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.benefits.behaviour import took_part
from smartunion.benefits.errors import NotOpen, TooManyAttempts
from smartunion.benefits.models import Activity, Signup
from smartunion.benefits.rules import can_manage
from smartunion.benefits.services.participation import admit, count_participant
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.notifications import notify_user
from smartunion.core.ratelimit import allow
from smartunion.members import card_tokens
from smartunion.members.models import Membership

OPEN = (Signup.Status.CONFIRMED, Signup.Status.WAITING)

ALREADY_SIGNED_UP = "您已报名该活动，请勿重复报名"
NOT_SIGNED_UP = "您尚未报名该活动"
MEMBER_NOT_SIGNED_UP = "该会员未报名本活动"
ALREADY_CHECKED_IN = "已签到，无需重复签到"
WAITING_CANNOT_CHECK_IN = "候补名单中的报名不能签到，转为正式报名后才能签到"
CHECKED_IN_CANNOT_CANCEL = "已签到，不能取消报名"
WRONG_CODE = "签到码不正确"
ONLY_ORGANISER = "只有活动发布单位（或上级工会）的主席、管理员可以扫码签到"


class AlreadySignedUp(Conflict):
    default_code = "already_signed_up"

    def __init__(self, message: str = ALREADY_SIGNED_UP, **kwargs):
        super().__init__(message, **kwargs)


class NotSignedUp(Conflict):
    default_code = "not_signed_up"


class AlreadyCheckedIn(Conflict):
    default_code = "already_checked_in"

    def __init__(self, message: str = ALREADY_CHECKED_IN, **kwargs):
        super().__init__(message, **kwargs)


def waiting_position(signup: Signup) -> int | None:
    """1 for the first in the waiting list; None when the sign-up is not waiting."""
    if signup.status != Signup.Status.WAITING:
        return None
    return Signup.objects.filter(activity_id=signup.activity_id, status=Signup.Status.WAITING,
                                 id__lte=signup.pk).count()


def sign_up(activity: Activity, *, by) -> Signup:
    """A place for the member while places remain, else a place in the waiting list. A second open sign-up of the
    same member is refused (409 already_signed_up) and writes nothing."""
    member = admit(activity, by, kind=Activity.Kind.SIGNUP)
    try:
        with transaction.atomic():
            count_participant(activity)  # locks the activity row first: see the module's docstring
            took = Activity.objects.filter(
                Q(capacity__isnull=True) | Q(taken__lt=F("capacity")), pk=activity.pk,
            ).update(taken=F("taken") + 1)
            signup = Signup.objects.create(
                activity=activity, person=member.person,
                status=Signup.Status.CONFIRMED if took else Signup.Status.WAITING)
            log_event("benefits.signup.create", actor=by, target=signup, org=activity.org,
                      data={"signup_status": signup.status})
            took_part(member.person, "benefits.signup.create", activity)
    except IntegrityError:
        if Signup.objects.filter(activity=activity, person=member.person, status__in=OPEN).exists():
            raise AlreadySignedUp() from None
        raise
    return signup


def _promote_next(activity: Activity, *, by) -> Signup | None:
    """Give a freed place to the earliest waiting sign-up (the caller holds the activity row)."""
    waiting = (Signup.objects.select_for_update(skip_locked=False)
               .filter(activity=activity, status=Signup.Status.WAITING).order_by("id").first())
    if waiting is None:
        return None
    waiting.status = Signup.Status.CONFIRMED
    waiting.promoted_at = timezone.now()
    waiting.save(update_fields=["status", "promoted_at"])
    log_event("benefits.signup.promote", actor=by, target=waiting, org=activity.org)
    user = User.objects.filter(person_id=waiting.person_id, is_active=True).first()
    if user is not None:
        notify_user(user, subject="候补报名已转为正式报名",
                    body=f"有会员取消报名，您在“{activity.title}”的候补报名已转为正式报名，请按时参加。"
                         "如不能参加，请在活动页面取消报名，把名额让给其他会员。")
    return waiting


def cancel_signup(activity: Activity, *, by) -> Signup:
    """The member cancels their own open sign-up. A freed place goes to the earliest waiting sign-up (who is told
    in their inbox); with nobody waiting, the place is given back."""
    require_actor(by)
    if not getattr(by, "is_authenticated", False):
        raise Forbidden("请先登录", code="unauthenticated")
    person_id = getattr(by, "person_id", None)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        if locked.status == Activity.Status.CLOSED or timezone.now() >= locked.ends_at:
            raise NotOpen("活动已结束，不能取消报名")
        signup = (Signup.objects.select_for_update()
                  .filter(activity=locked, person_id=person_id, status__in=OPEN).first()) if person_id else None
        if signup is None:
            raise NotSignedUp(NOT_SIGNED_UP)
        if signup.checked_in_at is not None:
            raise Conflict(CHECKED_IN_CANNOT_CANCEL, code="already_checked_in")
        was_confirmed = signup.status == Signup.Status.CONFIRMED
        signup.status = Signup.Status.CANCELLED
        signup.cancelled_at = timezone.now()
        signup.save(update_fields=["status", "cancelled_at"])
        log_event("benefits.signup.cancel", actor=by, target=signup, org=locked.org)
        took_part(signup.person_id, "benefits.signup.cancel", locked)
        if was_confirmed and _promote_next(locked, by=by) is None:
            Activity.objects.filter(pk=locked.pk).update(taken=F("taken") - 1)
    return signup


def check_in(activity: Activity, *, by, card_token: str | None = None, code: str | None = None) -> Signup:
    """Check a confirmed sign-up in: the organiser with the member's card QR token, or the member with the code
    shown at the venue. Twice is refused (409 already_checked_in)."""
    require_actor(by)
    card_token = (card_token or "").strip()
    code = (code or "").strip()
    if bool(card_token) == bool(code):
        raise Invalid.from_fields({"card_token": "请扫描会员证二维码，或输入现场签到码（二选一）"})
    if activity.kind != Activity.Kind.SIGNUP:
        raise NotOpen("该活动不是报名活动", code="wrong_kind")
    if activity.status in (Activity.Status.DRAFT, Activity.Status.CLOSED):
        raise NotOpen("活动已结束，不能签到" if activity.status == Activity.Status.CLOSED else "活动尚未发布")
    if card_token:
        if not can_manage(by, activity.org):
            raise Forbidden(ONLY_ORGANISER)
        result = card_tokens.verify_token(card_token)
        if not result.valid or result.payload is None:
            raise Invalid(result.message, code="invalid_card", fields={"card_token": result.message})
        person_id = Membership.objects.filter(pk=result.payload["m"]).values_list("person_id", flat=True).first()
        missing = MEMBER_NOT_SIGNED_UP
        method = "card"
    else:
        if not getattr(by, "is_authenticated", False):
            raise Forbidden("请先登录", code="unauthenticated")
        # A six-digit code is guessable: a member gets a few tries per activity, then waits.
        if not allow("benefits.checkin.code", f"{by.pk}:{activity.pk}", settings.BENEFITS_CHECKIN_CODE_RATE):
            raise TooManyAttempts("签到码尝试次数过多，请稍后再试")
        if not activity.checkin_code or not secrets.compare_digest(
                code.encode("utf-8"), activity.checkin_code.encode("utf-8")):
            raise Invalid(WRONG_CODE, code="wrong_code", fields={"code": WRONG_CODE})
        person_id = getattr(by, "person_id", None)
        missing = NOT_SIGNED_UP
        method = "code"
    with transaction.atomic():
        signup = (Signup.objects.select_for_update().select_related("person")
                  .filter(activity=activity, person_id=person_id, status__in=OPEN).first()) if person_id else None
        if signup is None:
            raise NotSignedUp(missing)
        if signup.status == Signup.Status.WAITING:
            raise Conflict(WAITING_CANNOT_CHECK_IN, code="not_confirmed")
        if signup.checked_in_at is not None:
            raise AlreadyCheckedIn()
        signup.checked_in_at = timezone.now()
        signup.checked_in_by = user_or_none(by)
        signup.save(update_fields=["checked_in_at", "checked_in_by"])
        log_event("benefits.signup.checkin", actor=by, target=signup, org=activity.org,
                  data={"checkin_method": method})
        took_part(signup.person_id, "benefits.signup.checkin", activity)
    return signup
