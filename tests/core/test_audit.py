import pytest
from django.db import DatabaseError, connection, transaction

from smartunion.core.audit import log_event
from smartunion.core.models import AppendOnlyError, AuditEvent, TransitionLog


@pytest.mark.django_db
def test_event_records_actor_target_org_and_ip(tree, personas, rf, settings):
    from smartunion.core.middleware import RequestContextMiddleware

    settings.TRUST_X_FORWARDED_FOR = 1
    # The client claimed 198.51.100.7; nginx appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    request.user = personas.city_cadre

    def view(req):
        return log_event("orgs.organisation.update", target=tree.lixia, data={"fields": ["name"]})

    event = RequestContextMiddleware(view)(request)
    assert (event.actor_id, event.actor_label, event.action, event.target_type, event.target_id) == (
        personas.city_cadre.pk, "city_cadre", "orgs.organisation.update", "orgs.organisation", str(tree.lixia.pk))
    assert (event.org_id, event.org_path, event.ip, event.data) == (
        tree.lixia.pk, tree.lixia.path, "203.0.113.9", {"fields": ["name"]})


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted():
    event = log_event("core.test.write")
    event.action = "core.test.other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "core.test.write"


@pytest.mark.django_db
def test_system_actor_without_request():
    event = log_event("demo.seed", data={"members": 3})
    assert (event.actor_id, event.actor_label, event.ip, event.org_id) == (None, "系统", None, None)


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(rf):
    from smartunion.core.middleware import client_ip

    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.1.2.3"


@pytest.mark.parametrize(("proxies", "header", "expected"), [
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a spoofed entry on the left is not believed
    (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # CDN then nginx
    (2, "203.0.113.9", "10.1.2.3"),  # fewer entries than proxies: the header was not set by them
    (1, "not-an-address", "10.1.2.3"),
    (1, "", "10.1.2.3"),
])
def test_forwarded_for_counts_trusted_proxies_from_the_right(rf, settings, proxies, header, expected):
    from smartunion.core.middleware import client_ip

    settings.TRUST_X_FORWARDED_FOR = proxies
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=header)) == expected


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the append-only triggers exist on PostgreSQL only")


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(("table", "statement", "operation"), [
    ("core_auditevent", "UPDATE core_auditevent SET action = 'x' WHERE id = %s", "UPDATE"),
    ("core_auditevent", "DELETE FROM core_auditevent WHERE id = %s", "DELETE"),
    ("core_transitionlog", "UPDATE core_transitionlog SET to_state = 'x' WHERE id = %s", "UPDATE"),
    ("core_transitionlog", "DELETE FROM core_transitionlog WHERE id = %s", "DELETE"),
])
def test_the_database_itself_refuses_to_change_audit_and_history_rows(table, statement, operation):
    event = log_event("core.test.write")
    step = TransitionLog.objects.create(workflow="test", object_id="1", action="go", from_state="a", to_state="b")
    row_id = event.pk if table == "core_auditevent" else step.pk
    with pytest.raises(DatabaseError, match=f"append-only table {table}: {operation} refused"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [row_id])
    assert AuditEvent.objects.get(pk=event.pk).action == "core.test.write"
    assert TransitionLog.objects.get(pk=step.pk).to_state == "b"


@on_postgresql
@pytest.mark.django_db
def test_truncate_still_empties_the_append_only_tables():
    """The test suite's flush on PostgreSQL is a TRUNCATE; row triggers do not fire for it."""
    log_event("core.test.write")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent, core_transitionlog")
    assert AuditEvent.objects.count() == 0
