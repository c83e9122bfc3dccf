"""Assistance fixtures: the living standard of 济南, reviewers for the township union, a verified hardship file for
the `worker` persona, and a programme of 济南 reviewed by grassroots → county → city."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests.conftest import make_user

from smartunion.accounts.models import User
from smartunion.assistance.models import HardshipFile
from smartunion.assistance.services import applications, hardship, programmes
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.services import membership_start, person_upsert

STANDARD_FEN = 100_000  # 1000.00 元 a month per person
_serial = itertools.count(1)


def make_member(union, *, name="李娜", username=None):
    n = next(_serial)
    person, _ = person_upsert(name=name, id_number=make_id_number("370102", dt.date(1985, 1, 1) + dt.timedelta(n),
                                                                    300 + n % 500),
                              phone=f"137{n:08d}", by=SYSTEM)
    membership_start(person=person, union=union, card_number=f"3701028{n:08d}", since=dt.date(2020, 1, 1), by=SYSTEM)
    return make_user(username or f"needy{n}", kind=User.Kind.WORKER, phone=f"137{n:08d}", person=person)


def file_values(**extra):
    values = {"category": "deep", "household_size": 3, "household_income_fen": 3_000_000,  # 833.33 元/人/月
              "causes": ["illness", "education"], "health": "chronic", "housing": "rented",
              "household_members": [{"relation": "配偶", "age": 40, "health": "重病", "income_fen": 0},
                                    {"relation": "子女", "age": 12, "health": "健康", "in_school": True}],
              "insurance": ["medical"], "labour_contract": "fixed"}
    values.update(extra)
    return values


def active_file(person, union, **extra) -> HardshipFile:
    f = hardship.create_file(by=SYSTEM, person=person, union=union, **file_values(**extra))
    for step in (hardship.submit_file, hardship.forward_file, hardship.verify_file):
        f = step(f, by=SYSTEM)
    return f


def pdf(name="证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def programme_values(**extra):
    today = timezone.localdate()
    values = {"name": "2026年金秋助学", "kind": "golden_autumn", "purpose": "education", "year": today.year,
              "budget_fen": 1_000_000, "amount_rule": {"by_category": {"deep": 300_000, "relative": 200_000},
                                                       "cap": 300_000},
              "opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=30),
              "review_chain": ["grassroots", "county", "city"],
              "eligibility_rule": {"categories": ["deep", "relative"], "child_in_school": True},
              "required_documents": ["录取通知书"], "notice_days": 5, "objection_contact": "0531-12351"}
    values.update(extra)
    return values


def apply(programme, user, **extra):
    application = applications.submit_application(
        programme, by=user, bank_name="中国工商银行济南分行", bank_account="6222020200112233445",
        account_holder=user.person.name if getattr(user, "person", None) else "张伟", **extra)
    applications.add_document(application, by=SYSTEM, name="录取通知书", upload=pdf())
    return application


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded documents go to a temporary directory, not the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def aid(tree, personas):
    return make_aid(tree, personas)


def make_aid(tree, personas):
    """The standard, a township reviewer, the worker's verified file and the 济南 programme (tests of the surfaces
    declare their own `aid` fixture calling this)."""
    from smartunion.orgs import services as org_services
    from smartunion.orgs.models import Position

    year = timezone.localdate().year
    programmes.set_living_standard(by=SYSTEM, org=tree.jinan, region="370100", year=year, monthly_fen=STANDARD_FEN)
    town_reviewer = make_user("town_reviewer")
    org_services.position_grant(user=town_reviewer, org=tree.lixia_town, role=Position.Role.REVIEWER, by=SYSTEM)
    f = active_file(personas.worker.person, tree.grassroots)
    programme = programmes.create_programme(by=SYSTEM, org=tree.jinan, **programme_values())
    return SimpleNamespace(year=year, file=f, programme=programme, town_reviewer=town_reviewer)


def approve_all(application, personas):
    """Through grassroots (甲公司 chair), county (历下区) and city (济南)."""
    for user in (personas.grassroots_cadre, personas.county_cadre, personas.city_cadre):
        application = applications.approve_application(application, by=user)
    return application

