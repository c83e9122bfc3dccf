"""Behaviour events: buffered per transaction, written with one INSERT after commit, never for a rolled-back write;
the kinds registry; the retention purge."""

import datetime as dt

import pytest
from celery import current_app, shared_task
from celery.signals import after_task_publish
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartunion.core import events
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AppendOnlyError, AuditEvent, BehaviourEvent

events.register_kinds({"tests.page.read": "阅读测试文章", "tests.course.finish": "完成测试课程"})

INSERT = 'INSERT INTO "core_behaviourevent"'


def inserts(queries) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith(INSERT))


def kinds():
    return list(BehaviourEvent.objects.order_by("id").values_list("person_id", "kind"))


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_nothing_is_written_before_commit_and_several_events_cost_one_insert(tree,
                                                                             django_capture_on_commit_callbacks):
    at = timezone.now() - dt.timedelta(hours=2)
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.record(7, "tests.page.read", target=tree.lixia, org=tree.lixia, label="历下区总工会")
                events.record(7, "tests.course.finish", at=at)
                events.record(8, "tests.page.read")
                assert inserts(queries) == 0
                assert BehaviourEvent.objects.count() == 0
            assert BehaviourEvent.objects.count() == 0  # committed, but the hooks run when the test's block ends
    assert inserts(queries) == 1
    first, second, third = BehaviourEvent.objects.order_by("id")
    assert (first.person_id, first.kind, first.target_type, first.target_id, first.target_label, first.org_path) == (
        7, "tests.page.read", "orgs.organisation", str(tree.lixia.pk), "历下区总工会", tree.lixia.path)
    assert (second.person_id, second.kind, second.target_type, second.target_id, second.org_path,
            second.occurred_at) == (7, "tests.course.finish", "", "", "", at)
    assert (third.person_id, third.kind) == (8, "tests.page.read")


