"""The console through a real browser: a city cadre logs in and sees their own subtree, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import expect
from tests.conftest import PASSWORD

JINAN_SUBTREE = {"济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"}
SCREENSHOT = Path(tempfile.gettempdir()) / "console_jinan.png"  # /tmp/console_jinan.png


def submit_login(page, username: str, password: str = PASSWORD) -> None:
    form = page.locator("form#login-form")
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    form.locator("[type='submit']").click()
    page.wait_for_load_state("domcontentloaded")


def test_login_page_lands_on_console(transactional_db, django_db_serialized_rollback, tree, personas,
                                    live_server, page):
    """Opening /console/login/ directly (a bookmark) and logging in lands on the console's 工作台."""
    page.goto(live_server.url + "/console/login/")
    expect(page.locator("form#login-form input[name='username']")).to_be_visible()
    submit_login(page, personas.city_cadre.username)
    expect(page).to_have_url(live_server.url + "/console/")
    expect(page.locator("body")).to_contain_text("工作台")


def test_city_cadre_sees_only_jinan_subtree(transactional_db, django_db_serialized_rollback, tree, personas,
                                           live_server, page):
    # Asking for the list while logged out goes through the log-in form and back (?next=...).
    page.goto(live_server.url + "/console/orgs/organisation/")
    expect(page).to_have_url(live_server.url + "/console/login/?next=/console/orgs/organisation/")
    submit_login(page, personas.city_cadre.username)
    expect(page).to_have_url(live_server.url + "/console/orgs/organisation/")

    expect(page.locator("#result_list")).to_be_visible()
    # The first list_display column ("name") links to each row's change page.
    names = [n.strip() for n in page.locator("#result_list tbody tr th a").all_inner_texts()]
    assert sorted(names) == sorted(JINAN_SUBTREE)
    assert "青岛市总工会" not in page.content()
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Out of scope is "not there": 青岛's change page answers 不存在 and never shows the name.
    page.goto(f"{live_server.url}/console/orgs/organisation/{tree.qingdao.pk}/change/")
    expect(page.locator("body")).to_contain_text("不存在")
    assert "青岛市总工会" not in page.content()
    assert f"/{tree.qingdao.pk}/change/" not in page.url
