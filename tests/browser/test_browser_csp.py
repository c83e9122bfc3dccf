"""Content-Security-Policy in a real browser: every area works under its policy, with no violation reported.

Chromium reports each blocked script, style, font, image or request as a console error ("Refused to ... because it
violates the following Content Security Policy directive"); a page whose Alpine.js could not start reports a page
error. Both are collected for every page below.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.browser.test_browser_console_scope import submit_login
from tests.conftest import console_client

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")


@pytest.fixture
def watched(page):
    """The page, and the CSP violations and script errors it reports."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page, problems


STRICT = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
          "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
          "form-action": "'self'", "frame-ancestors": "'none'"}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def visit(page, url: str) -> dict:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, url
    return response.headers


def test_console_pages_work_under_the_console_policy(tree, personas, live_server, watched):
    page, problems = watched
    headers = visit(page, live_server.url + "/console/login/")
    # Only what unfold needs on top of the strict policy: Alpine.js's eval, inline styles.
    assert directives(headers["content-security-policy"]) == {
        **STRICT, "script-src": "'self' 'unsafe-eval'", "style-src": "'self' 'unsafe-inline'"}
    submit_login(page, personas.city_cadre.username)
    expect(page.locator("body")).to_contain_text("工作台")
    visit(page, live_server.url + "/console/orgs/organisation/")
    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator("#org-tree")).to_have_attribute("data-ready", "1")  # the tree panel's script ran
    visit(page, f"{live_server.url}/console/orgs/organisation/{tree.lixia.pk}/change/")
    expect(page.locator("input[name='name']")).to_have_value("历下区总工会")
    expect(page.locator(".field-region .su-cascader")).to_have_attribute("data-ready", "1")  # the region cascader
    # An autocomplete (select2 + XHR to the console) opens and searches.
    visit(page, f"{live_server.url}/console/orgs/employer/{tree.employer.pk}/change/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("济南")
    expect(page.locator(".select2-results__option").first).to_contain_text("济南")
    visit(page, live_server.url + "/console/members/person/")
    visit(page, live_server.url + "/console/members/rosterimport/upload/")
    assert problems == []


def test_portal_and_api_docs_work_under_the_strict_policy(tree, personas, live_server, watched):
    page, problems = watched
    headers = visit(page, live_server.url + "/")
    assert directives(headers["content-security-policy"]) == STRICT
    visit(page, live_server.url + "/login/")
    session = console_client(personas.worker).cookies["sessionid"].value  # signed in as the worker
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    visit(page, live_server.url + "/me/card/")
    expect(page.locator("#card-qr svg")).to_be_visible()
    headers = visit(page, live_server.url + "/api/v1/docs")
    assert directives(headers["content-security-policy"]) == STRICT
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    assert problems == []
