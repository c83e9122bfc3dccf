"""惠工活动 in the worker portal: the list (eligible only, kind filter), the detail page of each kind with its action
and the refusals in Chinese (never a 500), 我的活动, 我的券 with the QR, and the merchant's 核销 page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.benefits.conftest import coupon_activity, make_member, window
from tests.conftest import console_client, make_user

from smartunion.accounts.models import User
from smartunion.benefits import services
from smartunion.benefits.models import Activity, Ballot, Coupon, LotteryEntry, Merchant, Response, Signup
from smartunion.benefits.services import coupons, lottery
from smartunion.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_counts():
    """The claim rate limits count in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def listed(response) -> list[str]:
    return re.findall(r'<span class="kind kind-\w+">(.*?)</span><strong>(.*?)</strong>', response.content.decode())


def refusals(response) -> list[str]:
    return re.findall(r'<p class="error refusal" role="alert">(.*?)</p>', response.content.decode())


def make(org, kind, title, *, publish=True, **extra):
    activity = services.create_activity(by=SYSTEM, org=org, kind=kind, title=title, **{**window(), **extra})
    if kind == "vote":
        services.set_options(activity, ["张师傅", "李师傅", "王师傅"], by=SYSTEM)
    if kind == "lottery":
        services.set_prizes(activity, [{"name": "一等奖", "count": 1}], by=SYSTEM)
    if kind == "survey":
        services.set_questions(activity, [
            {"kind": "single", "text": "您是否需要职工子女暑期托管？", "choices": ["是", "否"]},
            {"kind": "text", "text": "希望托管的时段", "show_if": {"position": 1, "values": ["是"]}},
            {"kind": "rating", "text": "对工会服务的满意度", "required": False},
        ], by=SYSTEM)
    return services.publish_activity(activity, by=SYSTEM) if publish else activity


@pytest.fixture
def worker(personas):
    return console_client(personas.worker)


# The list ----------------------------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    activity = coupon_activity(tree.grassroots)
    for url in ("/activities/", f"/activities/{activity.pk}/", "/me/coupons/", "/me/activities/", "/merchant/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")
    response = client.post(f"/activities/{activity.pk}/claim/")
    assert (response.status_code, response["Location"]) == (302, f"/login/?next=/activities/{activity.pk}/claim/")
    assert Coupon.objects.count() == 0


def test_a_non_member_is_told_why_and_pointed_to_join(personas, tree):
    activity = coupon_activity(tree.grassroots)
    client = console_client(personas.outsider)
    response = client.get("/activities/")
    html = response.content.decode()
    assert response.status_code == 200
    assert ('<p id="not-member">惠工活动仅限工会会员参加。加入工会后，即可领取优惠券、报名活动、参与抽奖和投票。</p>'
            in html)
    assert '<a class="button primary" href="/join/">申请入会</a>' in html
    response = client.get(f"/activities/{activity.pk}/")
    assert response.status_code == 403
    assert '<a class="button primary" href="/join/">申请入会</a>' in response.content.decode()
    response = client.post(f"/activities/{activity.pk}/claim/", {"key": "k1"})
    assert response.status_code == 403
    assert Coupon.objects.count() == 0


def test_the_list_shows_only_what_the_member_may_join(personas, tree, worker):
    coupon_activity(tree.grassroots, title="甲公司夏日送清凉")
    coupon_activity(tree.province, title="全省职工观影券")
    coupon_activity(tree.qd_grassroots, title="丙公司福利券")  # another branch of the tree
    women = coupon_activity(tree.grassroots, title="三八节女职工券", audience={"sex": "2"})
    coupon_activity(tree.grassroots, title="尚未发布的券", publish=False)
    make(tree.jinan, "vote", "济南市劳动模范评选", max_choices=2)
    response = worker.get("/activities/")
    assert response.status_code == 200
    assert listed(response) == [("投票", "济南市劳动模范评选"), ("领券", "全省职工观影券"),
                                ("领券", "甲公司夏日送清凉")]
    assert listed(worker.get("/activities/?kind=vote")) == [("投票", "济南市劳动模范评选")]
    assert listed(worker.get("/activities/?kind=survey")) == []
    # An activity outside the member's audience: 403 with the reason, as the API answers.
    response = worker.get(f"/activities/{women.pk}/")
    assert response.status_code == 403
    assert refusals(response) == ["本活动仅限女性会员参加"]
    response = worker.post(f"/activities/{women.pk}/claim/", {"key": "k1"})
    assert (response.status_code, refusals(response)) == (403, ["本活动仅限女性会员参加"])
    assert Coupon.objects.count() == 0


