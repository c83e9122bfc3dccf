"""The activities API (issue 9): the member's eligible list and detail, the cadre's creation and lifecycle."""

import datetime as dt

import pytest
from tests.benefits.conftest import coupon_activity, make_member

from smartunion.benefits.models import Activity

pytestmark = pytest.mark.django_db

CREATE = {"kind": "coupon", "title": "夏日送清凉券", "starts_at": "2026-07-01T08:00:00+08:00",
          "ends_at": "2099-07-31T20:00:00+08:00", "stock": 100, "per_member_limit": 1, "valid_until": "2099-08-31"}


def test_a_cadre_creates_a_coupon_grab_as_a_draft_and_publishes_it(api, tree, personas):
    client = api(personas.city_cadre)
    response = client.post("/api/v1/activities", {**CREATE, "org_id": tree.jinan.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["stock"], body["remaining"], body["per_member_limit"],
            body["valid_until"]) == ("coupon", "draft", 100, 100, 1, "2099-08-31")
    published = client.post(f"/api/v1/activities/{body['id']}/publish")
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["audience_size"]) == ("published", 1)


def test_an_org_out_of_scope_answers_like_a_missing_one(api, tree, personas):
    client = api(personas.other_city_cadre)
    outside = client.post("/api/v1/activities", {**CREATE, "org_id": tree.jinan.pk}, content_type="application/json")
    missing = client.post("/api/v1/activities", {**CREATE, "org_id": 999999}, content_type="application/json")
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())
    assert outside.status_code == 404
    activity = coupon_activity(tree.jinan)
    assert client.post(f"/api/v1/activities/{activity.pk}/pause").status_code == 404
    assert Activity.objects.get().status == "published"


def test_invalid_input_gets_field_messages_and_creates_nothing(api, tree, personas):
    response = api(personas.city_cadre).post(
        "/api/v1/activities", {**CREATE, "org_id": tree.jinan.pk, "stock": -1, "audience": {"sex": "x"}},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["fields"] == {"stock": "库存应为 1 至 10000000 之间的整数",
                                         "audience.sex": "性别应为 1（男）或 2（女）"}
    assert Activity.objects.count() == 0


def test_members_see_only_what_they_may_join_and_get_the_reason_otherwise(api, tree, personas):
    mine = coupon_activity(tree.jinan, title="济南的券")
    coupon_activity(tree.qingdao, title="青岛的券")
    january = coupon_activity(tree.jinan, title="一月生日券", audience={"birth_months": [1]})
    coupon_activity(tree.jinan, title="草稿", publish=False)
    client = api(personas.worker)
    listed = client.get("/api/v1/activities").json()
    assert (listed["count"], [a["title"] for a in listed["items"]]) == (1, ["济南的券"])
    detail = client.get(f"/api/v1/activities/{mine.pk}").json()
    assert (detail["kind"], detail["stock"], detail["remaining"], detail["per_member_limit"]) == ("coupon", 10, 10, 1)
    assert "audience_rules" not in detail
    refused = client.get(f"/api/v1/activities/{january.pk}")
    assert (refused.status_code, refused.json()["code"], refused.json()["message"]) == (
        403, "not_eligible", "本活动仅限1月出生的会员参加")
    assert api(personas.outsider).get("/api/v1/activities").json()["code"] == "not_eligible"


def test_audience_preview_counts_the_subtree_with_the_rules(api, tree, personas):
    make_member(tree.grassroots, birth=dt.date(1990, 1, 9))
    client = api(personas.city_cadre)
    body = client.post("/api/v1/activities/audience-size", {"org_id": tree.jinan.pk,
                       "audience": {"birth_months": [1]}}, content_type="application/json").json()
    assert (body["size"], body["audience"]) == (1, ["生日月份：1月"])
    everyone = client.post("/api/v1/activities/audience-size", {"org_id": tree.jinan.pk},
                           content_type="application/json").json()
    assert everyone["size"] == 2
