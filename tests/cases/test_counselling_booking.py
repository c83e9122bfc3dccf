"""Counselling: booking (one holder per slot, the per-person limit), cancelling within the rules, done / no-show by
the counsellor, and session notes that only the booking's counsellor reads and writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.cases.counselling_rows import counsellor, slot
from tests.conftest import make_user

from smartunion.accounts.models import User
from smartunion.cases.models import Booking, SessionNote, Slot
from smartunion.cases.services import counselling
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.core.models import AuditEvent
from smartunion.core.workflow import TransitionError, TransitionForbidden


@pytest.fixture
def lin(tree):
    return counsellor(tree.jinan)


def test_a_worker_books_a_free_slot_under_a_nickname(tree, personas, lin):
    free = slot(lin)
    booking = counselling.book_slot(free.pk, by=personas.worker, nickname="小雨", topic="工作压力大",
                                    phone="139 0000 0001")
    free.refresh_from_db()
    assert (booking.status, booking.nickname, booking.topic, booking.phone, free.booked) == (
        "booked", "小雨", "工作压力大", "13900000001", True)
    event = AuditEvent.objects.get(action="cases.booking.create")
    assert (event.org_id, event.data, "小雨" in event.target_label) == (tree.jinan.pk, {}, False)


def test_a_taken_slot_cannot_be_booked_again(tree, personas, lin):
    free = slot(lin)
    counselling.book_slot(free.pk, by=personas.worker, nickname="小雨")
    with pytest.raises(Conflict) as refused:
        counselling.book_slot(free.pk, by=personas.outsider, nickname="阿明")
    assert refused.value.code == "slot_taken"
    assert Booking.objects.filter(slot=free).count() == 1


def test_past_withdrawn_missing_and_own_slots_are_refused(tree, personas, lin):
    past = slot(lin, hours_ahead=-1)
    with pytest.raises(Conflict) as refused:
        counselling.book_slot(past.pk, by=personas.worker, nickname="小雨")
    assert refused.value.code == "slot_past"
    withdrawn = counselling.withdraw_slot(slot(lin, hours_ahead=30), by=lin.user)
    with pytest.raises(Conflict) as refused:
        counselling.book_slot(withdrawn.pk, by=personas.worker, nickname="小雨")
    assert refused.value.code == "slot_taken"
    with pytest.raises(NotFound):
        counselling.book_slot(999999, by=personas.worker, nickname="小雨")
    with pytest.raises(Conflict) as refused:
        counselling.book_slot(slot(lin, hours_ahead=40).pk, by=lin.user, nickname="林")
    assert refused.value.code == "own_slot"
    with pytest.raises(Invalid) as refused:
        counselling.book_slot(slot(lin, hours_ahead=50).pk, by=personas.worker, nickname=" ", phone="12")
    assert set(refused.value.fields) == {"nickname", "phone"}


def test_one_person_holds_at_most_two_future_bookings(tree, personas, lin):
    slots = [slot(lin, hours_ahead=24 * (i + 1)) for i in range(3)]
    first = counselling.book_slot(slots[0].pk, by=personas.worker, nickname="小雨")
    counselling.book_slot(slots[1].pk, by=personas.worker, nickname="小雨")
    with pytest.raises(Conflict) as refused:
        counselling.book_slot(slots[2].pk, by=personas.worker, nickname="小雨")
    assert refused.value.code == "booking_limit"
    counselling.cancel_booking(first, by=personas.worker)
    assert counselling.book_slot(slots[2].pk, by=personas.worker, nickname="小雨").status == "booked"


def test_cancel_frees_the_slot_until_two_hours_before_the_start(tree, personas, lin):
    later = slot(lin, hours_ahead=2.5)
    booking = counselling.book_slot(later.pk, by=personas.worker, nickname="小雨")
    booking = counselling.cancel_booking(booking, by=personas.worker, reason="临时加班")
    later.refresh_from_db()
    assert (booking.status, booking.cancel_reason, booking.cancelled_at is not None, later.booked) == (
        "cancelled", "临时加班", True, False)
    assert AuditEvent.objects.get(action="cases.booking.cancel").data == {
        "from": "booked", "to": "cancelled", "note": ""}
    again = counselling.book_slot(later.pk, by=personas.outsider, nickname="阿明")  # the freed slot is bookable
    assert again.status == "booked"


def test_the_worker_cannot_cancel_within_two_hours_but_the_counsellor_can(tree, personas, lin):
    soon = slot(lin, hours_ahead=1.5)
    booking = counselling.book_slot(soon.pk, by=personas.worker, nickname="小雨")
    with pytest.raises(StateError) as refused:
        counselling.cancel_booking(booking, by=personas.worker)
    assert (refused.value.code, refused.value.message) == (
        "too_late", "距咨询开始已不足 2 小时，不能在线取消；如需调整请联系咨询师")
    booking.refresh_from_db()
    assert booking.status == "booked"
    with pytest.raises(NotFound):  # someone else's booking is not found
        counselling.cancel_booking(booking, by=personas.outsider)
    assert counselling.cancel_booking(booking, by=lin.user, reason="咨询师临时有事").status == "cancelled"


def test_done_and_no_show_by_the_counsellor_once_started(tree, personas, lin):
    started = slot(lin, hours_ahead=-0.5)
    ahead = slot(lin, hours_ahead=20)
    first = Booking.objects.create(slot=started, user=personas.worker, nickname="小雨")
    second = Booking.objects.create(slot=ahead, user=personas.outsider, nickname="阿明")
    with pytest.raises(TransitionForbidden):
        counselling.mark_done(first, by=personas.worker)
    with pytest.raises(TransitionForbidden):
        counselling.mark_done(first, by=personas.city_cadre)
    with pytest.raises(StateError) as refused:
        counselling.mark_no_show(second, by=lin.user)
    assert refused.value.code == "not_started"
    assert counselling.mark_done(first, by=lin.user).status == "done"
    with pytest.raises(TransitionError):
        counselling.mark_no_show(first, by=lin.user)


def test_session_notes_are_the_booking_counsellors_alone(tree, personas, lin):
    booking = counselling.book_slot(slot(lin).pk, by=personas.worker, nickname="小雨")
    counselling.write_session_note(booking, by=lin.user, body="来访者述工作压力，约定两周后复诊。")
    assert counselling.read_session_note(booking, by=lin.user) == "来访者述工作压力，约定两周后复诊。"
    superuser = make_user("root", is_superuser=True)
    other = counsellor(tree.jinan, "counsellor2", display_name="周老师")
    for stranger in (personas.city_cadre, personas.province_admin, superuser, other.user, personas.worker):
        with pytest.raises(Forbidden) as refused:
            counselling.read_session_note(booking, by=stranger)
        assert refused.value.message == "咨询记录仅限该次咨询的咨询师本人查看和填写"
        with pytest.raises(Forbidden):
            counselling.write_session_note(booking, by=stranger, body="改写")
    assert SessionNote.objects.get(booking=booking).body == "来访者述工作压力，约定两周后复诊。"
    assert AuditEvent.objects.get(action="cases.session_note.write").data == {}


def test_a_counsellor_whose_account_is_disabled_reads_nothing(tree, personas, lin):
    booking = counselling.book_slot(slot(lin).pk, by=personas.worker, nickname="小雨")
    User.objects.filter(pk=lin.user_id).update(is_active=False)
    lin.user.refresh_from_db()
    with pytest.raises(Forbidden):
        counselling.read_session_note(booking, by=lin.user)


def test_counsellors_and_schedules_are_managed_by_chairs_and_administrators(tree, personas):
    made = counselling.create_counsellor(by=personas.city_cadre, org=tree.jinan, display_name="吴老师",
                                         username="wu_counsellor", password="another-horse-43")
    assert (made.user.kind, made.user.is_staff, made.org_path) == ("worker", False, tree.jinan.path)
    with pytest.raises(Forbidden):
        counselling.create_counsellor(by=personas.other_city_cadre, org=tree.jinan, display_name="郑老师",
                                      username="zheng", password="another-horse-43")
    with pytest.raises(Conflict):
        counselling.create_counsellor(by=personas.city_cadre, org=tree.jinan, display_name="吴老师",
                                      username="wu_counsellor", password="another-horse-43")
    counselling.add_schedule(made, by=personas.city_cadre, weekday=0, start=dt.time(9), end=dt.time(11))
    with pytest.raises(Conflict):
        counselling.add_schedule(made, by=personas.city_cadre, weekday=0, start=dt.time(10), end=dt.time(12))
    with pytest.raises(Invalid) as refused:
        counselling.add_schedule(made, by=personas.city_cadre, weekday=7, start=dt.time(12), end=dt.time(11))
    assert set(refused.value.fields) == {"weekday", "end"}
    with pytest.raises(Forbidden):
        counselling.add_schedule(made, by=personas.other_city_cadre, weekday=1, start=dt.time(9), end=dt.time(11))


def test_an_inactive_counsellors_slots_cannot_be_booked(tree, personas, lin):
    free = slot(lin)
    counselling.update_counsellor(lin, by=personas.city_cadre, active=False)
    with pytest.raises(NotFound):
        counselling.book_slot(free.pk, by=personas.worker, nickname="小雨")
    assert Slot.objects.get(pk=free.pk).booked is False


def test_timezone_is_china():
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
