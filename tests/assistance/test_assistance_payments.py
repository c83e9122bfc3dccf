"""Payments: only after the notice ended without objection; the idempotency key; one payment per person, purpose and
year across programmes; failed frees the slot; the bank file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.assistance.conftest import apply, approve_all, programme_values

from smartunion.assistance.errors import AlreadyPaid
from smartunion.assistance.models import Application, Payment, Programme
from smartunion.assistance.services import applications, payments, programmes
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent


def noticed(programme, personas, user=None):
    """An application of `user` (the worker) approved, published and past its notice."""
    application = approve_all(apply(programme, user or personas.worker), personas)
    applications.publish_notice(programme, by=personas.city_cadre)
    return application


def granted_meanwhile(programme, personas, tree) -> Application:
    """The worker's application to `programme` approved and past its notice, made directly: the services refuse a
    second grant of one purpose and year, and only two approvals racing (or rows from before that check) make one."""
    return end_notice(Application.objects.create(
        programme=programme, person=personas.worker.person, union=tree.grassroots, amount_fen=300_000,
        bank_name="中国工商银行", bank_account="6222020200112233445", account_holder="张伟",
        chain=[tree.grassroots.pk, tree.lixia.pk], level=1, status=Application.Status.NOTICE,
        notice_starts_on=timezone.localdate() - dt.timedelta(days=6)))


def end_notice(application):
    Application.objects.filter(pk=application.pk).update(
        notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    return Application.objects.get(pk=application.pk)


def test_payment_waits_for_the_end_of_the_notice_and_objections(tree, personas, aid):
    application = noticed(aid.programme, personas)
    with pytest.raises(StateError) as caught:
        payments.create_payment(application, by=personas.city_cadre, idempotency_key="key-00000001")
    assert caught.value.code == "notice_running"
    applications.record_objection(application, by=personas.city_cadre, text="群众反映其家庭另有经营收入")
    application = end_notice(application)
    with pytest.raises(StateError) as caught:
        payments.create_payment(application, by=personas.city_cadre, idempotency_key="key-00000001")
    assert caught.value.code == "objection_open"
    applications.clear_objection(application, by=personas.city_cadre, note="经核查无经营收入")
    payment, created = payments.create_payment(application, by=personas.city_cadre, idempotency_key="key-00000001")
    assert (created, payment.amount_fen, payment.purpose, payment.year, payment.status) == (
        True, 300_000, "education", aid.year, "pending")


def test_same_key_twice_gives_one_payment(tree, personas, aid):
    application = end_notice(noticed(aid.programme, personas))
    first, created = payments.create_payment(application, by=personas.city_cadre, idempotency_key="retry-1234")
    again, created_again = payments.create_payment(application, by=personas.city_cadre, idempotency_key="retry-1234")
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Payment.objects.count() == 1
    with pytest.raises(Conflict) as caught:  # another key for the same application
        payments.create_payment(application, by=personas.city_cadre, idempotency_key="retry-5678")
    assert caught.value.code == "already_paying"
    with pytest.raises(Invalid):
        payments.create_payment(application, by=personas.city_cadre, idempotency_key="short")


def test_only_the_programme_managers_pay(tree, personas, aid):
    application = end_notice(noticed(aid.programme, personas))
    for user in (personas.grassroots_cadre, personas.county_cadre, personas.other_city_cadre):
        with pytest.raises(Forbidden):
            payments.create_payment(application, by=user, idempotency_key="key-00000002")
    assert payments.create_payment(application, by=personas.province_admin, idempotency_key="key-00000002")[1]


def test_never_paid_twice_for_the_same_purpose_and_year_across_programmes(tree, personas, aid):
    """The services refuse a second grant of one purpose and year (test_assistance_applications); two approvals
    racing in two programmes could still make one, and so could rows from before that check: the payment
    ledger's constraint is the last guard."""
    county = programmes.create_programme(by=personas.county_cadre, org=tree.lixia, **programme_values(
        name="历下区助学", review_chain=["grassroots", "county"]))
    a1 = end_notice(noticed(aid.programme, personas))
    a2 = granted_meanwhile(county, personas, tree)
    payments.create_payment(a1, by=personas.city_cadre, idempotency_key="city-000001")
    with pytest.raises(AlreadyPaid) as caught:
        payments.create_payment(a2, by=personas.county_cadre, idempotency_key="county-00001")
    assert (caught.value.code, caught.value.message) == ("already_paid",
                                                         "该职工本年度已获得同一用途的帮扶资金，不能重复发放")
    # A failed payment frees the slot.
    payment = Payment.objects.get()
    payments.mark_failed(payment, by=personas.city_cadre, reason="账户已销户")
    second, created = payments.create_payment(a2, by=personas.county_cadre, idempotency_key="county-00001")
    assert (created, second.programme_id) == (True, county.pk)


def test_mark_paid_completes_the_application_and_counts(tree, personas, aid):
    application = end_notice(noticed(aid.programme, personas))
    payment, _ = payments.create_payment(application, by=personas.city_cadre, idempotency_key="pay-0000001")
    payment = payments.mark_paid(payment, by=personas.city_cadre)
    assert payment.status == "paid"
    assert Application.objects.get(pk=application.pk).status == "paid"
    assert Programme.objects.values_list("committed_fen", "paid_fen").get(pk=aid.programme.pk) == (300_000, 300_000)
    with pytest.raises(StateError):
        payments.mark_failed(payment, by=personas.city_cadre, reason="x")


def test_bank_file_rows_and_audit(tree, personas, aid):
    application = end_notice(noticed(aid.programme, personas))
    payments.create_payment(application, by=personas.city_cadre, idempotency_key="bank-0000001")
    rows = payments.export_bank_file(Payment.objects.all(), by=personas.city_cadre, programme=aid.programme,
                                     fmt="csv")
    assert rows == [["张伟", "6222020200112233445", "3000.00", f"2026年金秋助学（{aid.year}）"]]
    assert payments.csv_bytes(rows).decode("utf-8-sig") == (
        f"姓名,账号,金额（元）,用途\r\n张伟,6222020200112233445,3000.00,2026年金秋助学（{aid.year}）\r\n")
    event = AuditEvent.objects.get(action="assistance.payment.export")
    assert event.data == {"count": 1, "format": "csv", "total_fen": 300_000}
    with pytest.raises(Forbidden):
        payments.export_bank_file(Payment.objects.all(), by=personas.grassroots_cadre, programme=aid.programme)
    assert payments.yuan(5) == "0.05" and payments.yuan(123_456) == "1234.56"  # core.money.yuan, as it uses
