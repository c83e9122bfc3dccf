"""Information reports: submitting, every allowed step of REPORT_WORKFLOW and a forbidden one, who may adopt at
which level, forwarding up as a copy, validation in Chinese with nothing changed."""

from __future__ import annotations

import pytest
from tests.documents.reports_rows import cadre, item

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import action_label
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.workflow import TransitionError, TransitionForbidden, history
from smartunion.documents.models import InfoReport
from smartunion.documents.services import reports as services
from smartunion.documents.services.reports import REPORT_WORKFLOW

S = InfoReport.Status
L = InfoReport.Level
pytestmark = pytest.mark.django_db


def test_a_county_cadre_submits_to_its_city_and_the_city_is_told(tree, personas):
    report = services.submit_report(org=tree.lixia, category="practice", title="  职工之家建设经验 ",
                                    body="历下区的做法。", by=personas.county_cadre)
    assert (report.org, report.to_org, report.to_path) == (tree.lixia, tree.jinan, tree.jinan.path)
    assert (report.status, report.level, report.title, report.category) == (S.SUBMITTED, "", "职工之家建设经验",
                                                                              "practice")
    assert report.submitted_by == personas.county_cadre
    event = AuditEvent.objects.get(action="documents.info_report.submit")
    assert event.org_id == tree.lixia.pk
    assert action_label("documents.info_report.submit") == "报送信息"
    assert list(OutboxMessage.objects.filter(user=personas.city_cadre).values_list("subject", flat=True)) == [
        "收到报送信息"]


def test_submitting_needs_a_cadre_of_the_org_itself_and_a_receiving_parent(tree, personas):
    with pytest.raises(Forbidden):  # the city's cadre does not submit for its county
        services.submit_report(org=tree.lixia, category="news", title="标题", body="内容", by=personas.city_cadre)
    with pytest.raises(Invalid) as refused:  # a township's parent is a county, which takes no reports
        services.submit_report(org=tree.lixia_town, category="news", title="标题", body="内容", by=SYSTEM)
    assert "没有接收信息报送的上级单位" in refused.value.fields["org"]
    with pytest.raises(Invalid) as refused:
        services.submit_report(org=tree.lixia, category="other", title=" ", body="", by=personas.county_cadre)
    assert refused.value.fields == {"category": "请选择类别：工作动态、经验做法或问题建议", "title": "请填写标题",
                                    "body": "请填写内容"}
    with pytest.raises(Invalid) as refused:
        services.submit_report(org=tree.lixia, category="news", title="长" * 201, body="内容", by=SYSTEM)
    assert refused.value.fields == {"title": "标题不能超过200个字"}
    assert InfoReport.objects.count() == 0


def test_adopt_at_the_city_level(tree, personas):
    report = services.adopt_report(item(tree.lixia), level=L.CITY, by=personas.city_cadre)
    assert (report.status, report.level, report.decided_by) == (S.ADOPTED, L.CITY, personas.city_cadre)
    assert report.decided_at is not None
    assert [(h.from_state, h.to_state, h.action) for h in history(REPORT_WORKFLOW, report)] == [
        ("submitted", "adopted", "adopt")]
    assert OutboxMessage.objects.filter(subject="报送信息已采用").count() == 0  # SYSTEM submitted: nobody to tell
    event = AuditEvent.objects.get(action="documents.info_report.adopt")
    assert (event.org_id, event.also_org_path, event.data["level"]) == (tree.lixia.pk, tree.jinan.path, "city")


def test_the_submitter_is_told_of_the_decision(tree, personas):
    report = services.submit_report(org=tree.lixia, category="news", title="动态", body="内容",
                                    by=personas.county_cadre)
    services.adopt_report(report, level=L.CITY, by=personas.city_cadre)
    message = OutboxMessage.objects.get(user=personas.county_cadre)
    assert (message.subject, message.body) == ("报送信息已采用", "《动态》已被济南市总工会市级采用。")


def test_decline_with_a_reason_and_not_without(tree, personas):
    report = item(tree.lixia)
    with pytest.raises(Invalid) as refused:
        services.decline_report(report, reason="  ", by=personas.city_cadre)
    assert refused.value.fields == {"reason": "请填写未采用的原因"}
    report = services.decline_report(report, reason="内容与上期重复", by=personas.city_cadre)
    assert (report.status, report.reason, report.level) == (S.DECLINED, "内容与上期重复", "")