def test_the_list_pages_ten_at_a_time(tree, worker):
    for i in range(12):
        coupon_activity(tree.grassroots, title=f"第{i + 1}批券")
    first = worker.get("/activities/")
    assert len(listed(first)) == 10
    assert "第 1 / 2 页" in first.content.decode()
    assert [title for _, title in listed(worker.get("/activities/?page=2"))] == ["第2批券", "第1批券"]


def test_a_draft_answers_not_found(tree, worker):
    draft = coupon_activity(tree.grassroots, publish=False)
    assert worker.get(f"/activities/{draft.pk}/").status_code == 404


# Coupons -----------------------------------------------------------------------------------------------------------

def test_claim_from_the_detail_page_then_the_coupon_shows(personas, tree, worker):
    activity = coupon_activity(tree.grassroots, stock=10, terms="限本人使用，不找零", face_value="20元")
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<dd id="remaining">10 / 10 张</dd>' in html
    assert "<dt>每人限领</dt><dd>1 张</dd>" in html
    valid = activity.valid_until
    assert f"<dt>有效期</dt><dd>至 {valid.year}年{valid.month}月{valid.day}日</dd>" in html
    assert "<p>限本人使用，不找零</p>" in html
    assert '<button type="submit" class="primary" id="claim">立即领取</button>' in html
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html).group(1)

    response = worker.post(f"/activities/{activity.pk}/claim/", {"key": key}, follow=True)
    coupon = Coupon.objects.get()
    assert response.redirect_chain == [(f"/activities/{activity.pk}/", 302)]
    assert flash(response) == [f"领取成功，券码 {coupon.code}，可在“我的券”中出示使用"]
    html = response.content.decode()
    assert '<dd id="remaining">9 / 10 张</dd>' in html
    assert (f'<p class="coupon-line"><span class="code">{coupon.code}</span>'
            '<span class="status status-issued">未使用</span></p>') in html
    assert '<button type="submit" class="primary" disabled>已领取</button>' in html
    assert (coupon.person, coupon.valid_until) == (personas.worker.person, activity.valid_until)

    # The same form sent again (a double tap) gets the same coupon, not a refusal and not a second one.
    again = worker.post(f"/activities/{activity.pk}/claim/", {"key": key}, follow=True)
    assert flash(again) == [f"领取成功，券码 {coupon.code}，可在“我的券”中出示使用"]
    assert Coupon.objects.count() == 1


def test_the_limit_message_is_shown_on_the_page(tree, worker):
    activity = coupon_activity(tree.grassroots, per_member_limit=1)
    worker.post(f"/activities/{activity.pk}/claim/", {"key": "first"})
    response = worker.post(f"/activities/{activity.pk}/claim/", {"key": "second"})
    assert response.status_code == 409
    assert refusals(response) == ["每人限领1张，您已领满"]
    assert Coupon.objects.count() == 1


def test_the_sold_out_message_is_shown_on_the_page(tree, worker):
    activity = coupon_activity(tree.grassroots, stock=1)
    coupons.claim_coupon(activity, by=make_member(tree.grassroots))
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<dd id="remaining">0 / 1 张</dd>' in html
    assert '<button type="submit" class="primary" disabled>已领完</button>' in html
    response = worker.post(f"/activities/{activity.pk}/claim/", {"key": "late"})
    assert response.status_code == 409
    assert refusals(response) == ["券已领完"]
    assert Coupon.objects.count() == 1


