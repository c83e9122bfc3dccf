"""新媒体 in the console: writing an article, the review page's steps, the stale-revision refusal on the form, the
diff, publishing to channels and retrying, the pool, channels with imported figures and the ranking with its export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive
from smartunion.editorial.models import Article, Channel, ChannelMetric, PoolItem, Publication
from smartunion.editorial.services.articles import create_article, save_article, step
from smartunion.editorial.services.pools import submit_up
from smartunion.editorial.services.publishing import register_channel
from smartunion.editorial.services.words import add_word
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db
BASE = "/console/editorial/article/"


@pytest.fixture
def chair(tree):
    sensitive.word_list_changed()
    user = make_user("jinan_chair")
    org_services.position_grant(user=user, org=tree.jinan, role=Position.Role.CHAIR, by=SYSTEM)
    return user


def form(tree, **extra):
    return {"org": tree.jinan.pk, "title": "职工运动会开幕", "summary": "", "body": "<p>全市职工运动会开幕。</p>",
            "author": "", "tags": "体育，职工", "origin": "original", "source": "", "source_url": "",
            "go_live_at": "", "expires_at": "", "base_revision": "", **extra}


def test_write_review_and_publish_through_the_pages(tree, chair, console):
    client = console(chair)
    response = client.post(BASE + "new/", form(tree))
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{article.pk}/review/"
    assert (article.tags, article.created_by) == (["体育", "职工"], chair)
    page = client.get(f"{BASE}{article.pk}/review/").content.decode()
    assert "送审" in page and "全市职工运动会开幕。" in page
    for action in ("submit", "pass_first", "pass_final", "sign"):
        client.post(f"{BASE}{article.pk}/step/{action}/", {"note": ""})
    article.refresh_from_db()
    assert article.status == "published"
    channel = register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="演示号")
    broken = register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="故障号", config={"fail": "超时"})
    client.post(f"{BASE}{article.pk}/publish/", {"channels": [channel.pk, broken.pk]})
    assert dict(Publication.objects.values_list("channel__name", "status")) == {"演示号": "sent", "故障号": "failed"}
    page = client.get(f"{BASE}{article.pk}/review/").content.decode()
    assert "超时" in page and "流转记录" in page and "签发" in page
    Channel.objects.filter(pk=broken.pk).update(config={})
    client.post(f"{BASE}{article.pk}/retry/")
    assert set(Publication.objects.values_list("status", flat=True)) == {"sent"}


def test_a_send_back_needs_a_reason_and_refusals_show_in_chinese(tree, chair, console):
    client = console(chair)
    article = create_article(by=chair, org=tree.jinan, title="稿件", body="<p>正文</p>").article
    step(article, "submit", by=chair)
    response = client.post(f"{BASE}{article.pk}/step/send_back/", {"note": ""}, follow=True)
    assert "请填写原因" in response.content.decode()
    assert Article.objects.get().status == "first_review"


def test_the_form_tells_about_a_newer_revision_and_shows_hits(tree, chair, console):
    client = console(chair)
    article = create_article(by=chair, org=tree.jinan, title="稿件", body="<p>正文</p>").article
    save_article(article, by=chair, base_revision=1, title="别人改过的标题", body="<p>正文</p>")
    response = client.post(f"{BASE}{article.pk}/edit/", form(tree, title="我的标题", base_revision=1))
    assert "该稿件已被他人修改为第 2 版（您编辑的是第 1 版）" in response.content.decode()
    assert Article.objects.get().title == "别人改过的标题"
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    response = client.post(f"{BASE}{article.pk}/edit/", form(tree, body="<p>远离网络赌博</p>", base_revision=2))
    page = response.content.decode()
    assert "稿件含有禁用词" in page and "正文第3字“网络赌博”（违法违规，禁用）" in page
    diff = client.get(f"{BASE}{article.pk}/diff/?older=1&newer=2").content.decode()
    assert "标题：稿件" in diff and "标题：别人改过的标题" in diff
    assert client.get(f"{BASE}{article.pk}/diff/?older=1&newer=7").status_code == 404


def test_out_of_scope_articles_are_not_found(tree, chair, console, personas):
    article = create_article(by=chair, org=tree.jinan, title="稿件", body="<p>正文</p>").article
    assert console(personas.other_city_cadre).get(f"{BASE}{article.pk}/review/").status_code == 404
    assert console(personas.other_city_cadre).post(f"{BASE}{article.pk}/step/submit/").status_code == 404


def test_the_pool_page_adopts_and_declines(tree, chair, console):
    lixia_chair = make_user("lixia_chair")
    org_services.position_grant(user=lixia_chair, org=tree.lixia, role=Position.Role.CHAIR, by=SYSTEM)
    first = create_article(by=lixia_chair, org=tree.lixia, title="历下区送清凉", body="<p>正文</p>").article
    second = create_article(by=lixia_chair, org=tree.lixia, title="历下区讲座", body="<p>正文</p>").article
    for article in (first, second):
        for action in ("submit", "pass_first", "pass_final", "sign"):
            article = step(article, action, by=lixia_chair)
        submit_up(article, by=lixia_chair)
    client = console(chair)
    listing = client.get("/console/editorial/poolitem/").content.decode()
    assert "历下区送清凉" in listing and "历下区讲座" in listing
    one, two = PoolItem.objects.order_by("id")
    response = client.post(f"/console/editorial/poolitem/{one.pk}/act/", {"adopt": "1"})
    copy = Article.objects.get(org=tree.jinan)
    assert response["Location"] == f"{BASE}{copy.pk}/review/"
    client.post(f"/console/editorial/poolitem/{two.pk}/act/", {"decline": "1", "reason": "时效性不足"})
    assert list(PoolItem.objects.order_by("id").values_list("status", "reason")) == [
        ("adopted", ""), ("declined", "时效性不足")]


def test_channels_figures_import_and_the_ranking(tree, chair, console, personas):
    client = console(personas.city_cadre)
    client.post("/console/editorial/channel/new/", {"org": tree.jinan.pk, "kind": "wechat", "name": "济南工会",
                                                    "account": "gh_123"})
    channel = Channel.objects.get(name="济南工会")
    book = openpyxl.Workbook()
    book.active.append(["日期", "阅读数", "点赞数", "转发数", "评论数", "粉丝数", "发文数", "最高阅读数"])
    book.active.append(["2026-09-01", 3000, 60, 10, 30, 800, 4, 1200])
    book.active.append(["不是日期", 1, 1, 1, 1, 1, 1, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    page = client.post(f"/console/editorial/channel/{channel.pk}/import/",
                       {"file": SimpleUploadedFile("figures.xlsx", buffer.getvalue())}).content.decode()
    assert "已导入 1 天，未导入 1 行" in page and "日期无法识别" in page
    assert ChannelMetric.objects.get().reads == 3000
    ranking = client.get(f"/console/editorial/channel/ranking/?org={tree.jinan.pk}&year=2026&month=9")
    page = ranking.content.decode()
    assert "227.44" in page and "results-chart" in page
    export = client.get(f"/console/editorial/channel/ranking/?org={tree.jinan.pk}&year=2026&month=9&export=1")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[2]][:5] == [1, "济南工会", "微信公众号", "济南市总工会", 227.44]
