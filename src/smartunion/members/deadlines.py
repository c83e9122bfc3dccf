"""Open membership deadlines follow the calendar: when a year's official holiday schedule is loaded, every open
deadline that counted days of that year is recomputed from its start (core.calendar.holiday_schedule_loaded)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from smartunion.core.audit import log_event
from smartunion.core.calendar import compute_deadline, holiday_schedule_loaded
from smartunion.core.models import HolidaySchedule, TransitionLog
from smartunion.members.models import JoinApplication, Transfer
from smartunion.members.services.join import JOIN_WORKFLOW, review_days_for


def _touched(start: dt.datetime, due: dt.datetime, first_day: dt.date, last_day: dt.date) -> bool:
    # The count ran over the days (start, due]: it touched the range unless it ended before or began after it.
    return timezone.localtime(start).date() < last_day and timezone.localtime(due).date() >= first_day


def _bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first_day, dt.time.min, tzinfo=tz),
            dt.datetime.combine(last_day, dt.time.min, tzinfo=tz))


def _change(old: dt.datetime, due) -> dict:
    return {"from": timezone.localtime(old).isoformat(), "to": timezone.localtime(due.at).isoformat(),
            "estimated": due.estimated}


def _last_forwards(ids: list[int]) -> dict[str, dt.datetime]:
    """When each forwarded application was last forwarded: its deadline was counted again from then."""
    last: dict[str, dt.datetime] = {}
    rows = TransitionLog.objects.filter(workflow=JOIN_WORKFLOW.name, action="forward",
                                        object_id__in=[str(i) for i in ids]).values_list("object_id", "created_at")
    for object_id, created_at in rows:
        if object_id not in last or created_at > last[object_id]:
            last[object_id] = created_at
    return last


def recompute_join_deadlines(*, first_day: dt.date, last_day: dt.date) -> int:
    """Recompute the deadline and its estimated flag of every pending application whose count ran through
    first_day..last_day; one no longer overdue may be flagged overdue again later. Returns how many."""
    lower, upper = _bounds(first_day, last_day)
    pending = list(
        JoinApplication.objects.select_for_update(of=("self",)).select_related("union")
        .filter(status=JoinApplication.Status.PENDING, deadline__gte=lower, submitted_at__lt=upper).order_by("id")
    )
    forwarded = _last_forwards([a.pk for a in pending if a.dispatch_reason == JoinApplication.Dispatch.FORWARDED])
    now = timezone.now()
    count = 0
    for application in pending:
        start = forwarded.get(str(application.pk), application.submitted_at)
        if not _touched(start, application.deadline, first_day, last_day):
            continue
        count += 1
        due = compute_deadline(timezone.localtime(start), review_days_for(application.union))
        if (due.at, due.estimated) == (application.deadline, application.deadline_estimated):
            continue
        old = application.deadline
        application.deadline, application.deadline_estimated = due.at, due.estimated
        fields = ["deadline", "deadline_estimated"]
        if application.overdue_notified_at is not None and due.at >= now:
            application.overdue_notified_at = None
            fields.append("overdue_notified_at")
        application.save(update_fields=fields)
        log_event("members.join_application.recompute_deadline", target=application, org=application.union,
                  data=_change(old, due))
    return count


def recompute_transfer_deadlines(*, first_day: dt.date, last_day: dt.date) -> int:
    """The same for the old union's release deadline of every transfer it has not released yet."""
    lower, upper = _bounds(first_day, last_day)
    open_transfers = list(
        Transfer.objects.select_for_update(of=("self",)).select_related("from_union")
        .filter(status__in=[Transfer.Status.PENDING, Transfer.Status.APPROVED], release_deadline__gte=lower,
                created_at__lt=upper).order_by("id")
    )
    count = 0
    for transfer in open_transfers:
        if not _touched(transfer.created_at, transfer.release_deadline, first_day, last_day):
            continue
        count += 1
        due = compute_deadline(timezone.localtime(transfer.created_at), settings.TRANSFER_RELEASE_DAYS)
        if (due.at, due.estimated) == (transfer.release_deadline, transfer.release_deadline_estimated):
            continue
        old = transfer.release_deadline
        transfer.release_deadline, transfer.release_deadline_estimated = due.at, due.estimated
        transfer.save(update_fields=["release_deadline", "release_deadline_estimated"])
        log_event("members.transfer.recompute_deadline", target=transfer, org=transfer.from_union,
                  data=_change(old, due))
    return count


@receiver(holiday_schedule_loaded, sender=HolidaySchedule, dispatch_uid="members.recompute_deadlines")
def recompute_after_schedule_load(*, first_day: dt.date, last_day: dt.date, **kwargs) -> int:
    return (recompute_join_deadlines(first_day=first_day, last_day=last_day)
            + recompute_transfer_deadlines(first_day=first_day, last_day=last_day))
