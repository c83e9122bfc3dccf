"""Console pages of exchange and incoming documents: the send form, the status page (query count independent of the
recipients), 催办 with its confirmation, the incoming list (pin), 签收 / 退回 / the flow steps, circulation receipts,
the workbench queues."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.documents.exchange_rows import cadre, department, released

from smartunion.console import workbench
from smartunion.core.actors import SYSTEM
from smartunion.documents.models import Circulation, Delivery, Exchange, IncomingDocument
from smartunion.documents.services import exchange as exchange_services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def queries_of(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        body = text(client.get(url))
    return len(ctx.captured_queries), body


def test_send_form_status_page_and_urge(console, tree, personas):
    doc = released(tree.province)
    client = console(personas.province_admin)
    form = text(client.get(reverse("console:documents_exchange_send", args=[doc.pk])))
    assert "全部市总工会" in form and "济南市总工会" in form and "历下区总工会" in form
    response = client.post(reverse("console:documents_exchange_send", args=[doc.pk]),
                           {"scope": "all_cities", "sign_days": "3"})
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:documents_exchange_status", args=[exchange.pk])
    status = text(client.get(response["Location"]))
    assert "济南市总工会" in status and "青岛市总工会" in status and "待签收 2" in status
    chosen = client.post(reverse("console:documents_exchange_send", args=[released(tree.province, seq=5).pk]),
                         {"scope": "chosen", "sign_days": "3"})
    assert "请选择接收单位" in text(chosen)

    urge = reverse("console:documents_exchange_urge", args=[exchange.pk])
    assert "确定向《关于开展职工技能竞赛的通知》尚未签收的2个单位发送催办通知吗" in text(client.get(urge))
    assert Delivery.objects.filter(urged_count=1).count() == 0  # the question changes nothing
    client.post(urge)
    assert Delivery.objects.filter(urged_count=1).count() == 2
    again = client.post(urge, follow=True)
    assert "一小时内已催办过，请稍后再试" in text(again)
    assert console(personas.city_cadre).get(reverse("console:documents_exchange_status",
                                                    args=[exchange.pk])).status_code == 404


def test_status_page_costs_the_same_for_2_and_7_recipients(console, tree, personas):
    client = console(personas.province_admin)
    few = exchange_services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    for n in range(5):
        org_services.org_create(parent=tree.qingdao, kind=Organisation.Kind.COUNTY, name=f"新区{n}总工会", by=SYSTEM)
    many = exchange_services.send(released(tree.province, seq=2), to="all_counties_below", by=personas.province_admin)
    n_few, _ = queries_of(client, reverse("console:documents_exchange_status", args=[few.pk]))
    n_many, body = queries_of(client, reverse("console:documents_exchange_status", args=[many.pk]))
    assert "新区4总工会" in body
    assert n_few == n_many
    _, body = queries_of(client, reverse("console:documents_exchange_changelist"))
    assert "关于开展职工技能竞赛的通知" in body


def test_incoming_list_pin_sign_return_and_the_flow(console, tree, personas):
    exchange_services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    client = console(personas.county_cadre)
    url = reverse("console:documents_incomingdocument_changelist")
    one, body = queries_of(client, url)
    assert "关于开展职工技能竞赛的通知" in body and "待签收" in body
    for seq in (2, 3):
        exchange_services.send(released(tree.province, seq=seq, title=f"第{seq}号通知"), to="all_counties_below",
                               by=personas.province_admin)
    three, body = queries_of(client, url)
    assert "第3号通知" in body and one == three
    assert "市南区总工会" not in body  # 历下 does not see 市南's incoming documents

    doc = IncomingDocument.objects.get(org=tree.lixia, title="关于开展职工技能竞赛的通知")
    detail = text(client.get(reverse("console:documents_exchange_incoming", args=[doc.pk])))
    assert 'data-step="sign"' in detail and 'data-step="return"' in detail and 'data-step="propose"' not in detail
    step = reverse("console:documents_exchange_step", args=[doc.pk, "sign"])
    assert "确定签收该公文吗？签收后不能退回。" in text(client.get(step))
    client.post(step)
    assert Delivery.objects.get(incoming=doc).status == "signed"

    other = IncomingDocument.objects.get(org=tree.lixia, title="第2号通知")
    refused = client.post(reverse("console:documents_exchange_step", args=[other.pk, "return"]), {"reason": ""})
    assert refused.status_code == 200 and 'id="exchange-form"' in text(refused)
    assert Delivery.objects.get(incoming=other).status == "delivered"  # nothing changed
    client.post(reverse("console:documents_exchange_step", args=[other.pk, "return"]), {"reason": "重复发文"})
    assert Delivery.objects.get(incoming=other).return_reason == "重复发文"

    chair = cadre("lixia_chair", tree.lixia, Position.Role.CHAIR)
    member = cadre("lixia_member", tree.lixia, Position.Role.REVIEWER)
    dept = department(tree.lixia, "组织部", members=[member])
    client.post(reverse("console:documents_exchange_step", args=[doc.pk, "propose"]), {"text": "请组织部办理"})
    console(chair).post(reverse("console:documents_exchange_step", args=[doc.pk, "instruct"]), {"text": "同意"})
    client.post(reverse("console:documents_exchange_step", args=[doc.pk, "assign"]),
                {"department": str(dept.pk), "handler": str(member.pk), "days": "5"})
    doc.refresh_from_db()
    assert (doc.status, doc.handler_id) == ("handling", member.pk)
    client.post(reverse("console:documents_exchange_step", args=[doc.pk, "circulate"]),
                {"readers": [str(chair.pk), str(member.pk)]})
    console(chair).post(reverse("console:documents_exchange_read", args=[doc.pk]), {"comment": "已阅"})
    detail = text(client.get(reverse("console:documents_exchange_incoming", args=[doc.pk])))
    assert "传阅（已阅 1 / 2）" in detail and detail.count('data-read="0"') == 1
    assert Circulation.objects.get(reader=chair).comment == "已阅"

    counts = {q.queue.key: q.count for g in workbench.waiting_for(member) for q in g.items}
    assert (counts["documents.incoming.to_handle"], counts["documents.incoming.to_read"]) == (1, 1)
    counts = {q.queue.key: q.count for g in workbench.waiting_for(personas.county_cadre) for q in g.items}
    assert counts["documents.exchange.to_sign"] == 1  # 第3号通知
    shinan = cadre("shinan_admin", tree.shinan)
    counts = {q.queue.key: q.count for g in workbench.waiting_for(shinan) for q in g.items}
    assert counts["documents.exchange.to_sign"] == 3


def test_register_by_hand_with_a_scan(console, tree, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = console(personas.county_cadre)
    url = reverse("console:documents_exchange_register")
    assert "登记收文" in text(client.get(url))
    scan = SimpleUploadedFile("s.pdf", b"%PDF-1.4 page", content_type="application/pdf")
    response = client.post(url, {"org": str(tree.lixia.pk), "title": "区政府来函", "sender_name": "区政府办",
                                 "scan": scan})
    doc = IncomingDocument.objects.get(title="区政府来函")
    assert response["Location"] == reverse("console:documents_exchange_incoming", args=[doc.pk])
    assert [a.name for a in doc.attachments.all()] == ["扫描件.pdf"]
    detail = text(client.get(response["Location"]))
    assert "扫描件.pdf" in detail and 'data-step="propose"' in detail and 'data-step="sign"' not in detail
