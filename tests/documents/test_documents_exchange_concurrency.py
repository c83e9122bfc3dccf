"""Races on exchange with real threads and transactions (PostgreSQL): two cadres of the receiving org signing for
and returning the same delivery at once: one wins, the other is refused, and the incoming document follows the
winner; two urges at once notify each unsigned receiver once."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.documents.exchange_rows import cadre, released
from tests.members.test_concurrency import run_together, split

from smartunion.core.errors import Conflict, StateError
from smartunion.core.models import OutboxMessage
from smartunion.documents.models import Delivery, IncomingDocument
from smartunion.documents.services import exchange as services
from smartunion.orgs.models import Position

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def test_sign_and_return_at_once_one_wins(tree, personas):
    chair = cadre("jinan_chair", tree.jinan, Position.Role.CHAIR)
    exchange = services.send(released(tree.province), to="all_cities", by=personas.province_admin)
    delivery = Delivery.objects.get(exchange=exchange, to_org=tree.jinan)
    results = run_together(lambda: services.sign_for(delivery, by=personas.city_cadre),
                           lambda: services.return_delivery(delivery, by=chair, reason="非本单位业务"))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1 and isinstance(errors[0], StateError)
    delivery.refresh_from_db()
    assert delivery.status == oks[0].status
    incoming = IncomingDocument.objects.get(delivery=delivery)
    assert incoming.status == ("done" if delivery.status == "returned" else "registered")


def test_two_urges_at_once_notify_once(tree, personas):
    exchange = services.send(released(tree.province), to="all_cities", by=personas.province_admin)
    results = run_together(lambda: services.urge(exchange, by=personas.province_admin),
                           lambda: services.urge(exchange, by=personas.province_admin))
    oks, errors = split(results)
    assert oks == [2] and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert OutboxMessage.objects.filter(subject="公文签收催办").count() == 2
    assert sorted(Delivery.objects.values_list("urged_count", flat=True)) == [1, 1]
