"""POST /api/v1/auth/token and the bearer token on the protected endpoints."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from smartunion.accounts.models import ApiToken, User
from smartunion.accounts.services import issue_token

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "correct-horse-42"  # every persona's password (tests/conftest.py)
BAD_CREDENTIALS = {"code": "bad_credentials", "message": "用户名或密码错误", "fields": {}}
UNAUTHENTICATED = {"code": "unauthenticated", "message": "请先登录或提供有效的访问令牌", "fields": {}}
LOCKED = {"code": "locked", "message": "登录失败次数过多，账号已锁定，请15分钟后再试", "fields": {}}
NO_LOGIN = {"code": "invalid", "message": "请填写用户名或手机号码", "fields": {"username": "请填写用户名或手机号码"}}


@pytest.fixture(autouse=True)
def _lockout_policy(settings):
    # Pin the policy so the exact numbers below do not depend on the environment.
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.API_TOKEN_TTL_HOURS = 24


def obtain(body):
    return Client().post(TOKEN_URL, body, content_type="application/json")


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


# Successful log-ins


def test_cadre_gets_a_token_with_username_and_password(personas):
    response = obtain({"username": "county_cadre", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["expires_at", "token", "token_type", "user"]
    assert body["token_type"] == "Bearer"
    assert body["user"] == {"id": personas.county_cadre.pk, "kind": "cadre", "name": "county_cadre"}


def test_token_from_the_log_in_opens_the_org_list(personas):
    token = obtain({"username": "county_cadre", "password": PASSWORD}).json()["token"]

    response = bearer(token).get("/api/v1/orgs")

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]


def test_token_expires_after_the_configured_lifetime(personas):
    before = timezone.now()
    body = obtain({"username": "county_cadre", "password": PASSWORD}).json()
    after = timezone.now()

    record = ApiToken.objects.get(user=personas.county_cadre)
    assert before + dt.timedelta(hours=24) <= record.expires_at <= after + dt.timedelta(hours=24)
    # The JSON carries the stored expiry, to the millisecond.
    assert parse_datetime(body["expires_at"]) == record.expires_at.replace(
        microsecond=record.expires_at.microsecond // 1000 * 1000)


def test_log_in_records_last_login(personas):
    assert personas.county_cadre.last_login is None

    obtain({"username": "county_cadre", "password": PASSWORD})

    personas.county_cadre.refresh_from_db()
    assert personas.county_cadre.last_login is not None


def test_worker_gets_a_token_with_phone_and_password(personas):
    response = obtain({"phone": "13900000001", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"] == {"id": personas.worker.pk, "kind": "worker", "name": "worker"}


@pytest.mark.parametrize("phone", ["139 0000 0001", "+86 139-0000-0001", "１３９００００００01"])
def test_worker_phone_may_be_written_with_separators_prefix_or_full_width_digits(personas, phone):
    response = obtain({"phone": phone, "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["id"] == personas.worker.pk


def test_worker_token_opens_an_empty_org_list(personas):
    token = obtain({"phone": "13900000001", "password": PASSWORD}).json()["token"]

    response = bearer(token).get("/api/v1/orgs")

    assert response.status_code == 200
    assert response.json() == {"count": 0, "count_capped": False, "page": 1, "page_size": 20, "items": []}


# Refused log-ins


@pytest.mark.parametrize("body", [
    {"username": "county_cadre", "password": "wrong-password"},
    {"phone": "13900000001", "password": "wrong-password"},
    {"username": "county_cadre", "password": ""},
], ids=["cadre-username", "worker-phone", "empty-password"])
def test_wrong_password_is_401_bad_credentials(personas, body):
    response = obtain(body)

    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS


@pytest.mark.parametrize("body", [
    {"username": "nobody", "password": PASSWORD},
    {"phone": "13900000002", "password": PASSWORD},
    {"phone": "not-a-phone", "password": PASSWORD},
], ids=["unknown-username", "unknown-phone", "malformed-phone"])
def test_unknown_account_gets_the_same_body_as_a_wrong_password(personas, body):
    wrong_password = obtain({"username": "county_cadre", "password": "wrong-password"})

    response = obtain(body)

    assert response.status_code == 401
    assert response.content == wrong_password.content
    assert response.json() == BAD_CREDENTIALS


def test_inactive_account_cannot_log_in(personas):
    User.objects.filter(pk=personas.county_cadre.pk).update(is_active=False)

    response = obtain({"username": "county_cadre", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS


def test_failures_below_the_limit_are_401_and_do_not_lock(personas):
    for _ in range(4):
        assert obtain({"username": "county_cadre", "password": "wrong"}).json() == BAD_CREDENTIALS

    response = obtain({"username": "county_cadre", "password": PASSWORD})

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()


def test_the_failure_that_reaches_the_limit_is_still_reported_as_bad_credentials(personas):
    responses = [obtain({"username": "county_cadre", "password": "wrong"}) for _ in range(5)]

    assert [r.status_code for r in responses] == [401] * 5
    assert responses[-1].json() == BAD_CREDENTIALS


def test_account_is_locked_after_max_failures_even_with_the_right_password(personas):
    for _ in range(5):
        obtain({"username": "county_cadre", "password": "wrong"})

    response = obtain({"username": "county_cadre", "password": PASSWORD})

    assert response.status_code == 423
    assert response.json() == LOCKED


def test_locked_account_stays_locked_for_a_wrong_password_too(personas):
    for _ in range(5):
        obtain({"username": "county_cadre", "password": "wrong"})

    response = obtain({"username": "county_cadre", "password": "wrong"})

    assert response.status_code == 423
    assert response.json() == LOCKED


def test_failures_by_phone_lock_the_worker_for_both_ways_of_logging_in(personas):
    for _ in range(5):
        obtain({"phone": "13900000001", "password": "wrong"})

    by_phone = obtain({"phone": "13900000001", "password": PASSWORD})
    by_username = obtain({"username": "worker", "password": PASSWORD})

    assert (by_phone.status_code, by_phone.json()) == (423, LOCKED)
    assert (by_username.status_code, by_username.json()) == (423, LOCKED)


def test_lock_applies_to_one_address_only(personas):
    for _ in range(5):
        obtain({"username": "county_cadre", "password": "wrong"})

    elsewhere = Client(REMOTE_ADDR="10.0.0.8").post(TOKEN_URL, {"username": "county_cadre", "password": PASSWORD},
                                                    content_type="application/json")

    assert elsewhere.status_code == 200


@pytest.mark.parametrize("unknown", [{"username": "nobody"}, {"phone": "13900000002"}],
                         ids=["unknown-username", "unknown-phone"])
def test_unknown_account_is_locked_exactly_like_a_known_one(personas, unknown):
    known = [obtain({"username": "county_cadre", "password": p}) for p in ["wrong"] * 5 + [PASSWORD]]
    other = [Client(REMOTE_ADDR="10.0.0.8").post(TOKEN_URL, {**unknown, "password": p},
                                                 content_type="application/json")
             for p in ["wrong"] * 5 + [PASSWORD]]

    assert [(r.status_code, r.content) for r in known] == [(r.status_code, r.content) for r in other]
    assert [r.status_code for r in other] == [401] * 5 + [423]
    assert other[-1].json() == LOCKED


def test_lock_applies_only_to_the_failing_account(personas):
    for _ in range(5):
        obtain({"username": "county_cadre", "password": "wrong"})

    assert obtain({"username": "city_cadre", "password": PASSWORD}).status_code == 200


def test_log_in_works_again_once_the_lock_has_expired(personas):
    for _ in range(5):
        obtain({"username": "county_cadre", "password": "wrong"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))

    assert obtain({"username": "county_cadre", "password": PASSWORD}).status_code == 200


# Malformed log-in requests


@pytest.mark.parametrize("body", [
    {"password": PASSWORD},
    {"username": "", "phone": "", "password": PASSWORD},
    {"username": "   ", "password": PASSWORD},
    {"username": None, "phone": None, "password": PASSWORD},
], ids=["absent", "empty", "blank", "null"])
def test_missing_username_and_phone_is_400(personas, body):
    response = obtain(body)

    assert response.status_code == 400
    assert response.json() == NO_LOGIN


def test_missing_password_is_422_on_the_field(personas):
    response = obtain({"username": "county_cadre"})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "提交的数据有误，请检查后重试",
                               "fields": {"password": "此项为必填项"}}


def test_malformed_json_is_400_with_a_json_error_body(personas):
    response = Client().post(TOKEN_URL, '{"username": "county_cadre", "password":', content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "bad_request", "message": "请求格式不正确", "fields": {}}


def test_username_of_the_wrong_type_is_422(personas):
    response = obtain({"username": 123, "password": PASSWORD})

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "提交的数据有误，请检查后重试",
                               "fields": {"username": "应为文本"}}


# The bearer token on protected endpoints


@pytest.mark.parametrize("url", ["/api/v1/orgs", "/api/v1/orgs/1", "/api/v1/orgs/1/children", "/api/v1/employers",
                                 "/api/v1/employers/1"])
def test_no_token_is_401_unauthenticated(personas, url):
    response = Client().get(url)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize("authorization", [
    "Bearer not-a-real-token",
    "Bearer ",
    "Token abc",
    "Basic Y291bnR5X2NhZHJlOmNvcnJlY3QtaG9yc2UtNDI=",
], ids=["unknown-token", "empty-token", "wrong-scheme", "basic-auth"])
def test_bad_authorization_header_is_401_unauthenticated(personas, authorization):
    response = Client(headers={"Authorization": authorization}).get("/api/v1/orgs")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_expired_token_is_401_unauthenticated(personas):
    token, record = issue_token(personas.county_cadre)
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = bearer(token).get("/api/v1/orgs")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_token_of_a_deactivated_account_is_401_unauthenticated(personas):
    token, _ = issue_token(personas.county_cadre)
    User.objects.filter(pk=personas.county_cadre.pk).update(is_active=False)

    response = bearer(token).get("/api/v1/orgs")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_write_endpoints_need_a_token_too(personas, tree):
    client = Client()
    responses = [
        client.post("/api/v1/orgs", {"name": "x", "kind": "grassroots", "parent_id": tree.lixia_town.pk},
                    content_type="application/json"),
        client.patch(f"/api/v1/orgs/{tree.lixia.pk}", {"name": "x"}, content_type="application/json"),
        client.post("/api/v1/employers", {"name": "x", "region": "370102", "township_union_id": tree.lixia_town.pk},
                    content_type="application/json"),
        client.patch(f"/api/v1/employers/{tree.employer.pk}", {"name": "x"}, content_type="application/json"),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(401, UNAUTHENTICATED)] * 4
    tree.lixia.refresh_from_db()
    assert tree.lixia.name == "历下区总工会"
