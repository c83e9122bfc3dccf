"""The demo's assistance step: every state it promises, made through the services."""

from __future__ import annotations

from tests.assistance.conftest import make_member

from smartunion.assistance.models import Application, HardshipFile, LivingStandard, Payment, Programme
from smartunion.core.models import AuditEvent
from smartunion.demo.seed_assistance import build_assistance


def test_build_assistance_makes_every_state(tree, personas):
    for i in range(1, 7):
        make_member(tree.grassroots, username=f"member{i}")
    said: list[str] = []
    report = build_assistance(progress=said.append)
    assert (report["hardship_files"], report["applications"], report["payments"]) == (7, 4, 1)
    assert LivingStandard.objects.get().monthly_fen == 105_000
    assert sorted(HardshipFile.objects.values_list("status", flat=True)) == [
        "active", "active", "active", "active", "draft", "exited", "pending_federation"]
    assert HardshipFile.objects.get(status="exited").exit_reason == "recovered"
    assert sorted(Application.objects.values_list("status", flat=True)) == ["notice", "paid", "pending", "rejected"]
    programme = Programme.objects.get()
    assert (programme.committed_fen, programme.paid_fen) == (500_000, 300_000)
    assert Payment.objects.get().status == "paid"
    assert AuditEvent.objects.filter(action="assistance.payment.export").count() == 1
    assert said[-1] == f"帮扶项目：{programme.name}，申请 4 份（已发放、公示中、审核中、未通过各 1 份），发放 1 笔"