def test_a_paused_activity_refuses_with_its_reason(tree, worker):
    activity = services.pause_activity(coupon_activity(tree.grassroots), by=SYSTEM)
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<button type="submit" class="primary" disabled>活动已暂停，请稍后再试</button>' in html
    response = worker.post(f"/activities/{activity.pk}/claim/", {"key": "k"})
    assert (response.status_code, refusals(response)) == (409, ["活动已暂停，请稍后再试"])


# Sign-ups ----------------------------------------------------------------------------------------------------------

def test_sign_up_check_in_by_code_and_cancel(tree, worker):
    activity = make(tree.grassroots, "signup", "职工趣味运动会", capacity=2, place="甲公司体育馆")
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<dd id="places">2 人，剩余 2 人</dd>' in html
    response = worker.post(f"/activities/{activity.pk}/signup/", follow=True)
    assert flash(response) == ["报名成功，请按时参加"]
    html = response.content.decode()
    assert '<p class="status-line status-issued" id="signup-status">已报名，请按时参加</p>' in html
    assert '<dd id="places">2 人，剩余 1 人</dd>' in html

    wrong = "000000" if activity.checkin_code != "000000" else "111111"
    response = worker.post(f"/activities/{activity.pk}/checkin/", {"code": wrong})
    assert response.status_code == 422
    assert '<p class="error">签到码不正确</p>' in response.content.decode()
    assert Signup.objects.get().checked_in_at is None

    response = worker.post(f"/activities/{activity.pk}/cancel/", follow=True)
    assert flash(response) == ["已取消报名"]
    assert Signup.objects.get().status == Signup.Status.CANCELLED
    assert '<button type="submit" class="primary" id="sign-up">报名</button>' in response.content.decode()

    worker.post(f"/activities/{activity.pk}/signup/", follow=True)
    response = worker.post(f"/activities/{activity.pk}/checkin/", {"code": activity.checkin_code}, follow=True)
    assert flash(response) == ["签到成功"]
    assert Signup.objects.get(status=Signup.Status.CONFIRMED).checked_in_at is not None


def test_a_full_activity_puts_the_member_on_the_waiting_list(tree, worker):
    activity = make(tree.grassroots, "signup", "职工书法讲座", capacity=1)
    from smartunion.benefits.services.signups import sign_up
    sign_up(activity, by=make_member(tree.grassroots))
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<button type="submit" class="primary" id="sign-up">报名候补</button>' in html
    response = worker.post(f"/activities/{activity.pk}/signup/", follow=True)
    assert flash(response) == ["名额已满，您已进入候补名单；有人取消报名时按先后顺序递补，递补后会通知您"]
    assert ('<p class="status-line status-waiting" id="signup-status">候补中：第 1 位。'
            in response.content.decode())
    response = worker.post(f"/activities/{activity.pk}/signup/")
    assert (response.status_code, refusals(response)) == (409, ["您已报名该活动，请勿重复报名"])


# Votes -------------------------------------------------------------------------------------------------------------

def test_vote_then_see_the_results_chart(tree, worker):
    activity = make(tree.grassroots, "vote", "甲公司劳动模范评选", max_choices=2, results="live")
    ids = list(activity.options.order_by("position").values_list("pk", flat=True))
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<p class="muted">最多可选 2 项</p>' in html
    assert html.count('type="checkbox" name="option"') == 3

    response = worker.post(f"/activities/{activity.pk}/vote/", {"option": [str(i) for i in ids]})
    assert (response.status_code, refusals(response)) == (422, ["最多可选 2 项"])
    assert 'checked' in response.content.decode()  # what was ticked stays ticked
    assert Ballot.objects.count() == 0

    response = worker.post(f"/activities/{activity.pk}/vote/", {"option": [str(ids[0]), str(ids[2])]}, follow=True)
    assert flash(response) == ["投票成功，感谢参与"]
    html = response.content.decode()
    assert ('<p class="status-line status-issued" id="my-ballot">您已投票：<span class="chosen">张师傅</span>'
            '<span class="chosen">王师傅</span></p>') in html
    assert '<p class="muted">共 1 人投票</p>' in html
    bars = re.findall(r'<span class="bar-label">(.*?)</span><span class="bar-figure">(.*?)</span>\s*'
                      r'<progress max="100" value="([\d.]+)"', html)
    assert bars == [("张师傅", "1票 · 100.0%", "100.0"), ("李师傅", "0票 · 0.0%", "0.0"),
                    ("王师傅", "1票 · 100.0%", "100.0")]
    response = worker.post(f"/activities/{activity.pk}/vote/", {"option": [str(ids[1])]})
    assert (response.status_code, refusals(response)) == (409, ["您已投过票，每人只能投一次"])


