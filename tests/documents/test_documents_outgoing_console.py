"""The console's outgoing-document pages: the list (scope, queues, search, a fixed number of queries), drafting, the
document's page with its steps and countersign panel, the diff, attachments, numbering rules and departments, and the
workbench queues."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests.documents.outgoing_rows import BODY, advance, cadre, draft, make_office
from tests.rows import assert_queries, measure

from smartunion.console.workbench import waiting_for
from smartunion.documents.models import Countersign, Department, NumberingRule, OutgoingDocument
from smartunion.documents.services import outgoing as services

pytestmark = pytest.mark.django_db
S = OutgoingDocument.Status
LIST = "/console/documents/outgoingdocument/"


@pytest.fixture
def office(tree):
    return make_office(tree)


def _ids(response) -> list[int]:
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_the_list_scope_queues_and_search(console, office):
    mine = draft(office, "关于表彰先进集体的决定")
    checking = services.submit(draft(office, "关于职工疗休养的通知"), by=office.drafter)
    qingdao_rule = services.create_rule(by=office.qingdao_chair, org=office.tree.qingdao, name="发文", prefix="青工发")
    other = services.create_document(by=office.qingdao_chair, org=office.tree.qingdao, title="青岛的通知",
                                     body=BODY, rule=qingdao_rule)
    assert _ids(console(office.chair).get(LIST)) == [mine.pk, checking.pk]
    assert _ids(console(office.qingdao_chair).get(LIST)) == [other.pk]
    province = cadre("sd_admin", office.tree.province, "administrator")
    assert _ids(console(province).get(LIST)) == [mine.pk, checking.pk, other.pk]
    assert _ids(console(office.drafter).get(LIST + "?queue=mine")) == [mine.pk]
    assert _ids(console(office.reviewer).get(LIST + "?queue=check")) == [checking.pk]
    assert _ids(console(office.chair).get(LIST + "?q=疗休养")) == [checking.pk]
    assert _ids(console(office.chair).get(LIST + "?status__exact=draft")) == [mine.pk]
    numbered = advance(checking, office, S.SEALING)
    assert _ids(console(office.chair).get(LIST + f"?q={numbered.number}")) == [checking.pk]
    assert console(office.lixia_chair).get(f"/console/documents/outgoingdocument/{mine.pk}/").status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(console, office):
    client = console(office.chair)
    for i in range(2):
        draft(office, f"通知{i}")
    client.get(LIST)  # warm the session and the caches
    few = measure(lambda: client.get(LIST))
    for i in range(2, 12):
        services.submit(draft(office, f"通知{i}"), by=office.drafter)
    many = measure(lambda: client.get(LIST))
    assert many.result.status_code == 200
    assert len(many.result.context["cl"].result_list) == 12
    assert_queries(few.count, few, many)
    for queue in ("mine", "check", "countersign", "sign", "clerk"):
        assert client.get(f"{LIST}?queue={queue}").status_code == 200


def test_drafting_through_the_console_with_every_element(console, office):
    client = console(office.drafter)
    assert client.get("/console/documents/outgoingdocument/new/").status_code == 200
    answer = client.post("/console/documents/outgoingdocument/new/", {
        "org": office.org.pk, "kind": "notice", "title": "关于开展“五一”劳动奖评选的通知", "issuer_mark": "",
        "rule": office.rule.pk, "copy_number": "000003", "secrecy": "secret", "secrecy_period": "6个月",
        "urgency": "extra_urgent", "main_recipients": "各县（区）总工会", "body": "一、评选范围。\n二、评选条件。",
        "cc": "山东省总工会", "written_on": "2026-04-01", "printer": "", "printed_on": "",
        "attachment": SimpleUploadedFile("名额分配表.pdf", b"%PDF-1.7\n%\xe2\xe3\n", "application/pdf")})
    document = OutgoingDocument.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/console/documents/outgoingdocument/{document.pk}/"
    assert (document.issuer_mark, document.copy_number, document.secrecy, document.secrecy_period,
            document.urgency, document.created_by) == ("济南市总工会文件", "000003", "secret", "6个月",
                                                       "extra_urgent", office.drafter)
    assert list(document.attachments.values_list("name", flat=True)) == ["名额分配表.pdf"]
    page = client.get(f"/console/documents/outgoingdocument/{document.pk}/").content.decode()
    assert "秘密★6个月" in page and "名额分配表.pdf" in page and "送核稿" in page
    # A bad element keeps the form with the message on its field.
    edit = f"/console/documents/outgoingdocument/{document.pk}/edit/"
    refused = client.post(edit, {"kind": "notice", "title": "关于开展“五一”劳动奖评选的通知", "secrecy": "",
                                 "secrecy_period": "6个月", "body": "x", "base_revision": 1})
    assert refused.status_code == 200
    assert refused.context["form"].errors["secrecy_period"] == ["未标密级的公文不能填写保密期限"]
    stale = client.post(edit, {"kind": "notice", "title": "新标题", "secrecy": "secret", "secrecy_period": "6个月",
                               "body": "x", "base_revision": 0})
    assert "该公文已被他人修改为第 1 版（您编辑的是第 0 版），请查看最新版本和差异后再保存" in stale.context[
        "form"].non_field_errors()
    saved = client.post(edit, {"kind": "notice", "title": "新标题", "secrecy": "secret", "secrecy_period": "6个月",
                               "body": "一、评选范围。\n二、评选条件和名额。", "rule": office.rule.pk,
                               "base_revision": 1})
    assert saved.status_code == 302
    diff = client.get(f"/console/documents/outgoingdocument/{document.pk}/diff/?older=1&newer=2")
    assert [line for line in diff.context["lines"] if line[0] != "equal"] == [
        ("delete", "标题：关于开展“五一”劳动奖评选的通知"), ("insert", "标题：新标题"), ("delete", "二、评选条件。"),
        ("insert", "二、评选条件和名额。")]
    attachment = document.attachments.get()
    assert client.get(f"/console/documents/outgoingdocument/{document.pk}/attachments/{attachment.pk}/").status_code \
        == 200
    client.post(f"/console/documents/outgoingdocument/{document.pk}/attachments/{attachment.pk}/remove/")
    assert document.attachments.count() == 0


def test_the_whole_flow_through_the_console(console, office):
    document = draft(office)
    url = f"/console/documents/outgoingdocument/{document.pk}/"
    console(office.drafter).post(url + "step/submit/")
    reviewer = console(office.reviewer)
    page = reviewer.get(url)
    assert page.context["check_form"] is not None
    assert [row.name for row in page.context["check_form"].fields["departments"].queryset] == ["宣传部", "组织部"]
    assert list(page.context["check_form"].fields["orgs"].queryset) == [office.tree.province, office.tree.lixia]
    reviewer.post(url + "check/", {"departments": [office.zzb.pk], "orgs": [office.tree.lixia.pk]})
    assert OutgoingDocument.objects.get(pk=document.pk).status == "countersign"
    # 历下's chair refuses; a refusal without a reason is refused first.
    lixia = console(office.lixia_chair)
    assert lixia.get(url).context["countersign_form"] is not None
    lixia.post(url + "countersign/", {"decision": "refuse", "note": ""})
    assert OutgoingDocument.objects.get(pk=document.pk).status == "countersign"
    answer = lixia.post(url + "countersign/", {"decision": "refuse", "note": "请明确县区分工"})
    assert answer["Location"] == LIST  # no longer a pending party: back to the list
    # 组织部 never answered: its row is withdrawn with the round.
    assert sorted(Countersign.objects.values_list("status", flat=True)) == ["cancelled", "refused"]
    drafter = console(office.drafter)
    assert "退回原因：历下区总工会不同意：请明确县区分工" in drafter.get(url).content.decode()
    drafter.post(url + "step/submit/")
    reviewer.post(url + "check/", {"note": "不再会签"})
    chair = console(office.chair)
    chair.post(url + "step/sign/")
    clerk = console(office.clerk)
    assert clerk.get(url).context["number_form"] is not None
    clerk.post(url + "number/", {"rule": office.rule.pk})
    clerk.post(url + "step/seal/")
    document = OutgoingDocument.objects.get(pk=document.pk)
    assert (document.status, document.number) == ("distribution", f"济工发〔{timezone.localdate().year}〕1号")
    page = clerk.get(url)
    assert [h["action"] for h in page.context["history"]] == [
        "送核稿", "核稿并送会签", "会签不同意", "送核稿", "核稿通过", "签发", "编号", "用印"]
    assert [s["action"] for s in page.context["steps"]] == ["archive"]
    # A step the user may not take changes nothing and says why.
    refused = chair.post(url + "step/archive/", follow=True)
    assert "您没有执行此操作的权限" in [str(m) for m in refused.context["messages"]]


def test_numbering_rules_and_departments_pages(console, office):
    clerk = console(office.clerk)
    assert clerk.get("/console/documents/numberingrule/").status_code == 200
    clerk.post("/console/documents/numberingrule/new/", {"org": office.org.pk, "name": "函", "prefix": "济工函"})
    duplicate = clerk.post("/console/documents/numberingrule/new/",
                           {"org": office.org.pk, "name": "函", "prefix": "济工函"})
    assert duplicate.context["form"].errors["prefix"] == ["机关代字已被本单位使用"]
    rule = NumberingRule.objects.get(prefix="济工函")
    confirm = clerk.get(f"/console/documents/numberingrule/{rule.pk}/toggle/")
    assert "停用后不能再用它拟稿和编号" in confirm.content.decode()
    clerk.post(f"/console/documents/numberingrule/{rule.pk}/toggle/")
    assert NumberingRule.objects.get(pk=rule.pk).active is False
    assert console(office.lixia_chair).get(f"/console/documents/numberingrule/{rule.pk}/toggle/").status_code == 404
    assert clerk.get("/console/documents/department/").status_code == 200
    clerk.post("/console/documents/department/new/", {"org": office.org.pk, "name": "财务部", "head": "zzb_head",
                                                      "members": "zzb_member，xcb_head", "active": "on"})
    finance = Department.objects.get(name="财务部")
    assert (finance.head, sorted(u.username for u in finance.members.all())) == (
        office.org_head, ["xcb_head", "zzb_member"])
    wrong = clerk.post(f"/console/documents/department/{finance.pk}/edit/", {"name": "财务部", "members": "nobody"})
    assert wrong.context["form"].errors["members"] == ["没有这些用户名的账号：nobody"]
    # A reviewer neither manages rules nor departments.
    assert console(office.reviewer).post("/console/documents/department/new/", {
        "org": office.org.pk, "name": "工会办", "members": ""}).context["form"].non_field_errors() == [
        "只有本单位或上级单位的主席、管理员可以管理部门"]


def test_workbench_queues_count_each_persons_waiting_documents(office):
    def counts(user):
        return {item.queue.key: item.count for group in waiting_for(user) for item in group.items
                if item.queue.key.startswith("documents.outgoing.")}

    checking = services.submit(draft(office, "一"), by=office.drafter)
    countersigning = services.check(services.submit(draft(office, "二"), by=office.drafter), by=office.reviewer,
                                    departments=[office.zzb], orgs=[office.tree.lixia])
    advance(draft(office, "三"), office, S.SIGNING)
    advance(draft(office, "四"), office, S.NUMBERING)
    advance(draft(office, "五"), office, S.SEALING)
    assert counts(office.reviewer) == {"documents.outgoing.check": 1, "documents.outgoing.countersign": 0,
                                       "documents.outgoing.sign": 0, "documents.outgoing.clerk": 0}
    assert counts(office.chair) == {"documents.outgoing.check": 1, "documents.outgoing.countersign": 0,
                                    "documents.outgoing.sign": 1, "documents.outgoing.clerk": 0}
    assert counts(office.clerk)["documents.outgoing.clerk"] == 2
    assert counts(office.lixia_chair)["documents.outgoing.countersign"] == 1
    assert counts(office.qingdao_chair) == {"documents.outgoing.check": 0, "documents.outgoing.countersign": 0,
                                            "documents.outgoing.sign": 0, "documents.outgoing.clerk": 0}
    # Higher orgs see the documents but the steps are the issuing org's.
    province = cadre("sd_chair", office.tree.province, "chair")
    assert counts(province)["documents.outgoing.sign"] == 0
    assert checking.pk and countersigning.pk
