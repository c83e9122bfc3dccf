"""The browser test of issue 11: an editor writes an article in the console and submits it, the first reviewer sends
it back with a reason the editor reads, the editor corrects and resubmits it, 初审, 终审 and 签发 pass it, the signer
publishes it to 济南's portal channel through the publishing panel, and a worker reads it on a 390 px phone;
the signer then withdraws it (the confirmation dismissed once, then accepted) and it leaves the portal.

The editor types the body into the theme's Trix editor (unfold's WysiwygWidget); each reviewer works in their own
browser context (own session). No page scrolls sideways on the phone and no CSP violation or script error happens.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): editorial-new.png,
editorial-saved.png, editorial-sent-back.png, editorial-edit.png, editorial-sign.png, editorial-published.png,
editorial-news-list.png, editorial-news-article.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in
from tests.browser.test_browser_benefits import no_sideways_scroll, phone_page, portal_log_in
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive
from smartunion.editorial.models import Article, Publication
from smartunion.editorial.services.publishing import portal_channel
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

R = Position.Role
BASE = "/console/editorial/article/"
TITLE = "济南市职工运动会在奥体中心开幕"
SUMMARY = "三千名职工参加二十个项目的比赛"
PARAGRAPH = "11月28日，济南市第十届职工运动会在奥体中心开幕，全市三千名职工报名参加。"
ADDED = "比赛为期三天，设田径、拔河、跳绳等二十个项目。"
REASON = "请补充比赛的时间和项目"


def _cadre(username: str, role: str, org) -> None:
    user = make_user(username, display_name={"jinan_editor": "济南编辑", "jinan_first": "济南初审员",
                                             "jinan_final": "济南终审员", "jinan_signer": "济南签发人"}[username])
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)


def _console(new_context, problems: list[str], live_server, username: str, next_url: str):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    log_in(page, live_server, username, next_url)
    return page


def _step(page, label: str, note: str = "") -> None:
    """Press one of the review page's step buttons, with its comment."""
    form = page.locator("#article-steps form").filter(has=page.get_by_role("button", name=label, exact=True))
    if note:
        form.locator("input[name='note']").fill(note)
    form.get_by_role("button", name=label, exact=True).click()


