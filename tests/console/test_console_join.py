"""Console join pages (issue 6): 代为申请入会 from the review queue (a cadre act, recorded as such), the filer shown
in the detail and on the review page, and forward targets: a missing org and one out of scope are the same
invalid choice, while the township union the application may go back to is offered."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.members.conftest import cadre, join_values

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.members.models import JoinApplication
from smartunion.members.services import join_apply
from smartunion.orgs.models import Organisation, Position, Region

pytestmark = pytest.mark.django_db

LIST = "/console/members/joinapplication/"
ON_BEHALF = LIST + "on-behalf/"


@pytest.fixture
def town(tree):
    region = Region.objects.create(code="370102001", name="解放路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


def form_values(**overrides) -> dict:
    values = {**join_values(1), "employer_credit_code": "", "employment_form": "", "gig_platform": "",
              "education": "", "political_status": "", "ethnicity": "", "address": ""}
    values.update(overrides)
    return values


def test_urls():
    assert reverse("console:members_joinapplication_on_behalf") == ON_BEHALF


def test_the_queue_links_to_the_on_behalf_page_for_reviewers_only(tree, personas, console):
    page = console(personas.county_cadre).get(LIST).content.decode()
    assert f'href="{ON_BEHALF}" id="on-behalf-link"' in page
    assert ">代为申请入会</a>" in page
    editor = cadre("town_editor", tree.lixia_town, Position.Role.EDITOR)
    assert "on-behalf-link" not in console(editor).get(LIST).content.decode()
    assert console(editor).get(ON_BEHALF).status_code == 403


def test_the_form_has_chinese_labels(tree, personas, console, town):
    response = console(personas.county_cadre).get(ON_BEHALF)
    assert response.status_code == 200
    labels = [field.label for field in response.context["form"]]
    assert labels == ["姓名", "身份证号码", "手机号码", "工作单位", "工作地区", "单位统一社会信用代码（选填）",
                      "用工形式", "服务平台（外卖、快递、网约车等，选填）", "学历", "政治面貌", "民族", "住址（选填）"]
    page = response.content.decode()
    assert "<h1 class=\"font-semibold text-lg mb-4\">代为申请入会</h1>" in page
    assert "source_token" not in page
    # The work region is the cascader down to townships, not a select of every county and township.
    assert 'class="su-cascader"' in page and 'data-deepest="township"' in page
    assert '<select name="work_region"' not in page


def test_errors_are_shown_on_their_fields_and_nothing_is_written(tree, personas, console, town):
    response = console(personas.county_cadre).post(ON_BEHALF, form_values(
        name="", id_number=join_values(1)["id_number"][:-1] + "0", phone="123", ethnicity="99"))
    assert response.status_code == 200
    form = response.context["form"]
    assert {field: errors[0] for field, errors in form.errors.items()} == {
        "name": "这个字段是必填项。",
        "ethnicity": "选择一个有效的选项。 99 不在可用的选项中。",
    }
    response = console(personas.county_cadre).post(ON_BEHALF, form_values(
        id_number=join_values(1)["id_number"][:-1] + ("0" if join_values(1)["id_number"][-1] != "0" else "1"),
        phone="123"))
    form = response.context["form"]
    assert {field: errors[0] for field, errors in form.errors.items()} == {
        "id_number": "身份证号码校验位错误", "phone": "手机号码格式不正确，应为11位中国大陆手机号"}
    page = response.content.decode()
    assert '<p class="text-red-600">身份证号码校验位错误</p>' in page
    assert (JoinApplication.objects.count(), AuditEvent.objects.filter(
        action__startswith="members.join_application").count()) == (0, 0)


def test_a_cadre_files_on_behalf_and_the_detail_shows_it(tree, personas, console, town, messages_of):
    client = console(personas.county_cadre)
    response = client.post(ON_BEHALF, form_values(education="21", address="历下区解放路1号"), follow=True)
    application = JoinApplication.objects.get()
    assert response.redirect_chain == [(f"{LIST}{application.pk}/change/", 302)]
    assert messages_of(response) == ["已代为提交入会申请，由“历下区解放路街道工会”受理"]
    assert (application.applicant, application.submitted_by, application.union, application.education,
            application.address) == (None, personas.county_cadre, tree.lixia_town, "21", "历下区解放路1号")
    event = AuditEvent.objects.get(target_type="members.joinapplication")
    assert (event.action, event.actor) == ("members.join_application.submit_on_behalf", personas.county_cadre)
    page = response.content.decode()
    assert "提交方式" in page and "工会干部代为申请（经办人：county_cadre）" in page
    review = client.get(f"{LIST}{application.pk}/review/").content.decode()
    assert '<td id="filed-by">工会干部代为申请（经办人：county_cadre）</td>' in review


def test_a_workers_own_application_shows_as_such(tree, personas, console, town):
    application, _ = join_apply(by=personas.outsider, **join_values(1, phone="13900000009"))
    page = console(personas.county_cadre).get(f"{LIST}{application.pk}/change/").content.decode()
    assert "本人网上申请" in page and "代为申请（经办人" not in page
    assert 'id="filed-by"' not in console(personas.county_cadre).get(f"{LIST}{application.pk}/review/").content.decode()


def test_on_behalf_for_a_member_or_someone_pending_elsewhere(tree, personas, console, town, messages_of):
    member_id = personas.worker.person.id_number
    response = console(personas.county_cadre).post(ON_BEHALF, form_values(id_number=member_id, name="张伟"))
    assert response.context["form"].errors == {
        "id_number": ["该职工已是在册会员，无需重复入会；如需变更所在工会，请办理会籍转移"]}
    application, _ = join_apply(by=personas.outsider, **join_values(1, phone="13900000009"))
    outside = console(personas.other_city_cadre).post(ON_BEHALF, form_values(), follow=True)
    assert outside.redirect_chain == [(LIST, 302)]
    assert messages_of(outside) == ["该职工已有一份正在审核的入会申请，无需重复提交，请等待受理工会审核"]
    inside = console(personas.county_cadre).post(ON_BEHALF, form_values(), follow=True)
    assert inside.redirect_chain == [(f"{LIST}{application.pk}/change/", 302)]
    assert messages_of(inside) == ["该职工已有一份正在审核的入会申请，由“历下区解放路街道工会”受理"]
    assert JoinApplication.objects.count() == 1


# Forward targets ---------------------------------------------------------------------------------------------------


def forward_errors(client, application, to):
    response = client.post(f"{LIST}{application.pk}/review/", {"action": "forward", "to": to})
    assert response.status_code == 200
    return response.context["form"].errors


def test_forward_to_a_missing_or_an_out_of_scope_union_is_the_same_invalid_choice(tree, personas, console, town):
    application, _ = join_apply(by=SYSTEM, **join_values(1))
    client = console(personas.county_cadre)
    missing = Organisation.objects.order_by("-pk").first().pk + 1000
    expected = {"to": ["选择一个有效的选项： 该选择不在可用的选项中。", "请选择转交的工会"]}
    assert forward_errors(client, application, missing) == expected
    for out_of_scope in (tree.qd_grassroots, tree.shinan_town):
        assert forward_errors(client, application, out_of_scope.pk) == expected
    assert JoinApplication.objects.get(pk=application.pk).union == tree.lixia_town


def test_the_grassroots_chair_may_send_it_back_to_the_township_union(tree, personas, console, town, messages_of):
    application, _ = join_apply(by=SYSTEM, **join_values(
        1, employer_name="随便", employer_credit_code=tree.employer.credit_code))
    assert application.union == tree.grassroots
    client = console(personas.grassroots_cadre)
    page = client.get(f"{LIST}{application.pk}/review/")
    choices = [label for _value, label in page.context["form"].fields["to"].choices]
    assert choices == ["请选择要转交的工会", "历下区解放路街道工会"]
    response = client.post(f"{LIST}{application.pk}/review/", {"action": "forward", "to": tree.lixia_town.pk,
                                                                "reason": "非本单位职工"}, follow=True)
    assert messages_of(response) == ["已转交“历下区解放路街道工会”"]
    assert JoinApplication.objects.get(pk=application.pk).union == tree.lixia_town


def test_forward_choices_are_the_review_scope(tree, personas, console, town):
    application, _ = join_apply(by=SYSTEM, **join_values(1))
    page = console(personas.county_cadre).get(f"{LIST}{application.pk}/review/")
    choices = [label for _value, label in page.context["form"].fields["to"].choices]
    assert choices == ["请选择要转交的工会", "甲公司工会委员会"]
    assert re.search(r"<select name=\"to\"", page.content.decode())


def test_a_review_refused_by_the_workflow_is_shown_on_the_form(tree, personas, console, town):
    from smartunion.members.services import reject_join_application

    application, _ = join_apply(by=SYSTEM, **join_values(1))
    page = console(personas.county_cadre).get(f"{LIST}{application.pk}/review/")
    assert page.status_code == 200
    reject_join_application(application, by=personas.county_cadre, reason="材料不全")  # meanwhile, elsewhere
    response = console(personas.county_cadre).post(f"{LIST}{application.pk}/review/", {"action": "approve"})
    assert response.status_code == 200
    form = response.context["form"]
    message = form.non_field_errors()[0]
    assert form.non_field_errors() == [message] and message.startswith("当前状态为“")
    assert f'<p class="text-red-600">{message}</p>' in response.content.decode()
    assert JoinApplication.objects.get(pk=application.pk).status == JoinApplication.Status.REJECTED