def test_withdraw_before_a_decision_only(tree, personas):
    report = services.withdraw_report(item(tree.lixia), by=personas.county_cadre)
    assert report.status == S.WITHDRAWN
    decided = services.adopt_report(item(tree.lixia), level=L.CITY, by=personas.city_cadre)
    with pytest.raises(TransitionError) as refused:  # the forbidden step: withdrawing a decided item
        services.withdraw_report(decided, by=personas.county_cadre)
    assert str(refused.value) == "当前状态为“已采用”，不能执行“撤回”"
    decided.refresh_from_db()
    assert decided.status == S.ADOPTED


def test_who_may_adopt_at_which_level(tree, personas):
    county_item = item(tree.lixia)
    with pytest.raises(Invalid) as refused:  # a city gives the city level only
        services.adopt_report(county_item, level=L.PROVINCE, by=personas.city_cadre)
    assert refused.value.fields == {"level": "济南市总工会可给的采用级别为：市级采用"}
    for outsider in (personas.province_admin, personas.other_city_cadre, personas.county_cadre):
        with pytest.raises(TransitionForbidden):  # only the receiving org's own cadres decide
            services.adopt_report(county_item, level=L.CITY, by=outsider)
    city_item = item(tree.jinan)
    assert city_item.to_org == tree.province
    with pytest.raises(Invalid) as refused:
        services.adopt_report(city_item, level=L.CITY, by=personas.province_admin)
    assert refused.value.fields == {"level": "山东省总工会可给的采用级别为：省级采用、报送全总"}
    with pytest.raises(TransitionForbidden):
        services.adopt_report(city_item, level=L.PROVINCE, by=personas.city_cadre)
    assert services.adopt_report(city_item, level=L.NATIONAL, by=personas.province_admin).level == L.NATIONAL
    other = services.adopt_report(item(tree.qingdao), level=L.PROVINCE, by=personas.province_admin)
    assert other.level == L.PROVINCE
    county_item.refresh_from_db()
    assert (county_item.status, county_item.level) == (S.SUBMITTED, "")


def test_a_reviewer_of_the_city_may_decide(tree):
    reviewer = cadre("jinan_reviewer", tree.jinan, role="reviewer")
    editor = cadre("jinan_editor", tree.jinan, role="editor")
    report = item(tree.lixia)
    with pytest.raises(TransitionForbidden):
        services.decline_report(report, reason="不采用", by=editor)
    assert services.decline_report(report, reason="不采用", by=reviewer).status == S.DECLINED


def test_the_city_forwards_an_adopted_item_to_the_province_as_its_own_copy(tree, personas):
    original = services.adopt_report(item(tree.lixia, title="夏送清凉"), level=L.CITY, by=personas.city_cadre)
    with pytest.raises(Forbidden):
        services.forward_report(original, by=personas.county_cadre)
    copy = services.forward_report(original, by=personas.city_cadre)
    assert (copy.org, copy.to_org, copy.status, copy.title) == (tree.jinan, tree.province, S.SUBMITTED, "夏送清凉")
    assert copy.body == f"【转报】原信息编号：{original.pk}；原报送单位：历下区总工会\n夏送清凉的内容。"
    with pytest.raises(Conflict) as refused:
        services.forward_report(original, by=personas.city_cadre)
    assert refused.value.code == "already_forwarded"
    services.adopt_report(copy, level=L.PROVINCE, by=personas.province_admin)
    original.refresh_from_db()
    assert (original.org, original.level) == (tree.lixia, L.CITY)  # the county keeps its city adoption
    pending = item(tree.lixia, title="未决")
    with pytest.raises(Conflict):
        services.forward_report(pending, by=personas.city_cadre)
    province_item = services.adopt_report(item(tree.jinan), level=L.PROVINCE, by=personas.province_admin)
    with pytest.raises(Invalid):  # the province forwards nothing: 报送全总 is its own level
        services.forward_report(province_item, by=personas.province_admin)
