"""Coupon grabs in the Redis shape (REDIS_URL set): the Lua claim, the persister, the reconciler after a kill.

Skipped without REDIS_URL in the environment. Only this module's keys are deleted (smartunion:benefits:coupons:*).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

import pytest
from django.db import connections
from django.db.models import Count
from tests.benefits.conftest import coupon_activity, make_member

from smartunion.benefits import coupon_store, services
from smartunion.benefits.models import Activity, Coupon
from smartunion.benefits.services.coupons import claim_coupon
from smartunion.core.errors import DomainError, StateError
from smartunion.core.models import BehaviourEvent

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _redis_shape(settings):
    settings.REDIS_URL = REDIS_URL
    settings.BENEFITS_CLAIM_RATE_MEMBER = "1000/min"
    settings.BENEFITS_CLAIM_RATE_IP = "1000/min"
    _forget()
    yield
    _forget()


def _forget():
    r = coupon_store.store().redis
    keys = list(r.scan_iter(match=coupon_store.PREFIX + "*", count=1000))
    if keys:
        r.delete(*keys)


def claim(activity, user, **kwargs):
    return claim_coupon(Activity.objects.select_related("org").get(pk=activity.pk), by=user, **kwargs)


def refusal(call) -> tuple[str, str]:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code, info.value.message


def test_a_claim_is_granted_in_redis_and_written_by_the_persister(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    coupon = claim(activity, personas.worker, idempotency_key="k1")
    assert (coupon.pk, coupon.sequence, coupon.day_sequence, coupon.status, coupon.valid_until) == (
        None, 1, 1, "issued", activity.valid_until)
    assert (Coupon.objects.count(), Activity.objects.get(pk=activity.pk).claimed, coupon_store.pending()) == (0, 0, 1)
    again = claim(activity, personas.worker, idempotency_key="k1")
    assert (again.code, coupon_store.pending()) == (coupon.code, 1)
    assert coupon_store.persist_claims() == 1
    row = Coupon.objects.get()
    assert (row.code, row.person_id, row.sequence, row.day, row.idempotency_key, row.org_path) == (
        coupon.code, personas.worker.person_id, 1, coupon.day, "k1", tree.jinan.path)
    activity.refresh_from_db()
    assert (activity.claimed, activity.participants, coupon_store.pending()) == (1, 1, 0)
    assert claim(activity, personas.worker, idempotency_key="k1").code == coupon.code


def test_limits_and_stock_in_redis(tree, personas):
    activity = coupon_activity(tree.jinan, stock=2, per_member_limit=1)
    claim(activity, personas.worker)
    assert refusal(lambda: claim(activity, personas.worker)) == ("limit_reached", "每人限领1张，您已领满")
    claim(activity, make_member(tree.grassroots))
    assert refusal(lambda: claim(activity, make_member(tree.grassroots))) == ("sold_out", "券已领完")
    daily = coupon_activity(tree.jinan, title="每日一券", stock=10, per_member_limit=3, daily_limit=1)
    claim(daily, personas.worker)
    assert refusal(lambda: claim(daily, personas.worker)) == (
        "limit_reached", "每人每天限领1张，今天已领满，请明天再来")
    coupon_store.persist_claims()
    assert Coupon.objects.count() == 3


def test_the_state_is_loaded_from_the_database_on_the_first_claim(tree, personas, settings):
    activity = coupon_activity(tree.jinan, stock=3, per_member_limit=2)
    settings.REDIS_URL = ""
    claim(activity, personas.worker)  # the database shape wrote this one
    settings.REDIS_URL = REDIS_URL
    second = claim(activity, personas.worker)
    assert (second.sequence, second.day_sequence) == (2, 2)
    assert refusal(lambda: claim(activity, personas.worker)) == ("limit_reached", "每人限领2张，您已领满")
    claim(activity, make_member(tree.grassroots))
    assert refusal(lambda: claim(activity, make_member(tree.grassroots)))[0] == "sold_out"
    coupon_store.persist_claims()
    activity.refresh_from_db()
    assert (activity.claimed, sorted(Coupon.objects.values_list("sequence", flat=True))) == (3, [1, 1, 2])


def test_granted_claims_freeze_the_rules_before_they_are_written(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    claim(activity, personas.worker)
    with pytest.raises(StateError) as info:
        services.update_activity(Activity.objects.get(pk=activity.pk), by=personas.city_cadre, stock=9)
    assert info.value.code == "rules_frozen"


def rush(activity_id: int, users: list, *, persister=False) -> list:
    """Each user claims in its own thread, all released together ("ok" or the refusal's code per thread); with
    `persister`, a thread persists one batch at a time meanwhile."""
    start = threading.Barrier(len(users) + (1 if persister else 0))
    results: list = [None] * len(users)
    done = threading.Event()

    def work(index, user):
        try:
            activity = Activity.objects.select_related("org").get(pk=activity_id)
            start.wait(timeout=20)
            claim_coupon(activity, by=user)
            results[index] = "ok"
        except DomainError as exc:
            results[index] = exc.code
        except BaseException as exc:
            results[index] = repr(exc)
        finally:
            connections.close_all()

    def persist():
        try:
            start.wait(timeout=20)
            while not done.is_set():
                coupon_store.persist_claims(batch=3, max_batches=1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, u), daemon=True) for i, u in enumerate(users)]
    if persister:
        threads.append(threading.Thread(target=persist, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads[:len(users)]:
        thread.join(60)
    done.set()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a thread is still running"
    return results


def test_thirty_members_racing_for_ten_coupons_through_redis(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10)
    results = rush(activity.pk, [make_member(tree.grassroots) for _ in range(30)], persister=True)
    assert sorted(results) == ["ok"] * 10 + ["sold_out"] * 20
    coupon_store.persist_claims()
    activity.refresh_from_db()
    assert (activity.claimed, Coupon.objects.filter(activity=activity).count(), coupon_store.pending()) == (10, 10, 0)
    assert set(Coupon.objects.values("person").annotate(n=Count("id")).values_list("n", flat=True)) == {1}


def test_one_member_racing_six_times_with_a_limit_of_two_through_redis(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=2)
    results = rush(activity.pk, [personas.worker] * 6)
    assert sorted(results) == ["limit_reached"] * 4 + ["ok"] * 2
    coupon_store.persist_claims()
    assert sorted(Coupon.objects.values_list("sequence", flat=True)) == [1, 2]


def test_a_persister_killed_mid_rush_loses_nothing_and_duplicates_nothing(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10)
    crowd = [make_member(tree.grassroots) for _ in range(12)]
    granted = [claim(activity, member).code for member in crowd[:10]]
    r = coupon_store.store().redis
    # Killed after taking a batch, before writing it: the claims wait in the processing list.
    assert coupon_store.take_batch(4) == 4
    assert (r.llen(coupon_store.PROCESSING), r.llen(coupon_store.QUEUE), Coupon.objects.count()) == (4, 6, 0)
    assert coupon_store.reconcile_claims() == 4  # the restart
    assert (r.llen(coupon_store.PROCESSING), Coupon.objects.count()) == (0, 4)
    # Killed after the commit, before trimming the processing list: the restart writes them again, harmlessly.
    assert coupon_store.take_batch(3) == 3
    coupon_store.write_claims([json.loads(item) for item in r.lrange(coupon_store.PROCESSING, 0, -1)])
    assert Coupon.objects.count() == 7
    for member in crowd[10:]:  # the rush goes on meanwhile
        assert refusal(lambda member=member: claim(activity, member))[0] == "sold_out"
    assert coupon_store.persist_claims() == 6  # 3 reconciled again + the 3 left in the queue
    assert sorted(Coupon.objects.values_list("code", flat=True)) == sorted(granted)
    activity.refresh_from_db()
    assert (activity.claimed, activity.participants, coupon_store.pending()) == (10, 10, 0)
    # Each claim's behaviour event is written once, with its row, even for the claims written twice.
    assert sorted(BehaviourEvent.objects.filter(kind="benefits.coupon.claim").values_list(
        "person_id", flat=True)) == sorted(m.person_id for m in crowd[:10])


def test_the_rate_limits_are_counted_by_the_claim_script(tree, personas, settings):
    settings.BENEFITS_CLAIM_RATE_MEMBER = "2/min"
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=5)
    assert [claim(activity, personas.worker).sequence for _ in range(2)] == [1, 2]
    assert refusal(lambda: claim(activity, personas.worker)) == ("too_many_requests", "领取过于频繁，请稍后再试")
    settings.BENEFITS_CLAIM_RATE_MEMBER = "1000/min"
    settings.BENEFITS_CLAIM_RATE_IP = "1/min"
    other = make_member(tree.grassroots)
    assert claim(activity, other, ip="10.0.0.8").sequence == 1
    assert refusal(lambda: claim(activity, make_member(tree.grassroots), ip="10.0.0.8")) == (
        "too_many_requests", "当前网络领取过于频繁，请稍后再试")
    assert claim(activity, make_member(tree.grassroots), ip="10.0.0.9").sequence == 1
    assert coupon_store.pending() == 4  # the refused claims took nothing


def test_claims_of_an_activity_another_database_had_are_dropped(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    claim(activity, personas.worker)
    r = coupon_store.store().redis
    stale = json.loads(r.lindex(coupon_store.QUEUE, 0))
    stale.update(g=f"{activity.pk}.1", c="ZZZZZZZZZZZZ")  # same id, another creation time
    r.rpush(coupon_store.QUEUE, json.dumps(stale))
    assert coupon_store.persist_claims() == 2
    assert list(Coupon.objects.values_list("activity_id", flat=True)) == [activity.pk]
    assert coupon_store.tag(activity) == f"{activity.pk}.{int(activity.created_at.timestamp() * 1_000_000)}"
    assert isinstance(Coupon.objects.get().day, dt.date)
