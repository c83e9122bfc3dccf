"""The Person and Membership lists' search box in a real browser (issue 8): a full ID number or phone typed there
ends on 查找人员 (sent by POST by console/search-guard.js) with the masked result, and no URL the browser asks for
holds the number; a name still searches the list itself. A number that reaches a list's URL anyway is turned away
with a message linking 查找人员, and the list comes back without it. (The console itself needs JavaScript, so the
list's answer to such a GET is shown here with the script on, by opening the URL.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.browser.test_browser_console_scope import submit_login
from tests.conftest import console_client

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

ZHANG_ID = "370102199003071238"  # personas: 张伟, 139 0000 0001, card 370102000000001, in 济南
NOTICE = "按身份证号或手机号查找请使用「查找人员」"


def watch(page) -> tuple[list[str], list[str]]:
    """Every URL the page asks for, and its CSP violations and script errors."""
    urls: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return urls, problems


def test_a_full_id_number_typed_in_the_list_search_ends_on_people_search(tree, personas, live_server, page):
    base = live_server.url
    urls, problems = watch(page)
    page.goto(base + "/console/login/")
    submit_login(page, personas.city_cadre.username)
    page.goto(base + "/console/members/person/")
    page.locator("#searchbar").fill(ZHANG_ID)
    page.locator("#searchbar").press("Enter")
    expect(page).to_have_url(base + "/console/people/search/")
    expect(page.locator("#people-summary")).to_have_text("按身份证号码查找“3701**********1238”：共 1 人")
    expect(page.locator("#people-results tbody tr td")).to_have_text(
        ["张*", "3701**********1238", "139****0001", "男性", "370102000000001", "甲公司工会委员会", "2020-05-01",
         "职工信息 会籍"])
    assert ZHANG_ID not in page.content()
    assert page.locator("#id_q").input_value() == ""

    # A phone typed (with +86 and hyphens) in the membership list goes the same way.
    page.goto(base + "/console/members/membership/")
    page.locator("#searchbar").fill("+86 139-0000-0001")
    page.locator("#searchbar-submit").click()
    expect(page).to_have_url(base + "/console/people/search/")
    expect(page.locator("#people-summary")).to_have_text("按手机号码查找“139****0001”：共 1 人")

    # A name is the list's own search, in its URL as before.
    page.goto(base + "/console/members/person/")
    page.locator("#searchbar").fill("张伟")
    page.locator("#searchbar").press("Enter")
    expect(page).to_have_url(base + "/console/members/person/?q=%E5%BC%A0%E4%BC%9F")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    assert [u for u in urls if ZHANG_ID in u or "13900000001" in u or "139-0000" in u] == []
    assert problems == []


def test_a_number_in_a_list_url_is_turned_away_with_a_link_to_people_search(tree, personas, live_server, page):
    """What the server does when the number comes in a GET anyway (an old link, a script that did not run)."""
    base = live_server.url
    session = console_client(personas.city_cadre).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page.goto(f"{base}/console/members/person/?q={ZHANG_ID}")
    expect(page).to_have_url(base + "/console/members/person/")
    expect(page.locator("body")).to_contain_text(NOTICE)
    expect(page.locator("#searchbar")).to_have_value("")
    assert ZHANG_ID not in page.content()
    page.get_by_role("link", name="查找人员", exact=True).last.click()
    expect(page).to_have_url(base + "/console/people/search/")
    expect(page.locator("#people-search-form #id_q")).to_have_value("")