def test_results_after_close_stay_hidden(tree, worker):
    activity = make(tree.grassroots, "vote", "食堂菜品投票")
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<p class="muted" id="results-hidden">投票结果将在活动结束后公布</p>' in html
    assert "<progress" not in html


# Surveys -----------------------------------------------------------------------------------------------------------

def test_a_missing_required_answer_keeps_the_answers_given(tree, worker):
    activity = make(tree.grassroots, "survey", "暑期托管需求调查")
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert '<p class="muted small-note condition">第1题选择“是”时作答</p>' in html
    assert 'data-show-if-position="1" data-show-if-values="是"' in html

    response = worker.post(f"/activities/{activity.pk}/answer/", {"q1": "是", "q2": "", "q3": "4"})
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="question-2".*?<p class="error">本题为必答题</p>', html, re.S)
    assert refusals(response) == ["问卷填写有误，请检查后重新提交"]
    assert re.search(r'<input type="radio" name="q1" value="是"[^>]*checked', html)
    assert re.search(r'<input type="radio" name="q3" value="4"[^>]*checked', html)
    assert Response.objects.count() == 0

    # 否: question 2 is not asked, so not required, and whatever was typed in it is not kept.
    response = worker.post(f"/activities/{activity.pk}/answer/", {"q1": "否", "q2": "上午", "q3": "4"}, follow=True)
    assert flash(response) == ["问卷已提交，感谢参与"]
    assert Response.objects.get().answers == {"1": "否", "3": 4}
    assert "您已提交问卷，感谢参与。" in response.content.decode()
    response = worker.post(f"/activities/{activity.pk}/answer/", {"q1": "是", "q2": "上午"})
    assert (response.status_code, refusals(response)) == (409, ["您已填写过该问卷，每人只能填写一次"])


# Lotteries ---------------------------------------------------------------------------------------------------------

def test_enter_a_lottery_then_read_the_verification_data(personas, tree, worker):
    activity = make(tree.grassroots, "lottery", "端午节农产品抽奖")
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert f'<dd class="hash" id="commitment">{activity.commitment}</dd>' in html
    assert 'id="seed"' not in html  # the seed only after the draw
    response = worker.post(f"/activities/{activity.pk}/enter/", follow=True)
    entry = LotteryEntry.objects.get()
    assert flash(response) == [f"已参与抽奖，您的抽奖号是 {entry.pk}，开奖后可在本页核对结果"]
    response = worker.post(f"/activities/{activity.pk}/enter/")
    assert (response.status_code, refusals(response)) == (409, ["您已参与过本次抽奖，每人限参与一次"])

    services.close_activity(activity, by=SYSTEM)
    drawn = lottery.draw(Activity.objects.get(pk=activity.pk), by=SYSTEM)
    html = worker.get(f"/activities/{activity.pk}/").content.decode()
    assert f'<dd class="hash" id="entrants-hash">{drawn.entrants_hash}</dd>' in html
    assert f'<dd class="hash" id="seed">{drawn.seed}</dd>' in html
    assert (f'<ul class="plain winners" id="winners"><li><span>一等奖</span>'
            f'<span class="mono">{entry.pk} 3701*******0001</span></li></ul>') in html
    assert "370102000000001" not in html  # card numbers masked
    assert f"您已参与，抽奖号 <strong>{entry.pk}</strong>：恭喜获得“一等奖”" in html
    assert '<a href="/activities/lottery-rules/">怎样核验？</a>' in html
    rules = worker.get("/activities/lottery-rules/").content.decode()
    assert "<code>smartunion-lottery-1</code>" in rules


