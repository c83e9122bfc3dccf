"""Rows for the query-count tests: `n` more rows of a list, inside 济南 (so both the province admin and the 济南 city
cadre see them), written through the services where one exists, each row with every relation its list shows set
(a lazily loaded relation then costs one more query per row, which the tests catch).

The n-th row of a kind is distinct from the others (names, ID numbers, card numbers), so a test may add rows in
several calls with increasing `start`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.calendar import load_holiday_schedule
from smartunion.core.models import OutboxMessage
from smartunion.core.notifications import queue_sms
from smartunion.core.validators import make_id_number
from smartunion.members import roster
from smartunion.members.models import JoinApplication, Membership
from smartunion.members.services import membership_start, person_upsert, transfer_request
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position
from smartunion.subsites.models import Notice, Subsite
from smartunion.subsites.services import notice_save, subsite_save


@dataclass
class Measured:
    """What one call cost: the SQL of each query it ran, and what it returned."""

    sql: list[str]
    result: object

    @property
    def count(self) -> int:
        return len(self.sql)


def measure(call: Callable[[], object]) -> Measured:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return Measured([q["sql"] for q in queries.captured_queries], result)


def _short(sql: str) -> str:
    """A query without its column list, which says nothing about where it came from."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1)


def assert_queries(expected: int, *measured: Measured) -> None:
    """Each measured call ran exactly `expected` queries; the failure shows the SQL of every call."""
    counts = [m.count for m in measured]
    report = "\n\n".join(f"-- call {i}: {m.count} queries\n" + "\n".join(_short(q) for q in m.sql)
                         for i, m in enumerate(measured, 1))
    assert counts == [expected] * len(measured), f"queries per call {counts}, expected {expected} each:\n{report}"


def id_number(first_birthday: dt.date, i: int) -> str:
    """The i-th of a series of distinct ID numbers (one birthday each: the sequence code stops at 999)."""
    return make_id_number("370102", first_birthday + dt.timedelta(days=i), i % 1000)


def orgs(tree, n: int, start: int = 0) -> list[Organisation]:
    """Branch unions under 甲公司工会委员会."""
    return [org_services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name=f"第{i}分会",
                                    region="370102", by=SYSTEM) for i in range(start, start + n)]


def counties(tree, n: int, start: int = 0) -> list[Organisation]:
    """County federations under 济南市总工会, each with a township union (a child per county to count under)."""
    made = []
    for i in range(start, start + n):
        county = org_services.org_create(parent=tree.jinan, kind=Organisation.Kind.COUNTY, name=f"济南第{i}区总工会",
                                         region="370102", by=SYSTEM)
        org_services.org_create(parent=county, kind=Organisation.Kind.TOWNSHIP, name=f"济南第{i}街道工会",
                                region="370102", by=SYSTEM)
        made.append(county)
    return made


def employers(tree, n: int, start: int = 0):
    return [org_services.employer_create(name=f"济南第{i}有限公司", region="370102", covering_union=tree.grassroots,
                                         township_union=tree.lixia_town, by=SYSTEM)
            for i in range(start, start + n)]


def cadres(tree, n: int, start: int = 0) -> list:
    """Reviewers of 甲公司工会委员会, each a cadre account with its position."""
    made = []
    for i in range(start, start + n):
        user = make_user(f"reviewer{i}", phone=f"1380001{i:04d}")
        org_services.position_grant(user=user, org=tree.grassroots, role=Position.Role.REVIEWER, by=SYSTEM)
        made.append(user)
    return made


def members(tree, n: int, start: int = 0, union: Organisation | None = None) -> list[Membership]:
    """New people with an active membership of `union` (default 甲公司工会委员会)."""
    union = union or tree.grassroots
    made = []
    for i in range(start, start + n):
        person, _ = person_upsert(name=f"会员{i}", id_number=id_number(dt.date(1980, 1, 1), i),
                                  phone=f"1370000{i:04d}", employer=tree.employer, by=SYSTEM)
        made.append(membership_start(person=person, union=union, card_number=f"JN{i:06d}", by=SYSTEM))
    return made


def applications(tree, n: int, start: int = 0, *, union: Organisation | None = None, overdue: bool = False,
                 status: str = JoinApplication.Status.PENDING) -> list[JoinApplication]:
    """Join applications filed on a worker's behalf by a cadre (so the filer is set), to `union` (default 历下区解放路
    街道工会); the approved ones name their membership."""
    union = union or tree.lixia_town
    filer = cadres(tree, 1, start=900 + start)[0]
    made = []
    for i in range(start, start + n):
        membership = members(tree, 1, start=700 + i, union=union)[0] if status == "approved" else None
        made.append(JoinApplication.objects.create(
            name=f"申请人{i}", id_number=id_number(dt.date(1995, 1, 1), i), phone="13800000000",
            employer_name="某单位", work_region_id="370102", union=union, union_path=union.path,
            dispatch_reason=JoinApplication.Dispatch.TOWNSHIP, dispatch_note="挂靠", submitted_by=filer,
            status=status, membership=membership,
            deadline=timezone.now() + dt.timedelta(days=-1 if overdue else 7)))
    return made


def transfers(tree, n: int, start: int = 0, *, by=None) -> list:
    """Transfers of new members of 甲公司 to 丙公司 (青岛): both ends named on each row."""
    return [transfer_request(membership=m, by=by or SYSTEM, to_union=tree.qd_grassroots)
            for m in members(tree, n, start=100 + start)]


def roster_jobs(tree, n: int, *, by) -> list:
    """Validated roster uploads into 甲公司工会委员会 (the caller sets ROSTER_IMPORT_THREADS off and MEDIA_ROOT)."""
    from tests.members.test_roster import upload

    row = ["王芳", make_id_number("370102", dt.date(1991, 2, 3), 11), None, None, None, None, None, None, None, None]
    return [roster.create_job(union=tree.grassroots, upload=upload([row]), by=by) for _ in range(n)]


def audit_events(tree, n: int, start: int = 0, *, actor) -> list:
    """Events filed in 甲公司工会委员会 whose action starts with "test.row"."""
    return [log_event(f"test.row.{i}", actor=actor, org=tree.grassroots, target=tree.grassroots)
            for i in range(start, start + n)]


def holiday_schedules(n: int, start: int = 0, *, by=SYSTEM) -> list:
    return [load_holiday_schedule(year=2030 + i, holidays=[f"{2030 + i}-10-01"], by=by).schedule
            for i in range(start, start + n)]


def subsites(tree, n: int, start: int = 0, *, by=SYSTEM) -> list[Subsite]:
    """Subsites of new county federations under 济南市总工会."""
    return [subsite_save(Subsite(org=org, name=f"{org.name}分站"), by=by, changed=["name"])
            for org in counties(tree, n, start=50 + start)]


def notices(subsite: Subsite, n: int, start: int = 0, *, by=SYSTEM) -> list[Notice]:
    return [notice_save(Notice(subsite=subsite, title=f"公告{i}", body=f"第{i}条公告", published_at=timezone.now()),
                        by=by, changed=["notice"])
            for i in range(start, start + n)]


def outbox(n: int, start: int = 0) -> list[OutboxMessage]:
    return [queue_sms(phone=f"1360000{i:04d}", body=f"第{i}条") for i in range(start, start + n)]
