"""/api/v1/exchange and /api/v1/documents/incoming: send, status per recipient, sign, return, urge; the incoming
flow through the API; scope; query counts that do not grow with the recipients or the rows."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from tests import rows
from tests.documents.exchange_rows import cadre, department, released
from tests.rows import assert_queries

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import Delivery, IncomingDocument
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position


def measured_get(client, url: str):
    client.get(url)  # process caches warm
    m = rows.measure(lambda: client.get(url))
    assert m.result.status_code == 200, m.result.content
    m.result = m.result.json()
    return m


def test_send_status_sign_return_urge(api, tree, personas):
    doc = released(tree.province)
    sender = api(personas.province_admin)
    response = sender.post("/api/v1/exchange", {"document_id": doc.pk, "to": "all_cities"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"] == {"total": 2, "delivered": 2, "signed": 0, "returned": 0}
    assert [r["org"]["name"] for r in body["recipients"]] == ["济南市总工会", "青岛市总工会"]
    jinan, qingdao = (r["id"] for r in body["recipients"])
    listed = sender.get("/api/v1/exchange").json()
    assert [(e["number"], e["counts"]["total"]) for e in listed["items"]] == [("鲁工发〔2026〕12号", 2)]
    assert api(personas.city_cadre).get("/api/v1/exchange").json()["count"] == 0
    waiting = api(personas.city_cadre).get("/api/v1/documents/incoming?to_sign=true").json()
    assert [i["delivery"] for i in waiting["items"]] == [{"id": jinan, "status": "delivered"}]

    assert api(personas.city_cadre).post(f"/api/v1/exchange/deliveries/{jinan}/sign").json()["status"] == "signed"
    assert api(personas.city_cadre).get("/api/v1/documents/incoming?to_sign=true").json()["count"] == 0
    again = api(personas.city_cadre).post(f"/api/v1/exchange/deliveries/{jinan}/sign")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    # 青岛 cannot even see 济南's delivery
    assert api(personas.other_city_cadre).post(f"/api/v1/exchange/deliveries/{jinan}/sign").status_code == 404
    returned = api(personas.other_city_cadre).post(f"/api/v1/exchange/deliveries/{qingdao}/return",
                                                   {"reason": "非本单位业务"}, content_type="application/json")
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "非本单位业务")

    status = sender.get(f"/api/v1/exchange/{body['id']}").json()
    assert [(r["org"]["name"], r["status_label"]) for r in status["recipients"]] == [
        ("济南市总工会", "已签收"), ("青岛市总工会", "已退回")]
    urge = sender.post(f"/api/v1/exchange/{body['id']}/urge")
    assert (urge.status_code, urge.json()["message"]) == (409, "所有接收单位均已签收或退回，无需催办")
    assert api(personas.city_cadre).get(f"/api/v1/exchange/{body['id']}").status_code == 404


def test_send_to_chosen_ids_and_bad_input(api, tree, personas):
    doc = released(tree.jinan)
    client = api(personas.city_cadre)
    response = client.post("/api/v1/exchange", {"document_id": doc.pk, "to_org_ids": [tree.lixia.pk, tree.shinan.pk]},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert ([r["org"]["name"] for r in response.json()["recipients"]], response.json()["skipped_org_ids"]) == (
        ["历下区总工会"], [tree.shinan.pk])
    neither = client.post("/api/v1/exchange", {"document_id": doc.pk}, content_type="application/json")
    assert (neither.status_code, neither.json()["fields"]) == (422, {"to": "请选择接收单位或接收范围"})
    other = api(personas.other_city_cadre).post("/api/v1/exchange", {"document_id": doc.pk, "to": "all_cities"},
                                                content_type="application/json")
    assert other.status_code == 404


def test_incoming_flow_through_the_api(api, tree, personas):
    admin = api(personas.county_cadre)
    chair = cadre("lixia_chair", tree.lixia, Position.Role.CHAIR)
    member = cadre("lixia_member", tree.lixia, Position.Role.REVIEWER)
    dept = department(tree.lixia, "组织部", members=[member])
    scan = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    created = admin.post("/api/v1/documents/incoming", {"org_id": tree.lixia.pk, "title": "关于报送统计数据的函",
                                                        "sender_name": "区统计局", "scan": scan})
    assert created.status_code == 201, created.content
    doc = created.json()
    assert (doc["status"], doc["attachments"][0]["name"], doc["actions"]) == ("registered", "扫描件.png", ["propose"])
    url = f"/api/v1/documents/incoming/{doc['id']}"
    wrong = admin.post(f"{url}/done", {"result": "办了"}, content_type="application/json")
    assert (wrong.status_code, wrong.json()["message"]) == (409, "当前状态为“已登记”，不能执行“办结”")
    assert admin.post(f"{url}/propose", {"text": "请组织部办理"}, content_type="application/json").json()[
        "status"] == "proposed"
    assert admin.post(f"{url}/instruct", {"text": "同意"}, content_type="application/json").status_code == 403
    assert api(chair).post(f"{url}/instruct", {"text": "同意"}, content_type="application/json").json()[
        "status"] == "instructed"
    assigned = admin.post(f"{url}/assign", {"department_id": dept.pk, "handler_id": member.pk, "days": 5},
                          content_type="application/json").json()
    assert (assigned["status"], assigned["department"]["name"], assigned["handler"]["id"]) == (
        "handling", "组织部", member.pk)
    circulated = admin.post(f"{url}/circulate", {"reader_ids": [chair.pk, member.pk]},
                            content_type="application/json").json()
    assert [(c["reader"]["id"], c["read_at"]) for c in circulated["circulation"]] == [
        (chair.pk, None), (member.pk, None)]
    read = api(chair).post(f"{url}/read", {"comment": "已阅"}, content_type="application/json").json()
    assert read["comment"] == "已阅" and read["read_at"]
    assert api(personas.other_city_cadre).post(f"{url}/read", {}, content_type="application/json").status_code == 404
    assert api(member).post(f"{url}/done", {"result": "已报送"}, content_type="application/json").json()[
        "status"] == "done"
    assert admin.post(f"{url}/archive").json()["status"] == "archived"
    listed = admin.get("/api/v1/documents/incoming?status=archived").json()
    assert [i["title"] for i in listed["items"]] == ["关于报送统计数据的函"]
    assert api(cadre("shinan_admin", tree.shinan)).get("/api/v1/documents/incoming").json()["count"] == 0


def test_query_counts_do_not_grow(api, tree, personas):
    client = api(personas.province_admin)
    first = client.post("/api/v1/exchange", {"document_id": released(tree.province).pk, "to": "all_counties_below"},
                        content_type="application/json").json()
    few = measured_get(client, f"/api/v1/exchange/{first['id']}")
    for n in range(5):
        org_services.org_create(parent=tree.qingdao, kind=Organisation.Kind.COUNTY, name=f"新区{n}总工会", by=SYSTEM)
    second = client.post("/api/v1/exchange", {"document_id": released(tree.province, seq=13).pk,
                                              "to": "all_counties_below"}, content_type="application/json").json()
    many = measured_get(client, f"/api/v1/exchange/{second['id']}")
    assert (len(few.result["recipients"]), len(many.result["recipients"])) == (2, 7)
    assert_queries(4, few, many)

    one = measured_get(client, "/api/v1/documents/incoming")
    Delivery.objects.update(status=Delivery.Status.SIGNED)
    IncomingDocument.objects.update(status=IncomingDocument.Status.HANDLING)
    more = measured_get(client, "/api/v1/documents/incoming?page_size=50")
    assert (one.result["count"], more.result["count"]) == (9, 9)
    assert_queries(3, one, more)