# 我的活动 and 我的券 -----------------------------------------------------------------------------------------------

def test_my_coupons_show_state_validity_and_a_qr_for_unused_ones(personas, tree, worker):
    activity = coupon_activity(tree.grassroots, per_member_limit=3, title="夏日送清凉券")
    used, fresh, old = (coupons.claim_coupon(activity, by=personas.worker, idempotency_key=k) for k in "abc")
    Coupon.objects.filter(pk=used.pk).update(status=Coupon.Status.REDEEMED, redeemed_at=timezone.now())
    Coupon.objects.filter(pk=old.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    html = worker.get("/me/coupons/").content.decode()
    states = re.findall(r'<article class="card coupon coupon-(\w+)" id="coupon-(\w+)">.*?'
                        r'<span class="status status-\w+">(.*?)</span>', html, re.S)
    assert states == [("expired", old.code, "已过期"), ("issued", fresh.code, "未使用"),
                      ("redeemed", used.code, "已核销")]
    assert html.count('<div class="qr coupon-qr" role="img" aria-label="券码二维码"><svg') == 1
    assert f'<p class="coupon-code"><span class="label">券码</span><span class="code">{fresh.code}</span></p>' in html
    other = console_client(make_member(tree.grassroots))
    assert fresh.code not in other.get("/me/coupons/").content.decode()


def test_my_activities_lists_what_i_took_part_in(personas, tree, worker):
    signup = make(tree.grassroots, "signup", "职工趣味运动会")
    vote = make(tree.grassroots, "vote", "劳模评选")
    survey = make(tree.grassroots, "survey", "托管需求调查")
    anonymous = make(tree.grassroots, "survey", "食堂满意度匿名调查", anonymous=True)
    draw = make(tree.grassroots, "lottery", "端午抽奖")
    assert "您还没有参加活动。" in worker.get("/me/activities/").content.decode()
    worker.post(f"/activities/{signup.pk}/signup/")
    worker.post(f"/activities/{vote.pk}/vote/", {"option": [str(vote.options.first().pk)]})
    worker.post(f"/activities/{survey.pk}/answer/", {"q1": "否"})
    worker.post(f"/activities/{anonymous.pk}/answer/", {"q1": "否"})
    worker.post(f"/activities/{draw.pk}/enter/")
    html = worker.get("/me/activities/").content.decode()
    titles = re.findall(r'<section class="card" id="my-(\w+)">\s*<h2>(.*?)</h2>\s*<a class="row link" '
                        r'href="/activities/\d+/"><strong>(.*?)</strong>', html)
    assert titles == [("signups", "报名", "职工趣味运动会"), ("entries", "抽奖", "端午抽奖"),
                      ("ballots", "投票", "劳模评选"), ("surveys", "问卷", "托管需求调查")]
    entry = LotteryEntry.objects.get()
    assert f"<small>抽奖号 {entry.pk} · 待开奖</small>" in html
    today = timezone.localdate()
    surveys = re.findall(r'<strong>(.*?)</strong><small>(\d+月\d+日 已提交(?: · 匿名)?)</small>', html)
    assert sorted(surveys) == sorted([("托管需求调查", f"{today.month}月{today.day}日 已提交"),
                                      ("食堂满意度匿名调查", f"{today.month}月{today.day}日 已提交 · 匿名")])


def test_the_me_hub_links_the_benefits_pages(personas, worker):
    html = worker.get("/me/").content.decode()
    tiles = re.findall(r'<a class="tile" href="([^"]+)" data-benefit="[\w-]+">.*?<span>(.*?)</span>', html)
    assert tiles == [("/activities/", "惠工活动"), ("/me/activities/", "我的活动"), ("/me/coupons/", "我的券")]
    outsider = console_client(personas.outsider).get("/me/").content.decode()
    assert 'data-benefit=' not in outsider


# The merchant's page -----------------------------------------------------------------------------------------------

@pytest.fixture
def shop(tree):
    merchant = Merchant.objects.create(org=tree.grassroots, name="甲公司职工超市")
    user = make_user("shop1", kind=User.Kind.MERCHANT)
    merchant.users.add(user)
    return user


def test_a_merchant_redeems_a_coupon_once(personas, tree, shop):
    activity = coupon_activity(tree.grassroots, title="夏日送清凉券", face_value="20元")
    coupon = coupons.claim_coupon(activity, by=personas.worker)
    client = console_client(shop)
    html = client.get("/merchant/").content.decode()
    assert "今天还没有核销记录。" in html
    assert "<h2>今日核销（0 张）</h2>" in html

    response = client.post("/merchant/", {"code": coupon.code.lower()})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="redeemed-title">核销成功</p>' in html
    assert "<p><strong>夏日送清凉券</strong> · 20元</p>" in html
    assert "<h2>今日核销（1 张）</h2>" in html
    coupon.refresh_from_db()
    assert (coupon.status, coupon.merchant.name, coupon.redeemed_by) == ("redeemed", "甲公司职工超市", shop)

    response = client.post("/merchant/", {"code": coupon.code})
    assert response.status_code == 409
    assert refusals(response) == ["该券已核销，不能重复使用"]
    assert "核销成功" not in response.content.decode()

    response = client.post("/merchant/", {"code": "ZZZZZZZZZZZZ"})
    assert (response.status_code, refusals(response)) == (404, ["券码不存在，或该券不能在本商户核销"])


def test_a_coupon_of_another_branch_is_not_valid_here(personas, tree, shop):
    qd_member = make_member(tree.qd_grassroots)
    coupon = coupons.claim_coupon(coupon_activity(tree.qd_grassroots), by=qd_member)
    response = console_client(shop).post("/merchant/", {"code": coupon.code})
    assert (response.status_code, refusals(response)) == (404, ["券码不存在，或该券不能在本商户核销"])
    assert Coupon.objects.get().status == Coupon.Status.ISSUED


def test_a_worker_cannot_open_the_merchant_page(personas, tree, worker):
    coupon = coupons.claim_coupon(coupon_activity(tree.grassroots), by=personas.worker)
    response = worker.get("/merchant/")
    assert (response.status_code, refusals(response)) == (403, ["该页面仅限商户账号使用"])
    response = worker.post("/merchant/", {"code": coupon.code})
    assert response.status_code == 403
    assert Coupon.objects.get().status == Coupon.Status.ISSUED


def test_the_merchant_hub_links_the_merchant_page(shop):
    html = console_client(shop).get("/me/").content.decode()
    assert '<a class="tile" href="/merchant/" data-benefit="merchant">' in html


def test_a_member_left_out_by_the_no_double_benefit_rule_is_told_so(personas, tree, worker):
    first = make(tree.grassroots, "lottery", "端午抽奖")
    lottery.enter_lottery(first, by=personas.worker)
    services.close_activity(first, by=SYSTEM)
    lottery.draw(Activity.objects.get(pk=first.pk), by=SYSTEM)
    second = make(tree.grassroots, "lottery", "中秋抽奖", publish=False)
    lottery.set_exclusions(second, [first], by=SYSTEM)
    second = services.publish_activity(second, by=SYSTEM)
    worker.post(f"/activities/{second.pk}/enter/")
    services.close_activity(second, by=SYSTEM)
    lottery.draw(Activity.objects.get(pk=second.pk), by=SYSTEM)
    entry = LotteryEntry.objects.get(activity=second)
    html = worker.get(f"/activities/{second.pk}/").content.decode()
    assert (f"您已参与，抽奖号 <strong>{entry.pk}</strong>："
            "您已在其他指定抽奖中中奖，按“不重复受益”规则未列入本次抽奖名单") in html
    assert '<li class="muted">无人中奖</li>' in html
