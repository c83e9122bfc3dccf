"""Every form control on the console's pages is visible in a real browser: a border (or, for a check box or a radio
button, its native look) and a size to click, whether the theme's widget drew it or a plain Django form did (the
log-in's one-time code, the transfer action's reason, a hand-written field). Screenshots in /tmp/console_theme_*.png."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import expect
from tests import rows
from tests.browser.conftest import log_in

from smartunion.subsites.models import Subsite

SHOTS = Path(tempfile.gettempdir())

# (tag, type, name, border width (its own, or of the frame it sits in: the theme's file chooser), height,
# appearance) of every control shown and not drawn invisible on purpose (a
# file input under the theme's own file chooser, a select replaced by its search box).
CONTROLS = """
els => els.filter(e => e.checkVisibility({opacityProperty: true, visibilityProperty: true})
                       && !e.classList.contains("select2-hidden-accessible"))
          .map(e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
                      let frame = e, border = s.borderTopWidth;
                      for (let up = 0; border === "0px" && up < 3 && frame.parentElement; up++) {
                        frame = frame.parentElement; border = getComputedStyle(frame).borderTopWidth; }
                      return [e.tagName.toLowerCase(), e.type || '', e.name, border, Math.round(r.height),
                              s.appearance]; })
"""


def unseen(page) -> list:
    """The controls of the page one could not see or hardly click."""
    controls = page.locator("#content input:not([type=hidden]), #content select, #content textarea, "
                            "form#login-form input:not([type=hidden])").evaluate_all(CONTROLS.strip())
    assert controls, "no control found"
    return [c for c in controls if (c[1] not in ("checkbox", "radio") and (c[3] == "0px" or c[4] < 30))
            or (c[1] in ("checkbox", "radio") and c[4] < 12)]


def test_every_control_is_visible(transactional_db, django_db_serialized_rollback, tree, personas, live_server,
                                  page):
    page.goto(live_server.url + "/console/login/")
    assert unseen(page) == []
    page.screenshot(path=SHOTS / "console_theme_login.png")

    application = rows.applications(tree, 1)[0]
    transfer = rows.transfers(tree, 1)[0]
    subsite = Subsite.objects.create(org=tree.jinan, name="济南工惠")
    log_in(page, live_server, personas.province_admin.username, "/console/")
    for name, url in [
        ("transfer_act", f"/console/members/transfer/{transfer.pk}/act/"),
        ("org_change", f"/console/orgs/organisation/{tree.jinan.pk}/change/"),
        ("review", f"/console/members/joinapplication/{application.pk}/review/"),
        ("subsite", f"/console/subsites/subsite/{subsite.pk}/change/"),
        ("roster_upload", "/console/members/rosterimport/upload/"),
        ("org_import", "/console/orgs/organisation/import/"),
        ("on_behalf", "/console/members/joinapplication/on-behalf/"),
    ]:
        page.goto(live_server.url + url)
        expect(page.locator("body")).not_to_contain_text("不存在")
        assert unseen(page) == [], name
        page.screenshot(path=SHOTS / f"console_theme_{name}.png", full_page=True)
