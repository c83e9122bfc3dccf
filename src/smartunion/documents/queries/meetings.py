"""Scoped reads of meetings: the org's meetings and rooms (the cadre's subtree), my invitations (mine and my org's),
my action items and the org's, a room's week. A meeting outside the reader's reach is not found, like a missing one.

A meeting is visible to cadres of the host org's subtree (any role) and to its invitees (the invited person, the
chairs and administrators of an invited org).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from smartunion.core.errors import NotFound
from smartunion.documents import rules_meetings as rules
from smartunion.documents.models import ActionItem, Invitation, Meeting, Room, RoomSlot
from smartunion.orgs.queries import is_unrestricted, scope_q, scoped

R = Invitation.Reply


def visible_rooms(user) -> QuerySet[Room]:
    return scoped(Room.objects.select_related("org"), user, field="org_path").order_by("org_path", "name")


def room_for(user, room_id) -> Room:
    room = visible_rooms(user).filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在")
    return room


def bookable_rooms(user) -> QuerySet[Room]:
    """Active rooms the user may book (a chair or administrator of the room's org or above)."""
    return scoped(Room.objects.filter(active=True).select_related("org"), user, field="org_path",
                  roles=rules.MANAGING).order_by("org_path", "name")


def _invited_q(user) -> Q:
    orgs = rules.answering_org_ids(user)
    q = Q(invitations__user_id=user.pk)
    if orgs:
        q |= Q(invitations__org_id__in=orgs)
    return q


def org_meetings(user) -> QuerySet[Meeting]:
    """The meetings hosted in the cadre's subtree (the 会议 list)."""
    return scoped(Meeting.objects.select_related("org", "room"), user, field="org_path").order_by("-starts_at", "-pk")


def meeting_for(user, meeting_id) -> Meeting:
    """One meeting the user may see: in their subtree, or one they (or the org they answer for) are invited to."""
    base = Meeting.objects.select_related("org", "room", "organiser")
    meeting = None
    if is_unrestricted(user):
        meeting = base.filter(pk=meeting_id).first()
    else:
        q = scope_q(user, field="org_path")
        if q:
            meeting = base.filter(q, pk=meeting_id).first()
        if meeting is None and getattr(user, "pk", None) is not None:
            meeting = base.filter(_invited_q(user), pk=meeting_id).first()
    if meeting is None:
        raise NotFound("会议不存在")
    return meeting


def my_invitations(user, *, pending: bool = False) -> QuerySet[Invitation]:
    """Notices to the user and to the orgs they answer for, the newest meeting first."""
    orgs = rules.answering_org_ids(user)
    q = Q(user_id=user.pk)
    if orgs:
        q |= Q(org_id__in=orgs)
    rows = Invitation.objects.filter(q).select_related("meeting", "meeting__org", "meeting__room", "org")
    if pending:
        rows = rows.filter(reply=R.PENDING, meeting__status=Meeting.Status.SCHEDULED,
                           meeting__reply_due_at__gte=timezone.now())
    return rows.order_by("-meeting__starts_at", "pk")


def invitation_for_reply(user, invitation_id) -> Invitation:
    found = my_invitations(user).filter(pk=invitation_id).first()
    if found is None:
        raise NotFound("会议通知不存在")
    return found


def invitations_of(meeting: Meeting) -> list[Invitation]:
    return list(meeting.invitations.select_related("user", "org", "replied_by").order_by("org_id", "user_id", "pk"))


@dataclass(frozen=True)
class Tally:
    invited: int
    attend: int
    delegate: int
    absent: int
    pending: int
    signed_in: int


def tally(meeting: Meeting) -> Tally:
    """The receipts and sign-ins of a meeting as counts, in one query."""
    figures = meeting.invitations.aggregate(
        invited=Count("pk"), attend=Count("pk", filter=Q(reply=R.ATTEND)),
        delegate=Count("pk", filter=Q(reply=R.DELEGATE)), absent=Count("pk", filter=Q(reply=R.ABSENT)),
        pending=Count("pk", filter=Q(reply=R.PENDING)), signed_in=Count("pk", filter=Q(signed_in_at__isnull=False)))
    return Tally(**figures)


def my_action_items(user, *, open_only: bool = False) -> QuerySet[ActionItem]:
    rows = ActionItem.objects.filter(owner_id=user.pk).select_related("meeting", "org", "owner")
    if open_only:
        rows = rows.filter(status=ActionItem.Status.OPEN)
    return rows.order_by("status", "due_on", "pk")


def org_action_items(user) -> QuerySet[ActionItem]:
    """The action items of meetings hosted in the subtree where the user is a chair or administrator."""
    return scoped(ActionItem.objects.select_related("meeting", "org", "owner"), user, field="org_path",
                  roles=rules.MANAGING).order_by("status", "due_on", "pk")


def overdue(rows: QuerySet[ActionItem], *, today: dt.date | None = None) -> QuerySet[ActionItem]:
    return rows.filter(status=ActionItem.Status.OPEN, due_on__lt=today or timezone.localdate())


def action_item_for(user, item_id) -> ActionItem:
    """An item the user owns or oversees."""
    item = (my_action_items(user).filter(pk=item_id).first()
            or org_action_items(user).filter(pk=item_id).first())
    if item is None:
        raise NotFound("督办事项不存在")
    return item


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def room_week(room: Room, monday: dt.date) -> list[Meeting]:
    """The meetings holding the room in the week starting `monday` (local time), in order."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=7)
    ids = RoomSlot.objects.filter(room=room, start__gte=start, start__lt=end).values("meeting_id")
    return list(Meeting.objects.filter(pk__in=ids).select_related("org").order_by("starts_at"))
