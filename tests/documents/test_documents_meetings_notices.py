"""Notices and receipts (回执): people and orgs invited in one INSERT of in-app notices; a person answers their own
notice, any chair or administrator of an invited org answers the org's; receipts until the deadline."""

from __future__ import annotations

import pytest
from tests.documents.meetings_rows import at, book, freeze, make_office

from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.documents.models import Invitation
from smartunion.documents.queries import meetings as queries
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


@pytest.fixture
def meeting(tree, personas, office):
    return book(personas.province_admin, office.big, at(5, 9), at(5, 11), title="全省工会工作会议",
                reply_due_at=at(4, 17), user_ids=[personas.county_cadre.pk], org_ids=[tree.jinan.pk, tree.qingdao.pk])


def test_notices_reach_people_and_the_orgs_chairs_and_administrators(tree, personas, office, meeting):
    rows = Invitation.objects.filter(meeting=meeting).order_by("pk")
    assert [(i.user_id, i.org_id, i.reply) for i in rows] == [
        (personas.county_cadre.pk, None, "pending"), (None, tree.jinan.pk, "pending"),
        (None, tree.qingdao.pk, "pending")]
    told = OutboxMessage.objects.filter(subject="会议通知：全省工会工作会议").order_by("user_id")
    # 济南: city_cadre (administrator) and jinan_chair; 青岛: other_city_cadre and qingdao_chair
    assert sorted(m.user_id for m in told) == sorted([personas.county_cadre.pk, personas.city_cadre.pk,
                                                      office.jinan_chair.pk, personas.other_city_cadre.pk,
                                                      office.qingdao_chair.pk])
    assert told[0].body.startswith("山东省总工会定于")
    assert told[0].body.endswith("前回执（参加、委派他人参加或请假）。")
    assert AuditEvent.objects.get(action="documents.meeting.notify").data == {"users": 1, "orgs": 2}


def test_adding_invitees_tells_only_the_new_ones(tree, personas, meeting):
    before = OutboxMessage.objects.count()
    added = services.notify(meeting, by=personas.province_admin, user_ids=[personas.county_cadre.pk,
                                                                            personas.grassroots_cadre.pk])
    assert [i.user_id for i in added] == [personas.grassroots_cadre.pk]
    assert OutboxMessage.objects.count() == before + 1
    with pytest.raises(Invalid) as caught:
        services.notify(meeting, by=personas.province_admin, user_ids=[999999])
    assert caught.value.message == "参会人不存在或已停用"


def test_a_city_may_not_invite_orgs_outside_its_subtree(tree, personas, office):
    with pytest.raises(Invalid) as caught:
        book(personas.city_cadre, office.small, at(5, 9), at(5, 10), org_ids=[tree.qingdao.pk])
    assert caught.value.message == "参会单位不存在或不在本单位管辖范围内"


def test_person_replies_attend_delegate_absent(personas, meeting):
    mine = Invitation.objects.get(meeting=meeting, user=personas.county_cadre)
    assert services.reply(mine, by=personas.county_cadre, answer="attend").reply == "attend"
    delegated = services.reply(mine, by=personas.county_cadre, answer="delegate", delegate_name="李明")
    assert (delegated.reply, delegated.delegate_name, delegated.replied_by) == ("delegate", "李明",
                                                                                personas.county_cadre)
    with pytest.raises(Invalid) as caught:
        services.reply(mine, by=personas.county_cadre, answer="absent")
    assert caught.value.message == "请填写请假事由"
    with pytest.raises(Invalid) as caught:
        services.reply(mine, by=personas.county_cadre, answer="delegate")
    assert caught.value.message == "请填写委派人员姓名"
    absent = services.reply(mine, by=personas.county_cadre, answer="absent", reason="出差")
    assert (absent.reply, absent.delegate_name, absent.reason) == ("absent", "", "出差")
    assert AuditEvent.objects.filter(action="documents.invitation.reply").count() == 3


def test_org_notice_is_answered_by_its_cadre_only(tree, personas, office, meeting):
    jinan = Invitation.objects.get(meeting=meeting, org=tree.jinan)
    with pytest.raises(Forbidden) as caught:
        services.reply(jinan, by=personas.other_city_cadre, answer="attend")
    assert caught.value.message == "只能由被邀请人本人或受邀单位的主席、管理员回执"
    with pytest.raises(Forbidden):  # a county cadre below 济南 does not answer for 济南
        services.reply(jinan, by=personas.county_cadre, answer="attend")
    with pytest.raises(Forbidden):  # the province (above) does not answer for 济南 either
        services.reply(jinan, by=personas.province_admin, answer="attend")
    answered = services.reply(jinan, by=office.jinan_chair, answer="delegate", delegate_name="王芳")
    assert (answered.reply, answered.replied_by) == ("delegate", office.jinan_chair)
    # both of 济南's answerers see it among their notices
    assert [i.pk for i in queries.my_invitations(personas.city_cadre)] == [jinan.pk]
    assert [i.pk for i in queries.my_invitations(office.jinan_chair)] == [jinan.pk]


def test_replies_close_at_the_deadline(personas, meeting, monkeypatch):
    mine = Invitation.objects.get(meeting=meeting, user=personas.county_cadre)
    freeze(monkeypatch, at(4, 17))
    services.reply(mine, by=personas.county_cadre, answer="attend")
    freeze(monkeypatch, at(4, 17, 30))
    with pytest.raises(StateError) as caught:
        services.reply(mine, by=personas.county_cadre, answer="absent", reason="临时有事")
    assert caught.value.message.startswith("回执已于") and caught.value.message.endswith("17:00截止")
    assert Invitation.objects.get(pk=mine.pk).reply == "attend"


def test_no_reply_to_a_cancelled_meeting(personas, meeting):
    services.cancel(meeting, by=personas.province_admin)
    mine = Invitation.objects.get(meeting=meeting, user=personas.county_cadre)
    with pytest.raises(StateError) as caught:
        services.reply(mine, by=personas.county_cadre, answer="attend")
    assert caught.value.message == "会议已取消，不能回执"


def test_reply_deadline_after_the_start_is_refused(personas, office):
    with pytest.raises(Invalid) as caught:
        book(personas.province_admin, office.big, at(5, 9), at(5, 10), reply_due_at=at(5, 10))
    assert caught.value.message == "回执截止时间不能晚于会议开始时间"


def test_pending_queue_and_tally(tree, personas, office, meeting):
    assert queries.my_invitations(personas.county_cadre, pending=True).count() == 1
    services.reply(Invitation.objects.get(meeting=meeting, user=personas.county_cadre), by=personas.county_cadre,
                   answer="attend")
    services.reply(Invitation.objects.get(meeting=meeting, org=tree.qingdao), by=office.qingdao_chair,
                   answer="absent", reason="同期召开全市会议")
    assert queries.my_invitations(personas.county_cadre, pending=True).count() == 0
    assert queries.my_invitations(personas.city_cadre, pending=True).count() == 1
    assert queries.tally(meeting) == queries.Tally(invited=3, attend=1, delegate=0, absent=1, pending=1,
                                                   signed_in=0)