def test_an_editor_writes_reviewers_sign_off_and_a_worker_reads_it_on_a_phone(
        tree, personas, live_server, new_context):
    sensitive.word_list_changed()
    _cadre("jinan_editor", R.EDITOR, tree.jinan)
    _cadre("jinan_first", R.FIRST_REVIEWER, tree.jinan)
    _cadre("jinan_final", R.FINAL_REVIEWER, tree.province)  # a role in the org above counts too
    _cadre("jinan_signer", R.SIGNER, tree.jinan)
    portal = portal_channel(tree.jinan)
    base = live_server.url
    problems: list[str] = []

    # The editor writes the article, the body typed into the Trix editor, and saves it.
    editor = _console(new_context, problems, live_server, "jinan_editor", BASE)
    editor.get_by_role("link", name="新建稿件").click()
    expect(editor).to_have_url(f"{base}{BASE}new/")
    form = editor.locator("form#article-form")
    form.locator("select[name='org']").select_option(str(tree.jinan.pk))
    form.locator("input[name='title']").fill(TITLE)
    form.locator("input[name='summary']").fill(SUMMARY)
    body = form.locator("trix-editor")
    body.click()
    editor.keyboard.type(PARAGRAPH)
    expect(form.locator("input[name='body']")).to_have_value(f"<div>{PARAGRAPH}</div>")
    editor.screenshot(path=SHOTS / "editorial-new.png", full_page=True)
    form.get_by_role("button", name="保存", exact=True).click()

    expect(editor).to_have_url(re.compile(rf"{BASE}\d+/review/$"))
    article = Article.objects.get()
    review_url = f"{base}{BASE}{article.pk}/review/"
    expect(editor).to_have_url(review_url)
    expect(editor.get_by_text(f"已保存“{TITLE}”（第 1 版）")).to_be_visible()
    expect(editor.locator("h1", has_text=TITLE)).to_have_count(1)
    expect(editor.locator("#article-meta")).to_have_text("济南市总工会 · 草稿 · 第 1 版")
    expect(editor.locator("#article-body")).to_have_text(PARAGRAPH)
    editor.screenshot(path=SHOTS / "editorial-saved.png", full_page=True)
    _step(editor, "送审")
    expect(editor.get_by_text("已送审，稿件现为“待初审”")).to_be_visible()
    expect(editor.locator("#article-steps")).to_have_count(0)  # nothing more for the editor at 初审

    # The first reviewer sends it back with a reason; the editor reads the reason.
    first = _console(new_context, problems, live_server, "jinan_first", f"{BASE}{article.pk}/review/")
    expect(first.locator("#article-meta")).to_have_text("济南市总工会 · 待初审 · 第 1 版")
    _step(first, "退回修改")
    expect(first.get_by_text("请填写原因")).to_be_visible()  # a send-back needs a reason
    expect(first.locator("#article-meta")).to_have_text("济南市总工会 · 待初审 · 第 1 版")
    _step(first, "退回修改", REASON)
    expect(first.get_by_text("已退回修改，稿件现为“草稿”")).to_be_visible()

    editor.reload()
    expect(editor.locator("#article-meta")).to_have_text("济南市总工会 · 草稿 · 第 1 版")
    sent_back = editor.locator("#article-history tr").filter(has_text="退回修改")
    expect(sent_back.locator("td")).to_have_text([re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"), "济南初审员", "退回修改",
                                                 REASON])
    editor.screenshot(path=SHOTS / "editorial-sent-back.png", full_page=True)

    # The editor adds the missing paragraph and submits again.
    editor.get_by_role("link", name="修改稿件").click()
    expect(editor).to_have_url(f"{base}{BASE}{article.pk}/edit/")
    trix = editor.locator("form#article-form trix-editor")
    expect(trix).to_have_text(PARAGRAPH)
    trix.click()
    editor.keyboard.press("Control+End")
    editor.keyboard.press("Enter")
    editor.keyboard.type(ADDED)
    editor.screenshot(path=SHOTS / "editorial-edit.png", full_page=True)
    editor.locator("form#article-form").get_by_role("button", name="保存", exact=True).click()
    expect(editor).to_have_url(review_url)
    expect(editor.get_by_text(f"已保存“{TITLE}”（第 2 版）")).to_be_visible()
    expect(editor.locator("#article-body")).to_have_text(PARAGRAPH + ADDED)
    expect(editor.locator("#revisions tr td:first-child")).to_have_text(["第 2 版", "第 1 版"])
    _step(editor, "送审", "已补充")
    expect(editor.get_by_text("已送审，稿件现为“待初审”")).to_be_visible()

    # 初审, 终审, 签发: each by its own reviewer.
    first.reload()
    _step(first, "初审通过", "文字通顺")
    expect(first.get_by_text("已初审通过，稿件现为“待终审”")).to_be_visible()
    final = _console(new_context, problems, live_server, "jinan_final", f"{BASE}{article.pk}/review/")
    expect(final.locator("#article-steps button")).to_have_text(["终审通过", "退回修改"])
    _step(final, "终审通过")
    expect(final.get_by_text("已终审通过，稿件现为“待签发”")).to_be_visible()
    signer = _console(new_context, problems, live_server, "jinan_signer", f"{BASE}{article.pk}/review/")
    expect(signer.locator("#article-steps button")).to_have_text(["签发", "退回修改"])
    signer.screenshot(path=SHOTS / "editorial-sign.png", full_page=True)
    _step(signer, "签发", "同意发布")
    expect(signer.get_by_text("已签发，稿件现为“已发布”")).to_be_visible()
    expect(signer.locator("#article-meta")).to_contain_text("济南市总工会 · 已发布 · 第 2 版 · 发布于 ")
    expect(signer.locator("#article-history tr td:nth-child(3)")).to_have_text(
        ["送审", "退回修改", "送审", "初审通过", "终审通过", "签发", "发布"])

    # The publishing panel: the portal channel, one click.
    panel = signer.locator("form#publish-form")
    panel.get_by_label("职工门户").check()
    panel.get_by_role("button", name="发布", exact=True).click()
    expect(signer.get_by_text("已发布到 1 个渠道")).to_be_visible()
    expect(signer.locator("#publications tr").nth(1).locator("td")).to_have_text(
        [re.compile("职工门户"), "已发送", "1", "—", "—"])
    signer.screenshot(path=SHOTS / "editorial-published.png", full_page=True)
    assert list(Publication.objects.values_list("channel_id", "status")) == [(portal.pk, "sent")]

    # A worker on a phone: the news list, then the article.
    worker = phone_page(new_context, problems)
    portal_log_in(worker, base, "13900000001", "/me/")
    worker.goto(f"{base}/news/")
    news = worker.locator("#news")
    expect(news.locator("h1")).to_have_text("工会新闻")
    item = news.locator("a.row")
    expect(item).to_have_count(1)
    expect(item.locator("strong")).to_have_text(TITLE)
    expect(item.locator("small")).to_have_text(re.compile(r"^济南市总工会 · \d{4}-\d\d-\d\d$"))
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "editorial-news-list.png", full_page=True)
    item.tap()
    expect(worker).to_have_url(f"{base}/news/{article.pk}/")
    expect(worker).to_have_title(re.compile(TITLE))
    shown = worker.locator("#article")
    expect(shown.locator("h1")).to_have_text(TITLE)
    expect(shown.locator(".notice-body")).to_have_text(PARAGRAPH + ADDED)
    expect(shown.locator("p.muted").first).to_contain_text("济南市总工会 · ")
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "editorial-news-article.png", full_page=True)

    # Withdrawing asks first (data-confirm): dismissed, nothing happens; accepted, the article leaves the portal.
    withdraw = signer.locator("#article-steps form").filter(has=signer.get_by_role("button", name="撤回", exact=True))
    withdraw.locator("input[name='note']").fill("比赛日期有误")
    dialogs: list[str] = []
    signer.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    withdraw.get_by_role("button", name="撤回", exact=True).click()
    assert dialogs == ["确定从所有渠道撤回该稿件吗？"]
    signer.reload()
    expect(signer.locator("#article-meta")).to_contain_text("济南市总工会 · 已发布 · 第 2 版")
    withdraw.locator("input[name='note']").fill("比赛日期有误")
    signer.once("dialog", lambda dialog: dialog.accept())
    withdraw.get_by_role("button", name="撤回", exact=True).click()
    expect(signer.get_by_text("已撤回，稿件现为“已撤回”")).to_be_visible()
    expect(signer.locator("#publications tr").nth(1).locator("td").nth(1)).to_have_text("已撤回")
    worker.goto(f"{base}/news/")
    expect(worker.locator("#news p.muted")).to_have_text("暂无新闻")
    assert worker.goto(f"{base}/news/{article.pk}/").status == 404
    assert problems == [], "\n".join(problems)
