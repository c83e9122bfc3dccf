"""The approvals pages on a phone (390 × 844) in Debian's Chromium: a staff member starts an expense, the
administrator approves it from 待我审批 with the big buttons and the confirmation, and no page scrolls sideways.
Screenshots go to the temp folder (SMARTUNION_SCREENSHOTS to keep them elsewhere)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from tests.conftest import PASSWORD
from tests.documents.approvals_rows import make_office

from smartunion.documents.models import ApprovalRequest

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("SMARTUNION_SCREENSHOTS") or tempfile.gettempdir())
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium 未安装：浏览器测试已跳过 (apt-get install chromium)"),
]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_an_expense_on_the_phone(tree, personas, live_server):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    make_office(tree, personas)
    pinned = [(alias, connections[alias]) for alias in connections]
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    for alias, connection in pinned:
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])

        def phone(username):
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page.goto(f"{live_server.url}/console/login/")
            page.fill("form#login-form input[name='username']", username)
            page.fill("form#login-form input[name='password']", PASSWORD)
            page.click("form#login-form [type='submit']")
            page.wait_for_load_state("domcontentloaded")
            return page

        staff = phone("jn_staff")
        staff.goto(f"{live_server.url}/console/documents/approvalrequest/start/")
        _no_sideways_scroll(staff)
        staff.screenshot(path=str(SHOTS / "approvals-phone-start.png"), full_page=True)
        staff.click("a.appr-card:has-text('报销')")
        staff.select_option("select[name='category']", "差旅费")
        staff.fill("input[name='amount']", "5200.5")
        staff.fill("input[name='occurred_on']", "2026-11-20")
        staff.fill("input[name='invoices']", "3")
        staff.click("#approval-request-form button[type='submit']")
        staff.wait_for_load_state("domcontentloaded")
        assert "请填写费用说明" in staff.content()
        _no_sideways_scroll(staff)
        staff.screenshot(path=str(SHOTS / "approvals-phone-form-error.png"), full_page=True)
        staff.fill("textarea[name='description']", "赴省总工会参加培训")
        staff.click("#approval-request-form button[type='submit']")
        staff.wait_for_selector("#approval-steps")
        created = ApprovalRequest.objects.get()
        assert created.amount_fen == 520050
        staff.screenshot(path=str(SHOTS / "approvals-phone-detail.png"), full_page=True)

        admin = phone("city_cadre")
        admin.goto(f"{live_server.url}/console/documents/approvalrequest/waiting/")
        _no_sideways_scroll(admin)
        admin.screenshot(path=str(SHOTS / "approvals-phone-waiting.png"), full_page=True)
        admin.click("#approval-rows a")
        admin.wait_for_selector("#approval-actions")
        _no_sideways_scroll(admin)
        admin.screenshot(path=str(SHOTS / "approvals-phone-decide.png"), full_page=True)
        admin.click("#approval-actions a:has-text('同意')")
        admin.fill("textarea[name='note']", "票据齐全")
        admin.screenshot(path=str(SHOTS / "approvals-phone-confirm.png"), full_page=True)
        admin.click("#approval-act-form button[type='submit']")
        admin.wait_for_load_state("domcontentloaded")
        assert "已同意" in admin.content()
        browser.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved
    created.refresh_from_db()
    assert (created.status, created.current_step) == ("pending", 2)
