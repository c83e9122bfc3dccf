"""The lottery API: enter (201, 409 already_entered), the published draw for members and cadres, the cadre's draw
and exclusions; the published JSON checks OK with docs/verify_lottery.py."""

import json
import subprocess
import sys

import pytest
from tests.benefits.conftest import coupon_activity, make_member
from tests.benefits.test_lottery import SCRIPT, lottery_activity

from smartunion.benefits import services
from smartunion.benefits.models import Activity, LotteryEntry
from smartunion.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_a_member_enters_once_and_gets_a_ticket(api, tree, personas):
    activity = lottery_activity(tree.jinan)
    client = api(personas.worker)
    response = client.post(f"/api/v1/activities/{activity.pk}/enter")
    assert response.status_code == 201, response.content
    entry = LotteryEntry.objects.get()
    body = response.json()
    assert (body["ticket"], body["line"], body["card_number"]) == (
        entry.pk, f"{entry.pk} 3701*******0001", "3701*******0001")
    again = client.post(f"/api/v1/activities/{activity.pk}/enter")
    assert (again.status_code, again.json()["code"]) == (409, "already_entered")


def test_enter_refuses_other_kinds_outsiders_and_members_outside_the_audience(api, tree, personas):
    coupon = coupon_activity(tree.jinan)
    assert api(personas.worker).post(f"/api/v1/activities/{coupon.pk}/enter").status_code == 404
    qingdao = lottery_activity(tree.qingdao)
    refused = api(personas.worker).post(f"/api/v1/activities/{qingdao.pk}/enter")
    assert (refused.status_code, refused.json()["code"], refused.json()["message"]) == (
        403, "not_eligible", "本活动仅限发布工会所属的会员参加")
    outsider = api(personas.outsider).post(f"/api/v1/activities/{qingdao.pk}/enter")
    assert (outsider.status_code, outsider.json()["code"]) == (403, "not_eligible")
    assert LotteryEntry.objects.count() == 0


def test_the_draw_is_published_step_by_step_and_checks_with_the_script(api, tree, personas, tmp_path):
    activity = lottery_activity(tree.jinan, prizes=(("一等奖", 1), ("二等奖", 1)))
    for user in [personas.worker, *[make_member(tree.grassroots) for _ in range(4)]]:
        assert api(user).post(f"/api/v1/activities/{activity.pk}/enter").status_code == 201
    member = api(personas.worker)
    before = member.get(f"/api/v1/activities/{activity.pk}/draw").json()
    assert (before["commitment"], before["seed"], before["entrants_hash"], before["entrants"], before["winners"]) == (
        activity.commitment, None, None, None, None)
    assert before["mine"]["listed"] is None
    assert [p["name"] for p in member.get(f"/api/v1/activities/{activity.pk}/prizes").json()["items"]] == [
        "一等奖", "二等奖"]

    cadre = api(personas.city_cadre)
    early = cadre.post(f"/api/v1/activities/{activity.pk}/draw")
    assert (early.status_code, early.json()["code"]) == (409, "not_closed")
    assert cadre.post(f"/api/v1/activities/{activity.pk}/close").status_code == 200
    assert api(personas.other_city_cadre).post(f"/api/v1/activities/{activity.pk}/draw").status_code == 404
    drawn = cadre.post(f"/api/v1/activities/{activity.pk}/draw")
    assert drawn.status_code == 200, drawn.content
    again = cadre.post(f"/api/v1/activities/{activity.pk}/draw")
    assert (again.status_code, again.json()["code"]) == (409, "already_drawn")

    after = member.get(f"/api/v1/activities/{activity.pk}/draw").json()
    stored = Activity.objects.get(pk=activity.pk)
    assert (after["seed"], after["entrants_hash"], after["entrants"], after["entrant_count"]) == (
        stored.seed, stored.entrants_hash, stored.entrants_published, 5)
    assert [(w["rank"], w["prize"]) for w in after["winners"]] == [(1, "一等奖"), (2, "二等奖")]
    won = dict(LotteryEntry.objects.filter(prize__isnull=False).values_list("pk", "prize__name"))
    assert {w["ticket"]: w["prize"] for w in after["winners"]} == won
    assert all("*******" in w["entrant"] for w in after["winners"])  # masked card numbers only
    entry = LotteryEntry.objects.get(person=personas.worker.person)
    assert after["mine"] == {"ticket": entry.pk, "line": f"{entry.pk} 3701*******0001", "listed": True,
                             "prize": won.get(entry.pk), "excluded": False}

    path = tmp_path / "draw.json"
    path.write_text(json.dumps({k: v for k, v in after.items() if k != "mine"}), encoding="utf-8")
    checked = subprocess.run([sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True,
                             timeout=60, check=False)
    assert (checked.returncode, checked.stdout.startswith(f"OK lottery {activity.pk}:")) == (0, True)


def test_who_may_read_the_draw(api, tree, personas):
    activity = lottery_activity(tree.jinan)
    assert api(personas.city_cadre).get(f"/api/v1/activities/{activity.pk}/draw").status_code == 200
    outside = api(personas.other_city_cadre).get(f"/api/v1/activities/{activity.pk}/draw")
    assert (outside.status_code, outside.json()["code"]) == (403, "not_eligible")  # not a member either
    missing = api(personas.worker).get("/api/v1/activities/999999/draw")
    assert missing.status_code == 404
    draft = services.create_activity(by=SYSTEM, org=tree.jinan, kind="lottery", title="草稿抽奖",
                                     starts_at=activity.starts_at, ends_at=activity.ends_at)
    assert api(personas.worker).get(f"/api/v1/activities/{draft.pk}/draw").status_code == 404
    birthday = lottery_activity(tree.jinan, title="一月生日抽奖", audience={"birth_months": [1]})
    refused = api(personas.worker).get(f"/api/v1/activities/{birthday.pk}/draw")
    assert (refused.status_code, refused.json()["message"]) == (403, "本活动仅限1月出生的会员参加")


def test_exclusions_take_lotteries_in_scope_only(api, tree, personas):
    activity = lottery_activity(tree.jinan, title="端午抽奖")
    earlier = lottery_activity(tree.jinan, title="春节抽奖")
    elsewhere = lottery_activity(tree.qingdao, title="青岛抽奖")
    client = api(personas.city_cadre)
    url = f"/api/v1/activities/{activity.pk}/exclusions"
    done = client.put(url, {"activity_ids": [earlier.pk]}, content_type="application/json")
    assert (done.status_code, done.json()) == (200, {"activity_id": activity.pk, "activity_ids": [earlier.pk]})
    assert list(Activity.objects.get(pk=activity.pk).exclude_winners_of.all()) == [earlier]
    outside = client.put(url, {"activity_ids": [elsewhere.pk]}, content_type="application/json")
    missing = client.put(url, {"activity_ids": [999999]}, content_type="application/json")
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())
    assert outside.json()["fields"] == {"activity_ids": "所选活动不存在"}
    coupon = coupon_activity(tree.jinan)
    wrong = client.put(url, {"activity_ids": [coupon.pk]}, content_type="application/json")
    assert (wrong.status_code, wrong.json()["fields"]) == (422, {"activity_ids": "“夏日送清凉券”不是抽奖活动"})
    assert list(Activity.objects.get(pk=activity.pk).exclude_winners_of.all()) == [earlier]
