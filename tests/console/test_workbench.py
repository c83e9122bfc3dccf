"""The console's home page (工作台): the queues that wait for a cadre, counted over their subtree, each linking to the
list of the same rows; the subtree's member figures; a fixed number of queries whatever the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from tests.benefits.conftest import coupon_activity
from tests.conftest import make_user

from smartunion.console import workbench
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.models import JoinApplication, RosterImport
from smartunion.members.services import join_apply, membership_start, person_upsert, transfer_request
from smartunion.members.services.transfers import transfer_release
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position

pytestmark = pytest.mark.django_db

HOME = "/console/"
_sequence = iter(range(100, 10_000))


def member(union, *, since=None, employment_form=""):
    """A new person, member of `union` since `since` (today by default)."""
    number = next(_sequence)
    person, _ = person_upsert(name="王芳", id_number=make_id_number("370102", dt.date(1991, 1, 1), number),
                              employment_form=employment_form, by=SYSTEM)
    return membership_start(person=person, union=union, card_number=f"3701029{number:08d}", since=since, by=SYSTEM)


def application(union, *, overdue=False):
    """A pending join application dispatched to `union` (by its employer's credit code)."""
    employer = union.covered_employers.first()
    number = next(_sequence)
    app, _ = join_apply(by=SYSTEM, name="赵强", id_number=make_id_number("370102", dt.date(1993, 2, 2), number),
                        phone="13800000000", employer_name=employer.name, employer_credit_code=employer.credit_code,
                        work_region=employer.region_id)
    assert app.union_id == union.pk
    if overdue:  # past its deadline: the overdue job's view of the row
        JoinApplication.objects.filter(pk=app.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    return app


def job(union, status):
    return RosterImport.objects.create(union=union, union_path=union.path, file_name="名册.xlsx", status=status)


def counts_on(page: str) -> dict[str, int]:
    """Queue key -> the count the page shows."""
    found = re.findall(r'data-queue="([\w.]+)".*?data-count>(\d+)<', page, flags=re.S)
    return {key: int(count) for key, count in found}


def figures_on(page: str) -> dict[str, int]:
    found = re.findall(r'data-figure="([^"]+)".*?data-value>(\d+)<', page, flags=re.S)
    return {label: int(value) for label, value in found}


@pytest.fixture
def waiting(tree, personas):
    """In 济南: 2 pending applications (1 overdue), 1 transfer out pending, 1 released transfer in, roster jobs of every
    kind; in 青岛 one of each too, which no 济南 cadre counts."""
    application(tree.grassroots)
    application(tree.grassroots, overdue=True)
    application(tree.qd_grassroots, overdue=True)
    out = member(tree.grassroots)
    transfer_request(membership=out, by=SYSTEM, to_union=tree.qd_grassroots)
    into = member(tree.qd_grassroots)
    transfer_release(transfer_request(membership=into, by=SYSTEM, to_union=tree.grassroots), by=SYSTEM)
    for status in ("queued", "committing", "failed", "validated", "validated", "done"):
        job(tree.grassroots, status)
    job(tree.qd_grassroots, "failed")
    member(tree.grassroots, employment_form="12")  # a gig worker, new this month
    member(tree.grassroots, since=dt.date(2019, 1, 1), employment_form="11")
    coupon_activity(tree.jinan, publish=False)  # a draft waiting to be published
    coupon_activity(tree.jinan)  # published: nothing waits
    coupon_activity(tree.qingdao, publish=False)


# The rights-and-assistance queues, empty in these fixtures (their own tests count them: tests/console/
# test_console_cases.py, test_console_counselling.py, test_console_assistance.py).
RIGHTS = {"cases.case.submitted": 0, "cases.case.overdue": 0, "cases.case.supervised": 0,
          "cases.legal_aid.submitted": 0, "cases.legal_aid.accepted": 0,
          "assistance.applications": 0, "assistance.files": 0, "assistance.overdue": 0}
# The office queues (自动化办公), empty here too (tests/documents count them). A reviewer holds no position that
# signs for exchanged documents or proposes their handling (chairs and administrators do).
OFFICE_FOR_ALL = {"documents.action_item.open": 0, "documents.approval.waiting": 0, "documents.incoming.to_handle": 0,
                  "documents.incoming.to_read": 0, "documents.meeting.reply": 0, "documents.outgoing.check": 0,
                  "documents.outgoing.clerk": 0, "documents.outgoing.countersign": 0, "documents.outgoing.sign": 0,
                  "documents.reports.inbox": 0}
OFFICE = {**OFFICE_FOR_ALL, "documents.exchange.to_sign": 0, "documents.incoming.to_propose": 0}
RIGHTS = {**RIGHTS, **OFFICE}
JINAN_COUNTS = {
    "members.join.pending": 2, "members.join.overdue": 1, "members.transfer.release": 1,
    "members.transfer.accept": 1, "members.roster.running": 2, "members.roster.failed": 1,
    "members.roster.validated": 2, "benefits.drafts": 1, **RIGHTS,
}


def test_a_city_cadre_sees_what_waits_in_the_city(tree, personas, console, waiting):
    page = console(personas.city_cadre).get(HOME).content.decode()
    assert counts_on(page) == JINAN_COUNTS
    # 张伟 (since 2020), out (this month, transfer pending), the gig worker (this month), the courier (2019).
    assert figures_on(page) == {"会员总数": 4, "本月新增": 2, "新就业形态会员": 2}
    assert "管辖范围：济南市总工会（含下级）" in page


def test_the_province_counts_both_cities(tree, personas, console, waiting):
    page = console(personas.province_admin).get(HOME).content.decode()
    # Each transfer between the two cities waits on one side only: one to release (济南's), one to accept (济南's).
    assert counts_on(page) == {
        "members.join.pending": 3, "members.join.overdue": 2, "members.transfer.release": 1,
        "members.transfer.accept": 1, "members.roster.running": 2, "members.roster.failed": 2,
        "members.roster.validated": 2, "benefits.drafts": 2, **RIGHTS,
    }
    # 青岛's one member is `into`, released but not yet accepted by 济南.
    assert figures_on(page) == {"会员总数": 5, "本月新增": 3, "新就业形态会员": 2}


def test_the_other_city_sees_its_own(tree, personas, console, waiting):
    page = console(personas.other_city_cadre).get(HOME).content.decode()
    # 青岛 released its member already; the transfer into 青岛 waits for 济南 to release it first.
    assert counts_on(page) == {
        "members.join.pending": 1, "members.join.overdue": 1, "members.transfer.release": 0,
        "members.transfer.accept": 0, "members.roster.running": 0, "members.roster.failed": 1,
        "members.roster.validated": 0, "benefits.drafts": 1, **RIGHTS,
    }
    assert figures_on(page) == {"会员总数": 1, "本月新增": 1, "新就业形态会员": 0}


def test_a_reviewer_sees_the_review_queues_only(tree, personas, console, waiting):
    reviewer = make_user("reviewer")
    org_services.position_grant(user=reviewer, org=tree.lixia, role=Position.Role.REVIEWER, by=SYSTEM)
    page = console(reviewer).get(HOME).content.decode()
    rights = {k: v for k, v in RIGHTS.items() if k not in OFFICE}
    assert counts_on(page) == {"members.join.pending": 2, "members.join.overdue": 1,
                               "members.transfer.release": 1, "members.transfer.accept": 1, **rights,
                               **OFFICE_FOR_ALL}


def test_each_count_links_to_the_list_of_the_same_rows(tree, personas, console, waiting):
    client = console(personas.city_cadre)
    page = client.get(HOME).content.decode()
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*data-queue="([\w.]+)"', page))
    links = {key: url.replace("&amp;", "&") for url, key in links.items()}
    shown = {}
    for key, url in links.items():
        response = client.get(url)
        assert response.status_code == 200, url
        # A model list (its changelist), or an office page of its own with a paginated `page` (信息采用, 待我审批).
        shown[key] = response.context["cl"].queryset.count() if "cl" in response.context else \
            response.context["page"].paginator.count
    assert shown == JINAN_COUNTS
    lixia = f"{tree.jinan.path}"
    assert links["members.transfer.release"].endswith(f"&from_path__gte={lixia}&from_path__lt=" + (
        str(int(lixia) + 1).zfill(len(lixia))))


def test_the_members_figures_link_to_the_memberships(tree, personas, console, waiting):
    client = console(personas.city_cadre)
    page = client.get(HOME).content.decode()
    links = {label: url.replace("&amp;", "&")
             for url, label in re.findall(r'<a href="([^"]+)"[^>]*data-figure="([^"]+)"', page)}
    assert sorted(links) == ["会员总数", "本月新增"]
    assert client.get(links["会员总数"]).context["cl"].queryset.count() == 4
    assert client.get(links["本月新增"]).context["cl"].queryset.count() == 2


def test_a_module_adds_its_queue(tree, personas, console):
    queue = workbench.Queue("tests.cases.open", "维权个案", "待受理", lambda user: 7, lambda user: "/console/",
                            visible=lambda user: user.username == "city_cadre")
    workbench.register(queue)
    try:
        assert counts_on(console(personas.city_cadre).get(HOME).content.decode())["tests.cases.open"] == 7
        assert "tests.cases.open" not in counts_on(console(personas.county_cadre).get(HOME).content.decode())
        with pytest.raises(ValueError, match="already registered"):
            workbench.register(workbench.Queue("tests.cases.open", "维权个案", "x", lambda user: 0,
                                               lambda user: ""))
    finally:
        workbench._QUEUES.pop("tests.cases.open")


# Query counts: the same with 1 and 8 child orgs, and with 1 and 3 rows of each kind.


def _add_children(tree, n):
    """n more grassroots unions under 济南's township union, each with an employer."""
    unions = []
    for index in range(n):
        union = org_services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS,
                                        name=f"第{index}公司工会", region="370102", by=SYSTEM)
        org_services.employer_create(name=f"济南第{index}公司", region="370102", covering_union=union,
                                     township_union=tree.lixia_town, by=SYSTEM)
        unions.append(union)
    return unions


def _rows(unions, n):
    """n rows of each kind, spread over `unions`, plus one of each out of scope kept in 青岛 by the caller."""
    for index in range(n):
        union = unions[index % len(unions)]
        application(union)
        application(union, overdue=True)
        out = member(union)
        transfer_request(membership=out, by=SYSTEM, to_union=unions[0].parent)
        for status in ("queued", "failed", "validated"):
            job(union, status)
        member(union, employment_form="13")
        coupon_activity(union, publish=False)


@pytest.mark.parametrize(("children", "rows"), [(1, 1), (8, 1), (1, 3), (8, 3)])
def test_the_workbench_query_count_is_fixed(tree, personas, console, django_assert_num_queries, children, rows):
    unions = [tree.grassroots, *_add_children(tree, children - 1)]
    _rows(unions, rows)
    client = console(personas.city_cadre)
    client.get(HOME)  # the session's first request writes the console's activity stamp
    # The session, the user, their positions (read once: every rule by role filters them), the scope's top orgs with
    # their figures, this month's new members, four review counts, three roster counts, the kinds of the federations
    # the cadre manages (the menu by role), the count of activity drafts; then 维权帮扶: three case queues (each the
    # co-handled case ids, then its count), two legal-aid counts and three assistance counts.
    # 自动化办公: the twelve office queues the city cadre sees add eleven queries (the chair-only 待批办 is not theirs;
    # 待办理 reads the cadre's departments first).
    with django_assert_num_queries(36):
        response = client.get(HOME)
    assert sum(counts_on(response.content.decode()).values()) == rows * 8

