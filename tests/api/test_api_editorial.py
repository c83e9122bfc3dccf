"""/api/v1 new media: the check, articles through the chain with their actions, the sensitive-word refusal with its
hits, the stale revision, the diff, publishing and retry, pools, channels and the ranking; out of scope is 404."""

import datetime as dt
from types import SimpleNamespace

import pytest
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive
from smartunion.editorial.models import Article, ChannelRecord, PoolItem
from smartunion.editorial.services.metrics import record_day
from smartunion.editorial.services.publishing import register_channel
from smartunion.editorial.services.words import add_word
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db
R = Position.Role
BODY = "<p>全市职工运动会开幕。</p>"


@pytest.fixture
def desk(tree, api):
    sensitive.word_list_changed()

    def cadre(username, org, role):
        user = make_user(username)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return api(user)

    return SimpleNamespace(editor=cadre("editor", tree.jinan, R.EDITOR), first=cadre("first", tree.jinan,
                                                                                       R.FIRST_REVIEWER),
                           final=cadre("final", tree.jinan, R.FINAL_REVIEWER),
                           signer=cadre("signer", tree.jinan, R.SIGNER),
                           lixia_chair=cadre("lixia_chair", tree.lixia, R.CHAIR),
                           qingdao=cadre("qingdao_editor", tree.qingdao, R.EDITOR))


def new_article(desk, tree, **extra):
    response = desk.editor.post("/api/v1/articles", {"org_id": tree.jinan.pk, "title": "职工运动会开幕", "body": BODY,
                                                     **extra}, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()["article"]


def through_chain(desk, article_id):
    for client, action in ((desk.editor, "submit"), (desk.first, "pass_first"), (desk.final, "pass_final"),
                           (desk.signer, "sign")):
        response = client.post(f"/api/v1/articles/{article_id}/steps/{action}", {}, content_type="application/json")
        assert response.status_code == 200, response.json()
    return response.json()


def test_check_lists_every_hit(desk):
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    response = desk.editor.post("/api/v1/editorial/check", {"text": "远离網絡 賭博"}, content_type="application/json")
    assert response.json() == {"blocking": 1, "hits": [{
        "word": "网络赌博", "category": "illegal", "category_label": "违法违规", "level": "block", "suggestion": "",
        "start": 2, "end": 7, "text": "網絡 賭博", "context": "远离網絡 賭博"}]}


def test_the_chain_through_the_api_with_the_actions_each_user_has(tree, desk):
    article = new_article(desk, tree)
    assert (article["status"], article["revision"]) == ("draft", 1)
    detail = desk.editor.get(f"/api/v1/articles/{article['id']}").json()
    assert [a["action"] for a in detail["actions"]] == ["submit"]
    refused = desk.first.post(f"/api/v1/articles/{article['id']}/steps/submit", {}, content_type="application/json")
    assert refused.status_code == 403
    done = through_chain(desk, article["id"])
    assert (done["status"], done["status_label"]) == ("published", "已发布")
    unknown = desk.signer.post(f"/api/v1/articles/{article['id']}/steps/expire", {}, content_type="application/json")
    assert unknown.status_code == 404


def test_sensitive_words_refuse_with_their_hits_and_warnings_need_confirming(tree, desk):
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    response = desk.editor.post("/api/v1/articles", {"org_id": tree.jinan.pk, "title": "提醒",
                                                     "body": "<p>远离网络赌博</p>"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["details"]["hits"][0]["field"], body["details"]["hits"][0]["start"]) == (
        "sensitive_words", "body", 2)
    article = desk.editor.post("/api/v1/articles", {"org_id": tree.jinan.pk, "title": "关爱农民工", "body": BODY},
                               content_type="application/json").json()
    assert [w["word"] for w in article["warnings"]] == ["农民工"]
    url = f"/api/v1/articles/{article['article']['id']}/steps/submit"
    assert desk.editor.post(url, {}, content_type="application/json").json()["code"] == "sensitive_warnings"
    confirmed = desk.editor.post(url, {"confirm_warnings": True}, content_type="application/json")
    assert confirmed.json()["status"] == "first_review"


def test_stale_revision_and_diff(tree, desk):
    article = new_article(desk, tree)
    url = f"/api/v1/articles/{article['id']}"
    saved = desk.editor.put(url, {"base_revision": 1, "title": "职工运动会隆重开幕", "body": BODY},
                            content_type="application/json")
    assert saved.json()["article"]["revision"] == 2
    stale = desk.editor.put(url, {"base_revision": 1, "title": "另一个标题", "body": BODY},
                            content_type="application/json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_revision")
    diff = desk.editor.get(f"{url}/diff?older=1&newer=2").json()
    assert diff["lines"] == [{"op": "delete", "text": "标题：职工运动会开幕"},
                             {"op": "insert", "text": "标题：职工运动会隆重开幕"},
                             {"op": "equal", "text": "全市职工运动会开幕。"}]
    assert [r["number"] for r in desk.editor.get(f"{url}/revisions").json()["items"]] == [1, 2]
    assert desk.editor.get(f"{url}/diff?older=1&newer=9").status_code == 404


def test_out_of_scope_is_not_found(tree, desk):
    article = new_article(desk, tree)
    assert desk.qingdao.get(f"/api/v1/articles/{article['id']}").status_code == 404
    assert desk.qingdao.get("/api/v1/articles").json()["count"] == 0
    assert desk.editor.get("/api/v1/articles").json()["count"] == 1
    assert desk.lixia_chair.get(f"/api/v1/articles/{article['id']}").status_code == 404  # below is not above


def test_publish_retry_and_publications(tree, desk):
    article = new_article(desk, tree)
    through_chain(desk, article["id"])
    good = register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="演示号")
    bad = register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="故障号", config={"fail": "接口超时"})
    other = register_channel(by=SYSTEM, org=tree.qingdao, kind="recording", name="青岛号")
    url = f"/api/v1/articles/{article['id']}/publish"
    assert desk.signer.post(url, {"channel_ids": [other.pk]}, content_type="application/json").status_code == 404
    result = desk.signer.post(url, {"channel_ids": [good.pk, bad.pk]}, content_type="application/json").json()
    assert [(p["channel"]["name"], p["status"], p["last_error"]) for p in result["items"]] == [
        ("演示号", "sent", ""), ("故障号", "failed", "接口超时")]
    bad.config = {}
    bad.save()
    failed_id = result["items"][1]["id"]
    retried = desk.signer.post("/api/v1/publications/retry", {"publication_ids": [failed_id]},
                               content_type="application/json")
    assert retried.json() == {"sent": 1}
    unknown = desk.signer.post("/api/v1/publications/retry", {"publication_ids": [failed_id, 999999]},
                               content_type="application/json")
    assert unknown.status_code == 404
    listed = desk.editor.get(f"/api/v1/articles/{article['id']}/publications").json()["items"]
    assert [p["status"] for p in listed] == ["sent", "sent"]
    assert ChannelRecord.objects.count() == 2


