"""The browser test of issue 12: a province drafter (拟稿人) writes an outgoing document (发文) in the console and sends
it through the declared flow 拟稿 → 核稿 → 会签 → 签发 → 编号 → 用印 → 分发; the province office then sends it through
公文交换 to every county federation below, and one county federation's office signs for it (签收).

会签 has two parties, the province's 组织部 (a department) and 济南市总工会 (an org below): in the first round 组织部
agrees and 济南 refuses with a reason, which sends the document back to the drafter; the drafter reads the reason,
changes the text (第 2 版) and submits again; in the second round both agree. 编号 issues 鲁工发〔<year>〕1号,
签收 gives the county's incoming document 收〔<year>〕1号, and the province's 签收情况 page shows that county as 已签收
and the other as 待签收.

Every person works in their own browser context (own session) and answers the pages' confirmation dialogs; no CSP
violation or script error happens on any page.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): documents-draft.png,
documents-countersign.png, documents-returned.png, documents-numbered.png, documents-send.png,
documents-county-waiting.png, documents-county-signed.png, documents-exchange-status.png.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.conftest import DESKTOP_VIEWPORT, SHOTS, log_in
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import Countersign, Delivery, IncomingDocument, OutgoingDocument
from smartunion.documents.services import outgoing as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

R = Position.Role
OUTGOING = "/console/documents/outgoingdocument/"
TITLE = "关于开展2026年职工技能竞赛的通知"
RECIPIENTS = "各市、县（区）总工会"
BODY = "各市、县（区）总工会：\n现将2026年职工技能竞赛有关事项通知如下。\n一、竞赛项目。"
ADDED = "二、报名时间：3月31日前。"
REASON = "请写明报名截止时间"
MINUTE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


def _cadre(username: str, display_name: str, org, role: str):
    user = make_user(username, display_name=display_name)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


def _console(new_context, problems: list[str], dialogs: list[str], live_server, username: str, next_url: str):
    """A desktop page in a fresh context, signed in; it accepts every confirmation and keeps its question."""
    page = new_context(viewport=DESKTOP_VIEWPORT).new_page()
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    log_in(page, live_server, username, next_url)
    return page


def _step(page, label: str, note: str = "") -> None:
    """Press one of the document page's step buttons (送核稿, 签发, 用印...), with its comment."""
    form = page.locator("#document-steps form").filter(has=page.get_by_role("button", name=label, exact=True))
    if note:
        form.locator("input[name='note']").fill(note)
    form.get_by_role("button", name=label, exact=True).click()


def _check(page, note: str) -> None:
    """核稿 choosing the two countersigning parties."""
    form = page.locator("#check-form")
    form.get_by_label("组织部", exact=True).check()
    form.get_by_label("济南市总工会", exact=True).check()
    form.locator("input[name='note']").fill(note)
    form.get_by_role("button", name="核稿通过", exact=True).click()


def _countersign(page, agree: bool, note: str) -> None:
    form = page.locator("#countersign-form")
    form.locator(f"input[name='decision'][value='{'agree' if agree else 'refuse'}']").check()
    form.locator("input[name='note']").fill(note)
    form.get_by_role("button", name="提交会签意见", exact=True).click()


