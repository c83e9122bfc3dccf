"""The console's 惠工活动 in a real browser: a city cadre creates a vote from the new-activity form with its audience
preview, publishes it behind the confirmation, and sees the results drawn as a chart (Chart.js from the theme, no
inline script under the CSP).

Saves console-activity-form.png and console-activity-vote.png (desktop size) in $SMARTUNION_SCREENSHOTS."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect
from tests.benefits.conftest import make_member
from tests.browser.conftest import SHOTS, log_in

from smartunion.benefits.models import Activity
from smartunion.benefits.services.polls import cast_vote


def test_a_cadre_creates_publishes_and_reads_a_vote_as_a_chart(transactional_db, django_db_serialized_rollback,
                                                               tree, personas, live_server, page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    make_member(tree.grassroots, birth=dt.date(1993, 7, 1))
    log_in(page, live_server, personas.city_cadre.username, "/console/benefits/activity/new/")
    start = timezone.localtime()
    page.select_option("#id_kind", "vote")
    page.select_option("#id_org", str(tree.jinan.pk))
    page.fill("#id_title", "最美职工评选")
    page.fill("#id_starts_at", f"{start:%Y-%m-%dT%H:%M}")
    page.fill("#id_ends_at", f"{start + dt.timedelta(days=3):%Y-%m-%dT%H:%M}")
    page.fill("#id_options", "李师傅\n王大姐\n赵师傅")
    page.check("input[name='birth_months'][value='7']")
    page.click("button[name='preview']")
    expect(page.locator("#audience-preview")).to_contain_text("参与对象预计 1 人")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-activity-form.png"), full_page=True)
    page.click("button[name='save']")
    expect(page.locator("#activity-steps a")).to_have_text(["发布"])
    page.click("#activity-steps a")
    expect(page.locator("#publish-audience")).to_contain_text("当前共 1 人")
    page.click("#step-confirm")
    expect(page.locator("#activity-steps a")).to_have_text(["暂停", "结束"])

    activity = Activity.objects.get()
    assert activity.audience == {"birth_months": [7]}  # the rules kept as chosen
    member = make_member(tree.grassroots, birth=dt.date(1991, 7, 9))
    cast_vote(activity, by=member, option_ids=[activity.options.get(position=2).pk])
    page.reload()
    expect(page.locator("#results-total")).to_have_text("共 1 份选票")
    chart = page.locator("canvas.results-chart")
    expect(chart).to_have_count(1)
    page.wait_for_function("() => { const c = document.querySelector('canvas.results-chart');"
                           " return c && c.width > 0 && window.Chart && Chart.getChart(c); }")
    votes = page.evaluate("() => Chart.getChart(document.querySelector('canvas.results-chart')).data.datasets[0].data")
    assert votes == [0, 1, 0]
    expect(page.locator("#activity-history li")).to_have_text([re.compile(r"发布：草稿 → 进行中（city_cadre）")])
    page.screenshot(path=str(SHOTS / "console-activity-vote.png"), full_page=True)
    assert errors == []
