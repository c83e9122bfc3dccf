"""Payments (帮扶资金发放): a ledger row per payment, never two for one retried request, never two for one person,
purpose and year.

- `create_payment(application, by=, idempotency_key=)` answers (payment, created). The key is unique in the
  database: the same key again returns the payment it made (created False), whatever the timing; a key used for
  another application is refused. A payment is made only after the application's public notice ended without an
  open objection.
- Unique constraints: payment_one_live_per_application (one payment that did not fail per application) and
  payment_once_per_purpose_year (one payment that did not fail per person, purpose and year, across programmes and
  levels). Marking a payment failed frees both; marking it paid completes the application and counts paid_fen.
- The bank file (bank_file_rows) has the columns banks take: 姓名, 账号 (in full: the file is for the programme's
  managers only, and each export is audited), 金额（元，两位小数）, 用途.
"""

from __future__ import annotations

import csv
import io
import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from smartunion.assistance.errors import AlreadyPaid
from smartunion.assistance.models import Application, Payment, Programme
from smartunion.assistance.rules import may_manage
from smartunion.assistance.services.applications import APPLICATION_WORKFLOW
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.events import record
from smartunion.core.money import yuan
from smartunion.core.workflow import transition

KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")
BANK_HEADER = ["姓名", "账号", "金额（元）", "用途"]


def _existing(key: str, application: Application) -> Payment | None:
    found = Payment.objects.filter(idempotency_key=key).first()
    if found is not None and found.application_id != application.pk:
        raise Conflict("该幂等键已用于其他申请的发放，请使用新的幂等键", code="idempotency_key_reused")
    return found


def create_payment(application: Application, *, by, idempotency_key: str) -> tuple[Payment, bool]:
    require_actor(by)
    key = (idempotency_key or "").strip()
    if not KEY.match(key):
        raise Invalid.from_fields({"idempotency_key": "幂等键应为 8 至 64 位字母、数字或 ._:- 符号"},
                                  message="请提供有效的幂等键（Idempotency-Key）")
    programme = application.programme
    if not may_manage(by, programme.org):
        raise Forbidden("只有项目主办单位（或上级工会）的主席、管理员可以发放帮扶资金")
    found = _existing(key, application)
    if found is not None:
        return found, False
    application = Application.objects.get(pk=application.pk)
    if application.status != Application.Status.NOTICE:
        raise StateError(f"申请状态为“{application.get_status_display()}”，公示期满后才能发放", code="not_payable")
    if application.notice_ends_on is None or application.notice_ends_on >= timezone.localdate():
        raise StateError(f"公示期至 {application.notice_ends_on:%Y年%-m月%-d日}，期满后才能发放", code="notice_running")
    if application.objection:
        raise StateError("公示期间有异议尚未核查，暂不能发放", code="objection_open")
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                application=application, programme=programme, person_id=application.person_id,
                org_path=programme.org_path, purpose=programme.purpose, year=programme.year,
                amount_fen=application.amount_fen, idempotency_key=key, created_by=user_or_none(by))
            log_event("assistance.payment.create", actor=by, target=payment, org=programme.org,
                      data={"application": application.pk, "amount_fen": payment.amount_fen})
    except IntegrityError:
        found = _existing(key, application)
        if found is not None:
            return found, False
        if Payment.objects.filter(application=application).exclude(status=Payment.Status.FAILED).exists():
            raise Conflict("该申请已有发放记录，不能重复发放", code="already_paying") from None
        raise AlreadyPaid() from None
    return payment, True


def mark_paid(payment: Payment, *, by) -> Payment:
    require_actor(by)
    if not may_manage(by, payment.programme.org):
        raise Forbidden()
    with transaction.atomic():
        if not Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
                status=Payment.Status.PAID, settled_at=timezone.now()):
            raise StateError("只有待发放的记录可以标记为已发放")
        Programme.objects.filter(pk=payment.programme_id).update(paid_fen=F("paid_fen") + payment.amount_fen)
        transition(payment.application, "pay", workflow=APPLICATION_WORKFLOW, by=by)
        log_event("assistance.payment.paid", actor=by, target=payment, org=payment.programme.org,
                  data={"amount_fen": payment.amount_fen})
        record(payment.person_id, "assistance.payment.paid", target=payment, org=payment.programme.org,
               label=payment.programme.name)
    payment.refresh_from_db()
    return payment


def mark_failed(payment: Payment, *, by, reason: str) -> Payment:
    """The bank returned the payment (a closed account, a wrong name): the slot is free for a new payment."""
    require_actor(by)
    if not may_manage(by, payment.programme.org):
        raise Forbidden()
    reason = (reason or "").strip()[:200]
    if not reason:
        raise Invalid.from_fields({"reason": "请填写失败原因"})
    with transaction.atomic():
        if not Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
                status=Payment.Status.FAILED, settled_at=timezone.now(), failure_reason=reason):
            raise StateError("只有待发放的记录可以标记为发放失败")
        log_event("assistance.payment.failed", actor=by, target=payment, org=payment.programme.org,
                  data={"reason": reason})
    payment.refresh_from_db()
    return payment


def bank_file_rows(payments) -> list[list[str]]:
    """[姓名, 账号 (full), 金额（元，两位小数）, 用途] per payment."""
    rows = []
    for p in payments:
        application = p.application
        rows.append([application.account_holder, application.bank_account, yuan(p.amount_fen),
                     f"{p.programme.name}（{p.year}）"])
    return rows


def export_bank_file(payments, *, by, programme: Programme | None = None, fmt: str = "xlsx") -> list[list[str]]:
    """The rows of the bank file for these payments; only the managers of the programme's org (or of every
    programme in it), audited. `payments` must come from the caller's scoped read."""
    require_actor(by)
    payments = list(payments)
    orgs = {p.programme.org_id: p.programme.org for p in payments}
    if programme is not None:
        orgs[programme.org_id] = programme.org
    if not orgs or not all(may_manage(by, org) for org in orgs.values()):
        raise Forbidden("只有项目主办单位（或上级工会）的主席、管理员可以导出银行代发文件")
    rows = bank_file_rows(payments)
    org = programme.org if programme is not None else next(iter(orgs.values()))
    log_event("assistance.payment.export", actor=by, target=programme, org=org,
              data={"count": len(rows), "format": fmt, "total_fen": sum(p.amount_fen for p in payments)})
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BANK_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
