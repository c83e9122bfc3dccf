"""The browser test of issue 13's dashboards: a city cadre (济南) opens 数据看板, sees the headline figures, the trend
charts and the map of the city's counties, drills down from the map to 历下区, and exports the table of 历下区's
children as .xlsx (the right rows); then the big screen of the city. No CSP violation or script error happens.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): insight-dashboard-city.png,
insight-dashboard-county.png, insight-screen.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.insight.figures import last_months
from smartunion.insight.services.rollups import rollup
from smartunion.members.services import membership_start, person_upsert
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")
K = Organisation.Kind


def _members(union, n, start):
    for i in range(start, start + n):
        person, _ = person_upsert(name=f"职工{i}", id_number=make_id_number("370112", dt.date(1990, 1, 1), i),
                                  by=SYSTEM)
        membership_start(person=person, union=union, card_number=f"37011200000{i:04d}",
                         since=dt.date(2026, 1, 1) - dt.timedelta(days=40 * i), by=SYSTEM)


def test_a_city_cadre_drills_down_from_the_map_and_exports(tree, personas, new_context, live_server, tmp_path):
    _members(tree.grassroots, 2, 1)
    _members(tree.lixia_town, 3, 10)
    for i, (name, code) in enumerate([("历城区总工会", "370112"), ("槐荫区总工会", "370104"),
                                      ("章丘区总工会", "370114")]):
        county = org_services.org_create(parent=tree.jinan, kind=K.COUNTY, name=name, region=code, by=SYSTEM)
        town = org_services.org_create(parent=county, kind=K.TOWNSHIP, name=name[:3] + "中心街道工会", region=code,
                                       by=SYSTEM)
        _members(town, 2 + 3 * i, 100 + 20 * i)
    rollup(months=last_months(12), by=SYSTEM)

    problems: list[str] = []
    page = new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True).new_page()
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    log_in(page, live_server, "city_cadre", "/console/insight/dashboard/")

    expect(page.locator("#insight-dashboard h1", has_text="数据看板：济南市总工会")).to_be_visible()
    # 历下区 6 (the worker, 2 more in 甲公司, 3 in the township), 历城区 2, 槐荫区 5, 章丘区 8.
    expect(page.locator("#dash-headline .insight-card").first).to_contain_text("21")
    tiles = page.locator("#dash-map a.insight-tile")
    expect(tiles).to_have_count(4)
    expect(page.locator("#dash-children tbody tr")).to_have_count(4)
    # The charts were drawn (Chart.js, served by the console, no CDN).
    assert page.evaluate("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length") == 4
    page.screenshot(path=str(SHOTS / "insight-dashboard-city.png"), full_page=True)

    page.locator(f"#dash-map a.insight-tile[data-org='{tree.lixia.pk}']").click()
    expect(page.locator("#insight-dashboard h1", has_text="数据看板：历下区总工会")).to_be_visible()
    expect(page.locator("#dash-crumbs")).to_contain_text("济南市总工会 › 历下区总工会")
    expect(page.locator("#dash-children tbody tr")).to_have_count(1)
    expect(page.locator("#dash-children tbody tr").first).to_contain_text("历下区解放路街道工会")
    page.screenshot(path=str(SHOTS / "insight-dashboard-county.png"), full_page=True)

    with page.expect_download() as info:
        page.locator("#dash-export-children").click()
    download = info.value
    assert download.suggested_filename.startswith("历下区总工会下级单位统计") and \
        download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "children.xlsx"
    download.save_as(target)
    rows = [list(r) for r in load_workbook(target).active.iter_rows(values_only=True)]
    assert rows[0][:4] == ["单位", "类型", "行政区划", "会员数"]
    assert [r[:4] for r in rows[1:]] == [["历下区解放路街道工会", "乡镇（街道）工会", "历下区", 6]]

    screen = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    screen.on("pageerror", lambda error: problems.append(f"screen: {error}"))
    log_in(screen, live_server, "city_cadre", "/console/insight/screen/")
    expect(screen.locator("#screen-title")).to_have_text("济南市总工会数据大屏")
    expect(screen.locator("#screen-ranking li")).to_have_count(4)
    screen.screenshot(path=str(SHOTS / "insight-screen.png"))
    assert problems == []
