"""Deadlines counted into 2027, a year without official holiday data (chinesecalendar 1.11 stops at 2026), are
estimated and flagged; loading the 2027 schedule recomputes the open ones from their start in the same transaction."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import Source, is_working_day, load_holiday_schedule, year_source
from smartunion.core.models import AuditEvent, HolidaySchedule
from smartunion.members.models import Transfer
from smartunion.members.services import (
    approve_join_application,
    forward_join_application,
    notify_overdue_join_applications,
    transfer_release,
    transfer_request,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A notice that differs from the estimate: 1–4 January off (the estimate has 1 January only).
HOLIDAYS_2027 = ["2027-01-01~2027-01-04"]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)  # Django's clock: no time-freezing library is a dependency

    return set_to


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_loading_the_year_recomputes_an_estimated_deadline_and_clears_its_flag(tree, town, submit, clock, api,
                                                                              newcomer):
    clock(at(2026, 12, 30, 10, 0))
    application = submit()
    # 31 December, then 1 January (New Year's Day) and the weekend skipped: 4 and 5 January.
    assert (application.deadline, application.deadline_estimated) == (at(2027, 1, 5, 23, 59, 59), True)
    assert api(newcomer).get(f"/api/v1/join-applications/{application.pk}").json()["deadline_estimated"] is True
    clock(at(2026, 12, 24, 10, 0))
    within_2026 = submit(2, applicant=None)  # 25, 28, 29 December: nothing of 2027 counted
    assert (within_2026.deadline, within_2026.deadline_estimated) == (at(2026, 12, 29, 23, 59, 59), False)

    clock(at(2026, 12, 31, 9, 0))
    result = load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM)

    assert result.recomputed == 1
    application = fresh(application)
    assert (application.deadline, application.deadline_estimated) == (at(2027, 1, 6, 23, 59, 59), False)
    assert (fresh(within_2026).deadline, fresh(within_2026).deadline_estimated) == (
        at(2026, 12, 29, 23, 59, 59), False)
    body = api(newcomer).get(f"/api/v1/join-applications/{application.pk}").json()
    assert (body["deadline"], body["deadline_estimated"]) == ("2027-01-06T15:59:59Z", False)
    event = AuditEvent.objects.get(action="members.join_application.recompute_deadline")
    assert (event.target_id, event.org, event.data) == (str(application.pk), tree.lixia_town, {
        "from": "2027-01-05T23:59:59+08:00", "to": "2027-01-06T23:59:59+08:00", "estimated": False})
    assert AuditEvent.objects.get(action="core.holiday_schedule.load").data["recomputed"] == 1


def test_an_application_no_longer_overdue_can_be_escalated_again_later(tree, town, submit, clock):
    clock(at(2026, 12, 29, 10, 0))
    still_overdue = submit(1)  # estimated: 30, 31 December, 4 January
    clock(at(2026, 12, 30, 10, 0))
    no_longer = submit(2, applicant=None)  # estimated: 31 December, 4, 5 January
    clock(at(2027, 1, 6, 9, 0))
    assert notify_overdue_join_applications(by=SYSTEM) == 2
    assert load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM).recomputed == 2

    still_overdue, no_longer = fresh(still_overdue), fresh(no_longer)
    assert (still_overdue.deadline, still_overdue.overdue_notified_at) == (
        at(2027, 1, 5, 23, 59, 59), at(2027, 1, 6, 9, 0))
    assert (no_longer.deadline, no_longer.overdue_notified_at) == (at(2027, 1, 6, 23, 59, 59), None)
    assert notify_overdue_join_applications(by=SYSTEM) == 0
    clock(at(2027, 1, 7, 9, 0))
    assert notify_overdue_join_applications(by=SYSTEM) == 1
    assert fresh(no_longer).overdue_notified_at == at(2027, 1, 7, 9, 0)


def test_a_forwarded_application_counts_again_from_its_last_forward(tree, town, town_cadre, submit, clock):
    clock(at(2026, 12, 14, 10, 0))
    application = submit()
    clock(at(2026, 12, 21, 10, 0))
    forward_join_application(application, by=town_cadre, to=tree.grassroots)
    clock(at(2026, 12, 30, 10, 0))
    forward_join_application(fresh(application), by=town_cadre, to=tree.lixia_town)
    assert (fresh(application).deadline, fresh(application).deadline_estimated) == (at(2027, 1, 5, 23, 59, 59), True)
    clock(at(2026, 12, 31, 9, 0))
    assert load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM).recomputed == 1
    assert (fresh(application).deadline, fresh(application).deadline_estimated) == (at(2027, 1, 6, 23, 59, 59), False)


def test_decided_applications_keep_their_deadline(tree, town, town_cadre, submit, clock):
    clock(at(2026, 12, 30, 10, 0))
    application = submit()
    approve_join_application(application, by=town_cadre)
    assert load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM).recomputed == 0
    assert (fresh(application).deadline, fresh(application).deadline_estimated) == (at(2027, 1, 5, 23, 59, 59), True)


def test_open_transfers_are_recomputed_released_ones_are_not(tree, personas, town, town_cadre, approved_member,
                                                            clock, api):
    clock(at(2026, 12, 30, 10, 0))
    pending = transfer_request(membership=personas.worker.person.memberships.get(status="active"),
                               by=personas.worker, to_union=tree.qd_grassroots)
    other = approved_member(3)
    released = transfer_release(transfer_request(membership=other, by=town_cadre, to_union=tree.qd_grassroots),
                                by=town_cadre)
    assert [(t.release_deadline, t.release_deadline_estimated) for t in (pending, released)] == [
        (at(2027, 1, 5, 23, 59, 59), True), (at(2027, 1, 5, 23, 59, 59), True)]
    assert api(personas.worker).get(f"/api/v1/transfers/{pending.pk}").json()["release_deadline_estimated"] is True

    assert load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM).recomputed == 1

    assert [(t.release_deadline, t.release_deadline_estimated) for t in (fresh(pending), fresh(released))] == [
        (at(2027, 1, 6, 23, 59, 59), False), (at(2027, 1, 5, 23, 59, 59), True)]
    body = api(personas.worker).get(f"/api/v1/transfers/{pending.pk}").json()
    assert (body["release_deadline"], body["release_deadline_estimated"]) == ("2027-01-06T15:59:59Z", False)
    assert Transfer.objects.get(pk=released.pk).status == Transfer.Status.RELEASED


def test_a_load_rolled_back_by_its_caller_leaves_no_trace_in_the_calendar(tree, town, submit, clock):
    clock(at(2026, 12, 30, 10, 0))
    application = submit()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert load_holiday_schedule(year=2027, holidays=HOLIDAYS_2027, by=SYSTEM).recomputed == 1
        raise RuntimeError("the caller fails after the load")
    assert year_source(2027) is Source.ESTIMATE
    assert is_working_day(dt.date(2027, 1, 4)) is True
    assert (fresh(application).deadline, fresh(application).deadline_estimated) == (at(2027, 1, 5, 23, 59, 59), True)
    assert HolidaySchedule.objects.count() == 0
