"""舆情监测: which rules read an item (the org's and its ancestors', for the kinds they watch), evasions caught by
the shared normaliser, exclusion words, no duplicate hits on a rescan, one alert per rule and scan to the org's
editors, the rules' upkeep and rights, handling a hit, and core.incoming's signal reaching the watch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import transaction
from tests.conftest import make_user

from smartunion.core import incoming
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.models import OutboxMessage
from smartunion.editorial import watch
from smartunion.editorial.models import WatchHit, WatchRule
from smartunion.editorial.services.watch import add_rule, handle_hit, update_rule
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

R = Position.Role
ALL = ["comment", "feed", "case"]


@pytest.fixture
def people(tree):
    watch.rules_changed()

    def cadre(username, org, role):
        user = make_user(username)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    return SimpleNamespace(
        province_editor=cadre("province_editor", tree.province, R.EDITOR),
        jinan_editor=cadre("jinan_editor", tree.jinan, R.EDITOR),
        jinan_editor2=cadre("jinan_editor2", tree.jinan, R.EDITOR),
        jinan_chair=cadre("jinan_chair", tree.jinan, R.CHAIR),  # not alerted: the city has editors
        qingdao_chair=cadre("qingdao_chair", tree.qingdao, R.CHAIR),  # alerted: 青岛 has no editor
        jinan_signer=cadre("jinan_signer", tree.jinan, R.SIGNER),
    )


def hits():
    return sorted((h.rule.name, h.source, h.source_ref, h.keyword, h.start, h.end, h.item_path == h.org_path)
                  for h in WatchHit.objects.select_related("rule"))


def inbox(user):
    return list(OutboxMessage.objects.filter(user=user, channel=OutboxMessage.Channel.INBOX)
                .values_list("subject", "body"))


def test_rules_of_the_org_and_its_ancestors_read_items_of_the_subtree_only(tree, people):
    add_rule(by=people.province_editor, org=tree.province, name="全省欠薪", keywords=["欠薪"], sources=ALL)
    add_rule(by=people.jinan_editor, org=tree.jinan, name="济南跳楼", keywords=["跳楼", "欠薪"], sources=ALL)
    add_rule(by=people.qingdao_chair, org=tree.qingdao, name="青岛欠薪", keywords=["欠薪"], sources=ALL)
    text = "某公司欠薪三个月，有人扬言跳楼"
    watch.scan("case", 7, "工资纠纷", text, tree.grassroots.path, "/console/cases/case/7/handle/")
    assert hits() == [
        ("全省欠薪", "case", "7", "欠薪", 3, 5, False),
        ("济南跳楼", "case", "7", "欠薪", 3, 5, False),
        ("济南跳楼", "case", "7", "跳楼", 13, 15, False),
    ]
    hit = WatchHit.objects.get(rule__name="济南跳楼", keyword="跳楼")
    assert (hit.org_path, hit.item_path) == (tree.jinan.path, tree.grassroots.path)
    assert (hit.source_title, hit.source_link, hit.excerpt) == ("工资纠纷", "/console/cases/case/7/handle/", text)
    # An item of 青岛 is read by 青岛's and the province's rules, never 济南's.
    WatchHit.objects.all().delete()
    watch.scan("case", 8, "工资纠纷", text, tree.qd_grassroots.path)
    assert [h[0] for h in hits()] == ["全省欠薪", "青岛欠薪"]
    # An item of the province itself is above 济南 and 青岛: only the province's rule reads it.
    WatchHit.objects.all().delete()
    watch.scan("case", 9, "工资纠纷", text, tree.province.path)
    assert [h[0] for h in hits()] == ["全省欠薪"]


def test_a_rule_reads_only_the_kinds_it_watches(tree, people):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="评论", keywords=["欠薪"], sources=["comment"])
    assert watch.scan("feed", 1, "新闻", "欠薪", tree.jinan.path) == []
    assert watch.scan("case", 1, "诉求", "欠薪", tree.jinan.path) == []
    assert len(watch.scan("comment", 1, "文章", "欠薪", tree.jinan.path)) == 1


@pytest.mark.parametrize(("text", "start", "end"), [
    ("工厂欠 薪了", 2, 5),
    ("工厂欠.薪-了", 2, 5),
    ("工厂欠\u200b薪", 2, 5),
    ("他們說欠薪", 3, 5),
    ("公司拖欠工資", 2, 6),  # 拖欠工资 written in traditional characters
    ("ＡＢＣ公司ＰＵＡ员工", 5, 8),  # full width, upper case
])
def test_evasions_are_caught_with_positions_in_the_original_text(tree, people, text, start, end):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪", "拖欠工资", "pua"], sources=ALL)
    [hit] = watch.scan("comment", 1, "文章", text, tree.jinan.path)
    assert (hit.start, hit.end) == (start, end)


def test_an_exclusion_word_silences_its_rule_for_the_whole_item(tree, people):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="欠薪", keywords=["欠薪"], exclusions=["讨薪成功"],
             sources=ALL)
    add_rule(by=people.province_editor, org=tree.province, name="全省", keywords=["欠薪"], sources=ALL)
    watch.scan("feed", 1, "好消息", "欠薪问题已解决，讨 薪 成 功", tree.jinan.path)
    assert [h[0] for h in hits()] == ["全省"]


def test_a_rescan_adds_no_duplicate_and_only_what_is_new(tree, people):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪", "跳楼"], sources=ALL)
    assert len(watch.scan("comment", 5, "文章", "欠薪", tree.jinan.path)) == 1
    assert watch.scan("comment", 5, "文章", "欠薪，欠薪", tree.jinan.path) == []
    assert len(watch.scan("comment", 5, "文章", "欠薪要跳楼", tree.jinan.path)) == 1
    assert [h[3] for h in hits()] == ["欠薪", "跳楼"]
    assert WatchHit.objects.count() == 2
    # Another item with the same words is another hit.
    assert len(watch.scan("comment", 6, "文章", "欠薪", tree.jinan.path)) == 1


def test_editors_of_each_rules_org_are_alerted_once_per_rule_and_scan(tree, people):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资纠纷", keywords=["欠薪", "跳楼", "讨薪"],
             sources=ALL)
    add_rule(by=people.qingdao_chair, org=tree.qingdao, name="青岛劳资", keywords=["欠薪"], sources=ALL)
    watch.scan("case", 3, "讨薪求助", "欠薪半年，欠薪的工友要跳楼", tree.lixia.path)
    expected = [("舆情提醒：劳资纠纷", "监测规则“劳资纠纷”在维权诉求《讨薪求助》中发现关键词“欠薪”、“跳楼”，共 2 处。"
                                      "请到管理后台“舆情监测 → 舆情信息”查看并处理。")]
    assert inbox(people.jinan_editor) == expected
    assert inbox(people.jinan_editor2) == expected
    assert inbox(people.jinan_chair) == []
    assert inbox(people.jinan_signer) == []
    assert inbox(people.province_editor) == []
    # A rescan finding nothing new alerts nobody; an item of 青岛 alerts 青岛's chair (no editor there).
    watch.scan("case", 3, "讨薪求助", "欠薪半年，欠薪的工友要跳楼", tree.lixia.path)
    assert len(inbox(people.jinan_editor)) == 1
    watch.scan("case", 4, "求助", "欠薪", tree.shinan.path)
    assert [s for s, _ in inbox(people.qingdao_chair)] == ["舆情提醒：青岛劳资"]
    assert len(inbox(people.jinan_editor)) == 1


def test_rule_changes_apply_at_once_and_a_switched_off_rule_reads_nothing(tree, people):
    rule = add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords="欠薪\n跳楼", sources=ALL)
    assert rule.keywords == ["欠薪", "跳楼"]
    assert len(watch.scan("comment", 1, "文章", "罢工", tree.jinan.path)) == 0
    update_rule(rule, by=people.jinan_editor, keywords="欠薪，罢工、跳楼")
    assert [h.keyword for h in watch.scan("comment", 1, "文章", "罢工", tree.jinan.path)] == ["罢工"]
    update_rule(rule, by=people.jinan_editor, active=False)
    assert watch.scan("comment", 2, "文章", "罢工", tree.jinan.path) == []
    events = list(AuditEvent.objects.filter(action__startswith="editorial.watch_rule").order_by("id")
                  .values_list("action", "data"))
    assert events == [
        ("editorial.watch_rule.create", {"name": "劳资", "keywords": ["欠薪", "跳楼"], "sources": ALL}),
        ("editorial.watch_rule.update", {"name": "劳资", "keywords": ["欠薪", "罢工", "跳楼"]}),
        ("editorial.watch_rule.update", {"name": "劳资", "active": False}),
    ]


def test_rule_refusals(tree, people):
    with pytest.raises(Forbidden):
        add_rule(by=people.jinan_signer, org=tree.jinan, name="x", keywords=["欠薪"], sources=ALL)
    with pytest.raises(Forbidden):
        add_rule(by=people.jinan_editor, org=tree.qingdao, name="x", keywords=["欠薪"], sources=ALL)
    with pytest.raises(Invalid) as caught:
        add_rule(by=people.jinan_editor, org=tree.jinan, name="", keywords=" ，、", sources=[])
    assert caught.value.fields == {"name": "请填写规则名称（最多 50 个字）",
                                   "keywords": "请填写监测关键词（每行一个，或用逗号、顿号分隔）",
                                   "sources": "请选择监测范围：文章评论、订阅源、维权诉求"}
    with pytest.raises(Invalid) as caught:
        add_rule(by=people.jinan_editor, org=tree.jinan, name="x", keywords=["欠薪", "！！"], sources=["sms"])
    assert caught.value.fields == {"keywords": "监测关键词“！！”只由空格、标点或符号组成",
                                   "sources": "请选择监测范围：文章评论、订阅源、维权诉求"}
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=ALL)
    with pytest.raises(Conflict):
        add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["罢工"], sources=ALL)
    # The county's desk may not change the city's rule; the province's may.
    rule = WatchRule.objects.get()
    county = make_user("county_editor")
    org_services.position_grant(user=county, org=tree.lixia, role=R.EDITOR, by=SYSTEM)
    with pytest.raises(Forbidden):
        update_rule(rule, by=county, active=False)
    update_rule(rule, by=people.province_editor, name="劳资纠纷")
    assert WatchRule.objects.get().name == "劳资纠纷"


def test_handling_a_hit_once_with_a_note(tree, people):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=ALL)
    watch.scan("comment", 1, "文章", "欠薪", tree.jinan.path)
    hit = WatchHit.objects.select_related("rule__org").get()
    with pytest.raises(Forbidden):
        handle_hit(hit, by=people.qingdao_chair, note="看过")
    handled = handle_hit(hit, by=people.jinan_editor, note="已转维权部门核实")
    assert (handled.status, handled.handled_by, handled.note) == ("handled", people.jinan_editor, "已转维权部门核实")
    with pytest.raises(StateError, match="该条舆情信息已处理"):
        handle_hit(hit, by=people.jinan_editor, note="again")
    event = AuditEvent.objects.get(action="editorial.watch_hit.handle")
    assert (event.org_path, event.data) == (tree.jinan.path, {"keyword": "欠薪", "source": "comment",
                                                              "note": "已转维权部门核实"})


def test_an_announced_case_description_is_scanned_after_its_commit(tree, people, django_capture_on_commit_callbacks):
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=["case"])
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: incoming.announce(kind="case", ref=42, title="SU202611280001",
                                                        text="单位欠薪两个月", org_path=tree.lixia.path,
                                                        link="/console/cases/case/42/handle/"))
        assert WatchHit.objects.count() == 0
    hit = WatchHit.objects.get()
    assert (hit.source, hit.source_ref, hit.keyword, hit.start, hit.source_link) == (
        "case", "42", "欠薪", 2, "/console/cases/case/42/handle/")
    assert len(inbox(people.jinan_editor)) == 1
    # A kind the watch does not read is ignored.
    incoming.announce(kind="sms", ref=1, title="", text="欠薪", org_path=tree.lixia.path)
    assert WatchHit.objects.count() == 1


def test_orgs_without_rules_of_their_own_share_their_nearest_holders_matcher(tree, people, django_assert_num_queries):
    """Matchers are kept by the rule-holding orgs above an item, not by the item's org: every union under 济南 without
    rules of its own reads with 济南's (and the province's) rules, from one automaton built once."""
    add_rule(by=people.jinan_editor, org=tree.jinan, name="劳资", keywords=["欠薪"], sources=["case"])
    jinan = watch.matcher_for(tree.lixia.path)
    with django_assert_num_queries(0):
        assert watch.matcher_for(tree.grassroots.path) is jinan
        assert watch.matcher_for(tree.lixia_town.path) is jinan
    qingdao = watch.matcher_for(tree.qd_grassroots.path)
    assert qingdao is not jinan
    assert [r.name for r in jinan.rules] == ["劳资"] and qingdao.rules == []
    add_rule(by=people.jinan_editor, org=tree.lixia, name="历下", keywords=["跳楼"], sources=["case"])
    assert [r.name for r in watch.matcher_for(tree.grassroots.path).rules] == ["劳资", "历下"]
    assert [r.name for r in watch.matcher_for(tree.jinan.path).rules] == ["劳资"]
