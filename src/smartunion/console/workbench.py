"""The console's home page (工作台): what waits for the cadre, and their scope's figures.

A queue is a count over the cadre's scope with a link to the list that shows the same rows. Console modules add
theirs with `register(Queue(...))` at import (a later module's console/admin/<app>.py, next to its pages); the
members queues are registered below. The home page asks each queue the cadre may see for its count: one query per
queue, whatever the size of the tree or the number of rows, so the page's query count is fixed
(tests/console/test_workbench.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from smartunion.members import queries
from smartunion.members.models import JoinApplication, Membership, RosterImport, Transfer
from smartunion.members.services import REVIEW_ROLES
from smartunion.orgs.models import Position, path_upper_bound
from smartunion.orgs.queries import is_unrestricted, managed_paths


def _anyone(user) -> bool:
    return True


@dataclass(frozen=True)
class Queue:
    """One count on the workbench: `count(user)` over the user's scope, `url(user)` the list of those rows."""

    key: str
    group: str
    label: str
    count: Callable[..., int]
    url: Callable[..., str]
    visible: Callable[..., bool] = _anyone
    urgent: bool = False  # a non-zero count is shown as a warning (overdue, failed)
    help: str = ""


@dataclass
class QueueCount:
    queue: Queue
    count: int
    url: str

    @property
    def alert(self) -> bool:
        return self.queue.urgent and self.count > 0


@dataclass
class QueueGroup:
    title: str
    items: list[QueueCount] = field(default_factory=list)


_QUEUES: dict[str, Queue] = {}


def register(queue: Queue) -> Queue:
    """Add a queue to the workbench (in registration order within its group); a key is registered once."""
    if _QUEUES.get(queue.key, queue) is not queue:
        raise ValueError(f"workbench queue {queue.key!r} is already registered")
    _QUEUES[queue.key] = queue
    return queue


def registered() -> list[Queue]:
    return list(_QUEUES.values())


def waiting_for(user) -> list[QueueGroup]:
    """The queues the user may see, with their counts, grouped in registration order."""
    groups: dict[str, QueueGroup] = {}
    for queue in _QUEUES.values():
        if not queue.visible(user):
            continue
        group = groups.setdefault(queue.group, QueueGroup(queue.group))
        group.items.append(QueueCount(queue, queue.count(user), queue.url(user)))
    return list(groups.values())


# Links: a changelist with the filters that show exactly the counted rows.


def changelist(name: str, **params) -> str:
    url = reverse(f"console:{name}")
    return f"{url}?{urlencode(params)}" if params else url


def _scope_range(user, field_name: str) -> dict[str, str]:
    """The scope as a path range on `field_name`, for a link: exact for a cadre with one top org (most of them) and
    for platform operators; with several, the list is narrowed by its status alone (the count stays exact)."""
    if is_unrestricted(user):
        return {}
    paths = managed_paths(user)
    if len(paths) != 1:
        return {}
    return {f"{field_name}__gte": paths[0], f"{field_name}__lt": path_upper_bound(paths[0])}


def _may_review(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user, roles=REVIEW_ROLES))


def _may_manage(user) -> bool:
    return is_unrestricted(user) or bool(managed_paths(user, roles=Position.MANAGING_ROLES))


JOINS, TRANSFERS, ROSTER = "入会申请", "会籍转移", "名册导入"
_APPLICATIONS = "members_joinapplication_changelist"
_TRANSFERS = "members_transfer_changelist"
_JOBS = "members_rosterimport_changelist"
_S = Transfer.Status

register(Queue(
    "members.join.pending", JOINS, "待审核", lambda user: queries.pending_join_applications(user).count(),
    lambda user: changelist(_APPLICATIONS, status__exact=JoinApplication.Status.PENDING), visible=_may_review,
    help="本级及下级工会收到、尚未办结的入会申请"))
register(Queue(
    "members.join.overdue", JOINS, "已超期", lambda user: queries.overdue_in_review_queue(user).count(),
    lambda user: changelist(_APPLICATIONS, overdue="1"), visible=_may_review, urgent=True,
    help="超过审核期限仍未办结的入会申请"))
register(Queue(
    "members.transfer.release", TRANSFERS, "待转出", lambda user: queries.transfers_to_release(user).count(),
    lambda user: changelist(_TRANSFERS, status__in=f"{_S.PENDING},{_S.APPROVED}", **_scope_range(user, "from_path")),
    visible=_may_review, help="从本级及下级工会转出、尚待原工会同意转出的申请"))
register(Queue(
    "members.transfer.accept", TRANSFERS, "待接收", lambda user: queries.transfers_to_accept(user).count(),
    lambda user: changelist(_TRANSFERS, status__exact=_S.RELEASED, **_scope_range(user, "to_path")),
    visible=_may_review, help="原工会已同意转出、待本级及下级工会接收的会员"))
register(Queue(
    "members.roster.running", ROSTER, "进行中",
    lambda user: queries.roster_jobs(user, queries.RUNNING_JOB_STATES).count(),
    lambda user: changelist(_JOBS, status__in=",".join(queries.RUNNING_JOB_STATES)), visible=_may_manage,
    help="排队、校验或导入中的名册"))
register(Queue(
    "members.roster.failed", ROSTER, "失败",
    lambda user: queries.roster_jobs(user, [RosterImport.Status.FAILED]).count(),
    lambda user: changelist(_JOBS, status__exact=RosterImport.Status.FAILED), visible=_may_manage, urgent=True,
    help="校验或导入失败、需要重新处理的名册"))
register(Queue(
    "members.roster.validated", ROSTER, "待确认",
    lambda user: queries.roster_jobs(user, [RosterImport.Status.VALIDATED]).count(),
    lambda user: changelist(_JOBS, status__exact=RosterImport.Status.VALIDATED), visible=_may_manage,
    help="已校验完毕、等待确认导入的名册"))


# Figures of the scope (members.queries.member_figures: three queries).


@dataclass
class Figure:
    label: str
    value: int
    url: str = ""
    help: str = ""


def figures_for(user) -> tuple[list[str], list[Figure]]:
    """The names of the scope's top orgs, and the figures shown under them."""
    figures = queries.member_figures(user)
    month_start = figures.month_start.isoformat()
    active = Membership.Status.ACTIVE
    return figures.orgs, [
        Figure("会员总数", figures.members, changelist("members_membership_changelist", status__exact=active),
               help="本级及下级工会的正常会籍数"),
        Figure("本月新增", figures.new_this_month,
               changelist("members_membership_changelist", status__exact=active, since__gte=month_start),
               help="本月开始的会籍（入会、转入、挂靠转回）"),
        Figure("新就业形态会员", figures.gig_workers, help="用工形式为快递员、外卖配送员、网约车司机等的会员"),
    ]
