"""The demo approvals (demo/seed_documents_approvals.py) on the test tree: the standard forms in 济南 and the
province, requests in every state, the expense above the threshold and the added signer."""

import pytest

from smartunion.demo.seed_documents_approvals import build_approvals
from smartunion.documents.models import ApprovalForm, ApprovalRequest, ApprovalStep
from smartunion.documents.queries.approvals import waiting_for_me

pytestmark = pytest.mark.django_db


def test_the_demo_approvals(tree, personas):
    messages = []
    made = build_approvals(progress=messages.append)
    assert made == {"forms": 12, "requests": 8, "pending": 4, "approved": 1, "rejected": 1, "returned": 1,
                    "withdrawn": 1}
    assert messages[-1] == "移动审批：12 个表单，8 件申请（审批中 4、已通过 1、未通过 1、已退回 1、已撤回 1）"
    assert ApprovalForm.objects.filter(org=tree.jinan).count() == 6
    chair = ApprovalStep.objects.filter(request__org=tree.jinan, label="主席审批", status="pending").first().approver
    assert chair.username == "jn_chair"
    assert sorted((r.form.code, r.amount_fen) for r in waiting_for_me(chair)) == [("expense", 860000),
                                                                                  ("leave", None)]
    small = ApprovalRequest.objects.get(form__code="expense", amount_fen=128000)
    assert (small.status, list(small.approval_steps.values_list("status", flat=True))) == (
        "approved", ["approved", "skipped"])
    added = ApprovalStep.objects.get(added_by__isnull=False)
    assert (added.approver.username, added.status, added.request.form.code) == ("jn_staff_wang", "pending",
                                                                                "purchase")
    assert [r.applicant.username for r in waiting_for_me(personas.province_admin)] == ["sd_staff_zhao"]
