"""Browser tests: Playwright's Python package driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (``apt-get install chromium``), never from Playwright's own browser download.

Environment:
    SMARTUNION_CHROMIUM   path of the Chromium executable to use instead of looking up ``chromium`` on PATH.
                          A path that is not an executable file counts as "Chromium not found", so
                          ``SMARTUNION_CHROMIUM=/nonexistent pytest tests/browser`` shows the loud skip.

When Chromium is missing every test in this folder is skipped with SKIP_REASON, and the end of the run prints a
banner so the skip cannot pass unnoticed in CI logs.

Database: the live server answers from its own thread, so the rows a test builds must be committed: the tests
request ``transactional_db`` (and ``django_db_serialized_rollback``, which restores the regions loaded by
migrations after the flush of the previous transactional test) before the ``tree``/``personas`` fixtures.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
SKIP_REASON = "Chromium 未安装：浏览器测试已跳过 (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
# Where tests keep their screenshots: the system's temp folder, so a run changes no tracked file;
# `SMARTUNION_SCREENSHOTS=docs/screenshots pytest -m browser` refreshes the ones kept in the repository.
SHOTS = Path(os.environ.get("SMARTUNION_SCREENSHOTS") or tempfile.gettempdir())


def log_in(page, live_server, username: str, next_url: str = "/console/") -> None:
    """Sign a cadre in through the console's log-in form and land on `next_url`."""
    from playwright.sync_api import expect
    from tests.conftest import PASSWORD

    page.goto(f"{live_server.url}/console/login/?next={next_url}")
    form = page.locator("form#login-form")
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("[type='submit']").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page).to_have_url(live_server.url + next_url)


def find_chromium() -> str | None:
    """Debian's Chromium, or the executable named by SMARTUNION_CHROMIUM; None when there is none."""
    override = os.environ.get("SMARTUNION_CHROMIUM", "").strip()
    candidates = [override] if override else [shutil.which("chromium"), shutil.which("chromium-browser"),
                                              "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _is_browser_item(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(BROWSER_DIR)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Conftest hooks see the whole session's items, so only touch the ones collected from this folder.
    browser_items = [item for item in items if _is_browser_item(item)]
    if not browser_items:
        return
    chromium = find_chromium()
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        if chromium is None:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _skipped_for_missing_chromium(terminalreporter) -> int:
    count = 0
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3 and SKIP_REASON in str(longrepr[2]):
            count += 1
    return count


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    skipped = _skipped_for_missing_chromium(terminalreporter)
    if skipped:
        banner = f"!!! BROWSER TESTS SKIPPED: Chromium not found — {skipped} tests skipped !!!"
        terminalreporter.write_sep("!", "browser tests", red=True, bold=True)
        terminalreporter.write_line(banner, red=True, bold=True)
        terminalreporter.write_line(f"    {SKIP_REASON}", red=True)
        terminalreporter.write_sep("!", red=True, bold=True)


class _Chromium:
    """One Playwright driver and one Chromium for the session, stopped after the last browser test.

    While Playwright's sync API is alive it keeps an asyncio loop marked as running in this thread (between calls
    too), which makes Django's ORM refuse to run (SynchronousOnlyOperation), switches django.db.connections to
    context-local storage, and breaks asyncio.run() in later tests. So the
    browser is closed as soon as no browser test is left in the run (see pytest_runtest_teardown), and the
    DJANGO_ALLOW_ASYNC_UNSAFE override lives exactly as long as the browser.
    """

    def __init__(self) -> None:
        self.playwright = None
        self.browser = None
        self._saved_env: str | None = None

    def start(self, executable: str):
        from django.db import connections
        from playwright.sync_api import sync_playwright

        # Django keeps its connections in an asgiref Local that is thread-local while no event loop runs in the
        # thread and context-local once one does. Without pinning, the test code would get fresh
        # DatabaseWrapper objects instead of the ones the test database was set up on, and those lack
        # `_test_serialized_contents`, so serialized_rollback silently restores nothing (the regions loaded by
        # migrations vanish after the first transactional test). Pin the set-up wrappers into the new storage.
        pinned = [(alias, connections[alias]) for alias in connections]
        self._saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.playwright = sync_playwright().start()
        for alias, connection in pinned:
            connections[alias] = connection
        try:
            self.browser = self.playwright.chromium.launch(executable_path=executable, headless=True,
                                                           args=CHROMIUM_ARGS)
        except Exception:
            self.stop()
            raise
        return self.browser

    def stop(self) -> None:
        if self.browser is not None:
            try:
                self.browser.close()
            finally:
                self.browser = None
        if self.playwright is not None:
            try:
                self.playwright.stop()
            finally:
                self.playwright = None
                if self._saved_env is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_env


_CHROMIUM = _Chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # After the last browser test of the run, close Chromium and Playwright's loop (the session fixture's own
    # finaliser then has nothing left to do).
    if _CHROMIUM.browser is not None and _is_browser_item(item):
        items = item.session.items
        later = items[items.index(item) + 1:] if item in items else []
        if not any(_is_browser_item(other) for other in later):
            _CHROMIUM.stop()
    return result


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip(SKIP_REASON)
    browser = _CHROMIUM.start(executable)
    yield browser
    _CHROMIUM.stop()


@pytest.fixture
def new_context(browser):
    """Factory for isolated browser contexts (own cookies); all are closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A desktop-sized page in a fresh context."""
    return new_context(viewport=DESKTOP_VIEWPORT).new_page()
