"""The gate every member's act passes (claim, sign up, enter, vote, answer): the activity is open now and the
member is in its audience. One place, so every kind refuses alike and with the same Chinese reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from smartunion.benefits import audience
from smartunion.benefits.errors import NotEligible, NotOpen
from smartunion.benefits.models import Activity
from smartunion.core.actors import require_actor
from smartunion.core.errors import Forbidden
from smartunion.members.models import Membership, Person
from smartunion.members.queries import active_membership


@dataclass(frozen=True)
class Member:
    """The acting member: their account, person and active membership."""

    user: object
    person: Person
    membership: Membership


def member_of(user) -> Member:
    """The account's person and active membership, or NotEligible (not logged in, no person, not a member)."""
    require_actor(user)
    if not getattr(user, "is_authenticated", False):
        raise Forbidden("请先登录", code="unauthenticated")
    membership = active_membership(getattr(user, "person_id", None), related=("person",))
    if membership is None:
        raise NotEligible("本活动仅限工会会员参加，请先申请入会")
    return Member(user=user, person=membership.person, membership=membership)


def why_not_open(activity: Activity, *, now: dt.datetime | None = None) -> str | None:
    now = now or timezone.now()
    if activity.status == Activity.Status.DRAFT:
        return "活动尚未发布"
    if activity.status == Activity.Status.PAUSED:
        return "活动已暂停，请稍后再试"
    if activity.status == Activity.Status.CLOSED:
        return "活动已结束"
    if now < activity.starts_at:
        return f"活动将于{timezone.localtime(activity.starts_at):%Y年%-m月%-d日 %H:%M}开始"
    if now >= activity.ends_at:
        return "活动已结束"
    return None


def check_eligible(activity: Activity, member: Member) -> None:
    reason = audience.ineligible_reason(activity.org_path, activity.audience, member.membership, member.person)
    if reason:
        raise NotEligible(reason)


def admit(activity: Activity, user, *, kind: str | None = None, member: Member | None = None) -> Member:
    """The member may act on this activity now: open, of the right kind, and eligible. `member`: the caller read
    the account's membership already (benefits.queries.member_for_token), so it is not read again."""
    if member is None or member.user is not user:
        member = member_of(user)
    check_eligible(activity, member)
    if kind is not None and activity.kind != kind:
        raise NotOpen(f"该活动不是“{Activity.Kind(kind).label}”类活动", code="wrong_kind")
    reason = why_not_open(activity)
    if reason:
        raise NotOpen(reason)
    return member


def count_participant(activity: Activity) -> None:
    """One more act of taking part (inside the act's transaction): from now on the rules are frozen."""
    Activity.objects.filter(pk=activity.pk).update(participants=F("participants") + 1)
