"""Every portal view that takes `next` follows it on this site only: an address on another host, scheme-relative,
with a backslash a browser reads as a slash, or of another scheme sends to the view's default page instead."""

from __future__ import annotations

import re

import pytest
from tests.conftest import OFF_SITE, PASSWORD

from smartunion.core.models import OutboxMessage


def code_sent() -> str:
    return re.search(r"验证码是(\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body).group(1)


@pytest.mark.parametrize("target", OFF_SITE)
def test_password_login_refuses_an_off_site_next(client, personas, target):
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD, "next": target})

    assert (response.status_code, response["Location"]) == (302, "/me/")
    assert client.session["_auth_user_id"] == str(personas.worker.pk)


@pytest.mark.parametrize("target", OFF_SITE)
def test_password_login_refuses_an_off_site_next_in_the_address(client, personas, target):
    response = client.post("/login/", {"phone": "13900000001", "password": PASSWORD}, query_params={"next": target})

    assert (response.status_code, response["Location"]) == (302, "/me/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_sms_login_refuses_an_off_site_next(client, personas, target):
    client.post("/sms-code/", {"phone": "13900000001", "purpose": "login"})
    response = client.post("/login/sms/", {"phone": "13900000001", "code": code_sent()}, query_params={"next": target})

    assert (response.status_code, response["Location"]) == (302, "/me/")
    assert client.session["_auth_user_id"] == str(personas.worker.pk)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_login_page_does_not_carry_an_off_site_next(client, db, target):
    password = client.get("/login/", query_params={"next": target})
    sms = client.get("/login/", query_params={"by": "sms", "next": target})

    assert (password.status_code, password.context["next"]) == (200, "")
    assert (sms.status_code, sms.context["next"]) == (200, "")
    assert "evil" not in password.content.decode() + sms.content.decode()


@pytest.mark.parametrize("target", OFF_SITE)
def test_asking_for_a_code_does_not_pass_an_off_site_next_on(client, personas, target):
    response = client.post("/sms-code/", {"phone": "13900000001", "purpose": "login", "next": target})

    assert (response.status_code, response["Location"]) == (302, "/login/?by=sms")


@pytest.mark.parametrize("target", OFF_SITE)
def test_unlock_refuses_an_off_site_next(client, personas, target):
    client.post("/sms-code/", {"phone": "worker", "purpose": "unlock"})
    response = client.post("/unlock/", {"login": "worker", "code": code_sent(), "next": target})

    assert (response.status_code, response["Location"]) == (302, "/login/")


def test_a_next_on_the_site_is_followed_by_each_view(client, personas):
    """The same views follow a path of this site, so the refusals above are about the address, not the view."""
    password = client.post("/login/", {"phone": "13900000001", "password": PASSWORD, "next": "/notices/"})
    client.post("/logout/")
    asked = client.post("/sms-code/", {"phone": "13900000001", "purpose": "login", "next": "/notices/"})
    sms = client.post("/login/sms/", {"phone": "13900000001", "code": code_sent()}, query_params={"next": "/notices/"})

    assert [(r.status_code, r["Location"]) for r in (password, asked, sms)] == [
        (302, "/notices/"), (302, "/login/?by=sms&next=%2Fnotices%2F"), (302, "/notices/")]
