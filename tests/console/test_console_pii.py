"""Personal data in the console: masked by default, revealed only on purpose, audited, and only in scope."""

import pytest
from django.urls import reverse

from smartunion.core.models import AuditEvent

PERSON_LIST = reverse("console:members_person_changelist")


@pytest.fixture
def zhang(personas):
    return personas.worker.person


def test_changelist_shows_masked_id_numbers_and_phones(zhang, personas, console):
    response = console(personas.county_cadre).get(PERSON_LIST)
    html = response.content.decode()
    assert zhang.id_number == "370102199003071238"
    assert "3701**********1238" in html
    assert "139****0001" in html
    assert "张*" in html
    for plain in ("370102199003071238", "13900000001", "张伟"):
        assert plain not in html


def test_change_page_is_masked_and_links_to_the_reveal(zhang, personas, console):
    response = console(personas.county_cadre).get(reverse("console:members_person_change", args=[zhang.pk]))
    html = response.content.decode()
    assert "3701**********1238" in html and "139****0001" in html
    assert "370102199003071238" not in html and "13900000001" not in html
    assert f'href="/console/members/person/{zhang.pk}/reveal/"' in html
    assert "查看完整信息（将记录审计日志）" in html


def test_reveal_page_asks_for_a_reason_and_shows_nothing(zhang, personas, console):
    url = reverse("console:members_person_reveal", args=[zhang.pk])
    assert url == f"/console/members/person/{zhang.pk}/reveal/"
    response = console(personas.county_cadre).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "查看原因" in html
    for plain in ("370102199003071238", "13900000001", "张伟"):
        assert plain not in html
    assert not AuditEvent.objects.filter(action="members.person.reveal").exists()


def test_reveal_with_a_reason_shows_everything_and_is_audited(zhang, tree, personas, console):
    url = reverse("console:members_person_reveal", args=[zhang.pk])
    response = console(personas.county_cadre).post(url, {"reason": "核对会籍信息"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dd class=\"mb-2\">370102199003071238</dd>" in html
    assert "<dd class=\"mb-2\">13900000001</dd>" in html
    assert "<dd class=\"mb-2\">张伟</dd>" in html
    assert "本次查看已记录到审计日志。" in html
    event = AuditEvent.objects.get(action="members.person.reveal")
    assert (event.actor_id, event.actor_label, event.target_type, event.target_id, event.target_label,
            event.org_id, event.data, event.ip) == (
        personas.county_cadre.pk, "county_cadre", "members.person", str(zhang.pk), "张*", tree.grassroots.pk,
        {"fields": ["id_number", "phone", "address"], "reason": "核对会籍信息"}, "127.0.0.1")


def test_reveal_event_shows_up_in_the_superior_audit_log(zhang, personas, console):
    console(personas.grassroots_cadre).post(reverse("console:members_person_reveal", args=[zhang.pk]),
                                            {"reason": "会员回访"})
    cl = console(personas.city_cadre).get(reverse("console:core_auditevent_changelist") +
                                          "?q=members.person.reveal").context["cl"]
    assert [(e.action, e.actor_label) for e in cl.result_list] == [("members.person.reveal", "grassroots_cadre")]
    other = console(personas.other_city_cadre).get(reverse("console:core_auditevent_changelist") +
                                                   "?q=members.person.reveal").context["cl"]
    assert list(other.result_list) == []


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reveal_without_a_reason_is_refused(reason, zhang, personas, console, messages_of):
    data = {} if reason is None else {"reason": reason}
    response = console(personas.county_cadre).post(reverse("console:members_person_reveal", args=[zhang.pk]), data)
    assert response.status_code == 200
    assert messages_of(response) == ["请填写查看原因"]
    html = response.content.decode()
    assert "370102199003071238" not in html and "13900000001" not in html
    assert not AuditEvent.objects.filter(action="members.person.reveal").exists()


def test_reveal_reason_is_trimmed_and_capped(zhang, personas, console):
    console(personas.county_cadre).post(reverse("console:members_person_reveal", args=[zhang.pk]),
                                        {"reason": "  " + "查" * 250 + "  "})
    assert AuditEvent.objects.get(action="members.person.reveal").data["reason"] == "查" * 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_reveal_out_of_scope_looks_like_a_missing_person(method, zhang, qd_member, personas, console,
                                                         messages_of):
    client = console(personas.city_cadre)
    send = getattr(client, method)
    hidden = send(reverse("console:members_person_reveal", args=[qd_member.pk]), {"reason": "好奇"}, follow=True)
    absent = send(reverse("console:members_person_reveal", args=[987654]), {"reason": "好奇"}, follow=True)
    assert hidden.redirect_chain == absent.redirect_chain == [("/console/", 302)]
    assert messages_of(hidden) == [f"ID为“{qd_member.pk}”的职工不存在。也许它已被删除？"]
    assert messages_of(absent) == ["ID为“987654”的职工不存在。也许它已被删除？"]
    html = hidden.content.decode()
    assert qd_member.id_number not in html and "13700000002" not in html and "李娜" not in html
    assert not AuditEvent.objects.filter(action="members.person.reveal").exists()


def test_reveal_for_a_worker_goes_to_the_login_page(zhang, personas, console):
    url = reverse("console:members_person_reveal", args=[zhang.pk])
    response = console(personas.worker).post(url, {"reason": "x"})
    assert (response.status_code, response.url) == (302, f"/console/login/?next={url}")
    assert not AuditEvent.objects.filter(action="members.person.reveal").exists()


def test_person_whose_membership_ended_drops_out_of_scope(zhang, tree, personas, console):
    from smartunion.members.models import Membership
    from smartunion.members.services import membership_end

    membership_end(Membership.objects.get(person=zhang), reason="离职")
    cl = console(personas.county_cadre).get(PERSON_LIST).context["cl"]
    assert list(cl.result_list) == []
