"""The browser test of issue 10: a worker files a rights case (我要维权) on a 390 px phone, a handler replies in the
console, the worker reads the reply, the handler closes the case, and the worker rates it.

The worker logs in through the portal's form, opens 我要维权 from 我的, picks the kind, the category and its
sub-category (the sub-category select shows only the chosen category's group: portal/cases.js), the region with the
cascader, and submits; the page after it names the number, the routed union and the due date. The city cadre opens
the case from the console's queue, replies, and closes it behind the confirmation; the worker sees the reply and the
result in 我的维权 and gives 5 stars. No page scrolls sideways and no CSP violation or script error happens.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): cases-new.png, cases-filed.png,
cases-console-queue.png, cases-console-detail.png, cases-detail-reply.png, cases-rated.png, cases-me.png,
cases-console-hotline.png, cases-console-stats.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in
from tests.browser.test_browser_benefits import no_sideways_scroll, phone_page, portal_log_in

from smartunion.cases.models import Case

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

DESCRIPTION = "公司已经两个月没有发工资了，车间十多个人都一样，找人事也没有结果。"


def test_a_worker_files_a_case_on_a_phone_a_handler_replies_and_the_worker_rates_it(
        tree, personas, live_server, new_context, page):
    base = live_server.url
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    worker = phone_page(new_context, problems)
    portal_log_in(worker, base, "13900000001", "/me/")
    rights = worker.locator("#my-rights")
    expect(rights.locator("h2")).to_have_text("维权帮扶")
    rights.locator("#me-case-new").tap()
    expect(worker).to_have_url(base + "/cases/new/")
    form = worker.locator("form#case-form")
    form.locator("input[name='kind'][value='complaint']").check()
    form.locator("select[name='category']").select_option("wages")
    sub = form.locator("select[name='subcategory']")
    # Only the 工资报酬 group is offered.
    expect(sub.locator("optgroup:not([hidden])")).to_have_count(1)
    expect(sub.locator("optgroup:not([hidden])")).to_have_attribute("label", "工资报酬")
    sub.select_option("arrears")
    form.locator("input[name='employer_name']").fill("济南甲科技有限公司")
    region = form.locator(".su-cascader")
    expect(region).to_have_attribute("data-ready", "1")
    for level, code in (("province", "370000"), ("city", "370100"), ("county", "370102")):
        select = region.locator(f"select[data-level='{level}']")
        expect(select.locator(f"option[value='{code}']")).to_have_count(1)
        select.select_option(value=code)
    expect(form.locator("input[name='region']")).to_have_value("370102")
    form.locator("textarea[name='description']").fill(DESCRIPTION)
    expect(form.locator("input[name='phone']")).to_have_value("13900000001")  # prefilled from the account
    form.locator("input[name='hide_identity']").check()
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "cases-new.png", full_page=True)
    form.locator("button#case-submit").tap()

    expect(worker).to_have_url(re.compile(r"/me/cases/\d+/filed/$"))
    case = Case.objects.get()
    expect(worker).to_have_url(f"{base}/me/cases/{case.pk}/filed/")
    expect(worker.locator("#case-number")).to_have_text(case.number)
    expect(worker.locator("#case-org")).to_have_text(case.org.name)
    expect(worker.locator("#case-due")).to_contain_text("前")
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "cases-filed.png", full_page=True)

    # The handler: the city cadre, from the queue to the case, replies.
    log_in(page, live_server, personas.city_cadre.username, "/console/cases/case/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text(case.number)
    expect(row).to_contain_text("待受理")
    page.screenshot(path=SHOTS / "cases-console-queue.png", full_page=True)
    row.locator("a", has_text="办理").click()
    expect(page).to_have_url(f"{base}/console/cases/case/{case.pk}/handle/")
    expect(page.locator("#case-description")).to_have_text(DESCRIPTION)
    reply = page.locator("#act-reply")
    if reply.get_attribute("open") is None:
        reply.locator("summary").click()
    reply.locator("textarea").fill("您好，已联系公司工会核实，三个工作日内答复您。")
    reply.locator("button[data-act='reply']").click()
    expect(page.locator("#case-status")).to_contain_text("办理中")
    expect(page.locator("#case-timeline")).to_contain_text("三个工作日内答复您")
    page.screenshot(path=SHOTS / "cases-console-detail.png", full_page=True)

    worker.goto(f"{base}/me/cases/{case.pk}/")
    expect(worker.locator("#case-status")).to_have_text("办理中")
    expect(worker.locator("#case-lines .case-msg-reply .case-text")).to_have_text(
        "您好，已联系公司工会核实，三个工作日内答复您。")
    worker.locator("textarea[name='body']").fill("好的，谢谢，工资条照片稍后补充。")
    worker.locator("button#case-send").tap()
    expect(worker.locator(".msg")).to_have_text("已发送，工作人员会尽快处理")
    expect(worker.locator("#case-lines .case-msg-worker .case-text")).to_have_text("好的，谢谢，工资条照片稍后补充。")
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "cases-detail-reply.png", full_page=True)

    # The handler closes it, behind the confirmation.
    page.reload()
    close = page.locator("#act-close")
    close.locator("summary").click()
    close.locator("select[name='close-resolution']").select_option("resolved")
    close.locator("textarea[name='close-note']").fill("公司已补发两个月工资。")
    close.locator("button[data-act='close']").click()
    expect(page.locator("#confirm-summary")).to_contain_text("办理结果：已解决")
    page.locator("#act-confirm").click()
    expect(page.locator("#case-status")).to_contain_text("已办结")

    worker.reload()
    expect(worker.locator("#case-result h2")).to_have_text("办理结果：已解决")
    stars = worker.locator("#rating-stars")
    stars.locator("label", has_text="5 星").tap()
    worker.locator("textarea[name='comment']").fill("处理及时，非常感谢！")
    worker.locator("button#case-rate-submit").tap()
    expect(worker.locator(".msg")).to_have_text("感谢您的评价")
    expect(worker.locator("#case-rated")).to_contain_text("5 星")
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "cases-rated.png", full_page=True)
    case.refresh_from_db()
    assert (case.status, case.rating, case.rating_comment) == ("closed", 5, "处理及时，非常感谢！")

    worker.goto(f"{base}/me/")
    expect(worker.locator(f"#my-rights a[data-item='case-{case.pk}'] small")).to_have_text("已办结")
    worker.screenshot(path=SHOTS / "cases-me.png", full_page=True)

    # The console's other pages render (screenshots to look at).
    page.goto(f"{base}/console/cases/case/hotline/")
    expect(page.locator("form#hotline-form")).to_be_visible()
    page.screenshot(path=SHOTS / "cases-console-hotline.png", full_page=True)
    page.goto(f"{base}/console/cases/case/stats/")
    expect(page.locator("#stats-summary")).to_be_visible()
    page.screenshot(path=SHOTS / "cases-console-stats.png", full_page=True)
    assert problems == []
