"""The browser test of issue 9: `worker` grabs a coupon on a phone viewport and a merchant redeems it.

The worker logs in through the portal's log-in form on a 390 px phone, opens 惠工活动 from 我的, grabs the coupon on
its page, finds it in 我的券 with its code and QR; a merchant logs in through the same form (its username), types
the code on 商户核销 and gets 核销成功, then the refusal when the same code comes again. No page scrolls sideways and
no Content-Security-Policy violation or script error happens on the way.

Screenshots (in $SMARTUNION_SCREENSHOTS, the system's temp folder when unset): benefits-list.png, benefits-me.png,
benefits-coupon.png (and its 我已领取 part, benefits-coupon-held.png), benefits-my-coupons.png, benefits-merchant.png,
benefits-merchant-refused.png; for the other kinds benefits-signup.png, benefits-vote.png,
benefits-survey-refused.png, benefits-lottery.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.benefits.conftest import coupon_activity, make_member, window
from tests.browser.conftest import SHOTS
from tests.conftest import PASSWORD, make_user

from smartunion.accounts.models import User
from smartunion.benefits import services
from smartunion.benefits.models import Activity, Coupon, Merchant, Response
from smartunion.benefits.services import lottery, polls
from smartunion.core.actors import SYSTEM

pytestmark = pytest.mark.usefixtures("transactional_db", "django_db_serialized_rollback")

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
PHONE = {"width": 390, "height": 844}


def phone_page(new_context, problems: list[str]):
    page = new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                       user_agent=IPHONE_UA).new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def portal_log_in(page, base: str, login: str, next_url: str) -> None:
    page.goto(f"{base}/login/?next={next_url}")
    page.locator("input[name='phone']").fill(login)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("button.primary").tap()
    expect(page).to_have_url(base + next_url)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_worker_grabs_a_coupon_on_a_phone_and_a_merchant_redeems_it(tree, personas, live_server, new_context):
    activity = coupon_activity(tree.grassroots, title="夏日送清凉·冷饮券", stock=50, face_value="15元",
                               terms="限甲公司职工超市使用，每次限用一张，不找零，不兑换现金。")
    shop = Merchant.objects.create(org=tree.grassroots, name="甲公司职工超市", address="历下区解放路1号")
    activity.merchants.add(shop)
    merchant_user = make_user("shop1", kind=User.Kind.MERCHANT)
    shop.users.add(merchant_user)
    base = live_server.url
    problems: list[str] = []

    worker = phone_page(new_context, problems)
    portal_log_in(worker, base, "13900000001", "/me/")
    expect(worker.locator("nav.benefits-tiles a.tile span")).to_have_text(["惠工活动", "我的活动", "我的券"])
    worker.screenshot(path=SHOTS / "benefits-me.png", full_page=True)
    worker.locator("a.tile[data-benefit='activities']").tap()
    expect(worker).to_have_url(base + "/activities/")
    expect(worker.locator("main h1")).to_have_text("惠工活动")
    expect(worker.locator("nav.chips a")).to_have_text(["全部", "领券", "报名", "抽奖", "投票", "问卷"])
    row = worker.locator(f"a.activity-row[data-activity='{activity.pk}']")
    expect(row.locator("strong")).to_have_text("夏日送清凉·冷饮券")
    expect(row.locator("small")).to_contain_text("剩余 50 张")
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "benefits-list.png", full_page=True)

    row.tap()
    expect(worker).to_have_url(f"{base}/activities/{activity.pk}/")
    expect(worker.locator("#remaining")).to_have_text("50 / 50 张")
    expect(worker.locator(".face-value")).to_have_text("15元")
    claim = worker.locator("button#claim")
    expect(claim).to_have_text("立即领取")
    # A thumb-sized button across the card.
    box = claim.bounding_box()
    assert box and box["width"] >= 300 and box["height"] >= 40, box
    claim.tap()
    expect(worker).to_have_url(f"{base}/activities/{activity.pk}/")
    coupon = Coupon.objects.get()
    expect(worker.locator(".msg")).to_have_text(f"领取成功，券码 {coupon.code}，可在“我的券”中出示使用")
    expect(worker.locator("#remaining")).to_have_text("49 / 50 张")
    expect(worker.locator("#my-coupons-here .code")).to_have_text(coupon.code)
    expect(worker.locator("form.action button.primary")).to_be_disabled()
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "benefits-coupon.png", full_page=True)
    worker.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the bottom, as the member scrolls to it
    worker.screenshot(path=SHOTS / "benefits-coupon-held.png")

    worker.locator("nav.tabbar a", has_text="我的").tap()
    worker.locator("a.tile[data-benefit='coupons']").tap()
    expect(worker).to_have_url(base + "/me/coupons/")
    card = worker.locator(f"#coupon-{coupon.code}")
    expect(card.locator("h2")).to_have_text("夏日送清凉·冷饮券")
    expect(card.locator(".status")).to_have_text("未使用")
    expect(card.locator(".coupon-code .code")).to_have_text(coupon.code)
    valid = coupon.valid_until
    expect(card.locator("p.small-note").first).to_have_text(f"有效期至 {valid.year}年{valid.month}月{valid.day}日")
    qr = card.locator(".coupon-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150, box
    assert no_sideways_scroll(worker)
    worker.screenshot(path=SHOTS / "benefits-my-coupons.png", full_page=True)

    merchant = phone_page(new_context, problems)
    portal_log_in(merchant, base, "shop1", "/merchant/")
    expect(merchant.locator("main h1")).to_have_text("商户核销")
    merchant.locator("input[name='code']").fill(coupon.code.lower())
    merchant.locator("button#redeem").tap()
    expect(merchant.locator("#redeemed .redeemed-title")).to_have_text("核销成功")
    expect(merchant.locator("#redeemed strong")).to_have_text("夏日送清凉·冷饮券")
    expect(merchant.locator("#today h2")).to_have_text("今日核销（1 张）")
    assert no_sideways_scroll(merchant)
    merchant.screenshot(path=SHOTS / "benefits-merchant.png", full_page=True)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.merchant, coupon.redeemed_by) == (Coupon.Status.REDEEMED, shop, merchant_user)

    merchant.locator("input[name='code']").fill(coupon.code)
    merchant.locator("button#redeem").tap()
    expect(merchant.locator("p.refusal")).to_have_text("该券已核销，不能重复使用")
    expect(merchant.locator("#redeemed")).to_have_count(0)
    merchant.screenshot(path=SHOTS / "benefits-merchant-refused.png", full_page=True)

    # The worker's 我的券 now says 已核销, without a QR.
    worker.reload()
    expect(card.locator(".status")).to_have_text("已核销")
    expect(card.locator(".coupon-qr")).to_have_count(0)
    assert problems == []


def test_the_other_kinds_on_a_phone(tree, personas, live_server, new_context):
    """A sign-up, a vote with its chart, a survey whose skip logic runs in benefits.js (under the CSP) and a drawn
    lottery's verification data, each on a 390 px phone without sideways scrolling."""
    def make(kind, title, **extra):
        return services.create_activity(by=SYSTEM, org=tree.grassroots, kind=kind, title=title,
                                        **{**window(), **extra})

    signup = services.publish_activity(make("signup", "职工趣味运动会", capacity=30, place="甲公司体育馆",
                                            description="项目：拔河、跳绳、趣味接力。自愿报名，量力而行。"),
                                       by=SYSTEM)
    vote = make("vote", "2026年度甲公司劳动模范推荐", max_choices=2, results="live")
    services.set_options(vote, ["张师傅（装配车间）", "李师傅（质检部）", "王师傅（物流部）"], by=SYSTEM)
    vote = services.publish_activity(vote, by=SYSTEM)
    others = [make_member(tree.grassroots) for _ in range(3)]
    options = list(vote.options.order_by("position"))
    for member, picks in zip(others, ([0], [0, 1], [2]), strict=True):
        polls.cast_vote(vote, by=member, option_ids=[options[i].pk for i in picks])
    survey = make("survey", "职工子女暑期托管需求调查")
    services.set_questions(survey, [
        {"kind": "single", "text": "您是否需要职工子女暑期托管？", "choices": ["是", "否"]},
        {"kind": "multiple", "text": "希望托管的时段", "choices": ["上午", "下午", "全天"],
         "show_if": {"position": 1, "values": ["是"]}},
        {"kind": "rating", "text": "对工会服务的满意度", "required": False},
    ], by=SYSTEM)
    survey = services.publish_activity(survey, by=SYSTEM)
    draw = make("lottery", "端午节农产品抽奖")
    services.set_prizes(draw, [{"name": "一等奖（章丘大葱一箱）", "count": 1}, {"name": "二等奖", "count": 2}],
                        by=SYSTEM)
    draw = services.publish_activity(draw, by=SYSTEM)
    lottery.enter_lottery(draw, by=personas.worker)
    for member in others:
        lottery.enter_lottery(draw, by=member)
    services.close_activity(draw, by=SYSTEM)
    lottery.draw(Activity.objects.get(pk=draw.pk), by=SYSTEM)

    base = live_server.url
    problems: list[str] = []
    page = phone_page(new_context, problems)
    portal_log_in(page, base, "13900000001", "/activities/")

    page.goto(f"{base}/activities/{signup.pk}/")
    page.locator("button#sign-up").tap()
    expect(page.locator(".msg")).to_have_text("报名成功，请按时参加")
    expect(page.locator("#signup-status")).to_have_text("已报名，请按时参加")
    expect(page.locator("#checkin-form input[name='code']")).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "benefits-signup.png", full_page=True)

    page.goto(f"{base}/activities/{vote.pk}/")
    boxes = page.locator("input[name='option']")
    boxes.nth(1).check()
    boxes.nth(2).check()
    expect(boxes.nth(0)).to_be_disabled()  # two ticked: the third box waits
    page.locator("button#cast-vote").tap()
    expect(page.locator(".msg")).to_have_text("投票成功，感谢参与")
    expect(page.locator("#results .bar-figure")).to_have_text(["2票 · 50.0%", "2票 · 50.0%", "2票 · 50.0%"])
    width = page.locator("#results progress").first.evaluate("p => p.getBoundingClientRect().width")
    assert width > 250, width
    assert no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "benefits-vote.png", full_page=True)

    page.goto(f"{base}/activities/{survey.pk}/")
    second = page.locator("#question-2")
    expect(second).to_be_hidden()  # asked only when question 1 is 是
    page.locator("#question-1 label", has_text="是").tap()
    expect(second).to_be_visible()
    page.locator("#question-1 label", has_text="否").tap()
    expect(second).to_be_hidden()
    page.locator("#question-1 label", has_text="是").tap()
    page.locator("#question-3 label", has_text="5").tap()
    page.locator("button#submit-survey").tap()  # question 2 is required now and left empty
    expect(page.locator("#question-2 p.error")).to_have_text("本题为必答题")
    expect(page.locator("#question-3 input[value='5']")).to_be_checked()  # the answers given stay
    expect(second).to_be_visible()
    page.screenshot(path=SHOTS / "benefits-survey-refused.png", full_page=True)
    page.locator("#question-2 label", has_text="下午").tap()
    page.locator("button#submit-survey").tap()
    expect(page.locator(".msg")).to_have_text("问卷已提交，感谢参与")
    assert Response.objects.get().answers == {"1": "是", "2": ["下午"], "3": 5}
    assert no_sideways_scroll(page)

    page.goto(f"{base}/activities/{draw.pk}/")
    drawn = Activity.objects.get(pk=draw.pk)
    expect(page.locator("#seed")).to_have_text(drawn.seed)
    expect(page.locator("#entrants-hash")).to_have_text(drawn.entrants_hash)
    expect(page.locator("#winners li")).to_have_count(3)
    assert no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "benefits-lottery.png", full_page=True)
    page.locator("a", has_text="怎样核验？").tap()
    expect(page.locator("main h1")).to_have_text("抽奖怎样核验")
    assert no_sideways_scroll(page)
    assert problems == []
