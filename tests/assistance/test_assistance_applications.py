"""Programmes and applications: each level in turn, every allowed step and forbidden ones, eligibility and budget
re-checked at approval, the public notice, withdrawal and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.assistance.conftest import active_file, apply, approve_all, make_member, pdf, programme_values

from smartunion.assistance.errors import NotEligible, OverBudget
from smartunion.assistance.models import Application, HardshipFile, Programme
from smartunion.assistance.services import applications, hardship, programmes
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, OutboxMessage, TransitionLog
from smartunion.core.workflow import TransitionError, TransitionForbidden, transition

A = Application.Status


def test_worker_applies_and_each_level_reviews_in_turn(tree, personas, aid):
    application = apply(aid.programme, personas.worker)
    assert (application.status, application.amount_fen, application.on_behalf, application.level) == (
        A.PENDING, 300_000, False, 0)
    assert application.chain == [tree.grassroots.pk, tree.lixia.pk, tree.jinan.pk]
    assert application.reviewing_org == tree.grassroots
    assert application.hardship_file == aid.file
    with pytest.raises(TransitionForbidden):  # the county does not skip the grassroots level
        applications.approve_application(application, by=personas.county_cadre)
    with pytest.raises(TransitionForbidden):  # nor does the city
        applications.approve_application(application, by=personas.city_cadre)
    application = applications.approve_application(application, by=personas.grassroots_cadre)
    assert (application.status, application.level, application.reviewing_org_id) == (A.PENDING, 1, tree.lixia.pk)
    with pytest.raises(TransitionForbidden):
        applications.approve_application(application, by=personas.grassroots_cadre)
    application = applications.approve_application(application, by=personas.county_cadre)
    assert (application.status, application.level, application.reviewing_org_id) == (A.PENDING, 2, tree.jinan.pk)
    application = applications.approve_application(application, by=personas.city_cadre)
    assert (application.status, application.reviewing_org_id) == (A.APPROVED, None)
    programme = Programme.objects.get(pk=aid.programme.pk)
    assert (programme.committed_fen, programme.paid_fen) == (300_000, 0)
    assert list(TransitionLog.objects.filter(workflow="assistance.application").values_list("action", flat=True)) \
        == ["pass", "pass", "approve"]
    assert OutboxMessage.objects.filter(user=personas.worker, subject="帮扶申请已批准").count() == 1


def test_publish_notice_then_revoke_gives_the_amount_back(tree, personas, aid):
    application = approve_all(apply(aid.programme, personas.worker), personas)
    with pytest.raises(Forbidden):
        applications.publish_notice(aid.programme, by=personas.grassroots_cadre)
    assert applications.publish_notice(aid.programme, by=personas.city_cadre) == 1
    application.refresh_from_db()
    assert application.status == A.NOTICE
    assert application.notice_ends_on - application.notice_starts_on == dt.timedelta(days=5)
    with pytest.raises(TransitionError):
        applications.revoke_application(application, by=personas.city_cadre, note="")
    application = applications.revoke_application(application, by=personas.city_cadre, note="经核查有异议属实")
    assert (application.status, application.reject_reason) == (A.REJECTED, "经核查有异议属实")
    assert Programme.objects.get(pk=aid.programme.pk).committed_fen == 0


def test_reject_with_reason_and_withdraw(tree, personas, aid):
    application = apply(aid.programme, personas.worker)
    with pytest.raises(TransitionError):
        applications.reject_application(application, by=personas.grassroots_cadre, note="")
    application = applications.reject_application(application, by=personas.grassroots_cadre, note="材料不实")
    assert (application.status, application.reject_reason) == (A.REJECTED, "材料不实")
    application = apply(aid.programme, personas.worker)  # a closed one does not block a new application
    with pytest.raises(TransitionForbidden):
        applications.withdraw_application(application, by=personas.outsider)
    assert applications.withdraw_application(application, by=personas.worker).status == A.WITHDRAWN
    with pytest.raises(TransitionError):  # a withdrawn application is not approved
        applications.approve_application(application, by=personas.grassroots_cadre)


def test_one_open_application_per_programme_and_person(tree, personas, aid):
    apply(aid.programme, personas.worker)
    with pytest.raises(applications.AlreadyApplied):
        apply(aid.programme, personas.worker)
    assert Application.objects.count() == 1


def test_one_aid_per_purpose_and_year_across_programmes_and_levels(tree, personas, aid):
    """A granted aid (approved, in notice, paid) keeps the person out of every programme of the same purpose and
    year, its own included; one under review keeps a second application out; a rejected one keeps nothing out."""
    county = programmes.create_programme(by=SYSTEM, org=tree.lixia, **programme_values(
        name="历下区助学", review_chain=["grassroots", "county"]))
    other_year = programmes.create_programme(by=SYSTEM, org=tree.lixia, **programme_values(
        name="历下区明年助学", year=aid.year + 1, review_chain=["grassroots", "county"]))
    first = apply(aid.programme, personas.worker)
    with pytest.raises(NotEligible) as refused:
        apply(county, personas.worker)
    assert refused.value.message == "同一用途的帮扶每人每年只能获得一次：您申请的“2026年金秋助学”正在审核中"
    assert applications.ineligible_reasons(county, personas.worker.person_id) == [
        "同一用途的帮扶每人每年只能获得一次：您申请的“2026年金秋助学”正在审核中"]
    approve_all(first, personas)
    for programme in (aid.programme, county):
        with pytest.raises(NotEligible) as refused:
            apply(programme, personas.worker)
        assert refused.value.message == f"同一用途的帮扶每人每年只能获得一次：您已获得{aid.year}年的“2026年金秋助学”"
    assert apply(other_year, personas.worker).status == A.PENDING  # another year is another aid
    assert Application.objects.filter(person=personas.worker.person).count() == 2
    applications.revoke_application(first, by=personas.city_cadre, note="核查不实")
    assert apply(county, personas.worker).status == A.PENDING  # the revoked grant keeps nothing out


def test_an_aid_granted_meanwhile_stops_the_other_applications_approval(tree, personas, aid):
    """Two applications of one purpose and year that were both under review (the second filed by a cadre before
    the first was decided): once one is granted, the other is refused at its next approval, naming the first."""
    county = programmes.create_programme(by=SYSTEM, org=tree.lixia, **programme_values(
        name="历下区助学", review_chain=["grassroots", "county"]))
    first = apply(aid.programme, personas.worker)
    second = Application.objects.create(  # as it could have been filed before this rule (no service refuses here)
        programme=county, person=personas.worker.person, union=tree.grassroots, amount_fen=100_000,
        bank_name="中国工商银行", bank_account="6222020200112233445", account_holder="张伟",
        chain=[tree.grassroots.pk, tree.lixia.pk], level=0, reviewing_org=tree.grassroots)
    applications.add_document(second, by=SYSTEM, name="录取通知书", upload=pdf())
    approve_all(first, personas)
    with pytest.raises(NotEligible) as refused:
        applications.approve_application(second, by=personas.grassroots_cadre)
    assert refused.value.message == ("申请人已不符合申请条件：同一用途的帮扶每人每年只能获得一次："
                                     f"该职工已获得{aid.year}年的“2026年金秋助学”")
    second.refresh_from_db()
    assert (second.status, second.level) == (A.PENDING, 0)


def test_cadre_applies_on_behalf_of_a_worker_in_scope_only(tree, personas, aid):
    member = make_member(tree.grassroots)
    active_file(member.person, tree.grassroots, category="relative")
    application = applications.submit_application(
        aid.programme, by=personas.grassroots_cadre, person=member.person, bank_name="农业银行",
        bank_account="6228 4801 2345 6789 012", account_holder="李娜")
    assert (application.on_behalf, application.amount_fen, application.bank_account) == (True, 200_000,
                                                                                         "6228480123456789012")
    assert AuditEvent.objects.filter(action="assistance.application.submit_on_behalf").count() == 1
    other = make_member(tree.grassroots)
    active_file(other.person, tree.grassroots)
    with pytest.raises(Forbidden):
        applications.submit_application(aid.programme, by=personas.other_city_cadre, person=other.person,
                                        bank_name="农业银行", bank_account="622848012345678901", account_holder="李娜")


def test_eligibility_at_application(tree, personas, aid):
    plain = make_member(tree.grassroots)
    with pytest.raises(NotEligible) as caught:
        apply(aid.programme, plain)
    assert caught.value.message == ("本项目仅限已建档（在档）的困难职工申请；本项目仅限深度困难、相对困难职工申请；"
                                    "本项目仅限有在读子女的职工申请")
    no_child = make_member(tree.grassroots)
    active_file(no_child.person, tree.grassroots, household_members=[])
    with pytest.raises(NotEligible) as caught:
        apply(aid.programme, no_child)
    assert caught.value.message == "本项目仅限有在读子女的职工申请"
    with pytest.raises(NotEligible) as caught:
        apply(aid.programme, personas.outsider)
    assert (caught.value.code, caught.value.message) == ("not_eligible", "困难帮扶仅限工会会员申请，请先申请入会")


def test_eligibility_rechecked_at_each_approval(tree, personas, aid):
    application = apply(aid.programme, personas.worker)
    application = applications.approve_application(application, by=personas.grassroots_cadre)
    hardship.exit_file(HardshipFile.objects.get(pk=aid.file.pk), by=SYSTEM, reason="recovered")
    with pytest.raises(NotEligible) as caught:
        applications.approve_application(application, by=personas.county_cadre)
    assert caught.value.message.startswith("申请人已不符合申请条件：本项目仅限已建档（在档）的困难职工申请")
    assert Application.objects.get(pk=application.pk).level == 1


def test_required_documents_checked_at_approval(tree, personas, aid):
    application = applications.submit_application(aid.programme, by=personas.worker, bank_name="工行",
                                                  bank_account="6222020200112233445", account_holder="张伟")
    with pytest.raises(Invalid) as caught:
        applications.approve_application(application, by=personas.grassroots_cadre)
    assert (caught.value.code, caught.value.message) == ("documents_missing", "申请材料不全，缺少：录取通知书")
    with pytest.raises(Invalid):  # a file that is no PDF despite its name
        applications.add_document(application, by=personas.worker, name="录取通知书",
                                  upload=pdf("x.pdf").__class__("x.pdf", b"MZ\x90\x00", content_type="application/pdf"))
    applications.add_document(application, by=personas.worker, name="录取通知书", upload=pdf())
    assert applications.approve_application(application, by=personas.grassroots_cadre).level == 1


def test_a_programme_names_its_purpose_from_the_list(tree, personas):
    with pytest.raises(Invalid) as refused:
        programmes.create_programme(by=SYSTEM, org=tree.jinan, **programme_values(purpose="education2026"))
    assert refused.value.fields == {"purpose": "资金用途应为以下之一：education（助学）、medical（医疗救助）、"
                                               "winter（送温暖（生活救助））、accident（意外致困救助）、"
                                               "employment（就业创业帮扶）、other（其他帮扶）"}
    assert not Programme.objects.exists()


def test_budget_rechecked_at_final_approval(tree, personas, aid):
    small = programmes.create_programme(by=personas.city_cadre, org=tree.jinan,
                                        **programme_values(name="小额项目", budget_fen=500_000))
    first = apply(small, personas.worker)
    member = make_member(tree.grassroots)
    active_file(member.person, tree.grassroots)
    second = apply(small, member)
    for user in (personas.grassroots_cadre, personas.county_cadre):
        first = applications.approve_application(first, by=user)
        second = applications.approve_application(second, by=user)
    assert applications.approve_application(first, by=personas.city_cadre).status == A.APPROVED
    with pytest.raises(OverBudget) as caught:  # 300,000 + 300,000 > 500,000
        applications.approve_application(second, by=personas.city_cadre)
    assert (caught.value.code, caught.value.status) == ("over_budget", 409)
    assert Programme.objects.get(pk=small.pk).committed_fen == 300_000
    assert Application.objects.get(pk=second.pk).status == A.PENDING


def test_amount_rule_fixed_and_cap(tree, personas, aid):
    fixed = programmes.create_programme(by=personas.city_cadre, org=tree.jinan, **programme_values(
        name="冬季送温暖", kind="winter", purpose="winter", amount_rule={"fixed": 80_000},
        eligibility_rule={}, required_documents=[]))
    assert apply(fixed, personas.worker).amount_fen == 80_000
    member = make_member(tree.grassroots)
    active_file(member.person, tree.grassroots)
    with pytest.raises(Invalid) as caught:
        apply(aid.programme, member, amount_fen=300_001)
    assert caught.value.fields == {"amount_fen": "申请金额应为 0.01 至 3000.00 元"}
    assert apply(aid.programme, member, amount_fen=150_000).amount_fen == 150_000


def test_programme_rules_are_checked(tree, personas):
    with pytest.raises(Invalid) as caught:
        programmes.create_programme(by=personas.city_cadre, org=tree.jinan,
                                    **programme_values(review_chain=["grassroots", "village"]))
    assert set(caught.value.fields) == {"review_chain"}
    with pytest.raises(Invalid) as caught:
        programmes.create_programme(by=personas.city_cadre, org=tree.jinan,
                                    **programme_values(eligibility_rule={"colour": "red"}))
    assert caught.value.fields == {"eligibility": "未知的申请条件：colour"}
    with pytest.raises(Forbidden):
        programmes.create_programme(by=personas.other_city_cadre, org=tree.jinan, **programme_values())


def test_outside_the_application_period(tree, personas, aid):
    Programme.objects.filter(pk=aid.programme.pk).update(closes_on=dt.date(2020, 1, 1), opens_on=dt.date(2019, 1, 1))
    with pytest.raises(StateError) as caught:
        apply(Programme.objects.get(pk=aid.programme.pk), personas.worker)
    assert (caught.value.code, caught.value.message) == ("not_open", "该项目已过申请截止日期")


def test_reveal_account_is_audited_and_for_managers(tree, personas, aid):
    application = apply(aid.programme, personas.worker)
    assert application.masked_account == "6222***********3445"
    with pytest.raises(Forbidden):
        applications.reveal_account(application, by=personas.other_city_cadre, reason="核对")
    assert applications.reveal_account(application, by=personas.city_cadre, reason="核对代发失败") == \
        "6222020200112233445"
    event = AuditEvent.objects.get(action="assistance.application.reveal_account")
    assert (event.actor, event.data) == (personas.city_cadre, {"reason": "核对代发失败"})
    assert "6222020200112233445" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_revoke_an_approved_application_before_its_notice(tree, personas, aid):
    application = approve_all(apply(aid.programme, personas.worker), personas)
    with pytest.raises(TransitionForbidden):  # the programme's managers only
        applications.revoke_application(application, by=personas.grassroots_cadre, note="x")
    application = applications.revoke_application(application, by=personas.city_cadre, note="重复申报")
    assert (application.status, Programme.objects.get(pk=aid.programme.pk).committed_fen) == (A.REJECTED, 0)
    assert applications.publish_notice(aid.programme, by=personas.city_cadre) == 0  # nothing approved is left
    with pytest.raises(TransitionError):  # a rejected application is not published
        transition(application, "publish", workflow=applications.APPLICATION_WORKFLOW, by=personas.city_cadre)
