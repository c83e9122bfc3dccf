"""Console log-in: username + password, lockout after five failures (django-axes), TOTP, unlock, and who may not
come in."""

import datetime as dt
import re

import pyotp
import pytest
from axes.models import AccessAttempt
from django.test import Client
from tests.conftest import OFF_SITE, PASSWORD

from smartunion.accounts.models import User
from smartunion.accounts.services import totp_begin, totp_confirm
from smartunion.core.models import AuditEvent

LOGIN = "/console/login/?next=/console/"  # where /console/ sends an anonymous visitor


def errors(response):
    return response.context["form"].non_field_errors()


def attempts():
    return list(AccessAttempt.objects.values_list("username", "failures_since_start"))


def test_anonymous_visitor_is_sent_to_the_login_page(client, personas):
    response = client.get("/console/")
    assert (response.status_code, response.url) == (302, LOGIN)
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert page.context["app_path"] == LOGIN


def test_cadre_logs_in_and_lands_on_the_console(client, personas):
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/console/")
    assert client.session["_auth_user_id"] == str(personas.city_cadre.pk)
    assert client.get("/console/").status_code == 200


def test_login_honours_next_inside_the_console(client, personas):
    response = client.post("/console/login/?next=/console/orgs/organisation/",
                           {"username": "city_cadre", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/console/orgs/organisation/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_ignores_a_next_pointing_off_site(client, personas, target):
    in_address = client.post("/console/login/", {"username": "city_cadre", "password": PASSWORD},
                             query_params={"next": target})
    client.logout()
    in_form = client.post("/console/login/", {"username": "city_cadre", "password": PASSWORD, "next": target})

    assert [(r.status_code, r["Location"]) for r in (in_address, in_form)] == [(302, "/console/"), (302, "/console/")]
    assert client.session["_auth_user_id"] == str(personas.city_cadre.pk)


@pytest.mark.parametrize("target", OFF_SITE)
def test_logout_ignores_a_next_pointing_off_site(client, personas, target):
    """Signed out, the cadre stays on the console's own page that says so."""
    client.force_login(personas.city_cadre, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    response = client.post("/console/logout/", {"next": target})

    assert (response.status_code, response.has_header("Location")) == (200, False)
    assert response.templates[0].name == "registration/logged_out.html"
    assert "_auth_user_id" not in client.session


def test_logout_follows_a_next_inside_the_console(client, personas):
    client.force_login(personas.city_cadre, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    response = client.post("/console/logout/", {"next": "/console/login/"})

    assert (response.status_code, response["Location"]) == (302, "/console/login/")


def test_login_opened_directly_lands_on_the_console(client, personas):
    page = client.get("/console/login/")
    response = client.post(page.context["app_path"], {"username": "city_cadre", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/console/")


def test_login_page_offers_the_totp_field(client, personas):
    html = client.get(LOGIN).content.decode()
    assert 'name="otp"' in html


def test_wrong_password_is_refused_with_the_generic_message(client, personas):
    response = client.post(LOGIN, {"username": "city_cadre", "password": "wrong-password"})
    assert response.status_code == 200
    assert errors(response) == ["用户名或密码错误"]
    assert "_auth_user_id" not in client.session
    assert attempts() == [(f"user:{personas.city_cadre.pk}", 1)]


def test_unknown_user_gets_the_same_message(client, personas):
    response = client.post(LOGIN, {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 200
    assert errors(response) == ["用户名或密码错误"]


def test_five_failures_lock_the_account_for_fifteen_minutes(client, personas):
    for _ in range(5):
        response = client.post(LOGIN, {"username": "city_cadre", "password": "wrong-password"})
        assert errors(response) == ["用户名或密码错误"]
    user = personas.city_cadre
    assert attempts() == [(f"user:{user.pk}", 5)]
    assert AuditEvent.objects.filter(action="accounts.user.lock", target_id=str(user.pk)).count() == 1

    # Locked: even the right password is refused, with the time left (14m59s and a bit -> 15 minutes).
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert response.status_code == 200
    assert errors(response) == ["登录失败次数过多，账号已锁定，请15分钟后再试"]
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多，账号已锁定，请15分钟后再试" in response.content.decode()


def lock(client, username="city_cadre"):
    for _ in range(5):
        client.post(LOGIN, {"username": username, "password": "wrong-password"})


def age_attempts(by):
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - by)


def test_lock_message_counts_the_minutes_left(client, personas):
    lock(client)
    # 7m30s left (less a few ms by the time the form runs) -> 7 whole minutes + 1 = 8.
    age_attempts(dt.timedelta(minutes=7, seconds=30))
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert errors(response) == ["登录失败次数过多，账号已锁定，请8分钟后再试"]

    age_attempts(dt.timedelta(minutes=7, seconds=10))  # 20 s left
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert errors(response) == ["登录失败次数过多，账号已锁定，请1分钟后再试"]


def test_an_expired_lock_lets_the_cadre_in_and_clears_it(client, personas):
    lock(client)
    age_attempts(dt.timedelta(minutes=15, seconds=1))
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/console/")
    assert attempts() == []


def _same_page(response, login):
    """The page with what differs by construction taken out: the CSRF token and the login echoed back."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(f'value="{login}"', 'value=""').encode()


def test_unknown_user_gets_byte_identical_answers_including_the_lock(personas):
    known, unknown = Client(REMOTE_ADDR="10.0.0.7"), Client(REMOTE_ADDR="10.0.0.8")
    for password in ["wrong-password"] * 5 + [PASSWORD]:
        a = known.post(LOGIN, {"username": "city_cadre", "password": password})
        b = unknown.post(LOGIN, {"username": "no_such_cadre", "password": password})
        assert (a.status_code, errors(a)) == (b.status_code, errors(b))
        assert _same_page(a, "city_cadre") == _same_page(b, "no_such_cadre")
    assert errors(b) == ["登录失败次数过多，账号已锁定，请15分钟后再试"]


def test_login_page_links_to_self_service_unlock(client, personas):
    html = client.get(LOGIN).content.decode()
    assert '<a class="text-primary-600" href="/unlock/?next=/console/login/%3Fnext%3D/console/">' in html


def test_a_locked_cadre_unlocks_with_totp_and_logs_in(client, totp_cadre):
    lock(client, "county_cadre")
    response = client.post("/unlock/?next=/console/login/", {
        "login": "county_cadre", "otp": pyotp.TOTP(totp_cadre.totp_secret).now(), "next": "/console/login/"})
    assert (response.status_code, response.url) == (302, "/console/login/")
    assert attempts() == []
    assert AuditEvent.objects.filter(action="accounts.user.unlock", actor=totp_cadre).count() == 1


def test_worker_is_told_the_account_has_no_console_access(client, personas):
    response = client.post(LOGIN, {"username": "worker", "password": PASSWORD})
    assert errors(response) == ["该账号没有管理后台权限"]


def test_worker_with_the_right_password_is_not_let_in(client, personas):
    response = client.post(LOGIN, {"username": "worker", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/console/").status_code == 302


def test_staff_cadre_without_any_position_is_told_there_is_no_console_access(client, tree):
    user = User(username="former_cadre", kind=User.Kind.CADRE, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    response = client.post(LOGIN, {"username": "former_cadre", "password": PASSWORD})
    assert response.status_code == 200
    assert errors(response) == ["该账号没有管理后台权限"]
    assert "_auth_user_id" not in client.session


def test_inactive_cadre_is_refused(client, personas):
    User.objects.filter(pk=personas.city_cadre.pk).update(is_active=False)
    response = client.post(LOGIN, {"username": "city_cadre", "password": PASSWORD})
    assert errors(response) == ["用户名或密码错误"]
    assert "_auth_user_id" not in client.session


@pytest.fixture
def totp_cadre(personas):
    user = personas.county_cadre
    totp_begin(user)
    totp_confirm(user, code=pyotp.TOTP(user.totp_pending).now())
    return user


def test_totp_is_required_once_enabled(client, totp_cadre):
    response = client.post(LOGIN, {"username": "county_cadre", "password": PASSWORD})
    assert response.status_code == 200
    assert errors(response) == ["请输入动态口令"]
    assert "_auth_user_id" not in client.session
    # Asking for the code is not a failed attempt.
    assert attempts() == []


def test_totp_wrong_code_is_refused_and_counted(client, totp_cadre):
    code = pyotp.TOTP(totp_cadre.totp_secret).now()
    wrong = f"{(int(code) + 500000) % 1000000:06d}"
    response = client.post(LOGIN, {"username": "county_cadre", "password": PASSWORD, "otp": wrong})
    assert errors(response) == ["动态口令错误"]
    assert attempts() == [(f"user:{totp_cadre.pk}", 1)]


def test_totp_login_succeeds_with_the_current_code(client, totp_cadre):
    response = client.post(LOGIN, {"username": "county_cadre", "password": PASSWORD,
                                   "otp": pyotp.TOTP(totp_cadre.totp_secret).now()})
    assert (response.status_code, response.url) == (302, "/console/")
    assert client.session["_auth_user_id"] == str(totp_cadre.pk)
    assert AuditEvent.objects.filter(action="accounts.user.enable_totp", actor=totp_cadre).count() == 1


def test_totp_wrong_password_with_a_right_code_is_still_refused(client, totp_cadre):
    response = client.post(LOGIN, {"username": "county_cadre", "password": "wrong-password",
                                   "otp": pyotp.TOTP(totp_cadre.totp_secret).now()})
    assert errors(response) == ["用户名或密码错误"]
