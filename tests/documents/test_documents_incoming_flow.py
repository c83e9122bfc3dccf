"""收文: registration by hand with a scan, 拟办 → 批办 → 承办 → 办结 → 归档, deadlines, circulation, overdue, scope."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from tests.conftest import make_user
from tests.documents.exchange_rows import Clock, at, cadre, department, released

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import Source, year_source
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.core.models import OutboxMessage
from smartunion.core.workflow import TransitionError, TransitionForbidden
from smartunion.documents.models import Circulation, Delivery, IncomingDocument
from smartunion.documents.queries import exchange as queries
from smartunion.documents.services import exchange as exchange_services
from smartunion.documents.services import incoming as services
from smartunion.orgs.models import Position


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def office(tree, personas):
    """历下区总工会: its administrator (county_cadre), its chair, a department with a head and a member."""
    chair = cadre("lixia_chair", tree.lixia, Position.Role.CHAIR)
    head, member = make_user("dept_head"), make_user("dept_member")
    dept = department(tree.lixia, "组织部", head=head, members=[member])
    return type("Office", (), {"admin": personas.county_cadre, "chair": chair, "head": head, "member": member,
                               "dept": dept})


def scan(content: bytes = b"%PDF-1.7\n scanned page", name: str = "scan.pdf") -> ContentFile:
    return ContentFile(content, name=name)


def registered(tree, office, **fields) -> IncomingDocument:
    return services.register(org=tree.lixia, by=office.admin, title=fields.pop("title", "关于做好春节慰问工作的通知"),
                             sender_name="历下区人民政府办公室", original_number="历政办〔2026〕3号", scan=scan(),
                             **fields)


def test_the_whole_flow_with_its_people(tree, personas, office, clock):
    clock.set(at(2026, 3, 6, 10))  # a Friday
    doc = registered(tree, office)
    assert (doc.status, doc.source, doc.registered_by_id) == ("registered", "manual", office.admin.pk)
    assert [(a.name, a.size) for a in doc.attachments.all()] == [("扫描件.pdf", 22)]

    with pytest.raises(TransitionError) as skipped:
        services.finish(doc, by=office.admin, result="已办")
    assert skipped.value.message == "当前状态为“已登记”，不能执行“办结”"

    doc = services.propose(doc, by=office.admin, text="请组织部办理")
    assert (doc.status, doc.proposal, doc.proposed_by_id) == ("proposed", "请组织部办理", office.admin.pk)
    assert OutboxMessage.objects.get(subject="收文拟办").user_id == office.chair.pk
    with pytest.raises(TransitionForbidden):
        services.instruct(doc, by=office.admin, text="同意")
    doc = services.instruct(doc, by=office.chair, text="同意，请组织部抓紧落实")
    assert (doc.status, doc.instructed_by_id) == ("instructed", office.chair.pk)

    with pytest.raises(Invalid) as outsider:
        services.assign(doc, by=office.admin, department=office.dept, days=3, handler=personas.city_cadre)
    assert outsider.value.fields == {"handler": "承办人应为承办部门的负责人或成员"}
    doc = services.assign(doc, by=office.admin, department=office.dept, days=3, handler=office.member)
    assert (doc.status, doc.department_id, doc.handler_id) == ("handling", office.dept.pk, office.member.pk)
    assert doc.due_at == at(2026, 3, 11, 23, 59, 59)  # Mon 9, Tue 10, Wed 11: the weekend is not counted
    assert doc.due_estimated is (year_source(2026) == Source.ESTIMATE)
    assert OutboxMessage.objects.get(subject="收文承办").user_id == office.member.pk
    assert [d.pk for d in queries.to_handle(office.member)] == [doc.pk]
    assert [d.pk for d in queries.to_handle(office.head)] == [doc.pk]
    assert list(queries.to_handle(personas.city_cadre)) == []

    with pytest.raises(TransitionForbidden):
        services.finish(doc, by=personas.city_cadre, result="办好了")
    doc = services.finish(doc, by=office.member, result="已发放慰问金")
    assert (doc.status, doc.result, doc.done_at) == ("done", "已发放慰问金", at(2026, 3, 6, 10))
    with pytest.raises(TransitionForbidden):
        services.archive(doc, by=office.member)
    doc = services.archive(doc, by=office.admin)
    assert doc.status == "archived"


def test_an_unknown_year_is_flagged_estimated(tree, personas, office, clock):
    clock.set(at(2099, 3, 6, 10))
    doc = registered(tree, office)
    doc = services.propose(doc, by=office.admin, text="拟办")
    doc = services.instruct(doc, by=office.chair, text="批办")
    doc = services.assign(doc, by=office.admin, department=office.dept, days=2)
    assert (doc.due_estimated, doc.handler_id) == (True, None)


def test_registration_refuses_a_bad_scan_and_missing_fields(tree, personas, office):
    with pytest.raises(Invalid) as bad:
        services.register(org=tree.lixia, by=office.admin, title="", sender_name="某单位",
                          scan=scan(b"MZ\x90\x00 not a pdf", "x.pdf"))
    assert bad.value.fields == {"title": "请填写标题", "scan": "只能上传 JPG、PNG、GIF、WebP 图片或 PDF 文件"}
    with pytest.raises(Forbidden):
        services.register(org=tree.lixia, by=personas.city_cadre, title="标题", sender_name="某单位")
    assert not IncomingDocument.objects.exists()


def test_an_exchanged_document_is_handled_once_signed(tree, personas, office):
    exchange = exchange_services.send(released(tree.province), to="all_counties_below", by=personas.province_admin)
    doc = IncomingDocument.objects.get(org=tree.lixia)
    assert list(queries.to_propose(office.admin)) == []
    with pytest.raises(StateError) as unsigned:
        services.propose(doc, by=office.admin, text="拟办")
    assert unsigned.value.message == "请先签收该交换公文"
    exchange_services.sign_for(Delivery.objects.get(exchange=exchange, to_org=tree.lixia), by=office.admin)
    assert [d.pk for d in queries.to_propose(office.admin)] == [doc.pk]
    assert services.propose(doc, by=office.admin, text="拟办").status == "proposed"
    assert [d.pk for d in queries.to_instruct(office.chair)] == [doc.pk]
    assert list(queries.to_instruct(office.admin)) == []


def test_circulation_with_read_receipts(tree, personas, office, clock):
    clock.set(at(2026, 3, 2, 9))
    doc = registered(tree, office)
    rows = services.circulate(doc, by=office.admin, readers=[office.chair, office.member])
    assert sorted(r.reader_id for r in rows) == sorted([office.chair.pk, office.member.pk])
    assert OutboxMessage.objects.filter(subject="收文传阅").count() == 2
    again = services.circulate(doc, by=office.admin, readers=[office.chair, office.head])
    assert [r.reader_id for r in again] == [office.head.pk]
    with pytest.raises(Invalid) as outsider:
        services.circulate(doc, by=office.admin, readers=[personas.city_cadre])
    assert outsider.value.fields == {"readers": "传阅人应为本单位的干部"}
    with pytest.raises(Forbidden):
        services.mark_read(doc, by=personas.city_cadre)
    assert [c.document_id for c in queries.to_read(office.chair)] == [doc.pk]

    clock.set(at(2026, 3, 2, 10))
    services.mark_read(doc, by=office.chair, comment="已阅")
    clock.set(at(2026, 3, 3, 10))
    assert services.mark_read(doc, by=office.chair).read_at == at(2026, 3, 2, 10)
    assert [(c.reader.username, c.read_at, c.comment) for c in queries.circulations(doc)] == [
        ("dept_head", None, ""), ("dept_member", None, ""), ("lixia_chair", at(2026, 3, 2, 10), "已阅")]
    assert list(queries.to_read(office.chair)) == []
    assert Circulation.objects.filter(document=doc, read_at__isnull=True).count() == 2


def test_overdue_items_are_flagged_and_their_handler_told(tree, personas, office, clock):
    clock.set(at(2026, 3, 2, 9))  # Monday
    doc = registered(tree, office)
    doc = services.propose(doc, by=office.admin, text="拟办")
    doc = services.instruct(doc, by=office.chair, text="批办")
    doc = services.assign(doc, by=office.admin, department=office.dept, days=1, handler=office.member)
    assert doc.due_at == at(2026, 3, 3, 23, 59, 59)
    assert list(queries.incoming_list(office.admin, overdue=True)) == []
    clock.set(at(2026, 3, 4, 8))
    assert services.is_overdue(doc)
    assert [d.pk for d in queries.incoming_list(office.admin, overdue=True)] == [doc.pk]
    assert services.flag_overdue(by=SYSTEM) == 1
    assert OutboxMessage.objects.get(subject="收文办理超期").user_id == office.member.pk
    clock.set(at(2026, 3, 5, 8, 30))
    assert services.flag_overdue(by=SYSTEM) == 0  # told once, the day it became overdue


def test_scope_of_the_incoming_lists(tree, personas, office):
    doc = registered(tree, office)
    shinan_admin = cadre("shinan_admin", tree.shinan)
    with pytest.raises(NotFound):
        queries.incoming_for(shinan_admin, doc.pk)
    assert list(queries.incoming_list(shinan_admin)) == []
    assert [d.pk for d in queries.incoming_list(personas.city_cadre)] == [doc.pk]  # 济南 sees its subtree
    assert list(queries.incoming_list(personas.other_city_cadre)) == []
    assert [d.pk for d in queries.incoming_list(office.admin, search="春节")] == [doc.pk]
    assert list(queries.incoming_list(office.admin, search="不存在")) == []
    assert list(queries.to_propose(shinan_admin)) == []
