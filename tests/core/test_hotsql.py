"""core/hotsql.py (SQL text kept for hot paths) and core.notifications.one_insert (a hot path's in-app messages in
one INSERT): the rows they write are the rows the ORM writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.conftest import make_user

from smartunion.accounts.models import ApiToken
from smartunion.core import hotsql, notifications
from smartunion.core.audit import log_event
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.notifications import inbox_message, one_insert, send_inbox
from smartunion.orgs.models import Employer

pytestmark = pytest.mark.django_db


def _message(user, n: int) -> OutboxMessage:
    return inbox_message(user, subject=f"标题{n}", body=f"内容{n}")


def test_insert_writes_what_bulk_create_writes_and_sets_the_keys():
    user = make_user("hot_a", phone="13900000011")
    ours = [_message(user, 1), _message(user, 2)]
    theirs = [_message(user, 1), _message(user, 2)]
    hotsql.insert(ours)
    OutboxMessage.objects.bulk_create(theirs)
    assert [m.pk for m in ours] == sorted(m.pk for m in ours)
    assert all(not m._state.adding and m._state.db == "default" for m in ours)
    fields = ["channel", "recipient", "recipient_masked", "user_id", "subject", "body", "status"]
    rows = {m.pk: m for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in ours + theirs])}
    for mine, other in zip(ours, theirs, strict=True):
        assert [getattr(rows[mine.pk], f) for f in fields] == [getattr(rows[other.pk], f) for f in fields]
    assert rows[ours[0].pk].recipient == str(user.pk)  # encrypted at rest, read back in clear
    assert rows[ours[0].pk].created_at is not None  # auto_now_add ran


def test_insert_of_more_rows_than_one_statement_takes(monkeypatch):
    user = make_user("hot_b")
    monkeypatch.setattr(hotsql, "MAX_PARAMS", 30)  # 11 columns: two rows a statement
    messages = [_message(user, n) for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        hotsql.insert(messages)
    assert len(queries.captured_queries) == 3
    assert list(OutboxMessage.objects.filter(user=user).order_by("pk").values_list("subject", flat=True)) == [
        "标题0", "标题1", "标题2", "标题3", "标题4"]
    assert [m.subject for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk")] == [
        m.subject for m in messages]


def test_insert_ignoring_conflicts_keeps_the_first_row():
    user = make_user("hot_c")
    expires = timezone.now() + dt.timedelta(hours=1)
    hotsql.insert([ApiToken(user=user, digest="d" * 64, expires_at=expires)], ignore_conflicts=True)
    hotsql.insert([ApiToken(user=user, digest="d" * 64, expires_at=expires + dt.timedelta(hours=1)),
                   ApiToken(user=user, digest="e" * 64, expires_at=expires)], ignore_conflicts=True)
    assert sorted(ApiToken.objects.filter(user=user).values_list("digest", "expires_at")) == [
        ("d" * 64, expires), ("e" * 64, expires)]


def test_insert_refuses_saved_rows_mixed_models_and_expressions():
    user = make_user("hot_d")
    saved = notifications.notify_user(user, subject="已保存", body="已保存")
    with pytest.raises(ValueError, match="new instances of one model"):
        hotsql.insert([saved])
    with pytest.raises(ValueError, match="new instances of one model"):
        hotsql.insert([_message(user, 1), AuditEvent(action="x.y.z")])
    with pytest.raises(ValueError, match="not expressions"):
        hotsql.insert([ApiToken(user=user, digest="f" * 64, expires_at=F("created_at"))])
    assert OutboxMessage.objects.filter(user=user).count() == 1


def test_select_reads_model_instances_by_the_kept_sql(tree):
    employer = Employer.objects.filter(county_code__gt="").order_by("id").first()
    rest = 'WHERE {t}."county_code" = %s AND {t}."normalized_name" = %s ORDER BY {t}."id" LIMIT 2'
    found = list(Employer.objects.raw(hotsql.select(Employer, rest), [employer.county_code, employer.normalized_name]))
    assert [(e.pk, e.name, e.region_id) for e in found] == [(employer.pk, employer.name, employer.region_id)]
    assert hotsql.select(Employer, rest) is hotsql.select(Employer, rest)  # written once


def test_log_event_still_returns_the_saved_event(personas):
    event = log_event("core.test.hot", actor=personas.city_cadre, data={"n": 1})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.actor_id, stored.actor_label, stored.data) == (
        "core.test.hot", personas.city_cadre.pk, personas.city_cadre.username, {"n": 1})


def test_one_insert_writes_every_app_s_messages_in_one_statement_at_the_end():
    user = make_user("hot_e")
    with CaptureQueriesContext(connection) as queries, one_insert():
        send_inbox([_message(user, 1)])
        with one_insert():  # nested: the outer block writes
            notifications.notify_users([user], subject="标题2", body="内容2")
        assert OutboxMessage.objects.filter(user=user).count() == 0
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert sorted(OutboxMessage.objects.filter(user=user).values_list("subject", flat=True)) == ["标题1", "标题2"]


def test_one_insert_writes_nothing_when_the_block_fails_and_drops_a_failed_part_s_messages():
    user = make_user("hot_f")
    with pytest.raises(RuntimeError), one_insert():
        send_inbox([_message(user, 1)])
        raise RuntimeError("boom")
    assert OutboxMessage.objects.filter(user=user).count() == 0
    with transaction.atomic(), one_insert():
        send_inbox([_message(user, 2)])
        with pytest.raises(RuntimeError), notifications.dropping_on_error():
            send_inbox([_message(user, 3)])
            raise RuntimeError("watcher failed")
        send_inbox([_message(user, 4)])
    assert sorted(OutboxMessage.objects.filter(user=user).values_list("subject", flat=True)) == ["标题2", "标题4"]


def test_without_returning_rows_each_row_is_its_own_statement_keyed_by_lastrowid(monkeypatch):
    """An embedded database older than SQLite 3.35 has no RETURNING (Ubuntu 20.04 ships 3.31)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's fallback")
    user = make_user("hot_g")
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    messages = [_message(user, n) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        hotsql.insert(messages)
    assert [q["sql"].count("RETURNING") for q in queries.captured_queries] == [0, 0, 0]
    stored = dict(OutboxMessage.objects.filter(user=user).values_list("pk", "subject"))
    assert {m.pk: m.subject for m in messages} == stored and len(stored) == 3
