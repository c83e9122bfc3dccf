"""Console sessions: a browser-session cookie, and a sign-out after CONSOLE_IDLE_MINUTES without a console request."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from tests.conftest import PASSWORD

from smartunion.console.sessions import SEEN

INDEX = "/console/"


def set_seen(client, seconds_ago: float) -> None:
    session = client.session
    session[SEEN] = time.time() - seconds_ago
    session.save()


def test_a_console_log_in_opens_a_session_that_ends_when_the_browser_closes(personas, client):
    response = client.post("/console/login/", {"username": "county_cadre", "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/console/")
    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")  # no date: the browser drops it on closing
    assert client.session.get_expire_at_browser_close() is True
    assert abs(client.session[SEEN] - time.time()) < 5
    assert client.get(INDEX).status_code == 200


def test_a_portal_session_used_in_the_console_ends_with_the_browser_too(personas, console):
    client = console(personas.county_cadre)
    assert client.session.get_expire_at_browser_close() is False
    set_seen(client, 2 * 60)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert response.cookies["sessionid"]["max-age"] == ""
    assert client.session.get_expire_at_browser_close() is True


def test_the_portal_keeps_its_longer_session(personas, console):
    client = console(personas.worker)
    response = client.get("/me/")
    assert response.status_code == 200
    assert client.session.get_expire_at_browser_close() is False
    assert SEEN not in client.session


@pytest.mark.parametrize(("minutes", "idle_minutes", "signed_out"), [(29, 30, False), (31, 30, True),
                                                                     (6, 5, True), (4, 5, False)])
def test_an_idle_console_session_is_signed_out(personas, console, settings, messages_of, minutes, idle_minutes,
                                               signed_out):
    settings.CONSOLE_IDLE_MINUTES = idle_minutes
    client = console(personas.county_cadre)
    client.get(INDEX)
    set_seen(client, minutes * 60)
    response = client.get("/console/orgs/organisation/?kind=county")
    if not signed_out:
        assert response.status_code == 200
        assert abs(client.session[SEEN] - time.time()) < 5  # the activity moved the clock
        return
    assert (response.status_code, response.url) == (
        302, "/console/login/?next=/console/orgs/organisation/%3Fkind%3Dcounty")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert messages_of(page) == [f"您已超过{idle_minutes}分钟未操作，为保护个人信息已自动退出，请重新登录"]
    assert client.get(INDEX).status_code == 302  # still signed out


def test_the_first_console_request_counts_from_the_log_in(personas, console):
    client = console(personas.county_cadre)
    type(personas.county_cadre).objects.filter(pk=personas.county_cadre.pk).update(
        last_login=timezone.now() - dt.timedelta(hours=2))
    response = client.get(INDEX)  # a session from a log-in two hours ago, never used in the console
    assert response.status_code == 302 and response.url == "/console/login/?next=/console/"
