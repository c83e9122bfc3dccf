"""The worker portal on a phone (390 px, touch, a CJK font): sign-up with the inline code button and its countdown,
log-in by SMS code, 我的 as a hub, the card page, the join form's region cascader (and its code input without
JavaScript), installability (manifest, service worker, the card page offline) and the API docs rendering with every
request to another host blocked.

Screenshots of the home page, 我的 and the card page go to $SMARTUNION_SCREENSHOTS (the system's temp folder when
unset); `SMARTUNION_SCREENSHOTS=docs/screenshots pytest tests/browser/test_portal_phone.py` refreshes the ones in
the repository (portal-home.png, portal-me.png, portal-card.png).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.conftest import console_client
from tests.members.conftest import join_values

from smartunion.accounts.models import User
from smartunion.core.models import OutboxMessage
from smartunion.members.models import JoinApplication
from smartunion.orgs.models import Region
from smartunion.subsites.models import Notice, Subsite

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
SHOTS = Path(os.environ.get("SMARTUNION_SCREENSHOTS") or tempfile.gettempdir())
NEW_PHONE = "13800000002"


@pytest.fixture
def phone(new_context):
    """A phone-sized page (iPhone 14 viewport, touch)."""
    context = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                          has_touch=True, user_agent=IPHONE_UA)
    return context.new_page()


@pytest.fixture
def channels(tree):
    province = Subsite.objects.create(org=tree.province, name="齐鲁工惠", banner_title="齐鲁工惠 · 职工之家",
                                      banner_text="入会、会员证、找工会，一网通办")
    jinan = Subsite.objects.create(org=tree.jinan, name="济南工惠", banner_title="济南职工之家")
    return province, jinan


def sign_in(page, base: str, user) -> None:
    session = console_client(user).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_up_with_the_code_button_then_log_in_by_sms_code(channels, live_server, phone, new_context):
    base = live_server.url
    phone.goto(base + "/register/")
    expect(phone).to_have_title("注册 - 齐鲁工惠")
    form = phone.locator("form.sms-form")
    assert form.locator("input[name='phone']").count() == 1  # one phone field
    form.locator("input[name='phone']").fill(NEW_PHONE)
    button = form.locator("button.code-button")
    expect(button).to_have_text("获取验证码")
    button.tap()
    # The answer shows beside the field and the button counts down, on the same page (the phone stays typed).
    expect(form.locator(".sms-status")).to_have_text("验证码已发送，5分钟内有效")
    expect(button).to_have_text(re.compile(r"^(60|59|58)秒后重新获取$"))
    expect(button).to_be_disabled()
    expect(phone).to_have_url(base + "/register/")
    expect(form.locator("input[name='phone']")).to_have_value(NEW_PHONE)
    assert no_sideways_scroll(phone)
    phone.screenshot(path=SHOTS / "portal-register.png", full_page=True)
    message = OutboxMessage.objects.filter(channel="sms").latest("id")
    assert message.body.startswith("【齐鲁工惠】您的验证码是")
    code = re.search(r"验证码是(\d{6})", message.body).group(1)

    form.locator("input[name='code']").fill(code)
    form.locator("input[name='password']").fill("union-member-2024")
    form.locator("input[name='display_name']").fill("小王")
    # Without the consent box the account is not made, and the message sits under the box.
    form.locator("button.primary").tap()
    expect(form.locator("label.check + p.error")).to_have_text("请阅读并同意《用户协议》和《隐私政策》")
    assert not User.objects.filter(kind=User.Kind.WORKER, display_name="小王").exists()
    form = phone.locator("form.sms-form")
    form.locator("input[name='password']").fill("union-member-2024")
    form.locator("input[name='consent']").check()
    form.locator("button.primary").tap()
    expect(phone).to_have_url(base + "/me/")
    expect(phone.locator(".profile h1")).to_have_text("小王")
    expect(phone.locator(".msg")).to_have_text("注册成功")

    # Another phone logs in by SMS code, again typing the number once.
    other = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                        user_agent=IPHONE_UA).new_page()
    other.goto(base + "/login/")
    other.locator("nav.tabs a", has_text="验证码登录").tap()
    expect(other).to_have_url(base + "/login/?by=sms")
    form = other.locator("form.sms-form")
    form.locator("input[name='phone']").fill(NEW_PHONE)
    form.locator("button.code-button").tap()
    expect(form.locator(".sms-status")).to_have_text("如该手机号已注册，验证码已发送，5分钟内有效")
    expect(form.locator("button.code-button")).to_be_disabled()
    code = re.search(r"验证码是(\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body).group(1)
    form.locator("input[name='code']").fill(code)
    form.locator("input[name='code']").press("Enter")  # Enter submits the log-in, not the code button
    expect(other).to_have_url(base + "/me/")
    expect(other.locator(".profile h1")).to_have_text("小王")


def test_home_me_and_the_card_on_a_phone(channels, personas, live_server, phone):
    base = live_server.url
    _, jinan = channels
    Notice.objects.create(subsite=jinan, title="2026年职工疗休养报名开始", body="各基层工会：……",
                          published_at=timezone.now(), pinned=True)
    Notice.objects.create(subsite=jinan, title="新就业形态劳动者入会集中行动", body="……", published_at=timezone.now())
    sign_in(phone, base, personas.worker)

    phone.goto(base + "/")
    expect(phone).to_have_title("济南工惠")
    expect(phone.locator("header.bar .brand")).to_have_text("济南工惠")
    # A member: no 我要入会, and nothing of the tab bar again in the grid.
    expect(phone.locator(".grid .tile span")).to_have_text(["我的会籍", "找工会", "通知公告", "工会新闻", "我要维权",
                                                             "法律援助", "心理咨询", "困难帮扶"])
    expect(phone.locator("nav.tabbar a")).to_have_text(["首页", "会员证", "我的"])
    expect(phone.locator("nav.tabbar a.current")).to_have_text("首页")
    assert phone.locator("nav.tabbar a svg").count() == 3
    assert no_sideways_scroll(phone)
    phone.screenshot(path=SHOTS / "portal-home.png", full_page=True)

    phone.locator("nav.tabbar a", has_text="我的").tap()
    expect(phone).to_have_url(base + "/me/")
    expect(phone.locator("nav.tabbar a.current")).to_have_text("我的")
    expect(phone.locator(".menu a span")).to_have_text(["电子会员证", "我的会籍", "申请转会", "我的入会申请",
                                                        "我的足迹", "我的画像标签", "设置"])
    card_number = phone.locator("#my-card .card-number").inner_text()
    assert re.fullmatch(r"3701\d{12}", card_number), card_number
    expect(phone.locator(".logout button")).to_have_text("退出登录")
    assert no_sideways_scroll(phone)
    phone.screenshot(path=SHOTS / "portal-me.png", full_page=True)

    phone.locator("#my-card").tap()
    expect(phone).to_have_url(base + "/me/card/")
    card = phone.locator("section.member-card")
    expect(card.locator(".member-card-brand")).to_have_text("济南工惠")
    expect(card.locator(".holder")).to_have_text("张*")
    expect(card.locator(".member-card-union")).to_have_text("甲公司工会委员会")
    expect(card.locator(".card-number")).to_have_text(card_number)  # the number of 我的
    qr = phone.locator("#card-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150, box
    # The card is red, with rounded corners: a card, not a page.
    assert card.evaluate("c => getComputedStyle(c).borderTopLeftRadius") == "16px"
    # 挂失补办 is a secondary link, not a button under the QR.
    assert phone.locator("section.member-card button, section.member-card form").count() == 0
    expect(phone.locator("#report-lost-link")).to_have_text("挂失补办")
    assert no_sideways_scroll(phone)
    phone.screenshot(path=SHOTS / "portal-card.png", full_page=True)
    phone.locator("#report-lost-link").tap()
    expect(phone.locator("main h1")).to_have_text("挂失补办")
    expect(phone.locator("button.primary")).to_have_text("确认挂失补办")


def test_the_join_form_s_region_on_a_phone_with_and_without_javascript(channels, tree, personas, live_server, phone,
                                                                      new_context):
    """工作地区 is the region cascader: four selects one a row on a phone, the province's cities once the
    province is picked; without JavaScript a code input with its hint, and the typed code is the application's."""
    tree.lixia_town.region = Region.objects.create(code="370102001", name="解放路街道", level="township",
                                                   parent_id="370102")
    tree.lixia_town.save(update_fields=["region"])
    base = live_server.url
    problems: list[str] = []  # CSP violations and script errors: the portal's policy allows no inline script
    phone.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    phone.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(phone, base, personas.outsider)
    phone.goto(base + "/join/")
    region = phone.locator("form#join-form .su-cascader")
    expect(region).to_have_attribute("data-ready", "1")
    for level, code in (("province", "370000"), ("city", "370100"), ("county", "370102"), ("township", "370102001")):
        region.locator(f"select[data-level='{level}']").select_option(value=code)
    expect(region.locator("select")).to_have_count(4)
    expect(region.locator("select option:checked")).to_have_text(["山东省", "济南市", "历下区", "解放路街道"])
    boxes = [s.bounding_box() for s in region.locator("select").all()]
    # One a row on a phone (side by side, 请选择省（自治区、直辖市） was cut short), each as wide as the form.
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"] < boxes[3]["y"], boxes
    assert {(b["x"], b["width"]) for b in boxes} == {(boxes[0]["x"], boxes[0]["width"])}, boxes
    assert boxes[0]["width"] > 300, boxes
    # The theme's selects: the portal's 16 px type (no zoom on focus in iOS) and rounded border.
    assert region.locator("select").first.evaluate("s => getComputedStyle(s).fontSize") == "16px"
    assert region.locator("select").first.evaluate("s => getComputedStyle(s).borderTopLeftRadius") == "8px"
    assert no_sideways_scroll(phone)
    region.scroll_into_view_if_needed()
    phone.screenshot(path=SHOTS / "portal-join-region.png")
    assert problems == []

    # Without JavaScript: the code input and its hint; the code typed there is the application's region.
    plain = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                        user_agent=IPHONE_UA, java_script_enabled=False).new_page()
    sign_in(plain, base, personas.outsider)
    plain.goto(base + "/join/")
    form = plain.locator("form#join-form")
    expect(form.locator(".su-cascader-hint")).to_contain_text("请填写行政区划代码")
    expect(form.locator(".su-cascader-selects")).to_be_hidden()
    values = join_values(1, phone="13900000009")
    for name in ("name", "id_number", "phone", "employer_name", "work_region"):
        form.locator(f"input[name='{name}']").fill(values[name])
    form.locator("button[type='submit']").tap()
    expect(plain).to_have_url(base + "/me/membership/")
    application = JoinApplication.objects.get(applicant=personas.outsider)
    assert (application.work_region_id, application.union_id) == ("370102001", tree.lixia_town.pk)


