"""The join flow end to end in a real browser: `newcomer` applies on a phone viewport, the receiving cadre approves
in the console, `newcomer` sees the card and a verifier accepts its QR payload.

The card page shows the QR as an inline SVG and exposes only its expiry (``data-expires-at``), not the token
itself; /me/card/qr/ answers the same (svg + expires_at). Tokens are deterministic (Ed25519 signatures are, and the
payload holds nothing but ids, the card number and ``exp``), so the test rebuilds the token from the expiry the page
shows and proves it is the one on screen by rendering it again and comparing the QR modules with the page's SVG.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from playwright.sync_api import expect
from tests.conftest import PASSWORD, make_user

from smartunion.accounts.models import User
from smartunion.core.qr import qr_svg
from smartunion.core.validators import make_id_number
from smartunion.members import card_tokens
from smartunion.members.models import JoinApplication, MemberCard, Membership
from smartunion.orgs.models import Region

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": IPHONE_UA}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
TMP = Path(tempfile.gettempdir())
JOIN_SHOT = TMP / "join_phone.png"  # /tmp/join_phone.png
REVIEW_SHOT = TMP / "console_review.png"  # /tmp/console_review.png
REVIEW_FORM_SHOT = TMP / "console_review_form.png"  # /tmp/console_review_form.png (the form before submitting)
CARD_SHOT = TMP / "card_phone.png"  # /tmp/card_phone.png

NEWCOMER_PHONE = "13900000002"
NAME = "李娜"
EMPLOYER = "济南新开张科技有限公司"
TOWN = "历下区解放路街道工会"
DISPATCH_NOTE = f"所在单位尚未建立工会，由“{TOWN}”受理，入会后挂靠该工会"
CARD_NUMBER = re.compile(r"已通过，会员卡号 (370100\d{10})(?!\d)")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def svg_path(svg: str) -> str:
    match = re.search(r'<path[^>]*\sd="([^"]+)"', svg)
    assert match, svg[:200]
    return match.group(1)


def test_join_approve_card_verify(transactional_db, django_db_serialized_rollback, tree, personas, live_server,
                                  new_context):
    town_region = Region.objects.create(code="370102001", name="解放路街道", level="township", parent_id="370102")
    tree.lixia_town.region = town_region
    tree.lixia_town.save(update_fields=["region"])
    newcomer = make_user("newcomer", kind=User.Kind.WORKER, phone=NEWCOMER_PHONE, display_name="")
    assert newcomer.person_id is None
    id_number = make_id_number("370102", dt.date(1995, 5, 5), 77)
    base = live_server.url

    # 1. The phone: log in, open home, tap 我要入会, fill the form, submit. ----------------------------------------
    phone = new_context(**PHONE).new_page()
    phone.goto(base + "/login/")
    phone.locator("input[name='phone']").fill(NEWCOMER_PHONE)
    phone.locator("input[name='password']").fill(PASSWORD)
    phone.locator("button[type='submit']").click()
    expect(phone).to_have_url(base + "/me/")

    phone.goto(base + "/")
    tile = phone.locator(".grid .tile", has_text="我要入会")
    expect(tile).to_be_visible()
    tile.tap()
    expect(phone).to_have_url(base + "/join/")
    form = phone.locator("form#join-form")
    expect(form).to_be_visible()
    assert no_sideways_scroll(phone)

    form.locator("input[name='name']").fill(NAME)
    form.locator("input[name='id_number']").fill(id_number)
    phone_input = form.locator("input[name='phone']")
    if phone_input.input_value() != NEWCOMER_PHONE:  # prefilled from the account; type it when it is not
        phone_input.fill(NEWCOMER_PHONE)
    form.locator("input[name='employer_name']").fill(EMPLOYER)
    # 工作地区: the region cascader, picked select by select (province → city → county → township).
    region = form.locator(".su-cascader")
    expect(region).to_have_attribute("data-ready", "1")
    expect(form.locator("input[name='work_region']")).to_be_hidden()
    expect(region.locator(".su-cascader-hint")).to_be_hidden()
    for level, code, name in (("province", "370000", "山东省"), ("city", "370100", "济南市"),
                              ("county", "370102", "历下区"), ("township", "370102001", "解放路街道")):
        select = region.locator(f"select[data-level='{level}']")
        expect(select.locator(f"option[value='{code}']")).to_have_text(name)  # filled from /regions/children/
        select.select_option(value=code)
        expect(form.locator("input[name='work_region']")).to_have_value(code)
    expect(region.locator("select")).to_have_count(4)
    assert no_sideways_scroll(phone)
    form.locator("button[type='submit']").tap()

    expect(phone).to_have_url(base + "/me/membership/")
    applications = phone.locator("#applications")
    expect(applications).to_be_visible()
    first = applications.locator("article.row").first
    expect(first.locator("strong")).to_have_text("待审核")
    expect(first).to_contain_text(f"受理工会：{TOWN}")
    expect(first).to_contain_text(DISPATCH_NOTE)
    expect(phone.locator("#membership")).to_contain_text("您还不是工会会员")
    assert no_sideways_scroll(phone)
    phone.screenshot(path=JOIN_SHOT, full_page=True)

    application = JoinApplication.objects.get(applicant=newcomer)
    assert application.status == JoinApplication.Status.PENDING
    assert application.union_id == tree.lixia_town.pk
    assert application.work_region_id == "370102001"

    # 2. The desktop: the county cadre reviews the application in the console and approves it. ----------------------
    desk = new_context(**DESKTOP).new_page()
    desk.goto(base + "/console/login/")
    login = desk.locator("form#login-form")
    login.locator("input[name='username']").fill(personas.county_cadre.username)
    login.locator("input[name='password']").fill(PASSWORD)
    login.locator("[type='submit']").click()
    expect(desk).to_have_url(base + "/console/")

    desk.goto(base + "/console/members/joinapplication/")
    summary = desk.locator("#overdue-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("本辖区超期未审核的入会申请：0 件")
    row = desk.locator("#result_list tbody tr", has_text=EMPLOYER)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("李*")
    expect(row).to_contain_text(TOWN)
    assert NAME not in desk.locator("#result_list").inner_text()  # the list shows the masked name only
    row.get_by_role("link", name="审核").click()
    expect(desk).to_have_url(base + f"/console/members/joinapplication/{application.pk}/review/")
    expect(desk.locator("#application-summary")).to_contain_text(DISPATCH_NOTE)

    review = desk.locator("form#review-form")
    review.locator("input[name='action'][value='approve']").check()
    desk.screenshot(path=REVIEW_FORM_SHOT, full_page=True)
    review.locator("button[type='submit']").click()
    expect(desk).to_have_url(base + "/console/members/joinapplication/")
    expect(desk.locator("body")).to_contain_text(CARD_NUMBER)
    card_number = CARD_NUMBER.search(desk.locator("body").inner_text()).group(1)
    # The application left the 审核 queue: no 审核 link on its row any more.
    expect(desk.locator("#result_list tbody tr", has_text=EMPLOYER).get_by_role("link", name="审核")).to_have_count(0)
    desk.screenshot(path=REVIEW_SHOT, full_page=True)

    newcomer.refresh_from_db()
    membership = Membership.objects.select_related("union").get(person_id=newcomer.person_id,
                                                                 status=Membership.Status.ACTIVE)
    assert membership.union_id == tree.lixia_town.pk and membership.provisional
    assert membership.card_number == card_number

    # 3. Back on the phone: the card page shows the card and its QR; a merchant verifies the QR's token. -----------
    phone.goto(base + "/me/card/")
    card_box = phone.locator("section.member-card")
    expect(card_box.locator(".holder")).to_have_text(NAME[0] + "*")  # masked, as on every screen
    expect(card_box).to_contain_text(TOWN)
    expect(card_box.locator(".card-number")).to_have_text(card_number)  # the same 会员卡号 as the console's
    qr = phone.locator("#card-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and box["height"] >= 150, box  # big enough to scan off a phone
    assert no_sideways_scroll(phone)
    # Scrolled to the bottom, the last link (挂失补办) sits above the fixed tab bar, not behind it.
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    lost_button = phone.locator("#report-lost-link")
    button_bottom = lost_button.evaluate("b => b.getBoundingClientRect().bottom")
    tabbar_top = phone.locator("nav.tabbar").evaluate("n => n.getBoundingClientRect().top")
    assert button_bottom <= tabbar_top, (button_bottom, tabbar_top)
    phone.evaluate("window.scrollTo(0, 0)")

    # The token on screen: rebuilt from the page's expiry and checked module for module against the page's SVG.
    expires_at = dt.datetime.fromisoformat(phone.locator("#card-qr").get_attribute("data-expires-at"))
    page_path = phone.locator("#card-qr svg path").first.get_attribute("d")
    card = MemberCard.objects.get(person_id=newcomer.person_id, status=MemberCard.Status.ACTIVE)
    assert card.card_number == card_number
    exp = int(expires_at.timestamp())
    token = card_tokens.card_token(membership, card, now=exp - card_tokens.TOKEN_TTL_SECONDS)
    assert card_tokens.token_expiry(token) == expires_at
    assert svg_path(qr_svg(token)) == page_path, "the rebuilt token is not the one the page's QR encodes"
    phone.screenshot(path=CARD_SHOT, full_page=True)

    # The logged-in phone's refresh endpoint answers JSON with a fresh QR (and, like the page, no bare token).
    fresh = phone.request.get(base + "/me/card/qr/", headers={"Accept": "application/json"})
    assert fresh.ok, fresh.text()
    assert set(fresh.json()) == {"svg", "expires_at"}

    # A merchant's scanner: a separate context with no cookies.
    merchant = new_context().request
    answer = merchant.post(base + "/api/v1/cards/verify", data={"token": token})
    assert answer.status == 200, answer.text()
    body = answer.json()
    assert body["valid"] is True, body
    assert body["reason"] == "ok" and body["message"] == "会员证有效"
    assert body["member"]["name"] == "李*"
    assert body["member"]["union"] == TOWN
    assert body["member"]["card_number"] == card_number[:4] + "*" * 8 + card_number[-4:]
    assert NAME not in answer.text() and id_number not in answer.text()

    # A tampered token (one character of the signature changed) is refused.
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused = merchant.post(base + "/api/v1/cards/verify", data={"token": flipped}).json()
    assert refused["valid"] is False and refused["member"] is None
