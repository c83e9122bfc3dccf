"""The demo outgoing documents (demo/seed_documents_outgoing.py) on the test tree: every state, the refused
countersign with the agreement kept, the numbers of both rules, the documents left in distribution for the exchange
demo."""

import pytest
from django.utils import timezone

from smartunion.demo.seed_documents_outgoing import DISTRIBUTED_FOR_EXCHANGE, REFUSAL, build_outgoing
from smartunion.documents.models import Countersign, Department, NumberingRule, OutgoingDocument
from smartunion.documents.queries import outgoing as queries

pytestmark = pytest.mark.django_db


def test_the_demo_outgoing_documents(tree):
    messages = []
    counts = build_outgoing(progress=messages.append)
    assert counts == {"draft": 3, "checking": 1, "countersign": 1, "signing": 2, "numbering": 1, "sealing": 1,
                      "distribution": 3, "archived": 1, "cancelled": 1}
    assert messages[0] == "正在生成发文演示数据……"
    assert sorted(NumberingRule.objects.values_list("prefix", flat=True)) == ["济工发", "鲁工发"]
    assert Department.objects.filter(org=tree.province).count() == 5
    assert Department.objects.filter(org=tree.jinan).count() == 5
    year = timezone.localdate().year
    numbers = sorted(OutgoingDocument.objects.exclude(number="").values_list("number", flat=True))
    assert numbers == [f"济工发〔{year}〕1号"] + [f"鲁工发〔{year}〕{n}号" for n in range(12, 16)]
    distributed = OutgoingDocument.objects.filter(org=tree.province, status="distribution")
    assert sorted(distributed.values_list("title", flat=True)) == sorted(DISTRIBUTED_FOR_EXCHANGE)
    refused = OutgoingDocument.objects.get(title="关于调整困难职工帮扶标准的通知")
    assert (refused.status, refused.return_reason) == ("draft", f"财务部不同意：{REFUSAL}")
    assert sorted(Countersign.objects.filter(document=refused).values_list("department__name", "status")) == [
        ("权益保障部", "agreed"), ("财务部", "refused")]
    pending = OutgoingDocument.objects.get(status="countersign")
    assert sorted(Countersign.objects.filter(document=pending).values_list("status", flat=True)) == [
        "agreed", "pending", "pending"]
    # 济南's chair answers for 济南 in the province's countersign.
    from smartunion.accounts.models import User

    jinan_chair = User.objects.get(username="jn_chair")
    assert [d.pk for d in queries.waiting_countersign(jinan_chair)] == [pending.pk]
    assert queries.waiting_signing(User.objects.get(username="sd_chair")).count() == 1
