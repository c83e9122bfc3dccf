"""Coupon grabs in the database shape: claims, limits, stock, idempotency, eligibility, rate limits, redemption,
merchants and their figures. (The Redis shape: test_coupon_redis.py; races on PostgreSQL:
test_coupon_concurrency.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.benefits.conftest import coupon_activity, make_member

from smartunion.accounts.models import User
from smartunion.benefits import services
from smartunion.benefits.errors import AlreadyRedeemed, SoldOut
from smartunion.benefits.models import Activity, Coupon
from smartunion.benefits.queries import redemption_log, redemption_totals, visible_merchants
from smartunion.benefits.services.coupons import (
    CODE_ALPHABET,
    NOT_FOUND,
    TooManyClaims,
    claim_coupon,
    claim_day,
    normalise_code,
    qr_payload,
    redeem_coupon,
)
from smartunion.benefits.services.merchants import add_merchant_account, create_merchant, update_merchant
from smartunion.core import ratelimit
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, DomainError, Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, BehaviourEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_shape(settings):
    settings.REDIS_URL = ""  # these tests are about the database shape, whatever the environment says
    cache.clear()  # rate-limit windows
    yield
    cache.clear()


def refused(call) -> tuple[int, str, str]:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.status, info.value.code, info.value.message


def claim(activity, user, **kwargs) -> Coupon:
    return claim_coupon(Activity.objects.select_related("org").get(pk=activity.pk), by=user, **kwargs)


def test_a_member_claims_a_coupon(tree, personas, django_capture_on_commit_callbacks):
    activity = coupon_activity(tree.jinan, stock=5)
    with django_capture_on_commit_callbacks(execute=True):
        coupon = claim(activity, personas.worker)
    coupon.refresh_from_db()
    assert (coupon.person_id, coupon.sequence, coupon.day, coupon.day_sequence, coupon.status, coupon.org_path,
            coupon.valid_until) == (personas.worker.person_id, 1, claim_day(timezone.now()), 1, "issued",
                                    tree.jinan.path, activity.valid_until)
    assert len(coupon.code) == 12 and set(coupon.code) <= set(CODE_ALPHABET)
    activity.refresh_from_db()
    assert (activity.claimed, activity.participants, activity.remaining) == (1, 1, 4)
    assert list(BehaviourEvent.objects.values_list("person_id", "kind", "target_id", "target_label")) == [
        (personas.worker.person_id, "benefits.coupon.claim", str(activity.pk), "夏日送清凉券")]
    # Claims are coupon rows and behaviour events, not audit rows.
    assert not AuditEvent.objects.filter(action__startswith="benefits.coupon").exists()


def test_codes_differ_and_avoid_ambiguous_characters(tree, personas):
    activity = coupon_activity(tree.jinan, stock=50)
    codes = {claim(activity, make_member(tree.grassroots)).code for _ in range(20)}
    assert len(codes) == 20
    assert not any(ch in code for code in codes for ch in "0O1I")


def test_the_per_member_limit(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=2)
    first, second = claim(activity, personas.worker), claim(activity, personas.worker)
    assert (first.sequence, second.sequence) == (1, 2)
    assert refused(lambda: claim(activity, personas.worker)) == (409, "limit_reached", "每人限领2张，您已领满")
    activity.refresh_from_db()
    assert (activity.claimed, Coupon.objects.count()) == (2, 2)


def test_the_daily_limit_counts_shanghai_days(tree, personas):
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=3, daily_limit=1)
    first = claim(activity, personas.worker)
    assert refused(lambda: claim(activity, personas.worker)) == (
        409, "limit_reached", "每人每天限领1张，今天已领满，请明天再来")
    Coupon.objects.filter(pk=first.pk).update(day=first.day - dt.timedelta(days=1))  # a day has passed
    second = claim(activity, personas.worker)
    assert (second.sequence, second.day, second.day_sequence) == (2, first.day, 1)
    # 16:30 UTC is half past midnight the next day in Shanghai.
    assert claim_day(dt.datetime(2026, 7, 1, 16, 30, tzinfo=dt.UTC)) == dt.date(2026, 7, 2)
    assert claim_day(dt.datetime(2026, 7, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 7, 1)


def test_sold_out_after_exactly_the_stock(tree, personas):
    activity = coupon_activity(tree.jinan, stock=3)
    members = [make_member(tree.grassroots) for _ in range(5)]
    outcomes = []
    for member in members:
        try:
            claim(activity, member)
            outcomes.append("ok")
        except SoldOut as exc:
            outcomes.append((exc.status, exc.code, exc.message))
    assert outcomes == ["ok", "ok", "ok", (409, "sold_out", "券已领完"), (409, "sold_out", "券已领完")]
    activity.refresh_from_db()
    assert (activity.claimed, activity.remaining, Coupon.objects.count()) == (3, 0, 3)


def test_a_stale_read_of_the_stock_is_refused_by_the_conditional_update(tree, personas):
    activity = coupon_activity(tree.jinan, stock=1)
    stale = Activity.objects.select_related("org").get(pk=activity.pk)  # read before the last coupon went
    claim(activity, make_member(tree.grassroots))
    assert stale.claimed == 0
    assert refused(lambda: claim_coupon(stale, by=personas.worker)) == (409, "sold_out", "券已领完")
    assert Coupon.objects.count() == 1
    assert Activity.objects.get(pk=activity.pk).claimed == 1


def test_a_pause_between_the_read_and_the_claim_refuses_it(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    stale = Activity.objects.select_related("org").get(pk=activity.pk)
    services.pause_activity(activity, by=SYSTEM)
    assert refused(lambda: claim_coupon(stale, by=personas.worker)) == (409, "not_open", "活动已暂停，请稍后再试")
    assert (Coupon.objects.count(), Activity.objects.get(pk=activity.pk).claimed) == (0, 0)


def test_the_same_idempotency_key_answers_the_same_coupon(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5, per_member_limit=3)
    first = claim(activity, personas.worker, idempotency_key="retry-1")
    again = claim(activity, personas.worker, idempotency_key="retry-1")
    assert (again.pk, again.code) == (first.pk, first.code)
    other = claim(activity, personas.worker, idempotency_key="retry-2")
    assert other.pk != first.pk
    activity.refresh_from_db()
    assert (activity.claimed, Coupon.objects.count()) == (2, 2)
    elsewhere = coupon_activity(tree.jinan, title="冬季送温暖券")
    with pytest.raises(Invalid) as info:
        claim(elsewhere, personas.worker, idempotency_key="retry-1")
    assert (info.value.code, info.value.fields) == (
        "idempotency_key_reused", {"idempotency_key": "该请求标识已用于领取其他活动的券，请换一个"})
    with pytest.raises(Invalid) as info:
        claim(activity, personas.worker, idempotency_key="k" * 65)
    assert info.value.fields == {"idempotency_key": "请求标识（Idempotency-Key）最多64个可见字符"}


def test_only_eligible_members_of_an_open_coupon_grab_claim(tree, personas):
    activity = coupon_activity(tree.jinan)
    assert refused(lambda: claim(activity, personas.outsider)) == (
        403, "not_eligible", "本活动仅限工会会员参加，请先申请入会")
    qingdao_member = make_member(tree.qd_grassroots)
    assert refused(lambda: claim(activity, qingdao_member)) == (403, "not_eligible", "本活动仅限发布工会所属的会员参加")
    january = coupon_activity(tree.jinan, title="一月生日券", audience={"birth_months": [1]})
    assert refused(lambda: claim(january, personas.worker)) == (403, "not_eligible", "本活动仅限1月出生的会员参加")
    draft = coupon_activity(tree.jinan, publish=False)
    assert refused(lambda: claim(draft, personas.worker)) == (409, "not_open", "活动尚未发布")
    signup = services.publish_activity(services.create_activity(
        by=SYSTEM, org=tree.jinan, kind="signup", title="读书会", capacity=5, starts_at=activity.starts_at,
        ends_at=activity.ends_at), by=SYSTEM)
    assert refused(lambda: claim(signup, personas.worker)) == (409, "wrong_kind", "该活动不是“领券”类活动")
    assert Coupon.objects.count() == 0


def test_the_rules_freeze_after_the_first_claim(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    services.update_activity(activity, by=SYSTEM, stock=8)
    claim(activity, personas.worker)
    with pytest.raises(StateError) as info:
        services.update_activity(Activity.objects.get(pk=activity.pk), by=SYSTEM, stock=20)
    assert (info.value.code, info.value.fields) == ("rules_frozen", {"stock": "已有会员参与，不能修改"})
    assert services.update_activity(activity, by=SYSTEM, title="夏日清凉券").title == "夏日清凉券"


def test_claims_are_rate_limited_per_account_and_per_ip(tree, personas, settings):
    settings.BENEFITS_CLAIM_RATE_MEMBER = "2/min"
    settings.BENEFITS_CLAIM_RATE_IP = "3/min"
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=5)
    claim(activity, personas.worker)
    claim(activity, personas.worker)
    assert refused(lambda: claim(activity, personas.worker)) == (429, "too_many_requests", "领取过于频繁，请稍后再试")
    assert Coupon.objects.filter(person=personas.worker.person).count() == 2
    crowd = [make_member(tree.grassroots) for _ in range(4)]
    for member in crowd[:3]:
        claim(activity, member, ip="10.0.0.9")
    with pytest.raises(TooManyClaims) as info:
        claim(activity, crowd[3], ip="10.0.0.9")
    assert (info.value.status, info.value.message) == (429, "当前网络领取过于频繁，请稍后再试")
    claim(activity, crowd[3], ip="10.0.0.10")  # another network
    assert Coupon.objects.count() == 6


def test_fixed_windows_of_the_rate_limiter():
    cache.clear()
    assert ratelimit.parse_rate("20/min") == (20, 60)
    assert ratelimit.parse_rate("5/10s") == (5, 10)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("lots")
    assert [ratelimit.allow("t", "a", "2/min", now=120.0) for _ in range(3)] == [True, True, False]
    assert ratelimit.allow("t", "b", "2/min", now=120.0) is True  # another identity
    assert ratelimit.allow("t", "a", "2/min", now=180.0) is True  # the next window
    assert ratelimit.allow("t", None, "0/min") is True  # nobody to count


# Redemption ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def shop(tree, personas):
    merchant = create_merchant(by=personas.city_cadre, org=tree.jinan, name="泉城超市", address="济南市历下区1号",
                               contact_name="李经理", contact_phone="0531-88888888")
    account = add_merchant_account(merchant, by=personas.city_cadre, username="quancheng", password="Shop-pass-2026",
                                   display_name="收银员")
    return merchant, account


def test_a_merchant_redeems_a_coupon_once(tree, personas, shop, django_capture_on_commit_callbacks):
    merchant, account = shop
    coupon = claim(coupon_activity(tree.jinan), personas.worker)
    typed = " ".join(coupon.code.lower()[i:i + 4] for i in range(0, 12, 4))  # "abcd efgh jkmn"
    with django_capture_on_commit_callbacks(execute=True):
        redeemed = redeem_coupon(typed, by=account)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.merchant_id, coupon.redeemed_by_id, redeemed.status) == (
        "redeemed", merchant.pk, account.pk, "redeemed")
    event = AuditEvent.objects.get(action="benefits.coupon.redeem")
    assert (event.actor_id, event.target_id, event.org_path, event.data) == (
        account.pk, str(coupon.pk), tree.jinan.path, {"merchant": "泉城超市", "activity": "夏日送清凉券"})
    assert BehaviourEvent.objects.filter(kind="benefits.coupon.redeem",
                                         person_id=personas.worker.person_id).count() == 1
    assert refused(lambda: redeem_coupon(coupon.code, by=account)) == (
        409, "already_redeemed", "该券已核销，不能重复使用")
    with pytest.raises(AlreadyRedeemed):
        redeem_coupon(qr_payload(coupon), by=account)


def test_the_qr_payload_and_typed_codes_normalise_to_the_code():
    assert normalise_code(" abcd-efgh jkmn ") == "ABCDEFGHJKMN"
    assert normalise_code("smartunion-coupon:smartunion-demo:ABCDEFGHJKMN") == "ABCDEFGHJKMN"


def test_a_merchant_not_on_the_list_gets_the_answer_of_an_unknown_code(tree, personas, shop):
    merchant, account = shop
    other = create_merchant(by=personas.city_cadre, org=tree.jinan, name="大明湖书店")
    activity = coupon_activity(tree.jinan)
    activity.merchants.add(other)
    coupon = claim(activity, personas.worker)
    assert refused(lambda: redeem_coupon(coupon.code, by=account)) == (404, "not_found", NOT_FOUND)
    assert refused(lambda: redeem_coupon("ABCDEFGHJKMN", by=account)) == (404, "not_found", NOT_FOUND)
    assert refused(lambda: redeem_coupon("no such code", by=account)) == (404, "not_found", NOT_FOUND)
    # A merchant of another branch (青岛) redeems nothing of 济南's, list or no list.
    qingdao = create_merchant(by=personas.other_city_cadre, org=tree.qingdao, name="栈桥饭店")
    qd_account = add_merchant_account(qingdao, by=personas.other_city_cadre, username="zhanqiao",
                                      password="Shop-pass-2026")
    open_coupon = claim(coupon_activity(tree.jinan, title="不限商户券"), personas.worker)
    assert refused(lambda: redeem_coupon(open_coupon.code, by=qd_account)) == (404, "not_found", NOT_FOUND)
    assert redeem_coupon(open_coupon.code, by=account).merchant_id == merchant.pk
    other_account = add_merchant_account(other, by=personas.city_cadre, username="daminghu", password="Shop-pass-2026")
    assert redeem_coupon(coupon.code, by=other_account).merchant_id == other.pk


def test_cadres_redeem_in_scope_and_others_may_not(tree, personas, shop):
    activity = coupon_activity(tree.jinan, stock=5, per_member_limit=3)
    first, second = claim(activity, personas.worker), claim(activity, personas.worker)
    assert refused(lambda: redeem_coupon(first.code, by=personas.other_city_cadre)) == (404, "not_found", NOT_FOUND)
    assert refused(lambda: redeem_coupon(first.code, by=personas.worker)) == (
        403, "forbidden", "只有商户或工会干部可以核销优惠券")
    assert redeem_coupon(first.code, by=personas.city_cadre).merchant_id is None
    merchant, _ = shop
    assert redeem_coupon(second.code, by=personas.province_admin, merchant=merchant).merchant_id == merchant.pk


def test_an_expired_coupon_or_a_suspended_merchant_redeems_nothing(tree, personas, shop):
    merchant, account = shop
    activity = coupon_activity(tree.jinan, stock=5, per_member_limit=2)
    coupon, other = claim(activity, personas.worker), claim(activity, personas.worker)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=dt.date(2020, 1, 31))
    assert refused(lambda: redeem_coupon(coupon.code, by=account)) == (
        409, "expired", "该券已过有效期（2020年1月31日）")
    update_merchant(merchant, by=personas.city_cadre, status="suspended")
    assert refused(lambda: redeem_coupon(other.code, by=account)) == (
        403, "forbidden", "该账号未关联正常营业的商户，不能核销")
    assert Coupon.objects.filter(status="redeemed").count() == 0


# Merchants ----------------------------------------------------------------------------------------------------------

def test_merchants_and_their_accounts_are_managed_in_scope(tree, personas, shop):
    merchant, account = shop
    assert (merchant.org_path, merchant.contact_phone) == (tree.jinan.path, "0531-88888888")
    assert (account.kind, account.is_staff, account.display_name, list(merchant.users.all())) == (
        User.Kind.MERCHANT, False, "收银员", [account])
    assert account.check_password("Shop-pass-2026")
    events = AuditEvent.objects.filter(action__startswith="benefits.merchant").order_by("id")
    assert list(events.values_list("action", "data")) == [
        ("benefits.merchant.create", {}), ("benefits.merchant.add_account", {"username": "quancheng"})]
    assert refused(lambda: create_merchant(by=personas.other_city_cadre, org=tree.jinan, name="X")) == (
        403, "forbidden", "只有本工会或上级工会的主席、管理员可以管理商户")
    with pytest.raises(Conflict) as info:
        add_merchant_account(merchant, by=personas.city_cadre, username="quancheng", password="Shop-pass-2026")
    assert (info.value.code, info.value.fields) == ("username_taken", {"username": "用户名已被使用"})
    with pytest.raises(Invalid) as info:
        create_merchant(by=personas.city_cadre, org=tree.jinan, name=" ", contact_phone="call me")
    assert info.value.fields == {"name": "请填写商户名称", "contact_phone": "联系电话格式不正确"}
    with pytest.raises(Forbidden):
        update_merchant(merchant, by=personas.other_city_cadre, name="改名")
    changed = update_merchant(merchant, by=personas.city_cadre, name="泉城超市（总店）", address="济南市历下区1号")
    assert changed.name == "泉城超市（总店）"
    assert AuditEvent.objects.filter(action="benefits.merchant.update").get().data == {"fields": ["name"]}


def test_redemption_totals_per_merchant_and_day_in_one_query(tree, personas, shop, django_assert_num_queries):
    merchant, account = shop
    second = create_merchant(by=personas.city_cadre, org=tree.jinan, name="大明湖书店")
    second_account = add_merchant_account(second, by=personas.city_cadre, username="daminghu",
                                          password="Shop-pass-2026")
    activity = coupon_activity(tree.jinan, stock=10, per_member_limit=3)
    coupons = [claim(activity, personas.worker) for _ in range(3)]
    redeem_coupon(coupons[0].code, by=account)
    redeem_coupon(coupons[1].code, by=account)
    redeem_coupon(coupons[2].code, by=second_account)
    yesterday = timezone.now() - dt.timedelta(days=1)
    Coupon.objects.filter(pk=coupons[0].pk).update(redeemed_at=yesterday)
    today = timezone.localdate()
    in_scope = visible_merchants(personas.city_cadre)
    with django_assert_num_queries(1):
        totals = redemption_totals(in_scope)
    assert totals == [
        {"merchant_id": merchant.pk, "merchant": "泉城超市", "day": today - dt.timedelta(days=1), "count": 1},
        {"merchant_id": merchant.pk, "merchant": "泉城超市", "day": today, "count": 1},
        {"merchant_id": second.pk, "merchant": "大明湖书店", "day": today, "count": 1},
    ]
    assert redemption_totals(merchant, since=today) == [
        {"merchant_id": merchant.pk, "merchant": "泉城超市", "day": today, "count": 1}]
    assert redemption_totals(visible_merchants(personas.other_city_cadre)) == []
    assert [c.code for c in redemption_log(personas.city_cadre)] == [coupons[2].code, coupons[1].code,
                                                                       coupons[0].code]
    assert list(redemption_log(personas.other_city_cadre)) == []

