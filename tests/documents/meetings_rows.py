"""Rows and fixtures for the meetings tests: times on the half-hour grid, rooms, a meeting with invitees."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.services import meetings as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time `days` from today at hour:minute."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def freeze(monkeypatch, when: dt.datetime) -> None:
    """The services' clock (services.meetings._now) at `when`."""
    monkeypatch.setattr(services, "_now", lambda: when)


def make_office(tree, personas):
    """A province room and a 济南 room; the 济南 chair and a 青岛 chair who answer their orgs' notices."""
    jinan_chair = _cadre("jinan_chair", tree.jinan, Position.Role.CHAIR)
    qingdao_chair = _cadre("qingdao_chair", tree.qingdao, Position.Role.CHAIR)
    big = services.create_room(by=personas.province_admin, org=tree.province, name="第一会议室", location="三楼",
                               capacity=40)
    small = services.create_room(by=personas.city_cadre, org=tree.jinan, name="小会议室", capacity=12)
    return SimpleNamespace(big=big, small=small, jinan_chair=jinan_chair, qingdao_chair=qingdao_chair)


def _cadre(username, org, role):
    user = make_user(username)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


def book(by, room, start, end, *, title="党组会", **kwargs):
    return services.schedule(by=by, org=room.org, title=title, room=room, starts_at=start, ends_at=end, **kwargs)
