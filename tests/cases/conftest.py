"""Rights-case fixtures: a clock the tests set, a handler in the township union, and filing a case in one call.

(Other parts of the cases app may add their fixtures at the end of this file.)
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    """A moment in Beijing time: at(2026, 9, 29, 10) is 2026-09-29 10:00 +08:00."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


class Clock:
    """Django's timezone.now, set by the test (services, auto_now fields and the workflow all read it)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.now: dt.datetime | None = None

    def set(self, moment: dt.datetime) -> dt.datetime:
        from django.utils import timezone

        self.now = moment
        self.monkeypatch.setattr(timezone, "now", lambda: self.now)
        return moment

    def advance(self, **delta) -> dt.datetime:
        assert self.now is not None
        return self.set(self.now + dt.timedelta(**delta))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def town_handler(tree):
    """A reviewer of 历下区解放路街道工会, where cases of region 370102 without a unionised employer go."""
    user = make_user("town_handler")
    org_services.position_grant(user=user, org=tree.lixia_town, role=Position.Role.REVIEWER, by=SYSTEM)
    return user
