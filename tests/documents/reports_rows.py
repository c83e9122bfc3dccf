"""Rows for the information-report tests: cadres of the counties, items submitted and decided at a given time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import InfoReport
from smartunion.documents.services import reports as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position


def cadre(username: str, org, role=Position.Role.ADMINISTRATOR):
    user = make_user(username)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


def item(org, *, title: str = "职工书屋建设情况", category: str = InfoReport.Category.NEWS) -> InfoReport:
    return services.submit_report(org=org, category=category, title=title, body=f"{title}的内容。", by=SYSTEM)


def adopted(org, level: str, *, when: dt.datetime | None = None, title: str = "经验") -> InfoReport:
    """An item of `org` adopted by its parent at `level`, decided at `when` (default now)."""
    report = services.adopt_report(item(org, title=title), level=level, by=SYSTEM)
    if when is not None:
        InfoReport.objects.filter(pk=report.pk).update(decided_at=when)
        report.refresh_from_db()
    return report


def at(year: int, month: int, day: int = 15) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=timezone.get_current_timezone())
