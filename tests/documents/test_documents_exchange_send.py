"""公文交换: send to chosen orgs, all cities, all counties below; sign, return, urge; the envelope; scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.documents.exchange_rows import Clock, at, cadre, released

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.documents.exchange import FORMAT, read_envelope
from smartunion.documents.models import Delivery, IncomingDocument, OutgoingDocument
from smartunion.documents.queries import exchange as queries
from smartunion.documents.services import exchange as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def receivers(exchange) -> list[str]:
    return [d.to_org.name for d in queries.recipients(exchange)]


def test_all_cities_from_the_province_reaches_exactly_the_two_cities(tree, personas):
    doc = released(tree.province)
    exchange = services.send(doc, to="all_cities", by=personas.province_admin)
    assert receivers(exchange) == ["济南市总工会", "青岛市总工会"]
    incoming = IncomingDocument.objects.filter(delivery__exchange=exchange).order_by("org_path")
    assert [(i.org.name, i.source, i.status, i.title, i.original_number, i.sender_name) for i in incoming] == [
        ("济南市总工会", "exchange", "registered", "关于开展职工技能竞赛的通知", "鲁工发〔2026〕12号", "山东省总工会"),
        ("青岛市总工会", "exchange", "registered", "关于开展职工技能竞赛的通知", "鲁工发〔2026〕12号", "山东省总工会"),
    ]
    notices = OutboxMessage.objects.filter(subject="收到交换公文").order_by("user_id")
    assert [m.user_id for m in notices] == [personas.city_cadre.pk, personas.other_city_cadre.pk]
    assert exchange.envelope["format"] == FORMAT
    assert exchange.envelope["document"]["number"] == "鲁工发〔2026〕12号"
    assert exchange.envelope["sender"] == {"org_id": tree.province.pk, "name": "山东省总工会",
                                           "path": tree.province.path}
    assert AuditEvent.objects.get(action="documents.exchange.send").data == {
        "document": "鲁工发〔2026〕12号", "receivers": 2, "skipped": 0}


def test_all_counties_below_from_the_province_and_from_a_city(tree, personas):
    exchange = services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    assert receivers(exchange) == ["历下区总工会", "市南区总工会"]
    from_city = services.send(released(tree.jinan, seq=3), to="all_counties_below", by=personas.city_cadre)
    assert receivers(from_city) == ["历下区总工会"]
    with pytest.raises(Invalid) as refused:
        services.send(released(tree.jinan, seq=4), to="all_cities", by=personas.city_cadre)
    assert refused.value.message == "没有可发送的接收单位"


def test_chosen_orgs_skip_duplicates_orgs_outside_and_repeats(tree, personas):
    doc = released(tree.jinan)
    exchange = services.send(doc, to=[tree.lixia, tree.lixia, tree.qingdao, tree.province, tree.jinan],
                             by=personas.city_cadre)
    assert receivers(exchange) == ["山东省总工会", "历下区总工会"]
    assert sorted(exchange.skipped) == sorted([tree.lixia.pk, tree.qingdao.pk, tree.jinan.pk])
    again = services.send(doc, to=[tree.lixia, tree.lixia_town], by=personas.city_cadre)
    assert receivers(again) == ["历下区解放路街道工会"]
    assert again.skipped == [tree.lixia.pk]
    with pytest.raises(Invalid):
        services.send(doc, to=[tree.lixia], by=personas.city_cadre)


def test_only_a_released_document_of_ones_own_office_is_sent(tree, personas):
    draft = released(tree.province, status=OutgoingDocument.Status.DRAFT)
    with pytest.raises(StateError) as refused:
        services.send(draft, to="all_cities", by=personas.province_admin)
    assert refused.value.message == "公文当前状态为“拟稿”，分发后才能交换"
    with pytest.raises(Forbidden):
        services.send(released(tree.province), to="all_cities", by=personas.city_cadre)
    assert not Delivery.objects.exists()
    archived = released(tree.province, seq=2, status=OutgoingDocument.Status.ARCHIVED)
    assert receivers(services.send(archived, to="all_cities", by=personas.province_admin)) == [
        "济南市总工会", "青岛市总工会"]


def _delivery(exchange, org) -> Delivery:
    return Delivery.objects.get(exchange=exchange, to_org=org)


def test_sign_once_and_return_with_a_reason(tree, personas):
    exchange = services.send(released(tree.province), to="all_cities", by=personas.province_admin)
    jinan, qingdao = _delivery(exchange, tree.jinan), _delivery(exchange, tree.qingdao)
    with pytest.raises(Forbidden):
        services.sign_for(jinan, by=personas.other_city_cadre)
    signed = services.sign_for(jinan, by=personas.city_cadre)
    assert (signed.status, signed.decided_by_id) == ("signed", personas.city_cadre.pk)
    with pytest.raises(StateError) as twice:
        services.sign_for(jinan, by=personas.city_cadre)
    assert twice.value.message.startswith("该公文已于") and twice.value.message.endswith("签收，不能重复操作")
    with pytest.raises(StateError):
        services.return_delivery(jinan, by=personas.city_cadre, reason="不是本单位的文")

    with pytest.raises(Invalid) as empty:
        services.return_delivery(qingdao, by=personas.other_city_cadre, reason="  ")
    assert empty.value.fields == {"reason": "请填写退回原因"}
    returned = services.return_delivery(qingdao, by=personas.other_city_cadre, reason="主送机关有误")
    assert (returned.status, returned.return_reason) == ("returned", "主送机关有误")
    doc = IncomingDocument.objects.get(delivery=qingdao)
    assert (doc.status, doc.result) == ("done", "已退回：主送机关有误")
    assert OutboxMessage.objects.get(subject="交换公文被退回").user_id == personas.province_admin.pk
    with pytest.raises(StateError) as again:
        services.return_delivery(qingdao, by=personas.other_city_cadre, reason="再退")
    assert again.value.message.endswith("退回，不能重复操作")
    assert queries.status_counts(exchange) == {"delivered": 0, "signed": 1, "returned": 1, "total": 2}


def test_urge_only_the_unsigned_once_an_hour(tree, personas, clock):
    clock.set(at(2026, 3, 2, 9))
    exchange = services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    shinan_admin = cadre("shinan_admin", tree.shinan)
    services.sign_for(_delivery(exchange, tree.lixia), by=personas.county_cadre)
    clock.set(at(2026, 3, 4, 9))
    assert services.urge(exchange, by=personas.province_admin) == 1
    urged = OutboxMessage.objects.filter(subject="公文签收催办")
    assert [m.user_id for m in urged] == [shinan_admin.pk]
    shinan = _delivery(exchange, tree.shinan)
    assert (shinan.urged_count, shinan.last_urged_at) == (1, at(2026, 3, 4, 9))
    assert _delivery(exchange, tree.lixia).urged_count == 0
    clock.advance(minutes=59)
    with pytest.raises(Conflict) as soon:
        services.urge(exchange, by=personas.province_admin)
    assert soon.value.message == "一小时内已催办过，请稍后再试"
    clock.advance(minutes=1)
    assert services.urge(exchange, by=personas.province_admin) == 1
    assert _delivery(exchange, tree.shinan).urged_count == 2
    with pytest.raises(Forbidden):
        services.urge(exchange, by=personas.county_cadre)
    services.sign_for(_delivery(exchange, tree.shinan), by=shinan_admin)
    with pytest.raises(StateError):
        services.urge(exchange, by=personas.province_admin)


def test_sign_due_date_counts_working_days_across_the_weekend(tree, personas, clock):
    clock.set(at(2026, 3, 6, 10))  # a Friday
    exchange = services.send(released(tree.province), to="all_cities", by=personas.province_admin, sign_days=3)
    assert exchange.sign_due_at == at(2026, 3, 11, 23, 59, 59)  # Mon, Tue, Wed


def test_a_county_sees_its_own_deliveries_only(tree, personas):
    exchange = services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    assert [d.to_org.name for d in queries.visible_deliveries(personas.county_cadre)] == ["历下区总工会"]
    with pytest.raises(NotFound):
        queries.delivery_for(personas.county_cadre, _delivery(exchange, tree.shinan).pk)
    with pytest.raises(NotFound):
        queries.exchange_for(personas.county_cadre, exchange.pk)
    assert [e.pk for e in queries.visible_exchanges(personas.province_admin)] == [exchange.pk]
    assert [d.to_org.name for d in queries.to_sign(personas.county_cadre)] == ["历下区总工会"]
    assert list(queries.to_sign(personas.city_cadre)) == []


def test_sending_to_many_orgs_costs_the_same_statements_as_to_two(tree, personas):
    def statements(to, seq: int) -> int:
        doc = released(tree.province, seq=seq)
        with CaptureQueriesContext(connection) as ctx:
            services.send(doc, to=to, by=personas.province_admin)
        return len(ctx.captured_queries)

    statements("all_cities", 1)  # process caches (the calendar) warm
    two = statements("all_counties_below", 2)
    for n in range(6):
        org_services.org_create(parent=tree.jinan, kind=Organisation.Kind.COUNTY, name=f"新区{n}总工会", by=SYSTEM)
    eight = services.send(released(tree.province, seq=99), to="all_counties_below", by=personas.province_admin)
    assert len(queries.recipients(eight)) == 8
    assert statements("all_counties_below", 3) == two == 15


def test_read_envelope_round_trip_and_chinese_errors(tree, personas):
    exchange = services.send(released(tree.province, attachment=b"%PDF-1.4 test"), to="all_cities",
                             by=personas.province_admin)
    import json

    read = read_envelope(json.dumps(exchange.envelope, ensure_ascii=False))
    assert read["document"]["title"] == "关于开展职工技能竞赛的通知"
    assert read["attachments"] == [{"position": 1, "name": "名单.pdf", "size": 13, "sha256": "a" * 64}]
    assert IncomingDocument.objects.filter(delivery__exchange=exchange, attachments__name="名单.pdf").count() == 2
    cases = [
        ("{", "交换报文格式错误：不是有效的 JSON"),
        ({**exchange.envelope, "format": "other/2"},
         "交换报文格式错误：不支持的报文格式“other/2”，应为 smartunion.exchange/1"),
        ({**exchange.envelope, "sent_at": "2026-03-02"}, "交换报文格式错误：发送时间应为带时区的 ISO 8601 时间"),
        ({**exchange.envelope, "document": {**exchange.envelope["document"], "title": ""}},
         "交换报文格式错误：缺少标题"),
        ({**exchange.envelope, "attachments": [{"name": "a", "size": 1, "sha256": "x"}]},
         "交换报文格式错误：第1个附件的校验值应为 64 位十六进制 SHA-256"),
    ]
    for data, message in cases:
        with pytest.raises(Invalid) as bad:
            read_envelope(data)
        assert bad.value.message == message