def test_pools_through_the_api(tree, desk, api, personas):
    lixia_article = desk.lixia_chair.post("/api/v1/articles", {"org_id": tree.lixia.pk, "title": "历下区送清凉",
                                                               "body": BODY}, content_type="application/json")
    article_id = lixia_article.json()["article"]["id"]
    for action in ("submit", "pass_first", "pass_final", "sign"):
        desk.lixia_chair.post(f"/api/v1/articles/{article_id}/steps/{action}", {}, content_type="application/json")
    submitted = desk.lixia_chair.post(f"/api/v1/articles/{article_id}/submit", {"note": "请采用"},
                                      content_type="application/json").json()
    assert (submitted["to_org"], submitted["status"]) == ("济南市总工会", "waiting")
    incoming = desk.editor.get("/api/v1/pool?direction=up").json()
    assert [i["article"]["title"] for i in incoming["items"]] == ["历下区送清凉"]
    assert desk.qingdao.post(f"/api/v1/pool/{submitted['id']}/adopt").status_code == 404
    adopted = desk.editor.post(f"/api/v1/pool/{submitted['id']}/adopt").json()
    assert (adopted["status"], adopted["source"], adopted["org"]["name"]) == ("draft", "历下区总工会", "济南市总工会")
    assert PoolItem.objects.get().status == "adopted"
    jinan_article = new_article(desk, tree)
    through_chain(desk, jinan_article["id"])
    sent = desk.signer.post(f"/api/v1/articles/{jinan_article['id']}/distribute", {"org_ids": [tree.lixia.pk]},
                            content_type="application/json").json()
    assert sent["sent"] == 1
    item = desk.lixia_chair.get("/api/v1/pool?direction=down").json()["items"][0]
    copy = desk.lixia_chair.post(f"/api/v1/pool/{item['id']}/republish", {"channel_ids": []},
                                 content_type="application/json").json()
    assert (copy["status"], copy["source"]) == ("published", "济南市总工会")
    assert Article.objects.filter(org=tree.lixia, origin="reprint").count() == 1


def test_channels_and_ranking(tree, desk, api, personas):
    created = api(personas.city_cadre).post("/api/v1/channels", {"org_id": tree.jinan.pk, "kind": "wechat",
                                                                 "name": "济南工会"}, content_type="application/json")
    assert created.status_code == 201
    refused = api(personas.city_cadre).post("/api/v1/channels", {"org_id": tree.qingdao.pk, "kind": "wechat",
                                                                 "name": "青岛工会"}, content_type="application/json")
    assert refused.status_code == 404
    from smartunion.editorial.models import Channel

    channel = Channel.objects.get(pk=created.json()["id"])
    record_day(channel, by=SYSTEM, day=dt.date(2026, 9, 1), articles=4, reads=3000, likes=60, shares=10,
               comments=30, max_reads=1200)
    ranking = desk.editor.get(f"/api/v1/channels/ranking?org_id={tree.jinan.pk}&year=2026&month=9").json()
    assert [(r["rank"], r["channel"], r["index"]) for r in ranking["items"]] == [(1, "济南工会", 227.44)]
    assert desk.editor.get(f"/api/v1/channels/ranking?org_id={tree.qingdao.pk}&year=2026&month=9").status_code == 404
    assert [c["name"] for c in desk.editor.get("/api/v1/channels").json()["items"]] == ["济南工会"]
