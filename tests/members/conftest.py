"""Fixtures for the membership workflow tests (issue 3): a township region for 解放路街道, the cadres who review,
a gig joint union, and a helper that fills a valid join application.

The province tree and the personas come from tests/conftest.py. Here 历下区解放路街道工会 is moved onto the
township region 370102001 (解放路街道), so a work region of 370102001 is "township level" and 370102 "county level".
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import make_user

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.services import approve_join_application, join_apply
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position, Region

K = Organisation.Kind

NEWCOMER_PHONE = "13800001111"


def newcomer_id(sequence: int = 1, birth: dt.date = dt.date(1995, 6, 1)) -> str:
    return make_id_number("370102", birth, sequence)


def join_values(sequence: int = 1, **overrides) -> dict:
    """A complete, valid join application for a worker of a new employer in 解放路街道."""
    values = {
        "name": "李娜",
        "id_number": newcomer_id(sequence),
        "phone": NEWCOMER_PHONE,
        "employer_name": "济南新开张科技有限公司",
        "work_region": "370102001",
    }
    values.update(overrides)
    return values


def luhn_ok(number: str) -> bool:
    """Luhn (ISO/IEC 7812), written out here rather than imported, to check the cards module independently."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value * 2 > 9 else value * 2
        total += value
    return total % 10 == 0


def counts(*orgs: Organisation) -> list[tuple[int, int]]:
    """(member_count, subtree_member_count) of each org, fresh from the database."""
    fresh = {o.pk: o for o in Organisation.objects.filter(pk__in=[o.pk for o in orgs])}
    return [(fresh[o.pk].member_count, fresh[o.pk].subtree_member_count) for o in orgs]


def cadre(username: str, org: Organisation, role: str = Position.Role.ADMINISTRATOR) -> User:
    user = make_user(username)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


@pytest.fixture
def town(tree) -> Region:
    """解放路街道 as a township region; the township union sits on it."""
    region = Region.objects.create(code="370102001", name="解放路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


@pytest.fixture
def town_cadre(tree) -> User:
    return cadre("town_cadre", tree.lixia_town)


@pytest.fixture
def second_town(tree, town) -> Organisation:
    """A second township union in 历下区, so the county-level region no longer has a single township union."""
    region = Region.objects.create(code="370102002", name="泉城路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    return org_services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="历下区泉城路街道工会", region=region.code,
                                   by=SYSTEM)


@pytest.fixture
def gig_joint(tree) -> Organisation:
    """历下区's joint union for delivery riders (form 12) and 美团."""
    joint = org_services.org_create(parent=tree.lixia, kind=K.JOINT, name="历下区新就业形态联合工会", region="370102",
                                    by=SYSTEM)
    Organisation.objects.filter(pk=joint.pk).update(serves_employment_forms=["12"], serves_platforms=["美团"])
    joint.refresh_from_db()
    return joint


@pytest.fixture
def newcomer(tree) -> User:
    return make_user("newcomer", kind=User.Kind.WORKER, phone=NEWCOMER_PHONE)


@pytest.fixture
def submit(newcomer):
    """Submit a join application (as the newcomer unless `applicant` is given; None files without an account)."""

    def do(sequence: int = 1, *, applicant=newcomer, source_token: str = "", **overrides):
        application, _ = join_apply(by=SYSTEM if applicant is None else applicant, source_token=source_token,
                                    **join_values(sequence, **overrides))
        return application

    return do


@pytest.fixture
def approved_member(submit, town, town_cadre):
    """Approve a newcomer into the township union; returns the membership."""

    def do(sequence: int, **overrides):
        application = submit(sequence, applicant=None, **overrides)
        return approve_join_application(application, by=town_cadre)

    return do
