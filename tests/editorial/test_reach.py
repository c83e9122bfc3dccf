"""Channel figures and reach: the index on known figures, a month's ranking by platform and level, importing a
platform's export (its own column names, 万, bad lines reported), and portal reads counted in batches."""

import datetime as dt

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.editorial import reads
from smartunion.editorial.models import Article, ChannelMetric
from smartunion.editorial.reach import Figures, ranking, reach_index
from smartunion.editorial.services.articles import create_article
from smartunion.editorial.services.metrics import import_rows, record_day
from smartunion.editorial.services.publishing import portal_channel, register_channel

pytestmark = pytest.mark.django_db


def test_the_index_of_known_figures():
    busy = Figures(days=30, articles=20, reads=60000, likes=900, shares=600, comments=300, max_reads=9000)
    quiet = Figures(days=30, articles=4, reads=3000, likes=60, shares=10, comments=30, max_reads=1200)
    assert (reach_index(busy), reach_index(quiet)) == (572.17, 227.44)
    assert reach_index(Figures(days=30, articles=0, reads=0, likes=0, shares=0, comments=0, max_reads=0)) == 0.0
    assert reach_index(Figures(days=0, articles=0, reads=5, likes=0, shares=0, comments=0, max_reads=5)) == 0.0


def spread(channel, *, reads, articles, likes, shares, comments, max_reads, month=(2026, 9)):
    """The month's totals put on its first day."""
    record_day(channel, by=SYSTEM, day=dt.date(*month, 1), articles=articles, reads=reads, likes=likes,
               shares=shares, comments=comments, max_reads=max_reads, followers=1000)


def test_a_month_ranking_by_platform_and_level(tree):
    jinan = register_channel(by=SYSTEM, org=tree.jinan, kind="wechat", name="济南工会")
    qingdao = register_channel(by=SYSTEM, org=tree.qingdao, kind="wechat", name="青岛工会")
    lixia = register_channel(by=SYSTEM, org=tree.lixia, kind="weibo", name="历下工会微博")
    spread(jinan, reads=3000, articles=4, likes=60, shares=10, comments=30, max_reads=1200)
    spread(qingdao, reads=60000, articles=20, likes=900, shares=600, comments=300, max_reads=9000)
    spread(lixia, reads=100, articles=1, likes=1, shares=0, comments=0, max_reads=100)
    spread(jinan, reads=999999, articles=1, likes=0, shares=0, comments=0, max_reads=1, month=(2026, 10))
    rows = ranking(tree.province, year=2026, month=9)
    assert [(r["rank"], r["channel"], r["kind"], r["org"], r["index"]) for r in rows][:2] == [
        (1, "青岛工会", "微信公众号", "青岛市总工会", 572.17), (2, "济南工会", "微信公众号", "济南市总工会", 227.44)]
    assert [r["channel"] for r in ranking(tree.province, year=2026, month=9, kind="weibo")] == ["历下工会微博"]
    assert [r["channel"] for r in ranking(tree.province, year=2026, month=9, org_kind="city")] == ["青岛工会",
                                                                                                  "济南工会"]
    assert [r["channel"] for r in ranking(tree.jinan, year=2026, month=9)] == ["济南工会", "历下工会微博"]


def test_importing_a_platform_export(tree, personas):
    channel = register_channel(by=SYSTEM, org=tree.jinan, kind="toutiao", name="济南工会头条号")
    rows = [["统计日期", "展现量", "点赞量", "分享次数", "评论量", "粉丝量", "发文量"],
            ["2026-09-01", "1.2万", "30", "5", "2", "800", "1"],
            ["2026/9/2", "900", "", "-", "1", "801", "0"],
            ["昨天", "10", "1", "1", "1", "1", "1"],
            ["2026-09-03", "-5", "x", "1", "1", "1", "1"],
            ["", "", "", "", "", "", ""]]
    report = import_rows(channel, rows, by=personas.city_cadre)
    assert report.saved == 2
    assert report.rejected == [(4, "日期无法识别"), (5, "阅读数应为非负整数；点赞数“x”不是数字")]
    assert list(ChannelMetric.objects.order_by("day").values_list("day", "reads", "likes", "shares", "followers")) == [
        (dt.date(2026, 9, 1), 12000, 30, 5, 800), (dt.date(2026, 9, 2), 900, 0, 0, 801)]
    with pytest.raises(Invalid):
        import_rows(channel, [["日子", "数"]], by=personas.city_cadre)
    with pytest.raises(Forbidden):
        import_rows(channel, rows, by=personas.other_city_cadre)


def test_portal_reads_are_written_in_batches(tree, monkeypatch):
    monkeypatch.setattr(reads, "FLUSH_EVERY", 5)
    monkeypatch.setattr(reads, "FLUSH_SECONDS", 3600)
    reads.flush()
    channel = portal_channel(tree.jinan)
    first = create_article(by=SYSTEM, org=tree.jinan, title="甲", body="<p>正文</p>").article
    second = create_article(by=SYSTEM, org=tree.jinan, title="乙", body="<p>正文</p>").article
    for article_id in (first.pk, first.pk, second.pk, first.pk):
        reads.count_read(article_id)
    assert list(Article.objects.order_by("id").values_list("read_count", flat=True)) == [0, 0]  # not yet written
    reads.count_read(second.pk)  # the fifth read writes the batch
    assert list(Article.objects.order_by("id").values_list("read_count", flat=True)) == [3, 2]
    reads.count_read(first.pk)
    assert reads.flush() == 1
    assert Article.objects.get(pk=first.pk).read_count == 4
    assert ChannelMetric.objects.get(channel=channel).reads == 6
