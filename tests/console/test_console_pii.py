"""Personal data in the console: masked by default, revealed only on purpose, audited, and only in scope."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from tests.conftest import make_user
from tests.members.test_roster import upload as roster_upload

from smartunion.accounts.models import User
from smartunion.console.site import console_site
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.notifications import queue_sms
from smartunion.core.validators import make_id_number
from smartunion.members import roster
from smartunion.members.models import RosterImport, Transfer
from smartunion.members.services import join_apply, person_upsert, transfer_request
from smartunion.orgs.services import org_update

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

    membership_end(Membership.objects.get(person=zhang), reason="离职", by=SYSTEM)
    cl = console(personas.county_cadre).get(PERSON_LIST).context["cl"]
    assert list(cl.result_list) == []


# Every page of the console, as a platform operator, with personal data seeded everywhere it can be ----------------

APPLICANT_ID = make_id_number("370102", dt.date(1995, 6, 1), 31)
CLEAR = {
    "worker ID number": "370102199003071238",
    "worker phone": "13900000001",
    "worker address": "山东省济南市历下区泉城路188号",
    "applicant ID number": APPLICANT_ID,
    "applicant phone": "13800001111",
    "applicant address": "济南市历下区文化东路66号",
    "org contact phone": "13700001111",
    "cadre phone": "13600001111",
    "merchant contact phone": "13500002222",
    "sms recipient": "13500001111",
    "case caller phone": "13500003333",
    "legal-aid applicant phone": "13500004444",
    "lawyer phone": "13500005555",
    "bank account": "6222020200112233445",
}


@pytest.fixture
def seeded(tree, personas, settings, tmp_path):
    """Personal data in every place the console could show it."""
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker = personas.worker.person
    person_upsert(name="张伟", id_number=worker.id_number, address=CLEAR["worker address"], by=SYSTEM)
    org_update(tree.grassroots, contact_phone=CLEAR["org contact phone"], by=SYSTEM)
    application, _ = join_apply(name="李娜", id_number=APPLICANT_ID, phone=CLEAR["applicant phone"],
                                address=CLEAR["applicant address"], employer_name="济南新开张科技有限公司",
                                work_region="370102", by=SYSTEM)
    transfer_request(membership=worker.memberships.get(status="active"), by=personas.worker,
                     to_union=tree.qd_grassroots)
    User.objects.filter(pk=personas.county_cadre.pk).update(phone=CLEAR["cadre phone"])
    personas.county_cadre.refresh_from_db()
    personas.county_cadre.save()  # the phone's blind index
    queue_sms(phone=CLEAR["sms recipient"], body="您的验证码是 123456")
    roster.create_job(union=tree.grassroots, upload=roster_upload(), by=personas.grassroots_cadre)
    # Benefits: a merchant's contact phone, the worker's coupon and sign-up.
    from tests.benefits.conftest import coupon_activity
    from tests.benefits.test_signups import signup_activity

    from smartunion.benefits.services.coupons import claim_coupon
    from smartunion.benefits.services.merchants import create_merchant
    from smartunion.benefits.services.signups import sign_up

    create_merchant(by=SYSTEM, org=tree.jinan, name="泉城超市", contact_phone=CLEAR["merchant contact phone"])
    claim_coupon(coupon_activity(tree.jinan), by=personas.worker)
    sign_up(signup_activity(tree.jinan), by=personas.worker)
    # 维权帮扶: a hotline call, a legal-aid application with a lawyer, a hardship file and an application with a bank
    # account.
    from tests.assistance.conftest import make_aid

    from smartunion.assistance.services.applications import submit_application
    from smartunion.cases.services.intake import file_case
    from smartunion.cases.services.legal_aid import apply_for_legal_aid, create_lawyer

    file_case(by=personas.county_cadre, channel="hotline", kind="complaint", category="wages",
              description="公司拖欠三个月工资，请求帮助。", region="370102", contact_name="王强",
              phone=CLEAR["case caller phone"], employer_name="济南甲科技有限公司")
    apply_for_legal_aid(by=personas.worker, name="张伟", phone=CLEAR["legal-aid applicant phone"],
                        employer_name="济南甲科技有限公司", region="370102", dispute_type="wages",
                        dispute_summary="被拖欠工资两万元，协商无果。")
    create_lawyer(by=SYSTEM, org=tree.jinan, name="李律师", firm="泉城律师事务所", license_number="13701201910001234",
                  phone=CLEAR["lawyer phone"])
    aid = make_aid(tree, personas)
    submit_application(aid.programme, by=personas.worker, bank_name="中国工商银行",
                       bank_account=CLEAR["bank account"], account_holder="张伟")
    return SimpleNamespace(application=application)


def console_urls(client, operator) -> list[str]:
    """Every list page of the console and the change pages of its first ten rows (the seeded data is in them)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/console/")
    request.user = operator
    urls = [reverse("console:index"), reverse("console:totp")]
    for model, model_admin in console_site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("console:{}_{}_changelist".format(*info)))
        for pk in model_admin.get_queryset(request).order_by("pk").values_list("pk", flat=True)[:10]:
            urls.append(reverse("console:{}_{}_change".format(*info), args=[pk]))
    return urls


