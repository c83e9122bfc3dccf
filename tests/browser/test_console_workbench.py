"""The console's workbench and audit log in a real browser: a city cadre lands on 工作台 with their city's counts and
follows one to its list; the audit log's action filter narrows the list.

Saves console-workbench.png and console-audit.png (desktop size) in $SMARTUNION_SCREENSHOTS (see conftest.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in
from tests.console.test_workbench import application, job, member

from smartunion.core.actors import SYSTEM
from smartunion.members.models import Membership
from smartunion.members.services import transfer_request
from smartunion.members.services.transfers import transfer_release


def count_of(page, key: str):
    return page.locator(f"[data-queue='{key}'] [data-count]")


def test_a_city_cadre_sees_the_city_counts_and_follows_one(transactional_db, django_db_serialized_rollback, tree,
                                                           personas, live_server, page):
    application(tree.grassroots)
    application(tree.grassroots)
    application(tree.grassroots, overdue=True)
    application(tree.qd_grassroots, overdue=True)  # 青岛's: not counted in 济南
    transfer_request(membership=member(tree.grassroots), by=SYSTEM, to_union=tree.qd_grassroots)
    transfer_release(transfer_request(membership=member(tree.qd_grassroots), by=SYSTEM, to_union=tree.grassroots),
                     by=SYSTEM)
    for status in ("validating", "failed", "validated"):
        job(tree.grassroots, status)
    member(tree.grassroots, employment_form="12")

    log_in(page, live_server, personas.city_cadre.username)
    expect(page.locator("#workbench-scope")).to_have_text("管辖范围：济南市总工会（含下级）")
    expected = {"members.join.pending": "3", "members.join.overdue": "1", "members.transfer.release": "1",
                "members.transfer.accept": "1", "members.roster.running": "1", "members.roster.failed": "1",
                "members.roster.validated": "1"}
    for key, value in expected.items():
        expect(count_of(page, key)).to_have_text(value)
    figures = {label: page.locator(f"[data-figure='{label}'] [data-value]").inner_text()
               for label in ("会员总数", "本月新增", "新就业形态会员")}
    assert figures == {"会员总数": "3", "本月新增": "2", "新就业形态会员": "1"}
    expect(page.locator("[data-queue='members.join.overdue']")).to_have_class(re.compile("bg-red-50"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-workbench.png"), full_page=True)

    page.locator("[data-queue='members.join.pending']").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)


def test_the_audit_log_filter_by_action_narrows_the_list(transactional_db, django_db_serialized_rollback, tree,
                                                          personas, live_server, page):
    membership = Membership.objects.get(person=personas.worker.person)
    transfer = transfer_request(membership=membership, by=personas.worker, to_union=tree.qd_grassroots)
    transfer_release(transfer, by=personas.city_cadre, note="工作调动，同意转出")

    log_in(page, live_server, personas.city_cadre.username, "/console/core/auditevent/")
    rows = page.locator("#result_list tbody tr")
    before = rows.count()
    assert before > 2
    expect(page.locator("#result_list")).to_contain_text("同意转出会员")
    expect(page.locator("#result_list")).to_contain_text("原状态：待转出；新状态：待接收；说明：工作调动，同意转出")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-audit.png"))  # the viewport: the list's sticky footer stays at its foot

    page.locator("a[x-on\\:click='filterOpen = true']").click()  # the 筛选 button opens the filter sheet
    page.locator("#changelist-filter select[name='action']").select_option("members.transfer.release")
    page.get_by_role("button", name="应用筛选").click()
    page.wait_for_load_state("domcontentloaded")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("同意转出会员")
    expect(rows.first).to_contain_text("members.transfer.release")
    assert "action=members.transfer.release" in page.url
