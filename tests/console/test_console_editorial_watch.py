"""舆情监测 in the console: rules (add, edit, switch off after confirmation; scope and right), hits (scope between
cities, filters, search, link to the source, handled with a note after confirmation, export, a fixed query count),
feeds (add, fetch now and upload with the report), and comment moderation."""

from __future__ import annotations

import http.server
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from tests import rows
from tests.conftest import make_user

from smartunion.console.admin import editorial_watch  # noqa: F401  registers the pages (until admin/__init__ lists it)
from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import Article, ArticleComment, FeedItem, FeedSource, WatchHit, WatchRule
from smartunion.editorial.services.watch import add_rule
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db
RULES = "/console/editorial/watchrule/"
HITS = "/console/editorial/watchhit/"
FEEDS = "/console/editorial/feedsource/"
COMMENTS = "/console/editorial/articlecomment/"
ALL = ["comment", "feed", "case"]
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>论坛</title>
<entry><id>urn:forum:1</id><title>工地欠薪</title><link href="https://forum.example.org/t/1"/><summary>讨薪无门</summary></entry>
<entry><id>urn:forum:2</id><title>运动会</title><summary>热闹</summary></entry>
</feed>""".encode()


@pytest.fixture
def desk(tree):
    watch.rules_changed()
    sensitive.word_list_changed()

    def cadre(username, org, role=Position.Role.EDITOR):
        user = make_user(username)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    jinan, qingdao = cadre("jinan_editor", tree.jinan), cadre("qingdao_editor", tree.qingdao)
    add_rule(by=jinan, org=tree.jinan, name="济南劳资", keywords=["欠薪", "跳楼"], sources=ALL)
    add_rule(by=qingdao, org=tree.qingdao, name="青岛劳资", keywords=["欠薪"], sources=ALL)
    watch.scan("case", 1, "济南诉求", "甲公司欠薪三个月", tree.lixia.path, "/console/cases/case/1/handle/")
    watch.scan("feed", 2, "济南论坛", "有人要跳楼", tree.jinan.path, "https://forum.example.org/t/2")
    watch.scan("case", 3, "青岛诉求", "丙公司欠薪", tree.shinan.path, "/console/cases/case/3/handle/")
    return type("Desk", (), {"jinan": jinan, "qingdao": qingdao,
                             "signer": cadre("jinan_signer", tree.jinan, Position.Role.SIGNER)})


def listed(response):
    return [str(obj) for obj in response.context["cl"].result_list]


def test_a_city_desk_sees_only_its_own_hits_and_rules(desk, console):
    jinan = console(desk.jinan)
    response = jinan.get(HITS)
    assert response.status_code == 200
    assert listed(response) == ["跳楼 · 济南论坛", "欠薪 · 济南诉求"]
    assert "青岛" not in response.content.decode()
    assert listed(jinan.get(RULES)) == ["济南劳资"]
    assert listed(console(desk.qingdao).get(HITS)) == ["欠薪 · 青岛诉求"]
    # The rule filter offers only the rules in scope; another city's rule id finds nothing.
    qingdao_rule = WatchRule.objects.get(name="青岛劳资")
    [rule_filter] = [spec for spec in response.context["cl"].filter_specs if spec.title == "监测规则"]
    assert [label for _, label in rule_filter.lookup_choices] == ["济南劳资"]
    assert listed(jinan.get(f"{HITS}?rule={qingdao_rule.pk}")) == []
    hit = WatchHit.objects.get(rule=qingdao_rule)
    assert jinan.get(f"{HITS}{hit.pk}/handle/").status_code == 404
    # A desk without a writing role has no page at all.
    assert console(desk.signer).get(HITS).status_code == 403


def test_filters_search_and_the_link_to_the_source(desk, console):
    client = console(desk.jinan)
    assert listed(client.get(f"{HITS}?source__exact=feed")) == ["跳楼 · 济南论坛"]
    assert listed(client.get(f"{HITS}?q=甲公司")) == ["欠薪 · 济南诉求"]
    today = timezone.localdate().isoformat()
    assert listed(client.get(f"{HITS}?created_at_from={today}&created_at_to={today}")) == [
        "跳楼 · 济南论坛", "欠薪 · 济南诉求"]
    assert listed(client.get(f"{HITS}?created_at_from=2000-01-01&created_at_to=2000-01-02")) == []
    page = client.get(HITS).content.decode()
    assert 'href="https://forum.example.org/t/2" target="_blank" rel="noopener noreferrer">济南论坛</a>' in page
    assert 'href="/console/cases/case/1/handle/"' in page


def test_marking_a_hit_handled_needs_confirmation_and_keeps_the_note(desk, console):
    client = console(desk.jinan)
    hit = WatchHit.objects.get(keyword="跳楼")
    confirm = client.get(f"{HITS}{hit.pk}/handle/")
    assert "确定将规则“济南劳资”在“济南论坛”中发现的“跳楼”标记为已处理吗？" in confirm.content.decode()
    hit.refresh_from_db()
    assert hit.status == "new"
    response = client.post(f"{HITS}{hit.pk}/handle/", {"note": "已联系发帖人核实"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已将“跳楼”（济南论坛）标记为已处理"]
    hit.refresh_from_db()
    assert (hit.status, hit.handled_by, hit.note) == ("handled", desk.jinan, "已联系发帖人核实")
    assert listed(client.get(f"{HITS}?status__exact=new")) == ["欠薪 · 济南诉求"]
    again = client.post(f"{HITS}{hit.pk}/handle/", {"note": "x"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["该条舆情信息已处理"]


def test_the_hits_export_is_the_filtered_list(desk, console):
    response = console(desk.jinan).get(f"{HITS}export-current/?source__exact=case")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    header = sheet.index(("发现时间", "监测规则", "来源", "来源标题", "来源链接", "命中关键词", "内容摘录", "起始位置",
                          "状态", "处理人", "处理时间", "处理说明"))
    assert [row[1:9] for row in sheet[header + 1:]] == [
        ("济南劳资", "维权诉求", "济南诉求", "/console/cases/case/1/handle/", "欠薪", "甲公司欠薪三个月", 3, "待处理")]


def test_the_hits_list_costs_the_same_for_one_row_as_for_three(tree, desk, console):
    client = console(desk.jinan)
    WatchHit.objects.exclude(keyword="欠薪", rule__name="济南劳资").delete()
    client.get(HITS)
    one = rows.measure(lambda: client.get(HITS))
    for ref in (10, 11):
        watch.scan("comment", ref, f"文章{ref}", "欠薪", tree.grassroots.path, f"/news/{ref}/")
    WatchHit.objects.filter(source_ref="11").update(handled_by=desk.jinan, status="handled")
    three = rows.measure(lambda: client.get(HITS))
    assert [len(m.result.context["cl"].result_list) for m in (one, three)] == [1, 3]
    # The session, the user, the cadre's positions, the rule filter's choices, the capped COUNT, the page with its
    # rules and handlers joined in.
    rows.assert_queries(6, one, three)


def test_rules_are_added_edited_and_switched_off_after_confirmation(tree, desk, console):
    client = console(desk.jinan)
    page = client.get(RULES + "new/")
    assert [o.name for o in page.context["form"].fields["org"].queryset][:2] == ["济南市总工会", "历下区总工会"]
    refused = client.post(RULES + "new/", {"org": tree.qingdao.pk, "name": "x", "keywords": "欠薪",
                                           "sources": ["comment"]})
    assert refused.status_code == 200 and "org" in refused.context["form"].errors
    response = client.post(RULES + "new/", {"org": tree.lixia.pk, "name": "历下罢工", "keywords": "罢工\n停工",
                                            "exclusions": "", "sources": ["comment", "case"]})
    assert response.status_code == 302
    rule = WatchRule.objects.get(name="历下罢工")
    assert (rule.org, rule.keywords, rule.sources, rule.created_by) == (tree.lixia, ["罢工", "停工"],
                                                                        ["comment", "case"], desk.jinan)
    duplicate = client.post(RULES + "new/", {"org": tree.lixia.pk, "name": "历下罢工", "keywords": "x",
                                             "sources": ["case"]})
    assert "本单位已有同名规则" in duplicate.content.decode()
    edit = client.post(f"{RULES}{rule.pk}/edit/", {"name": "历下停工", "keywords": "停工", "exclusions": "复工",
                                                     "sources": ["case"], "active": "on"})
    assert edit.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.keywords, rule.exclusions, rule.sources, rule.active) == (
        "历下停工", ["停工"], ["复工"], ["case"], True)
    confirm = client.get(f"{RULES}{rule.pk}/deactivate/")
    assert "确定停用监测规则“历下停工”吗？" in confirm.content.decode()
    assert client.post(f"{RULES}{rule.pk}/deactivate/").status_code == 302
    rule.refresh_from_db()
    assert rule.active is False
    other = WatchRule.objects.get(name="青岛劳资")
    assert client.get(f"{RULES}{other.pk}/edit/").status_code == 404
    assert client.post(f"{RULES}{other.pk}/deactivate/").status_code == 404
    assert WatchRule.objects.get(pk=other.pk).active is True


def test_feeds_are_added_and_uploaded_with_the_report(tree, desk, console):
    client = console(desk.jinan)
    response = client.post(FEEDS + "new/", {"org": tree.jinan.pk, "name": "论坛", "url": ""})
    assert response.status_code == 302
    source = FeedSource.objects.get()
    assert listed(client.get(FEEDS)) == ["论坛"]
    assert listed(console(desk.qingdao).get(FEEDS)) == []
    upload = client.post(f"{FEEDS}{source.pk}/upload/",
                         {"file": SimpleUploadedFile("forum.xml", ATOM, content_type="application/xml")})
    report = upload.context["report"]
    assert (report.read, report.new, report.hits) == (2, 2, 1)
    assert "读取 2 条，新增 2 条（已导入过的条目不重复导入），发现舆情 1 处。" in upload.content.decode()
    again = client.post(f"{FEEDS}{source.pk}/upload/",
                        {"file": SimpleUploadedFile("forum.xml", ATOM, content_type="application/xml")})
    assert (again.context["report"].new, FeedItem.objects.count()) == (0, 2)
    bad = client.post(f"{FEEDS}{source.pk}/upload/",
                      {"file": SimpleUploadedFile("x.xml", b"<html/>", content_type="application/xml")})
    assert "文件无法导入：不支持的订阅格式（仅支持 RSS 2.0 和 Atom）" in bad.content.decode()
    # Fetching a source without an address is refused with the reason.
    fetched = client.post(f"{FEEDS}{source.pk}/fetch/", follow=True)
    assert [str(m) for m in fetched.context["messages"]] == ["该订阅源没有填写订阅地址，请上传文件导入"]
    assert console(desk.qingdao).get(f"{FEEDS}{source.pk}/upload/").status_code == 404


def test_comments_are_moderated_after_confirmation_within_scope(tree, desk, console, personas):
    article = Article.objects.create(org=tree.jinan, title="运动会开幕", body="x", status=Article.Status.PUBLISHED,
                                     published_at=timezone.now())
    comment = ArticleComment.objects.create(article=article, author=personas.worker, text="农民工也来了",
                                            status=ArticleComment.Status.HELD,
                                            flags=["第1字“农民工”（不规范表述，提示）"])
    client = console(desk.jinan)
    response = client.get(f"{COMMENTS}?status__exact=held")
    assert listed(response) == ["农民工也来了"]
    assert "第1字“农民工”（不规范表述，提示）" in response.content.decode()
    assert listed(console(desk.qingdao).get(COMMENTS)) == []
    confirm = client.get(f"{COMMENTS}{comment.pk}/show/")
    assert "确定在门户显示这条对《运动会开幕》的评论吗？" in confirm.content.decode()
    assert client.post(f"{COMMENTS}{comment.pk}/show/").status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == ("visible", desk.jinan)
    assert console(desk.qingdao).post(f"{COMMENTS}{comment.pk}/hide/").status_code == 404
    client.post(f"{COMMENTS}{comment.pk}/hide/")
    comment.refresh_from_db()
    assert comment.status == "hidden"
    assert client.get(f"{COMMENTS}{comment.pk}/delete/").status_code == 404


class _Feed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(ATOM)))
        self.end_headers()
        self.wfile.write(ATOM)

    def log_message(self, *args):
        pass


def test_fetch_now_asks_first_then_shows_the_report(tree, desk, console, settings):
    settings.EDITORIAL_FEEDS_ALLOW_PRIVATE = True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        client = console(desk.jinan)
        client.post(FEEDS + "new/", {"org": tree.jinan.pk, "name": "论坛",
                                     "url": f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"})
        source = FeedSource.objects.get()
        ask = client.get(f"{FEEDS}{source.pk}/fetch/")
        assert "现在抓取该订阅地址，导入新条目并按监测规则检查吗？" in ask.content.decode()
        assert FeedItem.objects.count() == 0
        fetched = client.post(f"{FEEDS}{source.pk}/fetch/")
        assert "读取 2 条，新增 2 条（已导入过的条目不重复导入），发现舆情 1 处。" in fetched.content.decode()
        assert 'href="https://forum.example.org/t/1"' in fetched.content.decode()
        again = client.post(f"{FEEDS}{source.pk}/fetch/")
        assert "读取 2 条，新增 0 条" in again.content.decode()
        assert listed(client.get(f"{HITS}?source__exact=feed")) == ["欠薪 · 工地欠薪", "跳楼 · 济南论坛"]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_admins_catch_all_addresses_are_404_or_the_pages_never_a_500(desk, console):
    client = console(desk.jinan)
    hit = WatchHit.objects.filter(rule__name="济南劳资").first()
    rule = WatchRule.objects.get(name="济南劳资")
    for base in (RULES, HITS, FEEDS, COMMENTS):
        assert client.get(f"{base}new/undefined/change/").status_code == 404
        assert client.get(f"{base}abc/").status_code in (302, 404)
    assert client.get(f"{RULES}{rule.pk}/change/")["Location"] == f"{RULES}{rule.pk}/edit/"
    assert client.get(f"{HITS}{hit.pk}/change/")["Location"] == HITS