EXPECTED_PAGES = 134


def test_no_page_of_the_console_shows_an_id_number_phone_or_address_in_clear(seeded, tree, personas, console):
    operator = make_user("operator", is_superuser=True)
    client = console(operator)
    urls = console_urls(client, operator)
    urls += [
        reverse("console:members_person_reveal", args=[personas.worker.person_id]),  # before a reason is given
        reverse("console:members_joinapplication_review", args=[seeded.application.pk]),
        reverse("console:members_transfer_act", args=[Transfer.objects.get().pk]),
        reverse("console:members_rosterimport_progress", args=[RosterImport.objects.get().pk]),
        reverse("console:orgs_organisation_poster", args=[tree.grassroots.pk]),
    ]
    # Every list of the console (and the TOTP page) is visited; with the index, the change pages of the lists' first
    # rows (an activity's goes on to its detail page, a case's to its handling page) and the five pages above.
    assert sorted(u for u in urls if u.count("/") == 4) == [
        "/console/accounts/user/", "/console/assistance/application/", "/console/assistance/hardshipfile/",
        "/console/assistance/livingstandard/", "/console/assistance/payment/", "/console/assistance/programme/",
        "/console/benefits/activity/", "/console/benefits/coupon/",
        "/console/benefits/merchant/", "/console/benefits/signup/", "/console/cases/case/",
        "/console/cases/counsellor/", "/console/cases/deadlinerule/", "/console/cases/lawyer/",
        "/console/cases/legalaidapplication/", "/console/core/auditevent/", "/console/core/holidayschedule/",
        "/console/core/outboxmessage/", "/console/documents/actionitem/", "/console/documents/approvalform/",
        "/console/documents/approvalrequest/", "/console/documents/department/", "/console/documents/exchange/",
        "/console/documents/incomingdocument/", "/console/documents/inforeport/", "/console/documents/invitation/",
        "/console/documents/meeting/", "/console/documents/numberingrule/", "/console/documents/outgoingdocument/",
        "/console/documents/reportscore/", "/console/documents/room/", "/console/editorial/article/",
        "/console/editorial/articlecomment/", "/console/editorial/channel/", "/console/editorial/feedsource/",
        "/console/editorial/poolitem/", "/console/editorial/sensitiveword/", "/console/editorial/watchhit/",
        "/console/editorial/watchrule/", "/console/insight/apikey/", "/console/insight/assessmentscheme/",
        "/console/insight/clientprofile/", "/console/insight/companyrecord/", "/console/insight/figure/",
        "/console/insight/matchcandidate/", "/console/insight/registryimport/", "/console/insight/tagrule/",
        "/console/insight/webhook/", "/console/insight/webhookdelivery/", "/console/members/joinapplication/",
        "/console/members/membership/",
        "/console/members/person/", "/console/members/rosterimport/", "/console/members/transfer/",
        "/console/orgs/employer/", "/console/orgs/organisation/", "/console/orgs/position/", "/console/orgs/region/",
        "/console/security/totp/", "/console/subsites/subsite/"]
    assert len(urls) == EXPECTED_PAGES
    leaks = []
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        leaks += [(url, label) for label, value in CLEAR.items() if value in html]
    assert leaks == []
    # The masked forms are there instead.
    html = client.get(reverse("console:orgs_organisation_change", args=[tree.grassroots.pk])).content.decode()
    assert "137****1111" in html