def test_installable_and_the_card_page_offline(channels, personas, live_server, phone):
    base = live_server.url
    sign_in(phone, base, personas.worker)
    phone.goto(base + "/")
    href = phone.locator("link[rel='manifest']").get_attribute("href")
    manifest = json.loads(phone.request.get(base + href).text())
    assert {"name", "short_name", "start_url", "display", "icons", "theme_color"} <= set(manifest)
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == ("济南工惠", "/", "standalone")
    for icon in manifest["icons"]:
        response = phone.request.get(base + icon["src"])
        assert (response.status, response.headers["content-type"]) == (200, "image/png"), icon
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}

    # The service worker registers for the whole portal and takes control.
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == base + "/"
    phone.goto(base + "/me/card/")  # now through the worker, which keeps a copy
    assert phone.evaluate("navigator.serviceWorker.controller !== null")
    expect(phone.locator("#card-qr svg")).to_be_visible()
    expect(phone.locator("#card-qr-offline")).to_be_hidden()
    kept = f"caches.open('portal-pages').then(c => c.match('{base}/me/card/')).then(r => !!r)"
    assert phone.evaluate(f"(async () => {{ for (let i = 0; i < 50; i++) {{ if (await {kept}) return true; "
                          f"await new Promise(r => setTimeout(r, 100)); }} return false; }})()")

    phone.context.set_offline(True)
    try:
        phone.reload()
        expect(phone.locator("section.member-card .holder")).to_have_text("张*")
        expect(phone.locator("#card-qr-offline")).to_be_visible()
        expect(phone.locator("#card-qr-offline")).to_contain_text("二维码需要联网获取新的核验码")
        phone.goto(base + "/notices/")  # a page it did not keep
        expect(phone.locator("main h1")).to_have_text("网络不可用")
    finally:
        phone.context.set_offline(False)


def test_api_docs_render_with_every_other_host_blocked(db, live_server, phone):
    host = urlsplit(live_server.url).hostname
    blocked: list[str] = []

    def only_ours(route):
        if urlsplit(route.request.url).hostname in {host, "localhost", "127.0.0.1"}:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    phone.route("**/*", only_ours)
    phone.goto(live_server.url + "/api/v1/docs")
    # Swagger UI draws some 400 operations from a half-megabyte schema: on a slow, busy machine that takes longer
    # than the default five seconds.
    expect(phone.locator(".swagger-ui .info .title")).to_contain_text("智慧工会开放接口", timeout=30_000)
    operations = phone.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 20
    expect(phone.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/auth/register")).to_have_count(1)
    assert blocked == []
