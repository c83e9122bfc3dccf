"""收文编号: each org numbers the documents it receives per year (收〔2026〕1号, 2号, ...): by hand at registration,
by exchange when signed for (a returned document takes none); a rolled-back registration gives its number back; two
signings at once never share a number (PostgreSQL); the migration numbers the documents already registered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from tests.documents.exchange_rows import cadre, released
from tests.members.test_concurrency import run_together, split

from smartunion.documents.models import Delivery, IncomingDocument, IncomingSequence
from smartunion.documents.services import exchange as exchange_services
from smartunion.documents.services import incoming as services
from smartunion.orgs.models import Position

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers")


def register(org, by, title: str, **fields) -> IncomingDocument:
    return services.register(org=org, by=by, title=title, sender_name="历下区人民政府办公室", **fields)


def serials(org) -> list[tuple[str, str]]:
    return list(IncomingDocument.objects.filter(org=org).order_by("id").values_list("title", "serial"))


def test_registrations_are_numbered_per_org_and_year(tree, personas):
    first = register(tree.lixia, personas.county_cadre, "一号")
    assert (first.serial, first.serial_year, first.serial_seq) == ("收〔2026〕1号", 2026, 1)
    register(tree.lixia, personas.county_cadre, "二号")
    register(tree.jinan, personas.city_cadre, "济南一号")
    register(tree.lixia, personas.county_cadre, "去年的", received_on=dt.date(2025, 12, 30))
    assert serials(tree.lixia) == [("一号", "收〔2026〕1号"), ("二号", "收〔2026〕2号"), ("去年的", "收〔2025〕1号")]
    assert serials(tree.jinan) == [("济南一号", "收〔2026〕1号")]
    assert sorted(IncomingSequence.objects.values_list("org__name", "year", "last")) == [
        ("历下区总工会", 2025, 1), ("历下区总工会", 2026, 2), ("济南市总工会", 2026, 1)]


def test_a_rolled_back_registration_gives_its_number_back(tree, personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        register(tree.lixia, personas.county_cadre, "撤销的")
        raise RuntimeError("the caller's transaction fails after the registration")
    assert register(tree.lixia, personas.county_cadre, "留下的").serial == "收〔2026〕1号"


def test_exchanged_documents_take_a_number_when_signed_and_none_when_returned(tree, personas):
    register(tree.lixia, personas.county_cadre, "手工登记")
    signed = exchange_services.send(released(tree.province, title="签收的"), to="all_counties_below",
                                    by=personas.province_admin)
    returned = exchange_services.send(released(tree.province, title="退回的", seq=13), to="all_counties_below",
                                      by=personas.province_admin)
    assert serials(tree.lixia) == [("手工登记", "收〔2026〕1号"), ("签收的", ""), ("退回的", "")]
    exchange_services.return_delivery(Delivery.objects.get(exchange=returned, to_org=tree.lixia),
                                      by=personas.county_cadre, reason="非本单位业务")
    exchange_services.sign_for(Delivery.objects.get(exchange=signed, to_org=tree.lixia), by=personas.county_cadre)
    assert serials(tree.lixia) == [("手工登记", "收〔2026〕1号"), ("签收的", "收〔2026〕2号"), ("退回的", "")]
    assert serials(tree.shinan) == [("签收的", ""), ("退回的", "")]


def test_the_number_shows_in_the_console_and_the_api(tree, personas, console, api):
    doc = register(tree.lixia, personas.county_cadre, "关于做好春节慰问工作的通知")
    client = console(personas.county_cadre)
    page = client.get(reverse("console:documents_exchange_incoming", args=[doc.pk]))
    assert page.status_code == 200
    assert "<dt>收文编号</dt><dd>收〔2026〕1号</dd>" in page.content.decode()
    listing = client.get("/console/documents/incomingdocument/", {"q": "收〔2026〕1号"})
    assert "关于做好春节慰问工作的通知" in listing.content.decode()
    found = api(personas.county_cadre).get(f"/api/v1/documents/incoming/{doc.pk}")
    assert found.json()["serial"] == "收〔2026〕1号"


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_signings_at_once_take_two_numbers(tree, personas):
    chair = cadre("lixia_chair", tree.lixia, Position.Role.CHAIR)
    one = exchange_services.send(released(tree.province, title="甲"), to="all_counties_below",
                                 by=personas.province_admin)
    two = exchange_services.send(released(tree.province, title="乙", seq=13), to="all_counties_below",
                                 by=personas.province_admin)
    first, second = (Delivery.objects.get(exchange=e, to_org=tree.lixia) for e in (one, two))
    oks, errors = split(run_together(lambda: exchange_services.sign_for(first, by=personas.county_cadre),
                                     lambda: exchange_services.sign_for(second, by=chair)))
    assert len(oks) == 2 and errors == []
    assert sorted(s for _, s in serials(tree.lixia)) == ["收〔2026〕1号", "收〔2026〕2号"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_numbers_what_is_already_registered(tree, personas):
    executor = MigrationExecutor(connection)
    executor.migrate([("documents", "0001_office")])
    old = MigrationExecutor(connection).loader.project_state([("documents", "0001_office")]).apps
    try:
        Incoming = old.get_model("documents", "IncomingDocument")
        common = {"org_path": tree.lixia.path, "sender_name": "某单位"}
        Incoming.objects.create(org_id=tree.lixia.pk, title="乙", received_on=dt.date(2026, 3, 2), **common)
        Incoming.objects.create(org_id=tree.lixia.pk, title="甲", received_on=dt.date(2026, 3, 1), **common)
        Incoming.objects.create(org_id=tree.lixia.pk, title="手写", received_on=dt.date(2026, 3, 3),
                                serial="历收123", **common)
        Incoming.objects.create(org_id=tree.lixia.pk, title="交换未签收", received_on=dt.date(2026, 3, 1),
                                source="exchange", **common)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([key for key in executor.loader.graph.leaf_nodes() if key[0] == "documents"])
    rows = IncomingDocument.objects.filter(org=tree.lixia).order_by("received_on", "id")
    assert [(d.title, d.serial, d.serial_seq) for d in rows] == [
        ("甲", "收〔2026〕1号", 1), ("交换未签收", "", None), ("乙", "收〔2026〕2号", 2), ("手写", "历收123", 3)]
    assert register(tree.lixia, personas.county_cadre, "迁移后").serial == "收〔2026〕4号"
