"""The console through a real browser: a city cadre logs in and sees their own subtree, nothing else."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD

JINAN_SUBTREE = {"济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"}
SCREENSHOT = "/tmp/console_jinan.png"


def console_login(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(live_server.url + "/console/login/")
    form = page.locator("form").filter(has=page.locator("input[name='password']"))
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    form.locator("[type='submit']").click()
    page.wait_for_load_state("domcontentloaded")


def test_city_cadre_sees_only_jinan_subtree(transactional_db, django_db_serialized_rollback, tree, personas,
                                           live_server, page):
    console_login(page, live_server, personas.city_cadre.username)
    expect(page).to_have_url(live_server.url + "/console/")

    page.goto(live_server.url + "/console/orgs/organisation/")
    expect(page.locator("#result_list")).to_be_visible()
    # The first list_display column ("name") is the link to each row's change page.
    names = page.locator("#result_list tbody tr").locator("th a, td.field-name a").all_inner_texts()
    assert {name.strip() for name in names} == JINAN_SUBTREE
    assert len(names) == len(JINAN_SUBTREE)
    assert "青岛市总工会" not in page.content()
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Out of scope is "not there": the change page of 青岛 answers 不存在 and never shows the name.
    page.goto(f"{live_server.url}/console/orgs/organisation/{tree.qingdao.pk}/change/")
    expect(page.locator("body")).to_contain_text("不存在")
    assert "青岛市总工会" not in page.content()
    assert not re.search(rf"/orgs/organisation/{tree.qingdao.pk}/change/$", page.url)
