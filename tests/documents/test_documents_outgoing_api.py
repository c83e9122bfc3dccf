"""/api/v1/documents: drafting, the optimistic lock, every step through its path, countersign, versions and the
diff, the queues and the scope (out of sight answers 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests.documents.outgoing_rows import BODY, draft, make_office

from smartunion.documents.models import OutgoingDocument
from smartunion.documents.services import outgoing as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tree):
    return make_office(tree)


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_drafting_saving_and_the_lock(api, office):
    drafter = api(office.drafter)
    answer = _post(drafter, "/api/v1/documents", {
        "org_id": office.org.pk, "title": "关于开展职工技能竞赛的通知", "body": "一、竞赛内容。",
        "rule_id": office.rule.pk,
        "secrecy": "secret", "secrecy_period": "1年", "urgency": "urgent", "copy_number": "000001",
        "main_recipients": "各县（区）总工会", "cc": "山东省总工会", "written_on": "2026-03-01"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["status"], body["revision"], body["issuer_mark"], body["rule"]["prefix"], body["actions"]) == (
        "draft", 1, "济南市总工会文件", "济工发", ["submit", "cancel"])
    pk = body["id"]
    saved = _post(drafter, f"/api/v1/documents/{pk}/save", {"base_revision": 1, "title": "关于开展职工技能竞赛的通知",
                                                            "body": "一、竞赛内容。\n二、竞赛时间。",
                                                            "rule_id": office.rule.pk})
    assert (saved.status_code, saved.json()["revision"]) == (200, 2)
    stale = _post(api(office.clerk), f"/api/v1/documents/{pk}/save", {"base_revision": 1, "title": "别的标题"})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_revision")
    assert [v["number"] for v in drafter.get(f"/api/v1/documents/{pk}/versions").json()] == [2, 1]
    diff = drafter.get(f"/api/v1/documents/{pk}/diff?older=1&newer=2").json()
    assert diff["lines"] == [{"op": "equal", "line": "一、竞赛内容。"}, {"op": "insert", "line": "二、竞赛时间。"}]
    assert drafter.get(f"/api/v1/documents/{pk}/diff?older=1&newer=9").status_code == 422
    upload = drafter.post(f"/api/v1/documents/{pk}/attachments",
                          {"file": SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n1 0 obj\n", "application/pdf")})
    assert (upload.status_code, upload.json()["name"]) == (201, "方案.pdf")
    refused = drafter.post(f"/api/v1/documents/{pk}/attachments",
                           {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00" * 10, "application/pdf")})
    assert (refused.status_code, refused.json()["message"]) == (
        422, "只能上传 PDF、OFD、Word（.docx）、Excel（.xlsx）文件或 JPG、PNG、GIF、WebP 图片")


def test_every_step_through_the_api(api, office):
    document = draft(office)
    url = f"/api/v1/documents/{document.pk}"
    assert _post(api(office.drafter), f"{url}/submit").json()["status"] == "checking"
    assert _post(api(office.drafter), f"{url}/check").status_code == 403
    returned = _post(api(office.reviewer), f"{url}/return", {"note": "格式不对"})
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("draft", "格式不对")
    _post(api(office.drafter), f"{url}/submit")
    answer = _post(api(office.reviewer), f"{url}/check",
                   {"department_ids": [office.zzb.pk], "org_ids": [office.tree.lixia.pk]})
    assert answer.json()["status"] == "countersign"
    # The countersigning org's chair sees the document while the answer is pending.
    lixia = api(office.lixia_chair)
    assert lixia.get(url).json()["actions"] == ["countersign"]
    assert [d["id"] for d in lixia.get("/api/v1/documents?queue=countersign").json()["items"]] == [document.pk]
    bad = _post(lixia, f"{url}/countersign", {"decision": "maybe"})
    assert bad.status_code == 422
    assert _post(lixia, f"{url}/countersign", {"decision": "agree", "note": "同意"}).json()["status"] == "countersign"
    assert lixia.get(url).status_code == 404  # answered: no longer a pending party
    done = _post(api(office.org_head), f"{url}/countersign", {"decision": "agree"}).json()
    assert done["status"] == "signing"
    assert [(c["round"], c["department"] or c["org"], c["status"]) for c in done["countersigns"]] == [
        (1, "组织部", "agreed"), (1, "历下区总工会", "agreed")]
    assert _post(api(office.chair), f"{url}/sign").json()["signer_name"] == "张主席"
    numbered = _post(api(office.clerk), f"{url}/number").json()
    assert numbered["number"] == f"济工发〔{timezone.localdate().year}〕1号"
    assert _post(api(office.clerk), f"{url}/distribute").json()["status"] == "distribution"
    finished = _post(api(office.clerk), f"{url}/archive").json()
    assert finished["status"] == "archived"
    assert [h["action"] for h in finished["history"]] == [
        "submit", "return", "submit", "send_countersign", "countersign_complete", "sign", "number", "seal",
        "archive"]
    wrong = _post(api(office.clerk), f"{url}/seal")
    assert (wrong.status_code, wrong.json()["message"]) == (409, "当前状态为“归档”，不能执行“用印”")


def test_a_refusal_through_the_api(api, office):
    document = services.submit(draft(office), by=office.drafter)
    services.check(document, by=office.reviewer, departments=[office.zzb, office.xcb])
    url = f"/api/v1/documents/{document.pk}/countersign"
    assert _post(api(office.xcb_head), url, {"decision": "agree"}).status_code == 200
    missing = _post(api(office.org_member), url, {"decision": "refuse"})
    assert (missing.status_code, missing.json()["message"]) == (422, "请填写不同意的理由")
    body = _post(api(office.org_member), url, {"decision": "refuse", "note": "人员名单有误"}).json()
    assert (body["status"], body["return_reason"]) == ("draft", "组织部不同意：人员名单有误")
    assert [(c["department"], c["status"]) for c in body["countersigns"]] == [("组织部", "refused"),
                                                                              ("宣传部", "agreed")]


def test_lists_and_scope(api, office):
    mine = draft(office, "草稿一")
    checking = services.submit(draft(office, "待核一"), by=office.drafter)
    assert [d["title"] for d in api(office.drafter).get("/api/v1/documents?queue=mine").json()["items"]] == ["草稿一"]
    assert [d["id"] for d in api(office.reviewer).get("/api/v1/documents?queue=check").json()["items"]] == [
        checking.pk]
    assert api(office.chair).get("/api/v1/documents?queue=sign").json()["items"] == []
    # The province sees 济南's documents; 青岛 and 历下 (below) do not.
    province = api(office.tree and _province_admin(office))
    assert {d["id"] for d in province.get("/api/v1/documents").json()["items"]} == {mine.pk, checking.pk}
    for outsider in (office.qingdao_chair, office.lixia_chair):
        client = api(outsider)
        assert client.get("/api/v1/documents").json()["items"] == []
        assert client.get(f"/api/v1/documents/{mine.pk}").status_code == 404
        assert _post(client, f"/api/v1/documents/{mine.pk}/submit").status_code == 404
    found = api(office.chair).get("/api/v1/documents?q=待核").json()["items"]
    assert [d["title"] for d in found] == ["待核一"]
    assert api(office.chair).get("/api/v1/documents?status=nope").status_code == 422
    assert api(office.chair).get("/api/v1/documents?queue=nope").status_code == 422
    assert OutgoingDocument.objects.count() == 2
    assert BODY


def _province_admin(office):
    from tests.documents.outgoing_rows import cadre

    return cadre("sd_admin", office.tree.province, "administrator", "省总管理员")
