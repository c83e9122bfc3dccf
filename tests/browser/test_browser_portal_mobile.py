"""The worker portal on a phone: the subsite home renders without sideways scrolling, and log-in reaches 我的."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import expect
from tests.conftest import PASSWORD

from smartunion.subsites.models import Subsite

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
SCREENSHOT = Path(tempfile.gettempdir()) / "portal_mobile.png"  # /tmp/portal_mobile.png


def test_portal_home_on_phone(transactional_db, django_db_serialized_rollback, tree, personas, live_server,
                              new_context):
    Subsite.objects.create(org=tree.province, name="齐鲁工惠", banner_title="齐鲁工惠 · 职工之家")
    context = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                          has_touch=True, user_agent=IPHONE_UA)
    page = context.new_page()

    css = []
    page.on("response", lambda r: css.append((r.url, r.status)) if r.url.endswith("app.css") else None)
    page.goto(live_server.url + "/")
    expect(page.locator("header.bar .brand")).to_have_text("齐鲁工惠")
    expect(page.locator(".banner h1")).to_have_text("齐鲁工惠 · 职工之家")
    # The card and 我的 are in the tab bar, not in the grid as well.
    for key, name in (("join", "我要入会"), ("membership", "我的会籍"), ("directory", "找工会"),
                      ("notices", "通知公告")):
        expect(page.locator(f'.grid .tile[data-service="{key}"] span')).to_have_text(name)
    expect(page.locator(".grid .tile")).to_have_count(9)  # and 工会新闻 and the four 维权帮扶 services

    # The stylesheet was served and applied (the red bar comes from app.css, not from the browser defaults).
    assert css and all(status == 200 for _, status in css), css
    assert page.evaluate("getComputedStyle(document.querySelector('header.bar')).backgroundColor") \
        == "rgb(200, 22, 29)"
    assert page.evaluate("getComputedStyle(document.querySelector('.grid')).display") == "grid"
    # Nothing sticks out sideways on a 390 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("window.innerWidth") == 390
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.goto(live_server.url + "/login/")
    page.locator("input[name='phone']").fill(personas.worker.phone)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("button[type='submit']").click()
    expect(page).to_have_url(live_server.url + "/me/")
    expect(page.locator("#my-card .strip-union")).to_have_text("甲公司工会委员会")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
