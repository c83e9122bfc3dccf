"""The watch's feeds: RSS 2.0 and Atom fetched from a local server and uploaded as files, each entry kept once
however often it is imported, new entries scanned, failures kept on the source, unsafe documents refused, private
addresses refused unless allowed, and the scheduled task."""

from __future__ import annotations

import datetime as dt
import http.server
import threading

import pytest
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Forbidden, Invalid
from smartunion.editorial import watch
from smartunion.editorial.models import FeedItem, FeedSource, WatchHit
from smartunion.editorial.services.watch import (
    FeedError,
    add_rule,
    fetch_feed,
    import_feed_file,
    parse_feed,
    register_feed,
)
from smartunion.editorial.tasks import fetch_feeds
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>本地新闻</title>
<item><guid>rss-1</guid><title>某厂拖欠工资引关注</title><link>https://news.example.org/1</link>
<description>&lt;p&gt;工人反映&lt;b&gt;欠薪&lt;/b&gt;三个月&lt;/p&gt;</description>
<pubDate>Fri, 27 Nov 2026 08:30:00 +0800</pubDate></item>
<item><title>职工运动会开幕</title><link>https://news.example.org/2</link><description>三千人参加</description></item>
</channel></rss>""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>论坛</title><id>urn:forum</id><updated>2026-11-27T10:00:00Z</updated>
<entry><id>urn:forum:9</id><title>讨 薪 无门</title><link rel="alternate" href="https://forum.example.org/t/9"/>
<updated>2026-11-27T10:00:00Z</updated><summary>工地欠薪</summary></entry>
</feed>""".encode()

R = Position.Role


class _Handler(http.server.BaseHTTPRequestHandler):
    documents: dict[str, tuple[int, bytes]] = {}

    def do_GET(self):
        status, body = self.documents.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.EDITORIAL_FEEDS_ALLOW_PRIVATE = True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.documents = {"/rss.xml": (200, RSS), "/atom.xml": (200, ATOM), "/broken.xml": (200, b"<rss><channel>"),
                          "/gone.xml": (500, b"error")}
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def editor(tree):
    watch.rules_changed()
    user = make_user("jinan_editor")
    org_services.position_grant(user=user, org=tree.jinan, role=R.EDITOR, by=SYSTEM)
    add_rule(by=user, org=tree.jinan, name="劳资", keywords=["欠薪", "拖欠工资", "讨薪"], sources=["feed"])
    return user


def test_parsing_rss_and_atom():
    rss = parse_feed(RSS)
    assert [(i.guid, i.title, i.link, i.summary) for i in rss] == [
        ("rss-1", "某厂拖欠工资引关注", "https://news.example.org/1", "工人反映欠薪三个月"),
        ("https://news.example.org/2", "职工运动会开幕", "https://news.example.org/2", "三千人参加"),
    ]
    assert rss[0].published == dt.datetime(2026, 11, 27, 0, 30, tzinfo=dt.UTC)
    assert rss[1].published is None
    [entry] = parse_feed(ATOM)
    assert (entry.guid, entry.title, entry.link, entry.summary, entry.published) == (
        "urn:forum:9", "讨 薪 无门", "https://forum.example.org/t/9", "工地欠薪",
        dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "订阅内容为空"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><rss><channel/></rss>',
     "订阅内容含有 DOCTYPE 或实体声明，为安全起见不予解析"),
    ('<rss><channel/></rss>'.encode("utf-16"), "不支持 UTF-16 编码的订阅内容，请使用 UTF-8"),
    (b"<rss><channel>", "订阅内容不是有效的 XML"),
    (b"<html><body/></html>", "不支持的订阅格式（仅支持 RSS 2.0 和 Atom）"),
])
def test_unsafe_or_unknown_documents_are_refused(data, message):
    with pytest.raises(FeedError) as caught:
        parse_feed(data)
    assert str(caught.value) == message


def test_fetching_twice_keeps_each_entry_once_and_scans_only_new_ones(tree, editor, server):
    source = register_feed(by=editor, org=tree.jinan, name="本地新闻", url=f"{server}/rss.xml")
    report = fetch_feed(source, by=editor)
    assert (report.read, report.new, report.hits) == (2, 2, 2)
    first = FeedItem.objects.get(guid="rss-1")
    assert sorted(WatchHit.objects.values_list("source", "source_ref", "keyword", "source_link")) == [
        ("feed", str(first.pk), "拖欠工资", "https://news.example.org/1"),
        ("feed", str(first.pk), "欠薪", "https://news.example.org/1"),
    ]
    again = fetch_feed(source, by=editor)
    assert (again.read, again.new, again.hits) == (2, 0, 0)
    assert FeedItem.objects.count() == 2
    assert WatchHit.objects.count() == 2
    source.refresh_from_db()
    assert source.last_fetched_at is not None and source.last_error == ""
    assert [e.data for e in AuditEvent.objects.filter(action="editorial.feed_source.fetch").order_by("id")] == [
        {"how": "fetch", "read": 2, "new": 2, "hits": 2}, {"how": "fetch", "read": 2, "new": 0, "hits": 0}]


def test_an_uploaded_file_imported_twice_adds_its_entries_once(tree, editor, server):
    source = register_feed(by=editor, org=tree.jinan, name="论坛", url=f"{server}/atom.xml")
    report = import_feed_file(source, ATOM, by=editor)
    assert (report.read, report.new, report.hits) == (1, 1, 2)  # 讨薪 (spaces inserted) and 欠薪
    assert (import_feed_file(source, ATOM, by=editor).new, fetch_feed(source, by=editor).new) == (0, 0)
    assert list(FeedItem.objects.values_list("guid", flat=True)) == ["urn:forum:9"]
    hit = WatchHit.objects.get(keyword="讨薪")
    assert (hit.start, hit.end, hit.excerpt) == (0, 3, "讨 薪 无门 工地欠薪")
    with pytest.raises(Invalid, match="文件无法导入：订阅内容不是有效的 XML"):
        import_feed_file(source, b"<rss>", by=editor)


def test_a_failed_fetch_is_kept_on_the_source_and_refused(tree, editor, server):
    broken = register_feed(by=editor, org=tree.jinan, name="坏的", url=f"{server}/broken.xml")
    with pytest.raises(Invalid, match="订阅源“坏的”读取失败：订阅内容不是有效的 XML"):
        fetch_feed(broken, by=editor)
    broken.refresh_from_db()
    assert broken.last_error == "订阅内容不是有效的 XML"
    gone = register_feed(by=editor, org=tree.jinan, name="错误", url=f"{server}/gone.xml")
    with pytest.raises(Invalid, match="HTTP 500"):
        fetch_feed(gone, by=editor)
    assert FeedItem.objects.count() == 0


def test_private_addresses_are_refused_unless_allowed(tree, editor, server, settings):
    settings.EDITORIAL_FEEDS_ALLOW_PRIVATE = False
    source = register_feed(by=editor, org=tree.jinan, name="本机", url=f"{server}/rss.xml")
    with pytest.raises(Invalid, match="订阅地址指向内网或本机地址，不能抓取"):
        fetch_feed(source, by=editor)
    assert FeedItem.objects.count() == 0


def test_the_scheduled_task_fetches_every_active_source_and_counts_failures(tree, editor, server):
    register_feed(by=editor, org=tree.jinan, name="本地新闻", url=f"{server}/rss.xml")
    register_feed(by=editor, org=tree.jinan, name="论坛", url=f"{server}/atom.xml")
    register_feed(by=editor, org=tree.jinan, name="坏的", url=f"{server}/broken.xml")
    register_feed(by=editor, org=tree.jinan, name="只上传")
    FeedSource.objects.create(org=tree.jinan, name="停用", url=f"{server}/rss.xml", active=False)
    assert fetch_feeds() == {"sources": 3, "new": 3, "hits": 4, "failed": 1}
    assert fetch_feeds() == {"sources": 3, "new": 0, "hits": 0, "failed": 1}
    assert not AuditEvent.objects.filter(action="editorial.feed_source.fetch").exists()


def test_feed_refusals(tree, editor, personas):
    with pytest.raises(Invalid) as caught:
        register_feed(by=editor, org=tree.jinan, name="", url="ftp://example.org/feed")
    assert caught.value.fields == {"name": "请填写名称（最多 50 个字）",
                                   "url": "订阅地址应为 http:// 或 https:// 开头的网址（最多 500 个字符）"}
    with pytest.raises(Forbidden):
        register_feed(by=personas.other_city_cadre, org=tree.jinan, name="x")
    source = register_feed(by=editor, org=tree.jinan, name="只上传")
    with pytest.raises(Invalid, match="该订阅源没有填写订阅地址，请上传文件导入"):
        fetch_feed(source, by=editor)
    with pytest.raises(Forbidden):
        import_feed_file(source, ATOM, by=personas.other_city_cadre)


def test_links_a_cadre_could_click_are_http_or_this_sites_paths_only(tree, editor):
    data = b"""<rss><channel>
<item><guid>a</guid><title>t1</title><link>javascript:alert(1)</link><description>d</description></item>
<item><guid>b</guid><title>t2</title><link> https://ok.example.org/x </link></item>
<item><guid>c</guid><title>t3</title><link>//evil.example.com/x</link></item>
</channel></rss>"""
    assert [i.link for i in parse_feed(data)] == ["", "https://ok.example.org/x", ""]
    [hit] = watch.scan("feed", 1, "t", "欠薪", tree.jinan.path, "JavaScript:alert(1)")
    assert hit.source_link == ""
    assert watch.safe_link("/news/1/#comment-2") == "/news/1/#comment-2"
    assert watch.safe_link("/\\evil.example.com") == ""
