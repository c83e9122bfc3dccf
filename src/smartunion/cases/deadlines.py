"""Deadlines of rights cases, in working days on the business calendar (core.calendar).

Each deadline class has a number of working days for the first response and for the resolution. An org's table
(DeadlineRule) applies to its subtree; the nearest org on the handling org's path wins; with no row on the path
these defaults apply (the 12351 work order's classes):

    一般 general       1 working day to the first response, 7 to the resolution
    难点 difficult     2 / 15
    特别复杂 complex   3 / 30

The days are fixed on the case when its class is set (filing, set_class): a transfer keeps them and the deadlines.
Both deadlines count from the submission (the resolution from the last reopening, if any): the first response
`first_response_days` working days after it, the resolution `resolution_days + paused_working_days` after it, where
paused_working_days are the working days the case spent waiting for the worker (core.calendar.working_days_between
from the pause to the resume). Every change recomputes them and stores the moment and its `*_estimated` flag: a day
of a year whose official schedule the calendar does not know is counted on the estimate (core.calendar), the case
says so, and loading that year's schedule recomputes the open cases (holiday_schedule_loaded below).
A first-response deadline already met is never recomputed (its on-time figure is counted), nor is a closed case.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from smartunion.cases.models import Case, CaseClass, DeadlineRule
from smartunion.cases.rules import can_manage_rules
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.cache import ttl_cache
from smartunion.core.calendar import compute_deadline, holiday_schedule_loaded
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import HolidaySchedule
from smartunion.orgs.models import Organisation, ancestor_paths

DEFAULT_DAYS: dict[str, tuple[int, int]] = {
    CaseClass.GENERAL: (1, 7),
    CaseClass.DIFFICULT: (2, 15),
    CaseClass.COMPLEX: (3, 30),
}
MAX_DAYS = 250  # about a working year


def rules_for(org: Organisation) -> dict[str, tuple[int, int, Organisation | None]]:
    """Every class's (first response days, resolution days, org whose table set them or None for the default)."""
    found: dict[str, tuple[int, int, Organisation | None]] = {
        cls: (*days, None) for cls, days in DEFAULT_DAYS.items()}
    rows = (DeadlineRule.objects.select_related("org").filter(org_path__in=ancestor_paths(org.path))
            .order_by("org_path"))  # root first: the nearest org's row is applied last and wins
    for rule in rows:
        found[rule.case_class] = (rule.first_response_days, rule.resolution_days, rule.org)
    return found


def rule_days(org: Organisation, case_class: str) -> tuple[int, int]:
    """(first response days, resolution days) of the class for cases handled by `org`, from the rule table read
    once per process and minute (core/cache.py; set_deadline_rule clears it at once in its own process)."""
    return _rule_days(org.path, case_class)


def _rule_days(org_path: str, case_class: str) -> tuple[int, int]:
    table = _rule_table()
    for path in sorted(ancestor_paths(org_path), reverse=True):  # the nearest org's row wins
        days = table.get((path, case_class))
        if days is not None:
            return days
    return DEFAULT_DAYS[case_class]


@ttl_cache(60)
def _rule_table() -> dict[tuple[str, str], tuple[int, int]]:
    """Every federation's deadline rows (a few per org that set its own), keyed by (org path, class)."""
    return {(path, case_class): (first, resolution) for path, case_class, first, resolution in
            DeadlineRule.objects.values_list("org_path", "case_class", "first_response_days", "resolution_days")}


def due_fields(case: Case) -> dict:
    """The stored deadline fields of the case, computed from its days, submission, reopening and pauses. The
    first-response fields only while it has not been responded to."""
    fields: dict = {}
    if case.first_responded_at is None:
        fields.update(compute_deadline(timezone.localtime(case.submitted_at), case.first_response_days)
                      .as_fields("first_response_due"))
    start = case.reopened_at or case.submitted_at
    fields.update(compute_deadline(timezone.localtime(start), case.resolution_days + case.paused_working_days)
                  .as_fields("resolution_due"))
    return fields


def set_deadline_rule(*, by, org: Organisation, case_class: str, first_response_days: int,
                      resolution_days: int) -> DeadlineRule:
    """Set the org's working days for a deadline class (its subtree's cases filed or reclassified from now on)."""
    require_actor(by)
    if not can_manage_rules(by, org):
        raise Forbidden("只有本单位及上级单位的主席、管理员可以设置办理时限")
    errors: dict[str, str] = {}
    if case_class not in CaseClass.values:
        errors["case_class"] = "期限类别应为一般、难点或特别复杂"
    for name, value, label in (("first_response_days", first_response_days, "首次响应时限"),
                               ("resolution_days", resolution_days, "办结时限")):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAYS:
            errors[name] = f"{label}应为1到{MAX_DAYS}个工作日"
    if not errors and resolution_days < first_response_days:
        errors["resolution_days"] = "办结时限不能短于首次响应时限"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        rule, created = DeadlineRule.objects.update_or_create(
            org=org, case_class=case_class,
            defaults={"org_path": org.path, "first_response_days": first_response_days,
                      "resolution_days": resolution_days, "updated_by": user_or_none(by)})
        log_event("cases.deadline_rule.set", actor=by, target=rule, org=org,
                  data={"case_class": case_class, "first_response_days": first_response_days,
                        "resolution_days": resolution_days, "created": created})
        transaction.on_commit(_rule_table.cache_clear)
    _rule_table.cache_clear()
    return rule


def recompute_case_deadlines(*, first_day: dt.date, last_day: dt.date) -> int:
    """Recompute the deadlines of every open case whose count ran through first_day..last_day; an escalation
    whose deadline moved into the future is cleared (the new deadline may escalate again). Returns how many."""
    tz = timezone.get_current_timezone()
    lower = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    now = timezone.now()
    cases = list(Case.objects.select_for_update(of=("self",)).select_related("org")
                 .filter(status__in=Case.OPEN_STATES, resolution_due__gte=lower, submitted_at__lt=upper)
                 .order_by("id"))
    count = 0
    for case in cases:
        count += 1
        fields = due_fields(case)
        changed = {k: v for k, v in fields.items() if getattr(case, k) != v}
        if not changed:
            continue
        if case.resolution_escalated_at is not None and fields["resolution_due"] >= now:
            changed["resolution_escalated_at"] = None
        if case.first_response_escalated_at is not None and fields.get("first_response_due", dt.datetime.min
                                                                       .replace(tzinfo=tz)) >= now:
            changed["first_response_escalated_at"] = None
        old = case.resolution_due
        for k, v in changed.items():
            setattr(case, k, v)
        case.save(update_fields=list(changed))
        log_event("cases.case.recompute_deadline", target=case, org=case.org,
                  data={"from": timezone.localtime(old).isoformat(),
                        "to": timezone.localtime(case.resolution_due).isoformat(),
                        "estimated": case.resolution_due_estimated})
    return count


@receiver(holiday_schedule_loaded, sender=HolidaySchedule, dispatch_uid="cases.recompute_deadlines")
def recompute_after_schedule_load(*, first_day: dt.date, last_day: dt.date, **kwargs) -> int:
    return recompute_case_deadlines(first_day=first_day, last_day=last_day)
