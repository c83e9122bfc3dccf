"""Founding: when an employer gets a union of its own, its members attached to the township union follow it."""

from __future__ import annotations

from django.db import transaction

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, StateError
from smartunion.core.notifications import notify_user
from smartunion.members import behaviour
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.models import Membership, MembershipChange
from smartunion.members.services.people import membership_end, membership_start
from smartunion.orgs.models import Employer, Organisation
from smartunion.orgs.queries import can_manage


def reattach_members(*, employer: Employer, by) -> int:
    """Move every member attached to a township union whose employer now has a union into that union, each
    with a history row and a notice. Returns how many moved."""
    require_actor(by)
    union = Employer.objects.select_related("covering_union").get(pk=employer.pk).covering_union
    if union is None:
        raise StateError("该单位尚未建立工会或被联合工会覆盖", code="no_union")
    attached = list(
        Membership.objects.select_related("person", "union")
        .filter(status=Membership.Status.ACTIVE, provisional=True, person__employer=employer,
                union__kind=Organisation.Kind.TOWNSHIP)
    )
    if not is_system(by) and not all(can_manage(by, m.union) or can_manage(by, union) for m in attached):
        raise Forbidden("您无权办理这些会员的转移")
    actor = user_or_none(by)
    with transaction.atomic():
        for old in attached:
            membership_end(old, status=Membership.Status.TRANSFERRED, by=by, reason="founding")
            new = membership_start(person=old.person, union=union, card_number=old.card_number, by=by)
            behaviour.reattached(new)
            MembershipChange.objects.create(person=old.person, membership=new, change_type=ChangeType.REATTACH,
                                            reason=Reason.REATTACH_FOUNDED,
                                            from_union=old.union, to_union=union, actor=actor,
                                            note=f"“{employer.name}”建会，会籍由挂靠工会转入本单位工会")
            user = getattr(old.person, "user", None)
            if user is not None:
                notify_user(user, subject="会籍已转入本单位工会",
                            body=f"您所在单位已建立工会，您的会籍已转入“{union.name}”。")
        log_event("members.membership.reattach", actor=by, target=employer, org=union,
                  data={"count": len(attached)})
    return len(attached)

