"""The portal's 我要入会 form with real-name binding (issue 6): the account's ID number is prefilled, another one is
refused on the field with the message, and an account whose person is a member is sent to 我的会籍."""

from __future__ import annotations

import pytest
from tests.conftest import console_client, make_user
from tests.members.conftest import join_values

from smartunion.accounts.models import User
from smartunion.members.models import JoinApplication
from smartunion.members.services import (
    IDENTITY_OTHER_PERSON,
    IDENTITY_TAKEN,
    approve_join_application,
    join_apply,
    reject_join_application,
)
from smartunion.orgs.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(tree):
    region = Region.objects.create(code="370102001", name="解放路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


def flash(response):
    return [str(m) for m in response.context["messages"]]


def post(client, sequence, *, follow=False, **overrides):
    return client.post("/join/", {**join_values(sequence, phone="13900000009"), "employer_credit_code": "",
                                  "employment_form": "", "gig_platform": "", "education": "",
                                  "political_status": "", "source_token": "", **overrides}, follow=follow)


def test_another_id_number_from_a_bound_account_is_refused_on_the_field(tree, personas, town, county_reject):
    client = console_client(personas.outsider)
    first = post(client, 1, name="李娜")
    assert (first.status_code, first["Location"]) == (302, "/me/membership/")
    county_reject()  # the account may apply again, but only for itself
    response = post(client, 2, name="王强")
    assert response.status_code == 200
    assert response.context["form"].errors == {"id_number": [IDENTITY_OTHER_PERSON]}
    assert f'<p class="error">{IDENTITY_OTHER_PERSON}</p>' in response.content.decode()
    assert JoinApplication.objects.count() == 1


def test_an_id_number_bound_to_another_account_is_refused_on_the_field(tree, personas, town, newcomer_applied):
    response = post(console_client(personas.outsider), 1)
    assert response.context["form"].errors == {"id_number": [IDENTITY_TAKEN]}
    assert JoinApplication.objects.count() == 1


def test_the_form_offers_the_bound_name_and_id_number(tree, personas, town, county_reject):
    client = console_client(personas.outsider)
    post(client, 1, name="李娜")
    county_reject()
    form = client.get("/join/").context["form"]
    assert (form.initial["name"], form.initial["id_number"]) == ("李娜", join_values(1)["id_number"])


def test_a_member_account_is_sent_to_its_membership_whatever_it_sends(tree, personas, town):
    client = console_client(personas.worker)
    get = client.get("/join/", follow=True)
    assert get.redirect_chain == [("/me/membership/", 302)]
    response = post(client, 3, name="王强", follow=True)
    assert response.redirect_chain == [("/me/membership/", 302)]
    assert flash(response) == ["您已是“甲公司工会委员会”的会员，如需变更所在工会请申请转会。"]
    assert JoinApplication.objects.count() == 0


def test_a_bound_account_made_a_member_on_its_behalf_is_sent_to_its_membership(tree, personas, town):
    client = console_client(personas.outsider)
    post(client, 1)
    application = JoinApplication.objects.get()
    reject_join_application(application, by=personas.county_cadre, reason="请到工会现场办理")
    filed, _ = join_apply(on_behalf=True, by=personas.county_cadre, **join_values(1))
    approve_join_application(filed, by=personas.county_cadre)
    assert client.get("/join/", follow=True).redirect_chain == [("/me/membership/", 302)]


@pytest.fixture
def county_reject(personas):
    def do():
        application = JoinApplication.objects.get(status="pending")
        reject_join_application(application, by=personas.county_cadre, reason="材料不全")

    return do


@pytest.fixture
def newcomer_applied(personas):
    newcomer = make_user("newcomer", kind=User.Kind.WORKER, phone="13800001111")
    return join_apply(by=newcomer, **join_values(1))[0]
