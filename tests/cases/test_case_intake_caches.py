"""What filing reads from per-process caches (core/cache.py) follows the changes that matter at once in the same
process: a handler appointed or removed, a deadline table set. And the roll-up's single-statement upsert."""

from __future__ import annotations

from django.db import connection
from tests.cases.case_rows import new_case
from tests.cases.conftest import at
from tests.conftest import make_user

from smartunion.cases.models import Case, CaseStat, CaseSubtreeStat
from smartunion.cases.services import stats
from smartunion.core.actors import SYSTEM
from smartunion.core.models import OutboxMessage
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position


def _notices(user) -> list[str]:
    return list(OutboxMessage.objects.filter(user=user).order_by("id").values_list("body", flat=True))


def test_a_handler_appointed_between_two_filings_hears_of_the_second(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9, 30))
    first = new_case(personas.worker)  # the township union has no handler yet: nobody is told
    assert first.org == tree.lixia_town
    handler = make_user("late_handler")
    position = org_services.position_grant(user=handler, org=tree.lixia_town, role=Position.Role.REVIEWER,
                                           by=SYSTEM)
    new_case(personas.outsider)
    assert _notices(handler) == ["新的维权工单WQ20261102000002待受理。"]
    org_services.position_revoke(position, by=SYSTEM)
    new_case(personas.outsider)
    assert _notices(handler) == ["新的维权工单WQ20261102000002待受理。"]


def test_the_roll_up_rows_are_made_or_added_to_in_two_statements_in_one_round_trip_on_postgresql(
        tree, personas, clock, django_assert_num_queries):
    clock.set(at(2026, 11, 2, 9, 30))
    case = new_case(personas.worker)
    january = Case(kind=case.kind, category=case.category, submitted_at=at(2026, 1, 5, 10))  # no rows that month
    key = {"month": "2026-01-01", "kind": case.kind, "category": case.category}
    # The handling org's row, then the subtree rows of it and every ancestor: sent together to PostgreSQL.
    round_trips = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(round_trips):
        stats.bump(january, org=tree.lixia, closed=-1, closed_on_time=-1, received=2)
    row = CaseStat.objects.get(org=tree.lixia, **key)
    assert (row.org_path, row.received, row.closed, row.closed_on_time) == (tree.lixia.path, 2, 0, 0)
    subtree = CaseSubtreeStat.objects.filter(**key).order_by("org_id")
    assert [(r.org_id, r.received, r.closed) for r in subtree] == [
        (pk, 2, 0) for pk in sorted([tree.national.pk, tree.province.pk, tree.jinan.pk, tree.lixia.pk])]
    with django_assert_num_queries(round_trips):
        stats.bump(january, org=tree.lixia, received=1, closed=3, rating_sum=5)
    row.refresh_from_db()
    assert (row.received, row.closed, row.rating_sum, row.rated) == (3, 3, 5, 0)
    assert CaseSubtreeStat.objects.get(org=tree.province, **key).closed == 3
    assert CaseStat.objects.get(org=tree.lixia_town, month="2026-11-01").received == 1


def test_a_counter_that_is_not_one_is_a_programming_error(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9, 30))
    case = new_case(personas.worker)
    try:
        stats.bump(case, received=1, bogus=1)
    except ValueError as exc:
        assert str(exc) == "not a CaseStat counter: ['bogus']"
    else:
        raise AssertionError("an unknown counter was accepted")
    assert CaseStat.objects.get(org=tree.lixia_town).received == 1


def test_a_filed_case_is_announced_to_the_watch_within_its_transaction(tree, personas, clock):
    """The watch reads the description inside the filing's transaction (its hits commit with the case); a watcher
    that fails is undone to its savepoint and logged, and the case is filed all the same."""
    from django.db import connection

    from smartunion.core.incoming import incoming_text
    from smartunion.core.models import OutboxMessage

    heard = []

    def listener(sender, signal, **item):
        heard.append({**item, "in_transaction": connection.in_atomic_block})

    def failing(sender, signal, **item):
        OutboxMessage.objects.create(channel="inbox", recipient="x", subject="由失败的监听者写入", body="")
        raise RuntimeError("a broken watcher")

    incoming_text.connect(listener, weak=False)
    incoming_text.connect(failing, weak=False)
    try:
        clock.set(at(2026, 11, 2, 9, 30))
        case = new_case(personas.worker, title="拖欠工资")
    finally:
        incoming_text.disconnect(listener)
        incoming_text.disconnect(failing)
    assert heard == [{"kind": "case", "ref": str(case.pk), "title": "拖欠工资", "text": case.description,
                      "org_path": tree.lixia_town.path, "link": f"/console/cases/case/{case.pk}/handle/",
                      "new": True, "in_transaction": True}]
    assert type(case).objects.filter(pk=case.pk).exists()
    assert not OutboxMessage.objects.filter(subject="由失败的监听者写入").exists()



def test_a_filing_the_watch_reports_does_not_look_for_earlier_reports_of_a_case_just_written(
        tree, personas, clock):
    """The case was inserted by the same transaction: no earlier scan can have kept a hit for it, so the watch only
    inserts (its hits, then one alert per rule)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from smartunion.editorial.models import WatchHit
    from smartunion.editorial.services.watch import add_rule

    editor = make_user("case_watch_editor")
    org_services.position_grant(user=editor, org=tree.province, role=Position.Role.EDITOR, by=SYSTEM)
    add_rule(by=editor, org=tree.province, name="欠薪监测", keywords=["拖欠工资"], sources=["case"])
    clock.set(at(2026, 11, 2, 9, 30))
    new_case(personas.worker)  # the first filing fills the per-process caches (routing, deadlines, the matcher)
    with CaptureQueriesContext(connection) as queries:
        case = new_case(personas.outsider)
    watch_sql = [q["sql"].split()[0] for q in queries.captured_queries if "editorial_watchhit" in q["sql"]]
    assert watch_sql == ["INSERT"]
    assert list(WatchHit.objects.filter(source_ref=str(case.pk)).values_list("keyword", "start")) == [("拖欠工资", 9)]
    assert _notices(editor)[-1].startswith("监测规则“欠薪监测”在维权诉求")