# The org contact phone: masked, replaced by typing, kept when left blank ----------------------------------------


def org_form_data(client, org) -> dict:
    """What the change form posts back when nothing is typed."""
    form = client.get(reverse("console:orgs_organisation_change", args=[org.pk])).context["adminform"].form
    return {"_save": "1", **{name: form[name].value() for name in form.fields if form[name].value() is not None}}


@pytest.fixture
def org_with_phone(tree):
    org_update(tree.lixia_town, contact_phone="13700001111", by=SYSTEM)
    return tree.lixia_town


def stored_phone(org):
    return type(org).objects.get(pk=org.pk).contact_phone


def test_the_contact_phone_is_shown_masked_with_an_empty_replace_input(org_with_phone, personas, console):
    html = console(personas.county_cadre).get(
        reverse("console:orgs_organisation_change", args=[org_with_phone.pk])).content.decode()
    assert "13700001111" not in html
    assert '<p class="text-sm" id="id_contact_phone_current">当前：137****1111</p>' in html
    tag = re.search(r'<input type="text" name="contact_phone"[^>]*>', html).group()
    assert "value=" not in tag and 'placeholder="留空则保持不变；填写则替换"' in tag
    assert 'name="contact_phone__clear"' in html


def test_a_blank_replace_input_keeps_the_phone(org_with_phone, personas, console):
    client = console(personas.county_cadre)
    data = org_form_data(client, org_with_phone)
    assert "contact_phone" not in data
    client.post(reverse("console:orgs_organisation_change", args=[org_with_phone.pk]),
                {**data, "contact_name": "王主席"}, follow=True)
    org = type(org_with_phone).objects.get(pk=org_with_phone.pk)
    assert (org.contact_name, org.contact_phone) == ("王主席", "13700001111")
    assert AuditEvent.objects.filter(action="orgs.organisation.update").latest("id").data == {
        "fields": ["contact_name"]}


def test_a_typed_phone_replaces_the_stored_one(org_with_phone, personas, console):
    client = console(personas.county_cadre)
    response = client.post(reverse("console:orgs_organisation_change", args=[org_with_phone.pk]),
                           {**org_form_data(client, org_with_phone), "contact_phone": " 13711112222 "}, follow=True)
    assert response.status_code == 200
    assert stored_phone(org_with_phone) == "13711112222"
    assert AuditEvent.objects.filter(action="orgs.organisation.update").latest("id").data == {
        "fields": ["contact_phone"]}
    assert "13711112222" not in response.content.decode()


def test_a_bad_phone_is_refused_on_the_field_and_not_echoed(org_with_phone, personas, console):
    client = console(personas.county_cadre)
    response = client.post(reverse("console:orgs_organisation_change", args=[org_with_phone.pk]),
                           {**org_form_data(client, org_with_phone), "contact_phone": "1371111"})
    errors = response.context["adminform"].form.errors
    assert errors == {"contact_phone": ["手机号码格式不正确，应为11位中国大陆手机号"]}
    assert "1371111" not in response.content.decode()
    assert stored_phone(org_with_phone) == "13700001111"


def test_the_clear_box_removes_the_phone(org_with_phone, personas, console):
    client = console(personas.county_cadre)
    client.post(reverse("console:orgs_organisation_change", args=[org_with_phone.pk]),
                {**org_form_data(client, org_with_phone), "contact_phone__clear": "1"}, follow=True)
    assert stored_phone(org_with_phone) == ""
