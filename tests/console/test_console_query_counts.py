"""Every console list costs a fixed number of queries: the same for 1 row as for 3 (for the lists per child org, 1
child as 8). A column read lazily per row, or a count per child org, shows here as a query count that grows.

Each test measures the same page before and after adding rows (tests/rows.py) and pins the exact number; a failure
prints the SQL of both requests. What a list page costs at least (6): the session, the user, the cadre's positions
(the scope), the capped COUNT, the positions with a managing role (the add button), the page with its related rows
joined in. A cadre who manages an org high enough to be a federation (county and up) pays one more on every page: the
kinds of the federations they manage, for the menu and the pages by role (console/site.py, PAGE_RULES).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests import rows
from tests.conftest import make_user
from tests.rows import Measured, assert_queries

from smartunion.core.actors import SYSTEM
from smartunion.members.models import JoinApplication
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation
from smartunion.subsites.models import Subsite
from smartunion.subsites.services import subsite_save


def show(client, url: str) -> Measured:
    """The page as the cadre sees it on a second visit: the process-wide caches a first visit fills (content types,
    code tables) are warm in a running server, whatever the test that ran before."""
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200, measured.result.status_code
    return measured


def shown(measured: Measured) -> list[str]:
    """The rows of a changelist, as their text."""
    return [str(obj) for obj in measured.result.context["cl"].result_list]


def changelist(name: str) -> str:
    return reverse(f"console:{name}_changelist")


@pytest.fixture
def root(db):
    return make_user("root", is_superuser=True)


def test_organisations(tree, personas, console):
    client = console(personas.city_cadre)
    url = changelist("orgs_organisation") + "?q=分会"
    rows.orgs(tree, 1)
    one = show(client, url)
    rows.orgs(tree, 2, start=1)
    three = show(client, url)

    assert [shown(one), shown(three)] == [["第0分会"], ["第0分会", "第1分会", "第2分会"]]
    # The list, plus the tree panel beside it (the scope's roots, the open root's children, which have children).
    assert_queries(9, one, three)


@pytest.mark.parametrize(("first", "then"), [(1, 3), (1, 8)])
def test_children_of_an_organisation(tree, personas, console, first, then):
    client = console(personas.city_cadre)
    url = changelist("orgs_organisation") + f"?parent__id__exact={tree.grassroots.pk}"
    rows.orgs(tree, first)
    one = show(client, url)
    rows.orgs(tree, then - first, start=first)
    more = show(client, url)

    assert [len(shown(one)), shown(more)] == [first, [f"第{i}分会" for i in range(then)]]
    # The list and the tree panel, opened down to the parent.
    assert_queries(11, one, more)


def test_employers(tree, personas, console):
    client = console(personas.grassroots_cadre)  # the employer its union covers
    one = show(client, changelist("orgs_employer"))
    rows.employers(tree, 2)
    three = show(client, changelist("orgs_employer"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert_queries(5, one, three)


def test_positions(tree, personas, console):
    client = console(personas.county_cadre)  # its own position and the grassroots chair's
    one = show(client, changelist("orgs_position"))
    rows.cadres(tree, 2)
    three = show(client, changelist("orgs_position"))

    assert [len(shown(one)), len(shown(three))] == [2, 4]
    assert_queries(6, one, three)


def test_accounts(tree, personas, console):
    client = console(personas.county_cadre)  # the cadres holding a position in its subtree
    one = show(client, changelist("accounts_user"))
    rows.cadres(tree, 2)
    three = show(client, changelist("accounts_user"))

    assert [sorted(shown(one)), sorted(shown(three))] == [
        ["county_cadre", "grassroots_cadre"], ["county_cadre", "grassroots_cadre", "reviewer0", "reviewer1"]]
    assert_queries(6, one, three)


def test_people(tree, personas, console):
    client = console(personas.grassroots_cadre)  # the members of its union
    one = show(client, changelist("members_person"))
    rows.members(tree, 2)
    three = show(client, changelist("members_person"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert_queries(5, one, three)


def test_memberships(tree, personas, console):
    client = console(personas.grassroots_cadre)
    one = show(client, changelist("members_membership"))
    rows.members(tree, 2)
    three = show(client, changelist("members_membership"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert_queries(5, one, three)


def test_review_queue(tree, personas, console):
    """Each row names its union and its filer; the approved ones their membership."""
    client = console(personas.county_cadre)
    rows.applications(tree, 1, status=JoinApplication.Status.APPROVED)
    one = show(client, changelist("members_joinapplication"))
    rows.applications(tree, 1, start=1)
    rows.applications(tree, 1, start=2, overdue=True)
    three = show(client, changelist("members_joinapplication"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert three.result.context["overdue_total"] == 1
    # The page, plus: its top org, the overdue total, the children and their grouped counts, the review roles
    # (may the cadre file on someone's behalf), the kinds of the federations the cadre manages.
    assert_queries(10, one, three)


@pytest.mark.parametrize("children", [1, 8])
def test_review_queue_overdue_breakdown(tree, personas, console, children):
    """The overdue count of each child of the cadre's top org (历下区总工会: one to eight township unions)."""
    towns = [tree.lixia_town] + [
        org_services.org_create(parent=tree.lixia, kind=Organisation.Kind.TOWNSHIP, name=f"历下区第{i}街道工会",
                                region="370102", by=SYSTEM) for i in range(2, children + 1)]
    for index, town in enumerate(towns):
        rows.applications(tree, index + 1, start=10 * index, union=town, overdue=True)

    measured = show(console(personas.county_cadre), changelist("members_joinapplication"))

    context = measured.result.context
    assert context["overdue_total"] == sum(range(1, children + 1))
    assert context["overdue_breakdown"] == [(town.name, index + 1) for index, town in enumerate(towns)]
    assert_queries(10, measured)


