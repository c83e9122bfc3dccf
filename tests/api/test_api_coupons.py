"""The coupons API (issue 9): claim with Idempotency-Key, my coupons, redeem by a merchant, merchants for cadres."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from tests.benefits.conftest import coupon_activity, make_member

from smartunion.benefits.models import Coupon, Merchant
from smartunion.benefits.services.coupons import NOT_FOUND
from smartunion.benefits.services.merchants import add_merchant_account, create_merchant

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture(autouse=True)
def _database_shape(settings):
    settings.REDIS_URL = ""
    cache.clear()
    yield
    cache.clear()


def test_a_member_claims_and_a_retry_with_the_same_key_gets_the_same_answer(api, tree, personas):
    activity = coupon_activity(tree.jinan, stock=5, per_member_limit=2)
    client = api(personas.worker)
    first = client.post(f"/api/v1/activities/{activity.pk}/claim", headers={"Idempotency-Key": "a1"})
    again = client.post(f"/api/v1/activities/{activity.pk}/claim", headers={"Idempotency-Key": "a1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    coupon = Coupon.objects.get()
    assert first.json() == {"id": coupon.pk, "code": coupon.code, "valid_until": str(activity.valid_until),
                            "activity_id": activity.pk, "status": "issued"}
    second = client.post(f"/api/v1/activities/{activity.pk}/claim")
    assert second.status_code == 201 and second.json()["code"] != coupon.code
    third = client.post(f"/api/v1/activities/{activity.pk}/claim")
    assert (third.status_code, third.json()["code"], third.json()["message"]) == (
        409, "limit_reached", "每人限领2张，您已领满")
    too_long = client.post(f"/api/v1/activities/{activity.pk}/claim", headers={"Idempotency-Key": "x" * 65})
    assert (too_long.status_code, too_long.json()["fields"]) == (
        422, {"idempotency_key": "请求标识（Idempotency-Key）最多64个可见字符"})


def test_claim_refusals_answer_with_their_codes(api, tree, personas, settings):
    sold = coupon_activity(tree.jinan, stock=1)
    api(make_member(tree.grassroots)).post(f"/api/v1/activities/{sold.pk}/claim")
    answer = api(personas.worker).post(f"/api/v1/activities/{sold.pk}/claim")
    assert (answer.status_code, answer.json()["code"], answer.json()["message"]) == (409, "sold_out", "券已领完")
    january = coupon_activity(tree.jinan, title="一月生日券", audience={"birth_months": [1]})
    answer = api(personas.worker).post(f"/api/v1/activities/{january.pk}/claim")
    assert (answer.status_code, answer.json()["code"], answer.json()["message"]) == (
        403, "not_eligible", "本活动仅限1月出生的会员参加")
    draft = coupon_activity(tree.jinan, publish=False)
    assert api(personas.worker).post(f"/api/v1/activities/{draft.pk}/claim").status_code == 404
    assert api(personas.worker).post("/api/v1/activities/999999/claim").status_code == 404
    assert api().post(f"/api/v1/activities/{sold.pk}/claim").status_code == 401
    settings.BENEFITS_CLAIM_RATE_MEMBER = "1/min"
    cache.clear()
    open_one = coupon_activity(tree.jinan, title="第二批", stock=5, per_member_limit=3)
    client = api(personas.worker)
    assert client.post(f"/api/v1/activities/{open_one.pk}/claim").status_code == 201
    answer = client.post(f"/api/v1/activities/{open_one.pk}/claim")
    assert (answer.status_code, answer.json()["code"], answer.json()["message"]) == (
        429, "too_many_requests", "领取过于频繁，请稍后再试")


def test_my_coupons_list_with_the_qr_payload(api, tree, personas):
    activity = coupon_activity(tree.jinan, stock=5, face_value="满50减20")
    client = api(personas.worker)
    code = client.post(f"/api/v1/activities/{activity.pk}/claim").json()["code"]
    body = client.get("/api/v1/me/coupons").json()
    assert (body["count"], body["page"]) == (1, 1)
    item = body["items"][0]
    assert (item["code"], item["status"], item["status_label"], item["valid_until"], item["qr"]) == (
        code, "issued", "未使用", str(activity.valid_until), f"smartunion-coupon:smartunion-demo:{code}")
    assert item["activity"] == {"id": activity.pk, "title": "夏日送清凉券", "face_value": "满50减20", "terms": ""}
    assert api(personas.outsider).get("/api/v1/me/coupons").json()["count"] == 0
    assert client.get("/api/v1/me/coupons?page_size=1000").status_code == 400


@pytest.fixture
def shop(tree, personas):
    merchant = create_merchant(by=personas.city_cadre, org=tree.jinan, name="泉城超市")
    account = add_merchant_account(merchant, by=personas.city_cadre, username="quancheng", password="Shop-pass-2026")
    return merchant, account


def test_a_merchant_redeems_by_scanning_and_only_once(api, tree, personas, shop):
    merchant, account = shop
    activity = coupon_activity(tree.jinan)
    worker = api(personas.worker)
    worker.post(f"/api/v1/activities/{activity.pk}/claim")
    qr = worker.get("/api/v1/me/coupons").json()["items"][0]["qr"]
    client = api(account)
    answer = client.post("/api/v1/coupons/redeem", {"code": qr}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], body["merchant"], body["activity"]["title"]) == (
        "redeemed", {"id": merchant.pk, "name": "泉城超市"}, "夏日送清凉券")
    again = client.post("/api/v1/coupons/redeem", {"code": qr}, content_type=JSON)
    assert (again.status_code, again.json()["code"], again.json()["message"]) == (
        409, "already_redeemed", "该券已核销，不能重复使用")
    assert client.post("/api/v1/coupons/redeem", {"code": "x" * 65}, content_type=JSON).status_code == 422


def test_an_unknown_code_and_a_coupon_the_merchant_may_not_redeem_answer_alike(api, tree, personas, shop):
    _, account = shop
    other = create_merchant(by=personas.city_cadre, org=tree.jinan, name="大明湖书店")
    activity = coupon_activity(tree.jinan)
    activity.merchants.add(other)
    code = api(personas.worker).post(f"/api/v1/activities/{activity.pk}/claim").json()["code"]
    client = api(account)
    not_mine = client.post("/api/v1/coupons/redeem", {"code": code}, content_type=JSON)
    unknown = client.post("/api/v1/coupons/redeem", {"code": "ABCDEFGHJKMN"}, content_type=JSON)
    assert (not_mine.status_code, not_mine.json()) == (unknown.status_code, unknown.json())
    assert (not_mine.status_code, not_mine.json()["message"]) == (404, NOT_FOUND)
    assert Coupon.objects.get().status == "issued"


def test_cadres_manage_merchants_in_scope(api, tree, personas):
    client = api(personas.city_cadre)
    created = client.post("/api/v1/merchants", {"org_id": tree.jinan.pk, "name": "泉城超市",
                                                "contact_phone": "13912345678"}, content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["org"], body["contact_phone"], body["status"]) == (
        "泉城超市", {"id": tree.jinan.pk, "name": "济南市总工会"}, "139****5678", "active")
    outside = api(personas.other_city_cadre).post("/api/v1/merchants", {"org_id": tree.jinan.pk, "name": "X"},
                                                  content_type=JSON)
    assert outside.status_code == 404
    assert client.get("/api/v1/merchants").json()["count"] == 1
    assert api(personas.other_city_cadre).get("/api/v1/merchants").json()["count"] == 0
    merchant_id = body["id"]
    account = client.post(f"/api/v1/merchants/{merchant_id}/accounts",
                          {"username": "quancheng", "password": "Shop-pass-2026", "display_name": "收银员"},
                          content_type=JSON)
    assert (account.status_code, account.json()["kind"], account.json()["merchant_id"]) == (201, "merchant",
                                                                                           merchant_id)
    taken = client.post(f"/api/v1/merchants/{merchant_id}/accounts",
                        {"username": "quancheng", "password": "Shop-pass-2026"}, content_type=JSON)
    assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")
    hidden = api(personas.other_city_cadre).post(f"/api/v1/merchants/{merchant_id}/accounts",
                                                 {"username": "x123", "password": "Shop-pass-2026"},
                                                 content_type=JSON)
    assert hidden.status_code == 404
    suspended = client.patch(f"/api/v1/merchants/{merchant_id}", {"status": "suspended"}, content_type=JSON)
    assert (suspended.status_code, suspended.json()["status"]) == (200, "suspended")
    too_long = client.post("/api/v1/merchants", {"org_id": tree.jinan.pk, "name": "商" * 101}, content_type=JSON)
    assert too_long.status_code == 422
    assert Merchant.objects.count() == 1


def test_a_claim_reads_token_and_membership_in_one_query(api, tree, personas, django_assert_num_queries):
    """The grab's hot path: the token with the member's membership (one query), the member's count, then SAVEPOINT,
    UPDATE, INSERT, RELEASE (BEGIN and COMMIT in production); the activity comes from a two-second snapshot and the
    behaviour event is written after the commit, which the test's own transaction never reaches."""
    from django.utils import timezone

    from smartunion.accounts.models import ApiToken

    activity = coupon_activity(tree.jinan, stock=5, per_member_limit=3)
    client = api(personas.worker)
    url = f"/api/v1/activities/{activity.pk}/claim"
    assert client.post(url).status_code == 201
    with django_assert_num_queries(6):
        assert client.post(url).status_code == 201
    outsider = api(personas.outsider).post(url)
    assert (outsider.status_code, outsider.json()["code"]) == (403, "not_eligible")
    ApiToken.objects.filter(user=personas.worker).update(expires_at=timezone.now())
    assert client.post(url).status_code == 401
    assert Coupon.objects.count() == 2
