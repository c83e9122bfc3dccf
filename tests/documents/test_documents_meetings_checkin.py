"""Sign-in by the meeting's QR: an HMAC token valid from an hour before the start to the end; a wrong token is not
found; the second scan says 已签到 and changes nothing; an org's cadre signs in on the org's notice."""

from __future__ import annotations

import pytest
from tests.documents.meetings_rows import at, book, freeze, make_office

from smartunion.core.errors import Forbidden, NotFound, StateError
from smartunion.core.models import AuditEvent
from smartunion.documents.models import Invitation
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(tree, personas):
    office = make_office(tree, personas)
    return book(personas.province_admin, office.big, at(5, 9), at(5, 11), user_ids=[personas.county_cadre.pk],
                org_ids=[tree.jinan.pk])


def test_token_is_derived_from_the_secret(meeting):
    token = services.checkin_token(meeting)
    head, digest = token.split(".")
    assert (head, len(digest)) == (str(meeting.pk), 32)
    assert services.meeting_of_token(token) == meeting
    for wrong in (f"{meeting.pk}.{'0' * 32}", f"{meeting.pk + 1}.{digest}", "abc", "", f"{meeting.pk}"):
        with pytest.raises(NotFound) as caught:
            services.meeting_of_token(wrong)
        assert caught.value.message == "签到码无效"


@pytest.mark.parametrize(("now", "message"), [
    ((5, 7, 59), "签到尚未开始（"),
    ((5, 11, 1), "会议已结束，签到已关闭"),
])
def test_outside_the_window_is_refused(personas, meeting, monkeypatch, now, message):
    freeze(monkeypatch, at(*now))
    with pytest.raises(StateError) as caught:
        services.sign_in(by=personas.county_cadre, token=services.checkin_token(meeting))
    assert caught.value.message.startswith(message)
    assert Invitation.objects.filter(signed_in_at__isnull=False).count() == 0


@pytest.mark.parametrize("now", [(5, 8, 0), (5, 10, 0), (5, 11, 0)])
def test_inside_the_window_signs_in_once(personas, meeting, monkeypatch, now):
    freeze(monkeypatch, at(*now))
    token = services.checkin_token(meeting)
    first = services.sign_in(by=personas.county_cadre, token=token)
    assert (first.already, first.invitation.signed_in_at) == (False, at(*now))
    assert first.message == f"签到成功（{now[1]:02d}:{now[2]:02d}）"
    freeze(monkeypatch, at(5, 11))
    again = services.sign_in(by=personas.county_cadre, token=token)
    assert (again.already, again.invitation.signed_in_at) == (True, at(*now))
    assert again.message == f"已签到（{now[1]:02d}:{now[2]:02d}）"
    assert AuditEvent.objects.filter(action="documents.invitation.sign_in").count() == 1


def test_org_cadre_signs_in_on_the_orgs_notice_and_strangers_are_refused(tree, personas, meeting, monkeypatch):
    freeze(monkeypatch, at(5, 9))
    token = services.checkin_token(meeting)
    signed = services.sign_in(by=personas.city_cadre, token=token)
    assert signed.invitation.org_id == tree.jinan.pk
    with pytest.raises(Forbidden) as caught:
        services.sign_in(by=personas.other_city_cadre, token=token)
    assert caught.value.message == "您不在本次会议的参会名单中"


def test_cancelled_meeting_takes_no_sign_in(personas, meeting, monkeypatch):
    token = services.checkin_token(meeting)
    services.cancel(meeting, by=personas.province_admin)
    freeze(monkeypatch, at(5, 9))
    with pytest.raises(StateError) as caught:
        services.sign_in(by=personas.county_cadre, token=token)
    assert caught.value.message == "会议已取消"


def test_organiser_marks_present_by_hand(tree, personas, meeting, monkeypatch):
    mine = Invitation.objects.get(meeting=meeting, user=personas.county_cadre)
    with pytest.raises(StateError) as caught:
        services.mark_present(mine, by=personas.province_admin)
    assert caught.value.message == "签到尚未开始，不能补签"
    freeze(monkeypatch, at(5, 9, 30))
    with pytest.raises(Forbidden):
        services.mark_present(mine, by=personas.county_cadre)
    first = services.mark_present(mine, by=personas.province_admin)
    assert (first.already, first.invitation.signed_in_at) == (False, at(5, 9, 30))
    assert services.mark_present(mine, by=personas.province_admin).already is True
    freeze(monkeypatch, at(6, 9))  # after the end: recorded at the start
    org = Invitation.objects.get(meeting=meeting, org=tree.jinan)
    assert services.mark_present(org, by=personas.province_admin).invitation.signed_in_at == at(5, 9)
    assert AuditEvent.objects.filter(action="documents.invitation.mark_present").count() == 2
