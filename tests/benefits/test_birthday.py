"""The birthday benefit: one coupon per member in their birthday month, granted by a job that is safe to run twice
and catches up the months it missed."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.benefits.conftest import make_member

from smartunion.benefits import tasks
from smartunion.benefits.models import Activity, BirthdayProgramme, BirthdayRun, Coupon
from smartunion.benefits.services.birthday import configure_birthday, grant_birthdays, months_due
from smartunion.benefits.services.coupons import CODE_ALPHABET, CODE_LENGTH
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent, BehaviourEvent

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def born_in(month, union):
    return make_member(union, birth=dt.date(1991, month, 15)).person


def programme_since(org, month, **fields):
    """A programme created on the 10th of `month` this year."""
    programme = configure_birthday(org, by=SYSTEM, title="生日慰问券", face_value="50元", valid_days=30, **fields)
    BirthdayProgramme.objects.filter(pk=programme.pk).update(
        created_at=timezone.make_aware(dt.datetime(YEAR, month, 10, 9, 0)))
    return BirthdayProgramme.objects.get(pk=programme.pk)


def coupons_by_month():
    return sorted(Coupon.objects.values_list("activity__birthday_run__month", "person_id"))


def test_a_member_gets_one_coupon_in_their_birthday_month_and_others_nothing(tree, personas,
                                                                             django_capture_on_commit_callbacks):
    programme_since(tree.jinan, 5)
    may = born_in(5, tree.grassroots)
    june = born_in(6, tree.grassroots)
    elsewhere = born_in(5, tree.qd_grassroots)  # 青岛: outside the programme's subtree
    today = dt.date(YEAR, 5, 20)
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_birthdays(by=SYSTEM, today=today) == 1

    coupon = Coupon.objects.get()
    activity = Activity.objects.get()
    valid_until = max(today, timezone.localdate()) + dt.timedelta(days=30)  # 30 days from the real grant
    assert (coupon.person_id, coupon.sequence, coupon.status, coupon.valid_until, coupon.org_path) == (
        may.pk, 1, "issued", valid_until, tree.jinan.path)
    assert len(coupon.code) == CODE_LENGTH and set(coupon.code) <= set(CODE_ALPHABET)
    assert (activity.kind, activity.status, activity.template, activity.title, activity.audience, activity.stock,
            activity.claimed, activity.per_member_limit, activity.valid_until, activity.face_value) == (
        "coupon", "published", "birthday", f"生日慰问券（{YEAR}年5月）", {"birth_months": [5]}, 1, 1, 1,
        valid_until, "50元")
    run = BirthdayRun.objects.get()
    assert (run.year, run.month, run.granted, run.finished_at is not None) == (YEAR, 5, 1, True)
    assert not Coupon.objects.filter(person__in=[june, elsewhere]).exists()
    assert list(BehaviourEvent.objects.values_list("person_id", "kind")) == [(may.pk, "benefits.birthday.grant")]
    grant = AuditEvent.objects.get(action="benefits.birthday.grant")
    assert (grant.org_id, grant.data) == (tree.jinan.pk, {"year": YEAR, "month": 5, "granted": 1})


def test_running_twice_grants_once(tree):
    programme_since(tree.jinan, 5)
    members = [born_in(5, tree.grassroots) for _ in range(3)]
    today = dt.date(YEAR, 5, 20)
    assert grant_birthdays(by=SYSTEM, today=today) == 3
    assert grant_birthdays(by=SYSTEM, today=today) == 0
    assert sorted(Coupon.objects.values_list("person_id", flat=True)) == sorted(p.pk for p in members)
    assert (Activity.objects.count(), BirthdayRun.objects.count()) == (1, 1)
    assert AuditEvent.objects.filter(action="benefits.birthday.grant").count() == 1


def test_an_unfinished_run_is_resumed_without_granting_twice(tree):
    programme_since(tree.jinan, 5)
    first, second = born_in(5, tree.grassroots), born_in(5, tree.grassroots)
    today = dt.date(YEAR, 5, 20)
    grant_birthdays(by=SYSTEM, today=today)
    # As if the job died after the first member's coupon: the run is not finished and one coupon is missing.
    Coupon.objects.filter(person=second).delete()
    BirthdayRun.objects.update(finished_at=None)
    third = born_in(5, tree.grassroots)  # joined meanwhile
    assert grant_birthdays(by=SYSTEM, today=today) == 2
    assert sorted(Coupon.objects.values_list("person_id", flat=True)) == sorted([first.pk, second.pk, third.pk])
    activity = Activity.objects.get()
    assert (activity.claimed, activity.stock, BirthdayRun.objects.get().granted) == (3, 3, 3)


def test_missed_months_are_caught_up(tree):
    programme_since(tree.jinan, 1)
    people = {month: born_in(month, tree.grassroots) for month in (1, 2, 3, 4, 12)}
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR, 1, 20)) == 1
    # Down from late January to April: February, March and April are granted at the next run.
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR, 4, 5)) == 3
    assert coupons_by_month() == sorted((m, people[m].pk) for m in (1, 2, 3, 4))
    assert sorted(BirthdayRun.objects.values_list("month", flat=True)) == [1, 2, 3, 4]


def test_a_december_missed_entirely_is_granted_in_january(tree):
    programme_since(tree.jinan, 11)
    november, december, january = (born_in(month, tree.grassroots) for month in (11, 12, 1))
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR, 11, 30)) == 1
    # Down from the end of November to January: December of last year is granted with January.
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR + 1, 1, 3)) == 2
    assert sorted(BirthdayRun.objects.values_list("year", "month")) == [(YEAR, 11), (YEAR, 12), (YEAR + 1, 1)]
    assert sorted(Coupon.objects.values_list("person_id", flat=True)) == sorted(
        p.pk for p in (november, december, january))
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR + 1, 1, 4)) == 0


def test_months_due_are_the_last_twelve_since_creation_across_the_new_year(tree):
    programme = programme_since(tree.jinan, 3)
    assert months_due(programme, dt.date(YEAR, 6, 1)) == [(YEAR, 3), (YEAR, 4), (YEAR, 5), (YEAR, 6)]
    assert months_due(programme, dt.date(YEAR + 1, 2, 1)) == [(YEAR, 3), *((YEAR, m) for m in range(4, 13)),
                                                              (YEAR + 1, 1), (YEAR + 1, 2)]
    assert months_due(programme, dt.date(YEAR + 2, 1, 1)) == [*((YEAR + 1, m) for m in range(2, 13)), (YEAR + 2, 1)]
    assert months_due(programme, dt.date(YEAR - 1, 12, 1)) == []


def test_a_disabled_programme_grants_nothing_and_configuring_is_for_managers(tree, personas):
    programme_since(tree.jinan, 5, enabled=False)
    born_in(5, tree.grassroots)
    assert grant_birthdays(by=SYSTEM, today=dt.date(YEAR, 5, 20)) == 0
    assert Coupon.objects.count() == 0
    with pytest.raises(Forbidden):
        configure_birthday(tree.jinan, by=personas.other_city_cadre)
    with pytest.raises(Invalid) as refused:
        configure_birthday(tree.jinan, by=personas.city_cadre, title=" ", valid_days=0)
    assert refused.value.fields == {"title": "请填写券名称（最多 100 个字）",
                                    "valid_days": "有效天数应为 1 至 366 之间的整数"}
    programme = configure_birthday(tree.jinan, by=personas.city_cadre, enabled=True, title="生日蛋糕券",
                                   valid_days=45)
    assert (BirthdayProgramme.objects.count(), programme.enabled, programme.title) == (1, True, "生日蛋糕券")
    assert AuditEvent.objects.filter(action="benefits.birthday.configure").order_by("id").last().data == {
        "enabled": True, "title": "生日蛋糕券", "valid_days": 45}


def test_the_scheduled_task_grants_this_month(tree):
    today = timezone.localdate()
    configure_birthday(tree.jinan, by=SYSTEM)
    person = born_in(today.month, tree.grassroots)
    born_in(today.month % 12 + 1, tree.grassroots)
    tasks.grant_birthdays.delay()
    tasks.grant_birthdays.delay()
    assert list(Coupon.objects.values_list("person_id", flat=True)) == [person.pk]
