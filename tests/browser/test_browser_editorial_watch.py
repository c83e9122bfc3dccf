"""舆情监测 in a browser: a worker comments on an article on a phone (one comment is held for its wording, one is
refused for a block-level word), the city's editor finds the watch's hit in the console, opens its source and marks
it handled, and shows the held comment, which the worker then reads. No CSP violation or script error happens, and
the phone page does not scroll sideways.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): watch-comments-phone.png,
watch-hits.png, watch-handle.png, watch-comments-console.png.
"""

from __future__ import annotations

import pytest
from django.urls import include, path
from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in
from tests.browser.test_browser_benefits import no_sideways_scroll, phone_page, portal_log_in
from tests.conftest import make_user

from smartunion.console.admin import editorial_watch  # noqa: F401  registers the pages (until admin/__init__ lists it)
from smartunion.console.site import console_site
from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import ArticleComment, WatchHit
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import portal_channel, publish
from smartunion.editorial.services.watch import add_rule
from smartunion.editorial.services.words import add_word
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position
from smartunion.portal import news_comments_views
from smartunion.portal import urls as portal_urls

# The portal's URLs with the comment URL added (as portal/urls.py will).
urlpatterns = [
    path("console/", console_site.urls),
    path("", include(([*portal_urls.urlpatterns, *news_comments_views.urlpatterns], "portal"))),
]
pytestmark = [pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback"),
              pytest.mark.urls(__name__)]


def test_a_comment_is_watched_held_and_shown(tree, personas, live_server, new_context):
    sensitive.word_list_changed()
    watch.rules_changed()
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    editor = make_user("jinan_editor", display_name="济南编辑")
    org_services.position_grant(user=editor, org=tree.jinan, role=Position.Role.EDITOR, by=SYSTEM)
    add_rule(by=editor, org=tree.jinan, name="劳资纠纷", keywords=["欠薪", "讨薪"], sources=["comment", "case"])
    article = create_article(by=SYSTEM, org=tree.jinan, title="济南市职工运动会开幕", summary="三千职工参加",
                             body="<p>济南市第十届职工运动会开幕。</p>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    publish(article, by=SYSTEM, channels=[portal_channel(tree.jinan)])
    base, url = live_server.url, f"/news/{article.pk}/"
    problems: list[str] = []

    phone = phone_page(new_context, problems)
    portal_log_in(phone, base, "13900000001", url)
    form = phone.locator("#comment-form")
    form.locator("textarea[name='text']").fill("推荐一个网络 赌博平台")
    form.locator("#comment-submit").tap()
    expect(phone.locator("#comment-form p.error")).to_have_text("评论含有禁用词（违法违规），请修改后再发表")
    expect(phone.locator("#comment-form textarea")).to_have_value("推荐一个网络 赌博平台")
    phone.locator("#comment-form textarea").fill("我们农民工被欠薪三个月了，请工会帮帮忙")
    phone.locator("#comment-submit").tap()
    expect(phone.locator(".messages")).to_contain_text("评论已提交，其中有需要核对的用词，编辑审核后显示")
    expect(phone.locator("#no-comments")).to_be_visible()
    assert no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "watch-comments-phone.png"), full_page=True)
    comment = ArticleComment.objects.get()
    assert comment.status == "held"
    hit = WatchHit.objects.get()
    assert (hit.keyword, hit.source_link) == ("欠薪", f"{url}#comment-{comment.pk}")

    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    desk.on("pageerror", lambda error: problems.append(str(error)))
    log_in(desk, live_server, "jinan_editor", "/console/editorial/watchhit/")
    row = desk.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("劳资纠纷")
    source = row.get_by_role("link", name="济南市职工运动会开幕")
    expect(source).to_have_attribute("href", f"{url}#comment-{comment.pk}")
    desk.screenshot(path=str(SHOTS / "watch-hits.png"), full_page=True)
    row.get_by_role("link", name="标记已处理").click()
    desk.locator("input[name='note']").fill("已联系职工，转维权部门")
    desk.screenshot(path=str(SHOTS / "watch-handle.png"), full_page=True)
    desk.get_by_role("button", name="标记已处理").click()
    expect(desk.locator("#result_list tbody tr")).to_contain_text("已联系职工，转维权部门")
    hit.refresh_from_db()
    assert (hit.status, hit.handled_by) == ("handled", editor)

    desk.goto(f"{base}/console/editorial/articlecomment/?status__exact=held")
    expect(desk.locator("#result_list tbody tr")).to_contain_text("第3字“农民工”")
    desk.screenshot(path=str(SHOTS / "watch-comments-console.png"), full_page=True)
    desk.locator("#result_list").get_by_role("link", name="显示").click()
    desk.get_by_role("button", name="显示").click()
    comment.refresh_from_db()
    assert comment.status == "visible"

    phone.goto(base + url)
    expect(phone.locator(f"#comment-{comment.pk}")).to_contain_text("我们农民工被欠薪三个月了")
    assert problems == []
