"""The sign-up, check-in, vote, survey and results endpoints (issue 9)."""

import pytest
from tests import rows
from tests.benefits.conftest import make_member
from tests.benefits.test_polls import survey_activity, vote_activity
from tests.benefits.test_signups import card_token_of, signup_activity

from smartunion.benefits.models import Ballot, Response, Signup, VoteOption

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, url, body=None):
    return client.post(url, body if body is not None else {}, content_type=JSON)


def test_sign_up_wait_cancel_and_the_cadres_list(api, tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    url = f"/api/v1/activities/{activity.pk}"
    first = post(api(personas.worker), f"{url}/signup")
    assert first.status_code == 201, first.content
    assert (first.json()["status"], first.json()["status_label"], first.json()["position"]) == (
        "confirmed", "已报名", None)
    other = make_member(tree.grassroots, name="李小明")
    second = post(api(other), f"{url}/signup")
    assert (second.status_code, second.json()["status"], second.json()["position"]) == (201, "waiting", 1)
    again = post(api(personas.worker), f"{url}/signup")
    assert (again.status_code, again.json()) == (409, {"code": "already_signed_up",
                                                       "message": "您已报名该活动，请勿重复报名", "fields": {}})

    cancelled = post(api(personas.worker), f"{url}/cancel")
    assert (cancelled.status_code, cancelled.json()["id"], cancelled.json()["status"]) == (
        200, first.json()["id"], "cancelled")
    listed = api(personas.city_cadre).get(f"{url}/signups").json()
    assert listed["count"] == 2
    assert [(s["id"], s["status"], s["name"], s["promoted_at"] is not None) for s in listed["items"]] == [
        (first.json()["id"], "cancelled", "张*", False), (second.json()["id"], "confirmed", "李**", True)]
    waiting_only = api(personas.city_cadre).get(f"{url}/signups?status=waiting").json()
    assert waiting_only["count"] == 0
    bad = api(personas.city_cadre).get(f"{url}/signups?status=maybe")
    assert (bad.status_code, bad.json()["fields"]) == (422, {"status": "报名状态应为 confirmed、waiting 或 cancelled"})
    not_again = post(api(personas.worker), f"{url}/cancel")
    assert (not_again.status_code, not_again.json()["code"], not_again.json()["message"]) == (
        409, "not_signed_up", "您尚未报名该活动")


def test_out_of_reach_activities(api, tree, personas):
    activity = signup_activity(tree.jinan)
    draft = signup_activity(tree.jinan, publish=False)
    worker = api(personas.worker)
    missing = post(worker, "/api/v1/activities/999999/signup")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert post(worker, f"/api/v1/activities/{draft.pk}/signup").json() == missing.json()
    refused = post(api(make_member(tree.qd_grassroots)), f"/api/v1/activities/{activity.pk}/signup")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_eligible")
    # The list of sign-ups: out of the cadre's scope answers exactly like missing; a member sees no list.
    outside = api(personas.other_city_cadre).get(f"/api/v1/activities/{activity.pk}/signups")
    nowhere = api(personas.other_city_cadre).get("/api/v1/activities/999999/signups")
    assert (outside.status_code, outside.json()) == (nowhere.status_code, nowhere.json())
    assert outside.status_code == 404
    assert api(personas.worker).get(f"/api/v1/activities/{activity.pk}/signups").status_code == 404
    assert Signup.objects.count() == 0


def test_check_in_by_the_organisers_scan_and_by_the_members_code(api, tree, personas):
    activity = signup_activity(tree.jinan)
    url = f"/api/v1/activities/{activity.pk}/checkin"
    post(api(personas.worker), f"/api/v1/activities/{activity.pk}/signup")
    token = card_token_of(personas.worker)
    outside = post(api(personas.other_city_cadre), url, {"card_token": token})
    assert (outside.status_code, outside.json()["code"]) == (404, "not_found")
    scanned = post(api(personas.city_cadre), url, {"card_token": token})
    assert scanned.status_code == 200, scanned.content
    assert (scanned.json()["member"], scanned.json()["checked_in_at"] is not None) == ({"name": "张*"}, True)
    twice = post(api(personas.worker), url, {"code": activity.checkin_code})
    assert (twice.status_code, twice.json()["code"], twice.json()["message"]) == (
        409, "already_checked_in", "已签到，无需重复签到")

    other = make_member(tree.grassroots)
    post(api(other), f"/api/v1/activities/{activity.pk}/signup")
    wrong = post(api(other), url, {"code": "x"})
    assert (wrong.status_code, wrong.json()["fields"]) == (422, {"code": "签到码不正确"})
    typed = post(api(other), url, {"code": activity.checkin_code})
    assert (typed.status_code, typed.json()["status"], typed.json()["member"]) == (200, "confirmed", {"name": "王*"})
    too_long = post(api(other), url, {"code": "1" * 21})
    assert too_long.status_code == 422
    assert Signup.objects.filter(checked_in_at__isnull=False).count() == 2


def test_vote_once_and_read_the_results(api, tree, personas):
    activity = vote_activity(tree.jinan, max_choices=2)
    ids = list(VoteOption.objects.filter(activity=activity).order_by("position").values_list("pk", flat=True))
    url = f"/api/v1/activities/{activity.pk}"
    cast = post(api(personas.worker), f"{url}/vote", {"option_ids": [ids[1], ids[0]]})
    assert (cast.status_code, cast.json()["option_ids"]) == (201, [ids[0], ids[1]])
    again = post(api(personas.worker), f"{url}/vote", {"option_ids": [ids[2]]})
    assert (again.status_code, again.json()["code"]) == (409, "already_voted")
    member = make_member(tree.grassroots)
    too_many = post(api(member), f"{url}/vote", {"option_ids": ids})
    assert (too_many.status_code, too_many.json()["fields"]) == (422, {"option_ids": "最多可选 2 项"})
    assert post(api(member), f"{url}/vote", {"option_ids": list(range(101))}).status_code == 422
    assert Ballot.objects.count() == 1

    hidden = api(personas.worker).get(f"{url}/results").json()
    assert (hidden["visible"], hidden["message"], hidden["total"]) == (False, "投票结果将在活动结束后公布", None)
    shown = api(personas.city_cadre).get(f"{url}/results").json()
    assert (shown["visible"], shown["total"], [o["votes"] for o in shown["options"]]) == (True, 1, [1, 1, 0])
    refused = api(make_member(tree.qd_grassroots)).get(f"{url}/results")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_eligible")
    assert api(personas.worker).get("/api/v1/activities/999999/results").status_code == 404


def test_answer_a_survey_and_read_its_results(api, tree, personas):
    activity = survey_activity(tree.jinan, anonymous=True, results="live")
    url = f"/api/v1/activities/{activity.pk}"
    invalid = post(api(personas.worker), f"{url}/answers", {"answers": {"1": "是", "3": ["加薪"]}})
    assert (invalid.status_code, invalid.json()["fields"]) == (422, {
        "answers.2": "本题为必答题", "answers.3": "请从选项中选择（可多选，不能重复）"})
    answered = post(api(personas.worker), f"{url}/answers", {"answers": {"1": "是", "2": 5, "4": "多发高温补贴"}})
    assert (answered.status_code, answered.json()) == (201, {
        "activity_id": activity.pk, "anonymous": True, "answers": {"1": "是", "2": 5, "4": "多发高温补贴"}})
    again = post(api(personas.worker), f"{url}/answers", {"answers": {"1": "否"}})
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")
    too_long = post(api(personas.worker), f"{url}/answers", {"answers": {"4": "长" * 1001}})
    assert too_long.status_code == 422
    assert list(Response.objects.values_list("person_id", flat=True)) == [None]

    member_view = api(personas.worker).get(f"{url}/results").json()
    assert (member_view["visible"], member_view["total"]) == (True, 1)
    assert member_view["questions"][1]["mean"] == 5.0
    assert "texts" not in member_view["questions"][3]
    cadre_view = api(personas.city_cadre).get(f"{url}/results").json()
    assert cadre_view["questions"][3]["texts"] == ["多发高温补贴"]
    wrong_kind = post(api(personas.worker), f"/api/v1/activities/{activity.pk}/vote", {"option_ids": [1]})
    assert (wrong_kind.status_code, wrong_kind.json()["code"]) == (409, "wrong_kind")


def test_the_sign_up_list_costs_the_same_for_one_row_as_for_three(api, tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    client = api(personas.city_cadre)
    url = f"/api/v1/activities/{activity.pk}/signups"

    def measured():
        client.get(url)  # a second visit: process caches warm
        result = rows.measure(lambda: client.get(url))
        result.result = result.result.json()
        return result

    sign_up_url = f"/api/v1/activities/{activity.pk}/signup"
    post(api(personas.worker), sign_up_url)
    one = measured()
    for _ in range(2):
        post(api(make_member(tree.grassroots)), sign_up_url)
    three = measured()
    assert [len(m.result["items"]) for m in (one, three)] == [1, 3]
    assert [s["status"] for s in three.result["items"]] == ["confirmed", "waiting", "waiting"]
    # The token and its user, the cadre's positions, the activity in scope, the page with the people joined in.
    rows.assert_queries(4, one, three)