@pytest.mark.django_db
def test_a_rolled_back_savepoint_drops_its_own_events_only(django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.record(1, "tests.page.read")
                with pytest.raises(Boom):
                    with transaction.atomic():
                        events.record(2, "tests.page.read")
                        raise Boom
                events.record(3, "tests.course.finish")
            with pytest.raises(Boom):
                with transaction.atomic():
                    events.record(4, "tests.page.read")
                    raise Boom
    assert kinds() == [(1, "tests.page.read"), (3, "tests.course.finish")]
    assert inserts(queries) == 1


def test_unknown_kinds_and_bad_declarations_are_refused():
    with pytest.raises(ValueError, match=r"unknown behaviour kind 'tests\.page\.unread'"):
        events.record(1, "tests.page.unread")
    for bad in ("read", "Tests.page.read", "tests..read", "tests.page-read", "tests." + "x" * 100):
        with pytest.raises(ValueError):
            events.register_kinds({bad: "阅读"})
    with pytest.raises(ValueError, match="already registered as '阅读测试文章'"):
        events.register_kinds({"tests.page.read": "读文章"})
    with pytest.raises(ValueError, match="needs a Chinese label"):
        events.register_kinds({"tests.page.skim": " "})
    events.register_kinds({"tests.page.read": "阅读测试文章"})  # the same declaration again is harmless
    assert events.kind_label("tests.page.read") == "阅读测试文章"
    assert events.kind_label("gone.module.thing") == "其他"
    assert events.registered_kinds()["tests.course.finish"] == "完成测试课程"


@pytest.mark.django_db
def test_a_person_of_none_records_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.record(None, "tests.page.read")
    assert BehaviourEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_request_writes_the_events_of_all_its_transactions_with_one_insert(rf, settings,
                                                                              django_capture_on_commit_callbacks):
    assert "smartunion.core.events.BehaviourEventsMiddleware" in settings.MIDDLEWARE

    def view(request):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.record(1, "tests.page.read")
                events.record(1, "tests.course.finish")
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.record(2, "tests.page.read")
        assert BehaviourEvent.objects.count() == 0  # committed, collected, written when the request ends
        return "done"

    with CaptureQueriesContext(connection) as queries:
        assert events.BehaviourEventsMiddleware(view)(rf.get("/")) == "done"
    assert inserts(queries) == 1
    assert kinds() == [(1, "tests.page.read"), (1, "tests.course.finish"), (2, "tests.page.read")]


@pytest.mark.django_db
def test_with_a_broker_the_request_hands_its_batch_to_a_task(rf, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with REDIS_URL set: tasks go to the broker
    published = []

    def seen(sender=None, body=None, **kwargs):
        published.append((sender, body[0]))

    def view(request):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.record(1, "tests.page.read", at=dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC))
                events.record(2, "tests.page.read")
        return "done"

    after_task_publish.connect(seen, weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            events.BehaviourEventsMiddleware(view)(rf.get("/"))
    finally:
        after_task_publish.disconnect(seen)
        current_app.control.purge()  # the test's broker has no worker: leave no message behind
    assert inserts(queries) == 0
    assert [name for name, _ in published] == ["core.write_behaviour_events"]
    # What the worker does with the message:
    assert events.write_behaviour_events.apply(args=published[0][1]).get() == 2
    assert kinds() == [(1, "tests.page.read"), (2, "tests.page.read")]
    assert BehaviourEvent.objects.order_by("id").first().occurred_at == dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)


@shared_task(name="tests.record_in_two_transactions")
def record_in_two_transactions():
    for person in (1, 2):
        with transaction.atomic():
            events.record(person, "tests.course.finish")


# Real commits; the migrated regions are restored for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_commits_write_after_the_commit_and_a_task_collects_its_transactions():
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            events.record(9, "tests.page.read")
            events.record(9, "tests.course.finish")
            assert BehaviourEvent.objects.count() == 0
        assert inserts(queries) == 1
        with pytest.raises(Boom):
            with transaction.atomic():
                events.record(10, "tests.page.read")
                raise Boom
        assert inserts(queries) == 1
        events.record(11, "tests.page.read")  # no transaction: the write it records has committed already
        assert inserts(queries) == 2
        record_in_two_transactions.delay()  # eager in tests: collected by the task signals
        assert inserts(queries) == 3
    assert kinds() == [(9, "tests.page.read"), (9, "tests.course.finish"), (11, "tests.page.read"),
                       (1, "tests.course.finish"), (2, "tests.course.finish")]


@pytest.mark.django_db
def test_events_are_never_changed():
    event = BehaviourEvent.objects.create(person_id=1, kind="tests.page.read", occurred_at=timezone.now())
    event.kind = "tests.course.finish"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        BehaviourEvent.objects.filter(pk=event.pk).update(kind="x")
    with pytest.raises(AppendOnlyError):
        BehaviourEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE core_behaviourevent SET kind = 'x' WHERE id = %s", [event.pk])
    assert BehaviourEvent.objects.get(pk=event.pk).kind == "tests.page.read"


def _events_aged(now, days_ago):
    BehaviourEvent.objects.bulk_create([
        BehaviourEvent(person_id=i, kind="tests.page.read", occurred_at=now - dt.timedelta(days=days))
        for i, days in enumerate(days_ago, start=1)
    ])


@pytest.mark.django_db
def test_purge_deletes_exactly_the_expired_events_in_batches_and_again_nothing(settings):
    settings.BEHAVIOUR_RETENTION_DAYS = 30
    now = timezone.now()
    _events_aged(now, [400, 31, 30.001, 29.999, 1, 0])
    with CaptureQueriesContext(connection) as queries:
        assert events.purge_expired(by=SYSTEM, now=now, batch_size=2) == 3
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "core_behaviourevent"')]
    assert len(deletes) == 2
    assert sorted(BehaviourEvent.objects.values_list("person_id", flat=True)) == [4, 5, 6]
    assert events.purge_expired(by=SYSTEM, now=now) == 0
    audit = AuditEvent.objects.filter(action="core.behaviour_event.purge")
    assert [(e.actor_label, e.data["deleted"], e.data["retention_days"]) for e in audit] == [("系统", 3, 30)]
    with pytest.raises(TypeError):
        events.purge_expired(by=None)


@pytest.mark.django_db
def test_purge_command_and_beat_task_use_the_retention_setting(settings, capsys):
    settings.BEHAVIOUR_RETENTION_DAYS = 1095
    now = timezone.now()
    _events_aged(now, [1096, 1095.01, 1094, 10])
    call_command("purge-behaviour")
    assert capsys.readouterr().out.strip() == "已删除超过保留期限（1095天）的行为记录 2 条"
    call_command("purge_behaviour", batch_size=1)
    assert capsys.readouterr().out.strip() == "已删除超过保留期限（1095天）的行为记录 0 条"
    settings.BEHAVIOUR_RETENTION_DAYS = 100
    assert events.purge_behaviour_events.delay().get() == 1
    assert list(BehaviourEvent.objects.values_list("person_id", flat=True)) == [4]
    assert settings.CELERY_BEAT_SCHEDULE["behaviour-retention"]["task"] == "core.purge_behaviour_events"
