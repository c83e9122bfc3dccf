"""Pools down and up the tree: distributing to all desks or chosen orgs below, republishing with the source kept and
the sender seeing who did, submitting up, adopting into the upper org's review chain or declining with a reason,
the adoption ranking, and the refusals."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.editorial import sensitive
from smartunion.editorial.models import Article, ChannelRecord, PoolItem
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.pools import (
    adopt,
    adoption_ranking,
    decline,
    distribute_down,
    republish,
    republished_by,
    submit_up,
)
from smartunion.editorial.services.publishing import register_channel

A = Article.Status


def published(org, title="全省职工技能大赛启动"):
    article = create_article(by=SYSTEM, org=org, title=title, body="<p>正文</p>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    return article


@pytest.fixture
def pools(tree):
    sensitive.word_list_changed()
    return SimpleNamespace(province_article=published(tree.province), province_chair=_chair(tree.province))


def test_distribute_to_every_desk_below_and_republish_with_the_source(tree, personas, pools):
    items = distribute_down(pools.province_article, by=pools.province_chair)
    assert sorted(i.to_org.name for i in items) == sorted([
        "济南市总工会", "历下区总工会", "历下区解放路街道工会", "青岛市总工会", "市南区总工会", "市南区八大湖街道工会"])
    assert distribute_down(pools.province_article, by=pools.province_chair) == []  # nobody gets it twice
    channel = register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="济南工会演示号")
    item = PoolItem.objects.get(to_org=tree.jinan)
    copy = republish(item, by=_chair(tree.jinan), channels=[channel])
    assert (copy.org, copy.status, copy.origin, copy.source, copy.title) == (
        tree.jinan, A.PUBLISHED, "reprint", "山东省总工会", "全省职工技能大赛启动")
    assert ChannelRecord.objects.get().title == "全省职工技能大赛启动"
    seen = {row["org"]: row["status"] for row in republished_by(pools.province_article)}
    assert (seen["济南市总工会"], seen["青岛市总工会"]) == ("republished", "waiting")
    with pytest.raises(Conflict):
        republish(item, by=_chair(tree.jinan, "again"))


def _chair(org, suffix=""):
    from tests.conftest import make_user

    from smartunion.orgs import services as org_services
    from smartunion.orgs.models import Position

    user = make_user(f"chair_{org.pk}{suffix}")
    org_services.position_grant(user=user, org=org, role=Position.Role.CHAIR, by=SYSTEM)
    return user


def test_chosen_orgs_must_be_below_and_the_article_published(tree, personas, pools):
    items = distribute_down(pools.province_article, by=pools.province_chair, orgs=[tree.qingdao])
    assert [i.to_org for i in items] == [tree.qingdao]
    city_article = published(tree.jinan, "济南动态")
    with pytest.raises(NotFound):
        distribute_down(city_article, by=_chair(tree.jinan), orgs=[tree.qingdao])
    draft = create_article(by=SYSTEM, org=tree.province, title="草稿", body="<p>正文</p>").article
    with pytest.raises(StateError):
        distribute_down(draft, by=pools.province_chair)
    with pytest.raises(Forbidden):  # an administrator drafts; distributing is for signers and chairs
        distribute_down(pools.province_article, by=personas.province_admin)
    with pytest.raises(Forbidden):
        republish(PoolItem.objects.get(to_org=tree.qingdao), by=_chair(tree.jinan, "other"))


def test_submit_up_then_adopt_into_the_upper_review_chain_or_decline(tree, personas):
    lixia = published(tree.lixia, "历下区工会开展送清凉")
    other = published(tree.lixia, "历下区工会法律讲座")
    item = submit_up(lixia, by=_chair(tree.lixia), note="请市总采用")
    assert (item.to_org, item.status) == (tree.jinan, "waiting")
    with pytest.raises(Conflict):
        submit_up(lixia, by=_chair(tree.lixia, "b"))
    with pytest.raises(Forbidden):
        adopt(item, by=personas.other_city_cadre)
    copy = adopt(item, by=personas.city_cadre)
    assert (copy.org, copy.status, copy.source, copy.revision) == (tree.jinan, A.DRAFT, "历下区总工会", 1)
    declined_item = submit_up(other, by=_chair(tree.lixia, "c"))
    with pytest.raises(Invalid) as no_reason:
        decline(declined_item, by=personas.city_cadre, reason=" ")
    assert no_reason.value.fields == {"reason": "请填写未采用的原因（最多 200 个字）"}
    assert decline(declined_item, by=personas.city_cadre, reason="时效性不足").status == "declined"
    year = timezone.localdate().year
    assert adoption_ranking(tree.jinan, year=year) == [
        {"org_id": tree.lixia.pk, "org": "历下区总工会", "submitted": 2, "adopted": 1}]
    assert adoption_ranking(tree.qingdao, year=year) == []
    assert adoption_ranking(tree.jinan, year=year - 1) == []
