"""/api/v1/assistance: applying (worker and on behalf), the scoped lists and queue, approve and reject, payments with
an Idempotency-Key, masking, and query counts of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.assistance.conftest import active_file, approve_all, make_aid, make_member, pdf
from tests.rows import assert_queries, measure

from smartunion.assistance.models import Application, Payment
from smartunion.assistance.services import applications


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded documents go to a temporary directory, not the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def aid(tree, personas):
    return make_aid(tree, personas)


BANK = {"bank_name": "中国工商银行济南分行", "bank_account": "6222020200112233445", "account_holder": "张伟"}


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_worker_applies_and_reads_own_applications(api, tree, personas, aid):
    worker = api(personas.worker)
    listed = worker.get("/api/v1/assistance/programmes").json()
    assert [p["name"] for p in listed["items"]] == ["2026年金秋助学"]
    assert listed["items"][0]["eligibility"] == ["工会会员", "在档困难职工", "困难类别：深度困难、相对困难",
                                                 "有在读子女"]
    assert "budget_fen" not in listed["items"][0]
    response = post(worker, "/api/v1/assistance/applications", {"programme_id": aid.programme.pk, **BANK})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount_fen"], body["amount"], body["bank_account"], body["level_label"]) == (
        "pending", 300_000, "3000.00", "6222***********3445", "基层工会")
    assert "6222020200112233445" not in response.content.decode()
    again = post(worker, "/api/v1/assistance/applications", {"programme_id": aid.programme.pk, **BANK})
    assert (again.status_code, again.json()["code"]) == (409, "already_applied")
    mine = worker.get("/api/v1/assistance/applications").json()
    assert [a["id"] for a in mine["items"]] == [body["id"]]
    assert worker.get(f"/api/v1/assistance/applications/{body['id']}").json()["applicant"] == "张伟"
    assert api(personas.outsider).get(f"/api/v1/assistance/applications/{body['id']}").status_code == 404


def test_errors_are_json_in_chinese(api, tree, personas, aid):
    outsider = post(api(personas.outsider), "/api/v1/assistance/applications", {"programme_id": aid.programme.pk,
                                                                                **BANK})
    assert (outsider.status_code, outsider.json()["code"], outsider.json()["message"]) == (
        403, "not_eligible", "困难帮扶仅限工会会员申请，请先申请入会")
    bad = post(api(personas.worker), "/api/v1/assistance/applications",
               {"programme_id": aid.programme.pk, **BANK, "bank_account": "12ab"})
    assert (bad.status_code, bad.json()["fields"]) == (422, {"bank_account": "银行账号应为 12 至 30 位数字"})
    missing = post(api(personas.worker), "/api/v1/assistance/applications", {"programme_id": 99999, **BANK})
    assert (missing.status_code, missing.json()["message"]) == (404, "项目不存在")


def test_cadre_applies_on_behalf_in_scope_only(api, tree, personas, aid):
    member = make_member(tree.grassroots)
    active_file(member.person, tree.grassroots)
    body = {"programme_id": aid.programme.pk, "person_id": member.person.pk, **BANK, "account_holder": "李娜"}
    assert post(api(personas.other_city_cadre), "/api/v1/assistance/applications", body).status_code == 404
    response = post(api(personas.grassroots_cadre), "/api/v1/assistance/applications", body)
    assert response.status_code == 201, response.content
    assert (response.json()["on_behalf"], response.json()["applicant"], response.json()["account_holder"]) == (
        True, "李*", "李*")


def test_review_through_the_api_each_level_and_the_queue(api, tree, personas, aid):
    application = applications.submit_application(aid.programme, by=personas.worker, **BANK)
    applications.add_document(application, by=personas.worker, name="录取通知书", upload=pdf())
    url = f"/api/v1/assistance/applications/{application.pk}"
    assert [a["id"] for a in api(personas.grassroots_cadre).get(
        "/api/v1/assistance/applications?queue=true").json()["items"]] == [application.pk]
    assert api(personas.county_cadre).get("/api/v1/assistance/applications?queue=true").json()["count"] == 0
    assert api(personas.county_cadre).get("/api/v1/assistance/applications").json()["count"] == 1  # sees it
    assert api(personas.other_city_cadre).get("/api/v1/assistance/applications").json()["count"] == 0
    assert post(api(personas.other_city_cadre), f"{url}/approve", {}).status_code == 404
    early = post(api(personas.county_cadre), f"{url}/approve", {})
    assert (early.status_code, early.json()["code"]) == (403, "forbidden")
    step = post(api(personas.grassroots_cadre), f"{url}/approve", {"note": "情况属实"})
    assert (step.status_code, step.json()["level"], step.json()["level_label"]) == (200, 1, "县（区）总工会")
    assert api(personas.county_cadre).get("/api/v1/assistance/applications?queue=true").json()["count"] == 1
    no_note = post(api(personas.county_cadre), f"{url}/reject", {"note": ""})
    assert (no_note.status_code, no_note.json()["code"], no_note.json()["message"]) == (409, "note_required",
                                                                                         "请填写原因")
    step = post(api(personas.county_cadre), f"{url}/approve", {})
    step = post(api(personas.city_cadre), f"{url}/approve", {})
    assert (step.status_code, step.json()["status"]) == (200, "approved")
    worker_view = api(personas.worker).get(url).json()
    assert worker_view["status_label"] == "已批准"


def test_reject_through_the_api(api, tree, personas, aid):
    application = applications.submit_application(aid.programme, by=personas.worker, **BANK)
    response = post(api(personas.grassroots_cadre), f"/api/v1/assistance/applications/{application.pk}/reject",
                    {"note": "材料不实"})
    assert (response.status_code, response.json()["status"], response.json()["reject_reason"]) == (
        200, "rejected", "材料不实")


def _payable(personas, aid):
    application = applications.submit_application(aid.programme, by=personas.worker, **BANK)
    applications.add_document(application, by=personas.worker, name="录取通知书", upload=pdf())
    approve_all(application, personas)
    applications.publish_notice(aid.programme, by=personas.city_cadre)
    Application.objects.filter(pk=application.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    return application


def test_payment_idempotency_key_same_answer(api, tree, personas, aid):
    application = _payable(personas, aid)
    city = api(personas.city_cadre)
    first = post(city, "/api/v1/assistance/payments", {"application_id": application.pk},
                 HTTP_IDEMPOTENCY_KEY="pay-abc-00001")
    assert first.status_code == 201, first.content
    again = post(city, "/api/v1/assistance/payments", {"application_id": application.pk},
                 HTTP_IDEMPOTENCY_KEY="pay-abc-00001")
    assert (again.status_code, again.json()) == (200, first.json())
    assert (first.json()["amount"], first.json()["payee"], first.json()["status"]) == ("3000.00", "张*", "pending")
    assert Payment.objects.count() == 1
    other = post(city, "/api/v1/assistance/payments", {"application_id": application.pk},
                 HTTP_IDEMPOTENCY_KEY="pay-abc-00002")
    assert (other.status_code, other.json()["code"]) == (409, "already_paying")
    no_key = post(city, "/api/v1/assistance/payments", {"application_id": application.pk})
    assert (no_key.status_code, no_key.json()["message"]) == (422, "请提供有效的幂等键（Idempotency-Key）")
    assert post(api(personas.other_city_cadre), "/api/v1/assistance/payments", {"application_id": application.pk},
                HTTP_IDEMPOTENCY_KEY="pay-abc-00003").status_code == 404
    assert post(api(personas.grassroots_cadre), "/api/v1/assistance/payments", {"application_id": application.pk},
                HTTP_IDEMPOTENCY_KEY="pay-abc-00003").status_code == 403
    assert [p["id"] for p in city.get("/api/v1/assistance/payments").json()["items"]] == [first.json()["id"]]
    assert api(personas.other_city_cadre).get("/api/v1/assistance/payments").json()["count"] == 0


def test_payment_before_the_notice_ends_is_refused(api, tree, personas, aid):
    application = applications.submit_application(aid.programme, by=personas.worker, **BANK)
    response = post(api(personas.city_cadre), "/api/v1/assistance/payments", {"application_id": application.pk},
                    HTTP_IDEMPOTENCY_KEY="early-000001")
    assert (response.status_code, response.json()["code"]) == (409, "not_payable")


def test_hardship_files_scoped_and_masked(api, tree, personas, aid):
    listed = api(personas.county_cadre).get("/api/v1/assistance/hardship-files").json()
    assert [(f["person"], f["category_label"], f["status"]) for f in listed["items"]] == [("张*", "深度困难",
                                                                                           "active")]
    assert api(personas.other_city_cadre).get("/api/v1/assistance/hardship-files").json()["count"] == 0
    assert api(personas.other_city_cadre).get(f"/api/v1/assistance/hardship-files/{aid.file.pk}").status_code == 404
    detail = api(personas.city_cadre).get(f"/api/v1/assistance/hardship-files/{aid.file.pk}").json()
    assert (detail["per_capita_monthly_fen"], detail["threshold_fen"]) == (83_333, 100_000)
    assert api(personas.worker).get("/api/v1/assistance/hardship-files").json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/assistance/applications", "/api/v1/assistance/hardship-files",
                                  "/api/v1/assistance/programmes", "/api/v1/assistance/payments"])
def test_list_query_counts_do_not_grow_with_rows(api, tree, personas, aid, path):
    client = api(personas.city_cadre)

    def add_rows(n):
        for _ in range(n):
            member = make_member(tree.grassroots)
            active_file(member.person, tree.grassroots)
            application = applications.submit_application(aid.programme, by=member, **BANK)
            applications.add_document(application, by=member, name="录取通知书", upload=pdf())
            approve_all(application, personas)
        applications.publish_notice(aid.programme, by=personas.city_cadre)
        for application in Application.objects.filter(status="notice"):
            Application.objects.filter(pk=application.pk).update(
                notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
            from smartunion.assistance.services import payments

            if not Payment.objects.filter(application=application).exists():
                payments.create_payment(application, by=personas.city_cadre,
                                        idempotency_key=f"count-{application.pk:06d}")

    add_rows(1)
    client.get(path)
    one = measure(lambda: client.get(path))
    add_rows(2)
    client.get(path)
    three = measure(lambda: client.get(path))
    assert one.result.status_code == 200
    assert three.count == one.count, (one.sql, three.sql)
    assert_queries(one.count, one, three)
