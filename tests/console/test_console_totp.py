"""The cadre's own TOTP enrolment page in the console."""

import pyotp
import pytest
from django.urls import reverse

from smartunion.accounts.models import User
from smartunion.accounts.services import LoginError, authenticate_login

PASSWORD = "correct-horse-42"  # tests/conftest.py


@pytest.fixture
def url():
    return reverse("console:totp")


def test_page_opens_for_a_cadre(url, personas, console):
    response = console(personas.county_cadre).get(url)
    assert response.status_code == 200
    assert response.context["title"] == "动态口令（双因素认证）"
    assert (response.context["enabled"], response.context["qr"], response.context["secret"]) == (False, None, "")
    assert "开始绑定" in response.content.decode()


def test_enrolment_shows_the_secret_once_and_confirms(url, personas, console, messages_of):
    client = console(personas.county_cadre)
    begun = client.post(url, {"action": "begin"})
    secret = User.objects.get(pk=personas.county_cadre.pk).totp_pending
    assert begun.context["secret"] == secret and len(secret) == 32
    assert f'<p class="mb-4 font-mono" id="totp-secret">{secret}</p>' in begun.content.decode()
    assert "<svg" in begun.content.decode()
    confirmed = client.post(url, {"action": "confirm", "code": pyotp.TOTP(secret).now()}, follow=True)
    assert confirmed.redirect_chain == [(url, 302)]
    assert messages_of(confirmed) == ["动态口令已启用，下次登录时需要输入"]
    assert User.objects.get(pk=personas.county_cadre.pk).totp_enabled is True
    assert secret not in confirmed.content.decode()
    with pytest.raises(LoginError) as exc:
        authenticate_login(login="county_cadre", password=PASSWORD)
    assert exc.value.message == "请输入动态口令"


def test_wrong_confirmation_code_is_refused(url, personas, console, messages_of):
    client = console(personas.county_cadre)
    client.post(url, {"action": "begin"})
    secret = User.objects.get(pk=personas.county_cadre.pk).totp_pending
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 500000) % 1000000:06d}"
    response = client.post(url, {"action": "confirm", "code": wrong})
    assert response.status_code == 200
    assert messages_of(response) == ["动态口令错误，请重试"]
    assert User.objects.get(pk=personas.county_cadre.pk).totp_enabled is False


def test_rebinding_keeps_the_second_factor_until_confirmed(url, personas, console):
    client = console(personas.county_cadre)
    client.post(url, {"action": "begin"})
    secret = User.objects.get(pk=personas.county_cadre.pk).totp_pending
    client.post(url, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    client.post(url, {"action": "begin"})  # re-bind, then walk away
    with pytest.raises(LoginError) as exc:
        authenticate_login(login="county_cadre", password=PASSWORD)
    assert exc.value.message == "请输入动态口令"


def test_worker_is_sent_to_the_login_page(url, personas, console):
    response = console(personas.worker).post(url, {"action": "begin"})
    assert (response.status_code, response.url) == (302, f"/console/login/?next={url}")
    assert User.objects.get(pk=personas.worker.pk).totp_secret == ""