def test_a_drafter_sends_a_document_through_sign_off_and_exchange_and_a_county_signs_for_it(
        tree, live_server, new_context):
    province = tree.province
    _cadre("sd_drafter", "王拟稿", province, R.EDITOR)
    _cadre("sd_reviewer", "李核稿", province, R.REVIEWER)
    _cadre("sd_chair", "张主席", province, R.CHAIR)
    _cadre("sd_clerk", "赵办公室", province, R.ADMINISTRATOR)
    zzb_head = _cadre("sd_zzb", "组织部部长", province, R.EDITOR)
    _cadre("jn_chair", "济南主席", tree.jinan, R.CHAIR)
    _cadre("lx_clerk", "历下收发员", tree.lixia, R.ADMINISTRATOR)
    services.save_department(by=SYSTEM, org=province, name="组织部", head=zzb_head)
    rule = services.create_rule(by=SYSTEM, org=province, name="发文", prefix="鲁工发")
    year = timezone.localdate().year
    number = f"鲁工发〔{year}〕1号"
    base = live_server.url
    problems: list[str] = []
    dialogs: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 拟稿: the drafter fills in the elements and saves, then submits to 核稿.
    drafter = _console(new_context, problems, dialogs, live_server, "sd_drafter", OUTGOING)
    drafter.get_by_role("link", name="拟稿", exact=True).click()
    expect(drafter).to_have_url(f"{base}{OUTGOING}new/")
    form = drafter.locator("form#document-form")
    form.locator("select[name='org']").select_option(str(province.pk))
    form.locator("select[name='kind']").select_option("notice")
    form.locator("input[name='title']").fill(TITLE)
    form.locator("select[name='rule']").select_option(str(rule.pk))
    form.locator("input[name='main_recipients']").fill(RECIPIENTS)
    form.locator("textarea[name='body']").fill(BODY)
    drafter.screenshot(path=SHOTS / "documents-draft.png", full_page=True)
    form.get_by_role("button", name="保存", exact=True).click()
    expect(drafter).to_have_url(re.compile(rf"{OUTGOING}\d+/$"))
    document = OutgoingDocument.objects.get()
    detail = f"{OUTGOING}{document.pk}/"
    expect(drafter).to_have_url(base + detail)
    expect(drafter.get_by_text(f"已保存“{TITLE}”（第 1 版）")).to_be_visible()
    expect(drafter.locator("#document-meta")).to_have_text("山东省总工会 · 通知 · 拟稿 · 第 1 版 · 拟稿人 王拟稿")
    _step(drafter, "送核稿")
    expect(drafter.get_by_text("已送核稿，公文现为“核稿”")).to_be_visible()
    assert dialogs[-1] == "确定送核稿吗？送出后不能再修改，如需修改请由核稿人退回。"
    expect(drafter.locator("#document-steps")).to_have_count(0)  # nothing more for the drafter now

    # 核稿: the reviewer sends it to 会签 by 组织部 and 济南市总工会.
    reviewer = _console(new_context, problems, dialogs, live_server, "sd_reviewer", detail)
    _check(reviewer, "请组织部、济南市总工会会签")
    expect(reviewer.get_by_text("核稿完成，已送会签")).to_be_visible()
    expect(reviewer.locator("#document-meta")).to_contain_text("山东省总工会 · 通知 · 会签 · 第 1 版")

    # 会签, first round: 组织部 agrees, 济南 refuses with a reason and the document goes back to the drafter.
    zzb = _console(new_context, problems, dialogs, live_server, "sd_zzb", detail)
    expect(zzb.locator("#countersign-form")).to_be_visible()
    zzb.screenshot(path=SHOTS / "documents-countersign.png", full_page=True)
    _countersign(zzb, True, "同意")
    expect(zzb.get_by_text("已会签同意")).to_be_visible()
    assert dialogs[-1] == "确定提交会签意见吗？提交后不能更改。"
    jinan = _console(new_context, problems, dialogs, live_server, "jn_chair", "/console/")
    expect(jinan.locator("[data-queue='documents.outgoing.countersign'] [data-count]")).to_have_text("1")
    jinan.goto(base + detail)
    _countersign(jinan, False, REASON)
    expect(jinan.get_by_text("已会签不同意，公文退回拟稿人")).to_be_visible()
    expect(jinan).to_have_url(base + OUTGOING)  # no longer 济南's to see

    drafter.reload()
    expect(drafter.locator("#document-meta")).to_contain_text("山东省总工会 · 通知 · 拟稿 · 第 1 版")
    expect(drafter.locator("#return-reason")).to_have_text(f"退回原因：济南市总工会不同意：{REASON}")
    answers = drafter.locator("#countersigns tr").filter(has=drafter.locator("td"))
    expect(answers).to_have_count(2)
    expect(answers.nth(0).locator("td")).to_have_text(["第 1 轮", "组织部", "同意", "同意", "组织部部长", MINUTE])
    expect(answers.nth(1).locator("td")).to_have_text(["第 1 轮", "济南市总工会", "不同意", REASON, "济南主席", MINUTE])
    drafter.screenshot(path=SHOTS / "documents-returned.png", full_page=True)

    # The drafter adds the missing paragraph (第 2 版) and submits again.
    drafter.get_by_role("link", name="修改公文", exact=True).click()
    expect(drafter).to_have_url(f"{base}{detail}edit/")
    body = drafter.locator("form#document-form textarea[name='body']")
    expect(body).to_have_value(BODY)
    body.fill(f"{BODY}\n{ADDED}")
    drafter.locator("form#document-form").get_by_role("button", name="保存", exact=True).click()
    expect(drafter).to_have_url(base + detail)
    expect(drafter.get_by_text(f"已保存“{TITLE}”（第 2 版）")).to_be_visible()
    expect(drafter.locator("#versions tr td:first-child")).to_have_text(["第 2 版", "第 1 版"])
    _step(drafter, "送核稿")
    expect(drafter.get_by_text("已送核稿，公文现为“核稿”")).to_be_visible()

    # Second round: 核稿 again, both parties agree and it goes on to 签发.
    reviewer.reload()
    _check(reviewer, "已补充报名时间，请再次会签")
    expect(reviewer.get_by_text("核稿完成，已送会签")).to_be_visible()
    zzb.reload()
    _countersign(zzb, True, "同意")
    expect(zzb.get_by_text("已会签同意")).to_be_visible()
    jinan.goto(base + detail)
    _countersign(jinan, True, "同意，已补充")
    expect(jinan.get_by_text("已会签同意")).to_be_visible()
    assert Countersign.objects.filter(document=document, round=2).count() == 2
    assert set(Countersign.objects.filter(document=document, round=2).values_list("status", flat=True)) == {"agreed"}

    # 签发 by the chair.
    chair = _console(new_context, problems, dialogs, live_server, "sd_chair", detail)
    expect(chair.locator("#document-meta")).to_contain_text("山东省总工会 · 通知 · 签发 · 第 2 版")
    _step(chair, "签发", "同意印发")
    expect(chair.get_by_text("已签发，公文现为“编号”")).to_be_visible()
    assert dialogs[-1] == "确定签发该公文吗？"

    # 编号 and 用印 by the office: the number is issued, then the document is ready to distribute.
    clerk = _console(new_context, problems, dialogs, live_server, "sd_clerk", detail)
    number_form = clerk.locator("#number-form")
    expect(number_form.locator("select[name='rule'] option:checked")).to_have_text("鲁工发")
    number_form.get_by_role("button", name="编号", exact=True).click()
    expect(clerk.get_by_text(f"已编号：{number}")).to_be_visible()
    assert dialogs[-1] == "确定编号吗？发文字号一经取用不再收回。"
    expect(clerk.locator("#document-meta")).to_have_text(
        f"山东省总工会 · 通知 · 用印 · 第 2 版 · {number} · 拟稿人 王拟稿")
    clerk.screenshot(path=SHOTS / "documents-numbered.png", full_page=True)
    _step(clerk, "用印")
    expect(clerk.get_by_text("已用印，公文现为“分发”")).to_be_visible()
    expect(clerk.locator("#document-history tr td:nth-child(3)")).to_have_text(
        ["送核稿", "核稿并送会签", "会签不同意", "送核稿", "核稿并送会签", "会签完成", "签发", "编号", "用印"])
    expect(clerk.locator("#document-elements")).to_contain_text("签发人")
    expect(clerk.locator("#document-elements tr").nth(2).locator("td")).to_have_text([number, "张主席"])

    # 公文交换: to every county federation below the province.
    clerk.locator("#exchange-send").click()
    expect(clerk).to_have_url(f"{base}/console/documents/exchange/send/{document.pk}/")
    send = clerk.locator("#send-form")
    send.get_by_label("下辖全部县（区）总工会", exact=True).check()
    expect(send.locator("input[name='sign_days']")).to_have_value("3")
    clerk.screenshot(path=SHOTS / "documents-send.png", full_page=True)
    send.get_by_role("button", name="发送", exact=True).click()
    expect(clerk.get_by_text("已发送给2个单位")).to_be_visible()
    assert dialogs[-1] == "确定发送吗？接收单位会收到收文并需签收。"
    status_url = clerk.url
    expect(clerk).to_have_url(re.compile(r"/console/documents/exchange/\d+/status/$"))
    expect(clerk.locator("#exchange-facts")).to_contain_text(f"{number} · 山东省总工会 · 发送于 ")
    recipients = clerk.locator("#recipients tbody tr")
    expect(recipients.locator("td:nth-child(1)")).to_have_text(["历下区总工会", "市南区总工会"])
    expect(recipients.locator("td:nth-child(2)")).to_have_text(["待签收", "待签收"])

    # The county federation's office: 待签收 on the workbench, the 收文 list, the document, 签收.
    county = _console(new_context, problems, dialogs, live_server, "lx_clerk", "/console/")
    queue = county.locator("[data-queue='documents.exchange.to_sign']")
    expect(queue.locator("[data-count]")).to_have_text("1")
    queue.click()
    county.wait_for_load_state("domcontentloaded")
    rows = county.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(TITLE)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("待签收")
    county.screenshot(path=SHOTS / "documents-county-waiting.png", full_page=True)
    rows.first.get_by_role("link", name="办理", exact=True).click()
    incoming = IncomingDocument.objects.get(org=tree.lixia)
    expect(county).to_have_url(f"{base}/console/documents/incomingdocument/{incoming.pk}/view/")
    facts = county.locator("#incoming-facts")
    expect(facts.locator("dt:text-is('收文编号') + dd")).to_have_text("签收后编号")
    expect(facts.locator("dt:text-is('来文字号') + dd")).to_have_text(number)
    expect(facts.locator("dt:text-is('来源') + dd")).to_have_text("公文交换（待签收）")
    expect(county.locator("#incoming-body")).to_contain_text(ADDED)
    county.locator("#incoming-steps [data-step='sign']").click()
    expect(county.locator("#confirm-question")).to_have_text("确定签收该公文吗？签收后不能退回。")
    county.locator("#exchange-form").get_by_role("button", name="签收", exact=True).click()
    expect(county).to_have_url(f"{base}/console/documents/incomingdocument/{incoming.pk}/view/")
    expect(county.get_by_text("已签收", exact=True)).to_be_visible()
    expect(facts.locator("dt:text-is('收文编号') + dd")).to_have_text(f"收〔{year}〕1号")
    expect(facts.locator("dt:text-is('来源') + dd")).to_have_text("公文交换（已签收）")
    expect(county.locator("#incoming-steps [data-step='sign']")).to_have_count(0)
    county.screenshot(path=SHOTS / "documents-county-signed.png", full_page=True)

    # The province's 签收情况: 历下 signed, 市南 still waiting.
    clerk.goto(status_url)
    expect(clerk.locator("#exchange-counts a")).to_have_text(["全部 2", "待签收 1", "已签收 1", "已退回 0",
                                                             "催办未签收单位"])
    expect(recipients.locator("td:nth-child(1)")).to_have_text(["历下区总工会", "市南区总工会"])
    expect(recipients.locator("td:nth-child(2)")).to_have_text(["已签收", "待签收"])
    expect(recipients.locator("td:nth-child(4)")).to_have_text(["历下收发员", "—"])
    clerk.screenshot(path=SHOTS / "documents-exchange-status.png", full_page=True)

    assert sorted(Delivery.objects.values_list("to_org__name", "status")) == [
        ("历下区总工会", "signed"), ("市南区总工会", "delivered")]
    assert IncomingDocument.objects.get(pk=incoming.pk).serial == f"收〔{year}〕1号"
    assert IncomingDocument.objects.get(org=tree.shinan).serial == ""
    assert problems == [], "\n".join(problems)
