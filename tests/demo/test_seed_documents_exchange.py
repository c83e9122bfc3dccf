"""The demo exchange and incoming documents (demo/seed_documents_exchange.py) on the test tree (济南 with 历下区,
青岛 with 市南区): who signed, returned and is late, 济南's incoming documents in every state, the circulation."""

import datetime as dt

import pytest
from django.utils import timezone

from smartunion.demo.seed_documents_exchange import RETURN_REASON, build_exchange
from smartunion.documents.models import Circulation, Delivery, IncomingDocument
from smartunion.documents.queries.exchange import visible_exchanges
from smartunion.documents.services.incoming import is_overdue

pytestmark = pytest.mark.django_db


def test_the_demo_exchange(tree, personas):
    messages = []
    made = build_exchange(progress=messages.append)
    assert made == {"exchanges": 2, "city_deliveries": 2, "signed": 1, "returned": 1, "late": 0,
                    "county_deliveries": 2, "counties_late": 1, "jinan_incoming": 7}
    assert messages[-1] == ("公文交换：发往2个市总工会（签收 1、退回 1、逾期未签收 0），"
                            "发往2个县（区）总工会；济南收文 7 件")
    rows = sorted(Delivery.objects.values_list("to_org__name", "status", "return_reason", "urged_count"))
    assert rows == [("历下区总工会", "signed", "", 0), ("市南区总工会", "delivered", "", 1),
                    ("济南市总工会", "signed", "", 0), ("青岛市总工会", "returned", RETURN_REASON, 0)]
    exchanges = list(visible_exchanges(personas.province_admin))
    assert [e.envelope["document"]["number"] for e in exchanges] == ["鲁工发〔2026〕22号", "鲁工发〔2026〕21号"]
    assert all(e.sign_due_at < timezone.now() for e in exchanges)  # sent days ago: past the sign-by date
    states = sorted(IncomingDocument.objects.filter(org=tree.jinan).values_list("status", flat=True))
    assert states == sorted(["registered", "proposed", "instructed", "handling", "handling", "done", "archived"])
    overdue = [d.title for d in IncomingDocument.objects.filter(org=tree.jinan) if is_overdue(d)]
    assert overdue == ["关于报送新就业形态劳动者入会情况的通知"]
    receipts = sorted((c.reader.username, c.read_at is not None) for c in Circulation.objects.select_related("reader"))
    assert receipts == [("jn_chair", True), ("jn_zzb", False)]
    assert IncomingDocument.objects.get(org=tree.qingdao).result == f"已退回：{RETURN_REASON}"
    # 收文编号: 济南 numbers, per year received, the exchanged document it signed for and its six registrations in the
    # order they were made (the demo backdates: in early January some fall in the year before); 青岛 returned its one.
    by_year: dict[int, list[int]] = {}
    for year, seq, serial in (IncomingDocument.objects.filter(org=tree.jinan).order_by("id")
                              .values_list("serial_year", "serial_seq", "serial")):
        by_year.setdefault(year, []).append(seq)
        assert serial == f"收〔{year}〕{seq}号"
    assert sorted(by_year.values()) == sorted(list(range(1, len(seqs) + 1)) for seqs in by_year.values())
    assert sum(len(seqs) for seqs in by_year.values()) == 7
    assert IncomingDocument.objects.get(org=tree.qingdao).serial == ""


@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.UTC),  # Saturday 00:30 in Beijing: 4 days back is a Wednesday
    dt.datetime(2026, 11, 29, 17, 0, tzinfo=dt.UTC),  # Monday 01:00 in Beijing: 4 days back is a Thursday
    dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.UTC),  # the day after the National Day holiday
])
def test_the_late_sendings_are_past_their_sign_by_date_on_any_day(tree, personas, monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)
    made = build_exchange(progress=lambda message: None)
    assert (made["late"], made["counties_late"]) == (0, 1)
    assert all(e.sign_due_at < moment for e in visible_exchanges(personas.province_admin))
