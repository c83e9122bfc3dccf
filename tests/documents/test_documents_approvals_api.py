"""/api/v1/approvals: forms, submit, lists by box, detail with steps and actions, each step, refusals as JSON."""

from __future__ import annotations

import pytest
from tests.conftest import api_client
from tests.documents.approvals_rows import expense_data, leave_data, make_office

from smartunion.documents.models import ApprovalRequest


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def post(user, url, body):
    return api_client(user).post(url, body, content_type="application/json")


def test_forms_submit_and_the_chain_through_the_api(tree, office):
    forms = api_client(office.staff).get("/api/v1/approvals/forms").json()
    assert [(f["code"], f["name"], f["org"]["name"]) for f in forms] == [
        ("leave", "请假", "济南市总工会"), ("trip", "出差", "济南市总工会"), ("expense", "报销", "济南市总工会"),
        ("seal", "用章", "济南市总工会"), ("vehicle", "用车", "济南市总工会"), ("purchase", "采购", "济南市总工会")]
    expense = office.forms["expense"].pk
    response = post(office.staff, "/api/v1/approvals", {"form_id": expense, "data": expense_data("6000")})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount_fen"], body["amount"], body["actions"]) == ("pending", 600000, "6,000.00",
                                                                                     ["withdraw"])
    assert [(s["label"], s["approver"]["name"], s["status"]) for s in body["steps"]] == [
        ("财务审核", "city_cadre", "pending"), ("主席审批", "王主席", "waiting")]
    assert body["rows"][1] == {"label": "报销金额", "value": "6,000.00 元"}
    pk = body["id"]
    duplicate = post(office.staff, "/api/v1/approvals", {"form_id": expense, "data": expense_data("6000")})
    assert (duplicate.status_code, duplicate.json()["message"]) == (409, "您已有一个相同事项的审批正在办理")

    waiting = api_client(office.admin).get("/api/v1/approvals?box=waiting").json()
    assert [item["id"] for item in waiting["items"]] == [pk]
    assert api_client(office.chair).get("/api/v1/approvals?box=waiting").json()["items"] == []
    detail = api_client(office.admin).get(f"/api/v1/approvals/{pk}").json()
    assert detail["actions"] == ["add_signer", "approve", "reject", "return"]

    added = post(office.admin, f"/api/v1/approvals/{pk}/add-signer",
                 {"user_id": office.colleague.pk, "position": "before"}).json()
    assert [(s["approver"]["name"], s["status"]) for s in added["steps"]] == [
        ("赵干事", "pending"), ("city_cadre", "waiting"), ("王主席", "waiting")]
    assert post(office.colleague, f"/api/v1/approvals/{pk}/approve", {"note": "同意"}).json()["current_step"] == 2
    returned = post(office.admin, f"/api/v1/approvals/{pk}/return", {"reason": ""})
    assert (returned.status_code, returned.json()["message"]) == (409, "请填写原因")
    returned = post(office.admin, f"/api/v1/approvals/{pk}/return", {"reason": "发票不全"}).json()
    assert returned["status"] == "returned"
    again = post(office.staff, f"/api/v1/approvals/{pk}/resubmit", {"data": expense_data("4000")}).json()
    assert (again["status"], again["amount_fen"]) == ("pending", 400000)
    assert post(office.admin, f"/api/v1/approvals/{pk}/approve", {}).json()["status"] == "approved"
    mine = api_client(office.staff).get("/api/v1/approvals?box=mine&status=approved").json()
    assert [item["id"] for item in mine["items"]] == [pk]


def test_refusals_and_scope(tree, personas, office):
    bad = post(office.staff, "/api/v1/approvals", {"form_id": office.forms["leave"].pk,
                                                   "data": leave_data(days="两天")})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"days": "请假天数应为数字"}
    pk = post(office.staff, "/api/v1/approvals", {"form_id": office.forms["leave"].pk,
                                                  "data": leave_data()}).json()["id"]
    # another city's cadre and a worker: not found, exactly like a missing request
    assert api_client(personas.other_city_cadre).get(f"/api/v1/approvals/{pk}").status_code == 404
    assert api_client(personas.worker).get(f"/api/v1/approvals/{pk}").status_code == 404
    assert post(personas.other_city_cadre, f"/api/v1/approvals/{pk}/approve", {}).status_code == 404
    # the chair of the org sees it (oversight) but may not decide it before their turn
    assert api_client(office.chair).get(f"/api/v1/approvals/{pk}").status_code == 200
    assert post(office.chair, f"/api/v1/approvals/{pk}/reject", {"reason": "不行"}).status_code == 403
    org_box = api_client(personas.province_admin).get("/api/v1/approvals?box=org").json()
    assert [item["id"] for item in org_box["items"]] == [pk]
    assert api_client(personas.other_city_cadre).get("/api/v1/approvals?box=org").json()["items"] == []
    assert api_client(personas.worker).get("/api/v1/approvals/forms").json() == []
    assert post(office.staff, f"/api/v1/approvals/{pk}/withdraw", {}).json()["status"] == "withdrawn"
    assert ApprovalRequest.objects.get(pk=pk).status == "withdrawn"
    assert api_client(office.staff).get("/api/v1/approvals?box=nope").status_code == 422
