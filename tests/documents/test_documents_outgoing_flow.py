"""The outgoing-document workflow: every allowed step and forbidden ones, returns with reasons, countersign rounds
with departments and an org (one refusal sends it back, the agreements stay, a second round), numbering."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.documents.outgoing_rows import BODY, advance, draft, make_office

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, OutboxMessage, TransitionLog
from smartunion.core.workflow import TransitionError, TransitionForbidden
from smartunion.documents.models import Countersign, NumberSequence, OutgoingDocument
from smartunion.documents.services import outgoing as services

pytestmark = pytest.mark.django_db
S = OutgoingDocument.Status


@pytest.fixture
def office(tree):
    return make_office(tree)


def _actions(document):
    return list(TransitionLog.objects.filter(workflow="documents.outgoing", object_id=str(document.pk))
                .order_by("id").values_list("action", "from_state", "to_state"))


def test_the_plain_path_from_draft_to_archive(office):
    document = draft(office)
    assert (document.status, document.revision, document.issuer_mark) == ("draft", 1, "济南市总工会文件")
    document = services.submit(document, by=office.drafter)
    document = services.check(document, by=office.reviewer, note="同意")
    assert document.status == "signing"
    document = services.sign(document, by=office.chair)
    assert (document.status, document.signer_id, document.signer_name) == ("numbering", office.chair.pk, "张主席")
    assert document.written_on == timezone.localdate()
    document = services.number(document, by=office.clerk)
    year = timezone.localdate().year
    assert (document.status, document.number, document.number_year, document.number_seq) == (
        "sealing", f"济工发〔{year}〕1号", year, 1)
    document = services.seal(document, by=office.clerk)
    assert (document.status, document.printer, document.printed_on) == (
        "distribution", "济南市总工会", timezone.localdate())
    document = services.archive(document, by=office.clerk)
    assert document.status == "archived"
    assert _actions(document) == [
        ("submit", "draft", "checking"), ("check", "checking", "signing"), ("sign", "signing", "numbering"),
        ("number", "numbering", "sealing"), ("seal", "sealing", "distribution"),
        ("archive", "distribution", "archived")]
    event = AuditEvent.objects.get(action="documents.outgoing.number")
    assert event.data["number"] == f"济工发〔{year}〕1号"
    # The steps told the next person.
    subjects = sorted(OutboxMessage.objects.filter(user__in=[office.reviewer, office.chair, office.clerk])
                      .values_list("subject", flat=True))
    assert subjects == ["待核稿公文", "待核稿公文", "待签发公文", "待编号公文"]


def test_numbering_takes_the_years_next_sequence_per_rule(office):
    year = timezone.localdate().year
    NumberSequence.objects.create(rule=office.rule, year=year, last=11)
    NumberSequence.objects.create(rule=office.rule, year=year - 1, last=40)
    first = advance(draft(office, "一"), office, S.SEALING)
    second = advance(draft(office, "二"), office, S.SEALING)
    assert (first.number, second.number) == (f"济工发〔{year}〕12号", f"济工发〔{year}〕13号")
    other = services.create_rule(by=SYSTEM, org=office.org, name="函", prefix="济工函")
    third = advance(draft(office, "三", rule=other), office, S.SEALING)
    assert third.number == f"济工函〔{year}〕1号"
    assert NumberSequence.objects.get(rule=office.rule, year=year - 1).last == 40


def test_numbering_needs_a_rule_and_a_failed_numbering_keeps_nothing(office):
    document = advance(draft(office, rule=None), office, S.NUMBERING)
    with pytest.raises(Invalid) as refused:
        services.number(document, by=office.clerk)
    assert refused.value.message == "请先选择发文字号规则"
    assert OutgoingDocument.objects.get(pk=document.pk).status == "numbering"
    document = services.number(document, by=office.clerk, rule=office.rule)
    assert document.number.startswith("济工发〔")


def test_returns_from_checking_and_signing_need_a_reason_and_reach_the_drafter(office):
    document = services.submit(draft(office), by=office.drafter)
    with pytest.raises(TransitionError) as refused:
        services.return_document(document, by=office.reviewer, note="")
    assert refused.value.message == "请填写原因"
    document = services.return_document(document, by=office.reviewer, note="标题不规范")
    assert (document.status, document.return_reason) == ("draft", "标题不规范")
    document = advance(services.submit(document, by=office.drafter), office, S.SIGNING)
    assert document.return_reason == ""
    document = services.return_document(document, by=office.chair, note="请补充第三条")
    assert (document.status, document.return_reason) == ("draft", "请补充第三条")
    assert list(OutboxMessage.objects.filter(user=office.drafter).order_by("id").values_list("body", flat=True)) == [
        "公文“关于做好2026年职工服务工作的通知”被退回：标题不规范",
        "公文“关于做好2026年职工服务工作的通知”被退回：请补充第三条"]


def test_cancel_only_from_draft(office):
    document = draft(office)
    assert services.cancel(document, by=office.drafter, note="重复拟稿").status == "cancelled"
    other = services.submit(draft(office, "二"), by=office.drafter)
    with pytest.raises(TransitionError) as refused:
        services.cancel(other, by=office.drafter)
    assert refused.value.message == "当前状态为“核稿”，不能执行“作废”"


def test_each_step_belongs_to_its_role_of_the_issuing_org(office):
    document = services.submit(draft(office), by=office.drafter)
    for outsider in (office.drafter, office.clerk, office.qingdao_chair, office.lixia_chair):
        with pytest.raises(TransitionForbidden):
            services.check(document, by=outsider)
    document = services.check(document, by=office.chair)  # the chair may check too
    for outsider in (office.reviewer, office.clerk, office.lixia_chair):
        with pytest.raises(TransitionForbidden):
            services.sign(document, by=outsider)
    document = services.sign(document, by=office.chair)
    with pytest.raises(TransitionForbidden):
        services.number(document, by=office.chair)
    # A step out of order is refused by the workflow, whoever asks.
    with pytest.raises(TransitionError) as refused:
        services.archive(document, by=office.clerk)
    assert refused.value.message == "当前状态为“编号”，不能执行“归档”"


def test_submitting_an_empty_body_is_refused(office):
    document = draft(office, body="")
    with pytest.raises(Invalid) as refused:
        services.submit(document, by=office.drafter)
    assert refused.value.message == "正文为空，不能送核稿"
    assert OutgoingDocument.objects.get(pk=document.pk).status == "draft"


# Countersign ------------------------------------------------------------------------------------------------------


def _rows(document, round_=None):
    rows = Countersign.objects.filter(document=document).order_by("round", "id")
    if round_ is not None:
        rows = rows.filter(round=round_)
    return [(r.round, r.department.name if r.department_id else r.org.name, r.status, r.note) for r in rows]


def test_countersign_two_departments_and_an_org_with_a_refusal_and_a_second_round(office):
    document = services.submit(draft(office), by=office.drafter)
    document = services.check(document, by=office.reviewer, departments=[office.zzb, office.xcb],
                              orgs=[office.tree.lixia])
    assert document.status == "countersign"
    assert _rows(document) == [(1, "组织部", "pending", ""), (1, "宣传部", "pending", ""),
                               (1, "历下区总工会", "pending", "")]
    assert sorted(OutboxMessage.objects.filter(subject="待会签公文").values_list("user__username", flat=True)) == [
        "lx_chair", "xcb_head", "zzb_head", "zzb_member"]
    # A department member answers for the department; someone else may not.
    services.countersign(document, by=office.org_member, agree=True, note="同意")
    with pytest.raises(Forbidden):
        services.countersign(document, by=office.qingdao_chair, agree=True)
    with pytest.raises(Forbidden):
        services.countersign(document, by=office.org_head, agree=True)  # 组织部 has answered
    with pytest.raises(Invalid) as refused:
        services.countersign(document, by=office.lixia_chair, agree=False, note="")
    assert refused.value.message == "请填写不同意的理由"
    services.countersign(document, by=office.lixia_chair, agree=False, note="涉及县区经费，请再商议")
    document = OutgoingDocument.objects.get(pk=document.pk)
    assert (document.status, document.return_reason) == ("draft", "历下区总工会不同意：涉及县区经费，请再商议")
    assert _rows(document) == [(1, "组织部", "agreed", "同意"), (1, "宣传部", "cancelled", ""),
                               (1, "历下区总工会", "refused", "涉及县区经费，请再商议")]
    with pytest.raises(StateError):
        services.countersign(document, by=office.xcb_head, agree=True)
    # The drafter revises and resubmits: a new round; the first round's answers stay as they were.
    document = services.save_document(document, by=office.drafter, base_revision=1,
                                      body=BODY + "\n三、经费由市总承担。")
    document = services.submit(document, by=office.drafter)
    document = services.check(document, by=office.reviewer, departments=[office.xcb], orgs=[office.tree.lixia])
    assert _rows(document, 2) == [(2, "宣传部", "pending", ""), (2, "历下区总工会", "pending", "")]
    services.countersign(document, by=office.lixia_chair, agree=True, note="同意")
    assert OutgoingDocument.objects.get(pk=document.pk).status == "countersign"
    services.countersign(document, by=office.xcb_head, agree=True)
    document = OutgoingDocument.objects.get(pk=document.pk)
    assert document.status == "signing"
    assert _rows(document, 1) == [(1, "组织部", "agreed", "同意"), (1, "宣传部", "cancelled", ""),
                                  (1, "历下区总工会", "refused", "涉及县区经费，请再商议")]
    assert [a for a, _, _ in _actions(document)] == [
        "submit", "send_countersign", "countersign_refuse", "submit", "send_countersign", "countersign_complete"]
    assert sorted(AuditEvent.objects.filter(action__startswith="documents.countersign.")
                  .values_list("action", flat=True)) == ["documents.countersign.agree"] * 3 + [
        "documents.countersign.refuse"]


def test_countersign_parties_must_be_the_orgs_departments_or_other_orgs(office):
    document = services.submit(draft(office), by=office.drafter)
    foreign = services.save_department(by=SYSTEM, org=office.tree.qingdao, name="办公室")
    with pytest.raises(Invalid) as refused:
        services.check(document, by=office.reviewer, departments=[foreign])
    assert refused.value.message == "会签部门应为发文机关的在用部门"
    with pytest.raises(Invalid) as refused:
        services.check(document, by=office.reviewer, orgs=[office.org])
    assert refused.value.message == "会签单位不能是发文机关本身（本单位请选择部门）"
    assert OutgoingDocument.objects.get(pk=document.pk).status == "checking"


# Drafts, versions and the lock ------------------------------------------------------------------------------------


def test_every_element_is_kept_and_checked(office):
    document = draft(office, kind="decision", copy_number="000012", secrecy="secret", secrecy_period="1年",
                     urgency="urgent", issuer_mark="济南市总工会文件", cc="山东省总工会", printer="济南市总工会办公室",
                     written_on="2026-03-01", printed_on=dt.date(2026, 3, 2))
    document.refresh_from_db()
    assert (document.kind, document.copy_number, document.secrecy, document.secrecy_period, document.urgency,
            document.cc, document.printer, document.written_on, document.printed_on) == (
        "decision", "000012", "secret", "1年", "urgent", "山东省总工会", "济南市总工会办公室", dt.date(2026, 3, 1),
        dt.date(2026, 3, 2))
    with pytest.raises(Invalid) as refused:
        draft(office, copy_number="12a", secrecy_period="6个月", written_on="2026-13-01")
    assert refused.value.fields == {"copy_number": "份号应为1到6位阿拉伯数字",
                                    "secrecy_period": "未标密级的公文不能填写保密期限",
                                    "written_on": "成文日期格式不正确（应为 2026-01-31）"}
    other_rule = services.create_rule(by=SYSTEM, org=office.tree.qingdao, name="发文", prefix="青工发")
    with pytest.raises(Invalid) as refused:
        draft(office, rule=other_rule)
    assert refused.value.message == "发文字号规则不存在或不属于发文机关"
    assert OutgoingDocument.objects.count() == 1


def test_saves_make_versions_and_a_stale_save_is_refused(office):
    document = draft(office)
    first = services.save_document(document, by=office.drafter, base_revision=1, title="关于做好职工服务工作的通知")
    assert first.revision == 2
    with pytest.raises(Conflict) as refused:
        services.save_document(document, by=office.reviewer, base_revision=1, body="别的正文")
    assert (refused.value.code, refused.value.status) == ("stale_revision", 409)
    assert refused.value.message == ("该公文已被他人修改为第 2 版（您编辑的是第 1 版），请查看最新版本和差异后再保存")
    assert OutgoingDocument.objects.get(pk=document.pk).body == BODY
    second = services.save_document(document, by=office.drafter, base_revision=2,
                                    body=BODY.replace("二、抓好落实。", "二、狠抓落实。\n三、及时报送。"))
    assert second.revision == 3
    same = services.save_document(document, by=office.drafter, base_revision=3, body=second.body)
    assert same.revision == 3
    assert list(document.versions.order_by("number").values_list("number", "title")) == [
        (1, "关于做好2026年职工服务工作的通知"), (2, "关于做好职工服务工作的通知"), (3, "关于做好职工服务工作的通知")]
    assert services.versions_diff(document, 1, 3) == [
        ("delete", "标题：关于做好2026年职工服务工作的通知"), ("insert", "标题：关于做好职工服务工作的通知"),
        ("equal", "各县（区）总工会："), ("equal", "为做好2026年职工服务工作，现将有关事项通知如下。"),
        ("equal", "一、提高认识。"), ("delete", "二、抓好落实。"), ("insert", "二、狠抓落实。"),
        ("insert", "三、及时报送。")]
    submitted = services.submit(second, by=office.drafter)
    with pytest.raises(Conflict) as refused:
        services.save_document(submitted, by=office.drafter, base_revision=3, title="再改")
    assert refused.value.code == "not_editable"


def test_numbering_rules_and_departments(office):
    with pytest.raises(Conflict) as refused:
        services.create_rule(by=SYSTEM, org=office.org, name="重复", prefix="济工发")
    assert refused.value.message == "本单位已有机关代字“济工发”的发文字号规则"
    assert services.create_rule(by=SYSTEM, org=office.tree.qingdao, name="发文", prefix="济工发").prefix == "济工发"
    with pytest.raises(Invalid):
        services.create_rule(by=SYSTEM, org=office.org, name="错", prefix="济工〔发〕")
    with pytest.raises(Forbidden):
        services.create_rule(by=office.reviewer, org=office.org, name="函", prefix="济工函")
    services.set_rule_active(office.rule, by=office.clerk, active=False)
    with pytest.raises(Invalid) as refused:
        draft(office)
    assert refused.value.message == "发文字号规则“济工发”已停用"
    with pytest.raises(Conflict):
        services.save_department(by=office.clerk, org=office.org, name="组织部")
    changed = services.save_department(by=office.clerk, department=office.zzb, name="组织部", head=office.org_head,
                                       members=[], active=False)
    assert (changed.active, list(changed.members.all())) == (False, [])