def test_transfers(tree, personas, console):
    client = console(personas.county_cadre)
    rows.transfers(tree, 1)
    one = show(client, changelist("members_transfer"))
    rows.transfers(tree, 2, start=1)
    three = show(client, changelist("members_transfer"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert_queries(6, one, three)


def test_roster_jobs(tree, personas, console, settings, tmp_path):
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = console(personas.city_cadre)
    rows.roster_jobs(tree, 1, by=personas.city_cadre)
    one = show(client, changelist("members_rosterimport"))
    rows.roster_jobs(tree, 2, by=personas.city_cadre)
    three = show(client, changelist("members_rosterimport"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    # The page, plus the look for jobs whose process died, and the federation kinds.
    assert_queries(7, one, three)


def test_audit_log(tree, personas, console):
    client = console(personas.city_cadre)
    rows.audit_events(tree, 1, actor=personas.grassroots_cadre)
    one = show(client, changelist("core_auditevent") + "?q=test.row")
    rows.audit_events(tree, 2, start=1, actor=personas.grassroots_cadre)
    three = show(client, changelist("core_auditevent") + "?q=test.row")

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    # The page (each row with its actor, its org and its second org's name), plus the federation kinds; the action
    # filter's choices are the declared labels (core.audit), not a query.
    assert_queries(6, one, three)


def test_holiday_schedules(tree, personas, console):
    client = console(personas.province_admin)
    rows.holiday_schedules(1, by=personas.province_admin)
    one = show(client, changelist("core_holidayschedule"))
    rows.holiday_schedules(2, start=1, by=personas.province_admin)
    three = show(client, changelist("core_holidayschedule"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    # Session, user, scope, managing roles, the right to load schedules, the federation kinds, COUNT, the page.
    assert_queries(7, one, three)


def test_subsites(tree, personas, console):
    client = console(personas.city_cadre)
    rows.subsites(tree, 1)
    one = show(client, changelist("subsites_subsite"))
    rows.subsites(tree, 2, start=1)
    three = show(client, changelist("subsites_subsite"))

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert_queries(6, one, three)


def test_notices_of_a_subsite(tree, personas, console):
    """The subsite's page lists its notices (an inline form each)."""
    subsite = subsite_save(Subsite(org=tree.jinan, name="济南分站"), by=SYSTEM, changed=["name"])
    client = console(personas.city_cadre)
    url = reverse("console:subsites_subsite_change", args=[subsite.pk])
    rows.notices(subsite, 1)
    one = show(client, url)
    rows.notices(subsite, 2, start=1)
    three = show(client, url)

    assert [len(m.result.context["inline_admin_formsets"][0].formset.queryset) for m in (one, three)] == [1, 3]
    # Session, user, scope, the subsite, managing roles, the federation kinds, its notices, the federations for the
    # org field.
    assert_queries(7, one, three)


def test_outbox(tree, root, console):
    client = console(root)
    rows.outbox(1)
    one = show(client, changelist("core_outboxmessage") + "?channel__exact=sms")
    rows.outbox(2, start=1)
    three = show(client, changelist("core_outboxmessage") + "?channel__exact=sms")

    assert [len(shown(one)), len(shown(three))] == [1, 3]
    # Session, user, the filtered COUNT, the whole outbox's COUNT (the platform operator's list shows it), the page.
    assert_queries(5, one, three)


def test_organisation_search_of_a_form(tree, personas, console):
    """The search-as-you-type list of a form's org field (the autocomplete view)."""
    client = console(personas.city_cadre)
    url = reverse("console:autocomplete") + "?app_label=orgs&model_name=position&field_name=org&term=分会"
    rows.orgs(tree, 1)
    one = show(client, url)
    rows.orgs(tree, 2, start=1)
    three = show(client, url)

    assert [[r["text"] for r in m.result.json()["results"]] for m in (one, three)] == [
        ["第0分会"], ["第0分会", "第1分会", "第2分会"]]
    # Session, user, scope, COUNT, the page (no add button here).
    assert_queries(5, one, three)
