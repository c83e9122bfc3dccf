"""批量通过 from the review queue: a confirmation page lists the selected applications (masked) before anything
happens; confirmed, each goes through the join service with the cadre as actor and its own audit event, a refusal is
reported per application in Chinese and the others are still approved."""

from __future__ import annotations

from tests import rows

from smartunion.core.models import AuditEvent
from smartunion.members.models import JoinApplication, Membership

LIST = "/console/members/joinapplication/"


def select(*applications, **extra) -> dict:
    return {"action": "approve_selected", "_selected_action": [a.pk for a in applications], **extra}


def test_the_confirmation_lists_the_selected_applications_masked_and_changes_nothing(tree, personas, console):
    first, second, _third = rows.applications(tree, 3)
    response = console(personas.county_cadre).post(LIST + "?status__exact=pending", select(first, second))
    assert response.status_code == 200
    assert [(row["name"], row["employer"], row["union"], row["status"], row["note"])
            for row in response.context["rows"]] == [("申***", "某单位", "历下区解放路街道工会", "待审核", ""),
                                                     ("申***", "某单位", "历下区解放路街道工会", "待审核", "")]
    assert [row["id_number"] for row in response.context["rows"]] == [
        first.id_number[:4] + "**********" + first.id_number[-4:],
        second.id_number[:4] + "**********" + second.id_number[-4:]]
    page = response.content.decode()
    assert first.name not in page and first.id_number not in page
    assert page.count('name="_selected_action"') == 2
    assert set(JoinApplication.objects.values_list("status", flat=True)) == {"pending"}
    assert not AuditEvent.objects.filter(action="members.join_application.approve").exists()


def test_confirmed_each_is_approved_by_the_service_and_refusals_are_reported_per_application(
        tree, personas, console, messages_of):
    good, other_good, ambiguous, member = rows.applications(tree, 4)
    ambiguous.candidates = [{"id": tree.employer.pk, "name": "济南甲科技有限公司", "union_name": "甲公司工会委员会"},
                            {"id": tree.employer_without_union.pk, "name": "济南乙商贸有限公司", "union_name": ""}]
    ambiguous.save(update_fields=["candidates"])
    worker = personas.worker.person  # 张伟 is a member of 甲公司工会委员会 already
    member.name, member.id_number = "张伟", worker.id_number
    member.save(update_fields=["name", "id_number"])
    done = rows.applications(tree, 1, start=10, status=JoinApplication.Status.APPROVED)[0]
    before = Membership.objects.count()

    response = console(personas.county_cadre).post(
        LIST, select(good, other_good, ambiguous, member, done, confirm="1"), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert sorted(messages_of(response)) == sorted([
        "申***（某单位）未通过：申请填写的单位名称匹配到多家单位，请逐件审核并确认所在单位",
        "张*（某单位）未通过：该职工已是在册会员，不能重复入会",
        "申****（某单位）未通过：当前状态为“已通过”，不能执行“通过”",
        "已通过 2 件入会申请，已为申请人发放会员卡号并通知本人",
    ])
    statuses = dict(JoinApplication.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in (good, other_good, ambiguous, member, done)] == [
        "approved", "approved", "pending", "pending", "approved"]
    assert Membership.objects.count() == before + 2
    approvals = AuditEvent.objects.filter(action="members.join_application.approve")
    assert sorted((e.target_id, e.actor_id) for e in approvals) == sorted(
        (str(a.pk), personas.county_cadre.pk) for a in (good, other_good))


def test_only_reviewers_are_offered_the_batch(tree, personas, console):
    from tests.members.conftest import cadre

    from smartunion.orgs.models import Position

    rows.applications(tree, 1)
    assert 'value="approve_selected"' in console(personas.county_cadre).get(LIST).content.decode()
    editor = cadre("town_editor", tree.lixia_town, Position.Role.EDITOR)
    assert 'value="approve_selected"' not in console(editor).get(LIST).content.decode()
