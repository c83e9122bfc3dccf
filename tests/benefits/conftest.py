"""Benefits fixtures: members to take part, and activities of each kind ready to publish."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from tests.conftest import make_user

from smartunion.accounts.models import User
from smartunion.benefits import services
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.services import membership_start, person_upsert

_serial = itertools.count(1)


def make_member(union, *, name="王芳", birth=dt.date(1990, 6, 15), employment_form="", since=dt.date(2020, 1, 1),
                username=None):
    """A worker account whose person holds an active membership of `union` (a distinct person each call)."""
    n = next(_serial)
    # The ID number's three-digit sequence runs out after 500 members of one birthday: move on by a day then (the
    # same birthday for the first 500, which the tests about birthdays rely on).
    person, _ = person_upsert(name=name, id_number=make_id_number(
                                  "370102", birth + dt.timedelta(days=n // 500), 500 + n % 500),
                              phone=f"136{n:08d}", by=SYSTEM, employment_form=employment_form)
    membership_start(person=person, union=union, card_number=f"3701029{n:08d}", since=since, by=SYSTEM)
    return make_user(username or f"member{n}", kind=User.Kind.WORKER, phone=f"136{n:08d}", person=person)


def window(hours_before=1, hours_after=24):
    now = timezone.now()
    return {"starts_at": now - dt.timedelta(hours=hours_before), "ends_at": now + dt.timedelta(hours=hours_after)}


def coupon_activity(org, *, by=SYSTEM, publish=True, stock=10, per_member_limit=1, **extra):
    activity = services.create_activity(
        by=by, org=org, kind="coupon", title=extra.pop("title", "夏日送清凉券"), stock=stock,
        per_member_limit=per_member_limit, valid_until=dt.date.today() + dt.timedelta(days=30),
        **{**window(), **extra})
    return services.publish_activity(activity, by=by) if publish else activity


@pytest.fixture
def member_factory():
    return make_member
