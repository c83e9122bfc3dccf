"""Shared fixtures: a small province tree and the personas used across the suite.

Tree (built through the services, so paths and audit events are real):

    全国总工会
    └─ 山东省总工会 (370000)                 ← province_admin
       ├─ 济南市总工会 (370100)              ← city_cadre
       │  └─ 历下区总工会 (370102)           ← county_cadre
       │     └─ 历下区解放路街道工会 (township)
       │        ├─ 甲公司工会委员会 (grassroots) ← grassroots_cadre; worker is a member
       │        └─ (employer 乙公司 has no union)
       └─ 青岛市总工会 (370200)              ← other_city_cadre
          └─ 市南区总工会 (370202)
             └─ 市南区八大湖街道工会 (township)
                └─ 丙公司工会委员会 (grassroots)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from smartunion.accounts.models import User
from smartunion.accounts.services import issue_token
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_credit_code, make_id_number
from smartunion.members.services import membership_start, person_upsert
from smartunion.orgs import services
from smartunion.orgs.models import Organisation, Position

PASSWORD = "correct-horse-42"
# `next` addresses that leave the site (scheme-relative, a backslash a browser reads as a slash, another scheme or
# host): every view that takes `next` must send them to its default page (console and portal log-in tests).
OFF_SITE = [
    "//evil.example.com",
    "https://evil.example.com/x",
    "/\\evil.example.com",
    "\\\\evil.example.com",
    "javascript:alert(1)",
    "http:/evil.example.com",
    "///evil.example.com",
    "https:evil.example.com",
    " //evil.example.com",
    "http://testserver@evil.example.com/",
]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # PBKDF2 with a million rounds makes every log-in in a test cost half a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    """Files a test uploads (case attachments, application documents, images) go to its own directory, never to
    the checkout's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _coupon_claims_in_the_database(settings):
    """Coupon claims take the database shape in every test (the grab writes its row at once), whatever REDIS_URL the
    environment sets for the cache and Celery: the Redis shape, where rows follow from a persister, has its own tests
    (tests/benefits/test_coupon_redis.py), which set settings.REDIS_URL back."""
    settings.REDIS_URL = ""


def make_user(username: str, *, kind=User.Kind.CADRE, phone: str = "", **extra) -> User:
    user = User(username=username, kind=kind, is_staff=kind == User.Kind.CADRE, phone=phone,
                display_name=extra.pop("display_name", username), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def tree(db):
    K = Organisation.Kind

    def org(parent, kind, name, **fields):
        return services.org_create(parent=parent, kind=kind, name=name, by=SYSTEM, **fields)

    def employer_of(name, region, **fields):
        return services.employer_create(name=name, region=region, by=SYSTEM, **fields)

    national = org(None, K.NATIONAL, "中华全国总工会")
    province = org(national, K.PROVINCE, "山东省总工会", region="370000")
    jinan = org(province, K.CITY, "济南市总工会", region="370100")
    lixia = org(jinan, K.COUNTY, "历下区总工会", region="370102")
    lixia_town = org(lixia, K.TOWNSHIP, "历下区解放路街道工会", region="370102")
    grassroots = org(lixia_town, K.GRASSROOTS, "甲公司工会委员会", region="370102",
                     credit_code=make_credit_code("81370102MA0000001"))
    qingdao = org(province, K.CITY, "青岛市总工会", region="370200")
    shinan = org(qingdao, K.COUNTY, "市南区总工会", region="370202")
    shinan_town = org(shinan, K.TOWNSHIP, "市南区八大湖街道工会", region="370202")
    qd_grassroots = org(shinan_town, K.GRASSROOTS, "丙公司工会委员会", region="370202")
    employer = employer_of("济南甲科技有限公司", "370102", covering_union=grassroots, township_union=lixia_town,
                           credit_code=make_credit_code("91370102MA0000001"))
    employer_without_union = employer_of("济南乙商贸有限公司", "370102", township_union=lixia_town)
    qd_employer = employer_of("青岛丙物流有限公司", "370202", covering_union=qd_grassroots, township_union=shinan_town)
    return SimpleNamespace(
        national=national, province=province, jinan=jinan, lixia=lixia, lixia_town=lixia_town,
        grassroots=grassroots, qingdao=qingdao, shinan=shinan, shinan_town=shinan_town,
        qd_grassroots=qd_grassroots, employer=employer, employer_without_union=employer_without_union,
        qd_employer=qd_employer,
    )


@pytest.fixture
def personas(tree):
    def cadre(username, org, role=Position.Role.ADMINISTRATOR):
        user = make_user(username)
        services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    person, _ = person_upsert(name="张伟", id_number=make_id_number("370102", dt.date(1990, 3, 7), 123),
                              phone="13900000001", employer=tree.employer, by=SYSTEM)
    membership_start(person=person, union=tree.grassroots, card_number="370102000000001",
                     since=dt.date(2020, 5, 1), by=SYSTEM)
    worker = make_user("worker", kind=User.Kind.WORKER, phone="13900000001", person=person)
    return SimpleNamespace(
        province_admin=cadre("province_admin", tree.province),
        city_cadre=cadre("city_cadre", tree.jinan),
        other_city_cadre=cadre("other_city_cadre", tree.qingdao),
        county_cadre=cadre("county_cadre", tree.lixia),
        grassroots_cadre=cadre("grassroots_cadre", tree.grassroots, Position.Role.CHAIR),
        worker=worker,
        outsider=make_user("outsider", kind=User.Kind.WORKER, phone="13900000009"),
    )


def api_client(user=None) -> Client:
    """A test client that sends a bearer token for `user` (anonymous when None)."""
    if user is None:
        return Client()
    token, _ = issue_token(user)
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def api():
    return api_client


def console_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    return client


@pytest.fixture
def console():
    return console_client


@pytest.fixture(autouse=True)
def _fresh_local_caches():
    """Process-local reference caches must not carry one test's orgs into the next, nor the Django cache one test's
    rate-limit counters (core.ratelimit) into the next."""
    from django.core.cache import cache

    from smartunion.core.cache import clear_local_caches

    clear_local_caches()
    cache.clear()
    yield
    clear_local_caches()
    # Portal reads counted but not yet written belong to the test that made them: left over, the process's exit
    # flush would write them after the test database is gone (a logged error at the end of a PostgreSQL run).
    from smartunion.editorial import reads

    reads._pending.clear()
