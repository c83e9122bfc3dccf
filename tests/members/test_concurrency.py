"""Two people doing the same thing at the same moment: real threads, real transactions (PostgreSQL).

Each thread has its own database connection (closed at the end); a threading.Barrier starts them together.
Where the race window is inside a service, a gate (a Barrier wrapped around a function the service calls) holds
both threads at the same point so the collision is certain rather than likely.

SQLite (the in-memory test database) serialises writers on one lock and reports "database table is locked"
instead of waiting, so these tests only run on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections
from tests.conftest import make_user
from tests.members.conftest import join_values, newcomer_id

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import DomainError
from smartunion.core.models import TransitionLog
from smartunion.core.workflow import TransitionError
from smartunion.members import cards
from smartunion.members.models import CardSequence, JoinApplication, MemberCard, Membership, Person
from smartunion.members.services import (
    approve_join_application,
    join_apply,
    membership_end,
    membership_start,
    person_by_id_number,
    person_upsert,
)
from smartunion.members.services import join as member_services
from smartunion.orgs.models import Organisation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]

ALREADY = "该职工已是在册会员，不能重复入会"


def run_together(*calls, timeout: float = 30):
    """Run each call in its own thread, released together by a barrier; returns [("ok", value) | ("error", exc)]."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(index, call):
        try:
            start.wait(timeout=10)
            results[index] = ("ok", call())
        except BaseException as exc:
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still running (deadlock?)"
    return results


def gate(monkeypatch, owner, name: str, parties: int = 2):
    """Hold `parties` threads at the call of owner.name until all have reached it."""
    original = getattr(owner, name)
    barrier = threading.Barrier(parties)

    def gated(*args, **kwargs):
        barrier.wait(timeout=10)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, gated)  # stays: the real call, held until every thread is there (a forced race)


def split(results):
    oks = [value for kind, value in results if kind == "ok"]
    errors = [value for kind, value in results if kind == "error"]
    return oks, errors


def message_of(exc) -> str:
    return exc.message if isinstance(exc, DomainError) else str(exc)


def test_two_identical_submissions_make_one_application(transactional_db, tree, town):
    results = run_together(lambda: join_apply(by=SYSTEM, **join_values()),
                           lambda: join_apply(by=SYSTEM, **join_values()))
    oks, errors = split(results)
    assert errors == []
    assert sorted(created for _, created in oks) == [False, True]
    assert oks[0][0].pk == oks[1][0].pk
    assert JoinApplication.objects.count() == 1
    assert JoinApplication.objects.get().status == "pending"


def test_two_identical_submissions_collide_on_the_insert(transactional_db, tree, town, monkeypatch):
    # Both have passed the "already pending?" check before either inserts: the partial unique index decides.
    gate(monkeypatch, member_services, "dispatch")
    results = run_together(lambda: join_apply(by=SYSTEM, **join_values()),
                           lambda: join_apply(by=SYSTEM, **join_values()))
    oks, errors = split(results)
    assert errors == []
    assert sorted(created for _, created in oks) == [False, True]
    assert oks[0][0].pk == oks[1][0].pk
    assert JoinApplication.objects.count() == 1


def test_two_cadres_approving_at_once_make_one_membership(transactional_db, tree, personas, town, town_cadre):
    application, _ = join_apply(by=SYSTEM, **join_values())
    results = run_together(lambda: approve_join_application(application, by=town_cadre),
                           lambda: approve_join_application(application, by=personas.county_cadre))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1
    assert isinstance(errors[0], TransitionError)
    assert errors[0].message == "当前状态为“已通过”，不能执行“通过”"
    person = person_by_id_number(newcomer_id())
    membership = Membership.objects.get(person=person)
    assert (oks[0].pk, membership.union, membership.status) == (membership.pk, tree.lixia_town, "active")
    assert MemberCard.objects.filter(person=person).count() == 1
    assert CardSequence.objects.get(org=tree.jinan).last == 1
    assert JoinApplication.objects.get(pk=application.pk).membership == membership
    assert TransitionLog.objects.filter(workflow="members.join_application", action="approve").count() == 1
    assert Organisation.objects.get(pk=tree.lixia_town.pk).member_count == 1


def _two_pending_applications(tree) -> tuple[JoinApplication, JoinApplication]:
    """Two pending applications for one person, bypassing the one-pending-per-person index: the first one's index
    is overwritten before the second is submitted (to 甲公司工会委员会, by its credit code)."""
    first, _ = join_apply(by=SYSTEM, **join_values())
    JoinApplication.objects.filter(pk=first.pk).update(id_number_index="bypassed-for-the-test")
    second, created = join_apply(by=SYSTEM, **join_values(employer_name="济南甲科技有限公司",
                                               employer_credit_code=tree.employer.credit_code))
    assert created is True
    assert (first.union, second.union) == (tree.lixia_town, tree.grassroots)
    return first, second


def _returning_member(tree):
    """A former member: a Person with an active card but no active membership."""
    person, _ = person_upsert(name="李娜", id_number=newcomer_id(), by=SYSTEM)
    old = membership_start(person=person, union=tree.qd_grassroots, card_number="OLD-1", by=SYSTEM)
    cards.issue_card(person, union=tree.qd_grassroots, by=SYSTEM)
    membership_end(old, reason="离职", by=SYSTEM)


@pytest.mark.parametrize(("setup", "gated"), [
    pytest.param(None, (member_services, "person_upsert"), id="new-person"),
    pytest.param(_returning_member, (member_services, "issue_card"), id="returning-member-with-a-card"),
])
def test_two_applications_of_one_person_approved_at_once_make_one_membership(
        transactional_db, tree, personas, town, town_cadre, monkeypatch, setup, gated):
    if setup is not None:
        setup(tree)
    first, second = _two_pending_applications(tree)
    gate(monkeypatch, *gated)
    results = run_together(lambda: approve_join_application(first, by=town_cadre),
                           lambda: approve_join_application(second, by=personas.grassroots_cadre))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], DomainError), repr(errors[0])
    assert message_of(errors[0]) == ALREADY
    person = person_by_id_number(newcomer_id())
    assert Person.objects.filter(pk=person.pk).count() == 1
    assert Membership.objects.filter(person=person, status="active").count() == 1
    assert Membership.objects.get(person=person, status="active").pk == oks[0].pk
    statuses = sorted(JoinApplication.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses == ["approved", "pending"]
    assert MemberCard.objects.filter(person=person, status="active").count() == 1
    assert sum(Organisation.objects.filter(pk__in=[tree.lixia_town.pk, tree.grassroots.pk])
               .values_list("member_count", flat=True)) == 2  # the worker of 甲公司 + this one


def test_two_approvals_of_a_registered_person_without_a_card(transactional_db, tree, personas, town, town_cadre,
                                                             monkeypatch):
    person_upsert(name="李娜", id_number=newcomer_id(), by=SYSTEM)
    first, second = _two_pending_applications(tree)
    gate(monkeypatch, cards, "allocate_numbers")
    results = run_together(lambda: approve_join_application(first, by=town_cadre),
                           lambda: approve_join_application(second, by=personas.grassroots_cadre))
    oks, errors = split(results)
    person = person_by_id_number(newcomer_id())
    assert Membership.objects.filter(person=person, status="active").count() == 1  # the invariant holds
    assert len(oks) == 1 and len(errors) == 1, results
    assert not isinstance(errors[0], IntegrityError), repr(errors[0])
    assert message_of(errors[0]) == ALREADY


def test_the_database_itself_refuses_a_second_active_membership(transactional_db, tree, personas):
    """Below the services: two inserts of an active membership for one person, at once."""
    person, _ = person_upsert(name="李娜", id_number=newcomer_id(), by=SYSTEM)
    results = run_together(
        lambda: Membership.objects.create(person=person, union=tree.grassroots, union_path=tree.grassroots.path,
                                          card_number="RACE-1", since=dt.date(2026, 1, 1)),
        lambda: Membership.objects.create(person=person, union=tree.lixia_town, union_path=tree.lixia_town.path,
                                          card_number="RACE-2", since=dt.date(2026, 1, 1)),
    )
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
    assert Membership.objects.filter(person=person, status="active").count() == 1


# One account, one real person ----------------------------------------------------------------------------------


def test_two_accounts_racing_for_one_id_number_bind_one(transactional_db, tree, town, monkeypatch):
    # Both have passed the "is this ID number bound?" check before either binds: the unique constraint decides.
    first = make_user("racer_one", kind=User.Kind.WORKER, phone="13800006661")
    second = make_user("racer_two", kind=User.Kind.WORKER, phone="13800006662")
    gate(monkeypatch, member_services, "dispatch")
    results = run_together(lambda: join_apply(by=first, **join_values()),
                           lambda: join_apply(by=second, **join_values()))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], member_services.IdentityMismatch), repr(errors[0])
    assert (errors[0].code, errors[0].messages) == ("identity_mismatch", [member_services.IDENTITY_TAKEN])
    application, created = oks[0]
    winner = application.applicant
    assert created is True
    index = JoinApplication.objects.get().id_number_index
    assert list(User.objects.filter(real_name_index__isnull=False).values_list("pk", "real_name_index")) == [
        (winner.pk, index)]
    assert JoinApplication.objects.count() == 1


def test_one_account_racing_with_two_id_numbers_files_one(transactional_db, tree, town, monkeypatch):
    account = make_user("racer", kind=User.Kind.WORKER, phone="13800006663")
    gate(monkeypatch, member_services, "dispatch")
    results = run_together(lambda: join_apply(by=account, **join_values(1)),
                           lambda: join_apply(by=account, **join_values(2)))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], member_services.IdentityMismatch), repr(errors[0])
    assert errors[0].messages == [member_services.IDENTITY_OTHER_PERSON]
    application = JoinApplication.objects.get()
    assert User.objects.get(pk=account.pk).real_name_index == application.id_number_index


def test_a_worker_losing_the_insert_to_an_on_behalf_filing_is_still_bound(transactional_db, tree, town, town_cadre,
                                                                          monkeypatch):
    # The cadre's on-behalf insert commits while the worker's transaction is between its binding and its insert:
    # the worker's insert collides, its transaction (binding included) rolls back, and the binding is written alone.
    worker = make_user("late_worker", kind=User.Kind.WORKER, phone="13800006664")
    gate(monkeypatch, member_services, "dispatch")
    cadre_done = threading.Event()
    original_bind = member_services._bind_in_transaction

    def bind_after_the_cadre(user, index, id_number):
        assert cadre_done.wait(timeout=10)
        return original_bind(user, index, id_number)

    # Stays: the real binding, held until the cadre's filing is done (the order no real timing guarantees).
    monkeypatch.setattr(member_services, "_bind_in_transaction", bind_after_the_cadre)

    def cadre_files():
        try:
            return join_apply(on_behalf=True, by=town_cadre, **join_values())
        finally:
            cadre_done.set()

    results = run_together(cadre_files, lambda: join_apply(by=worker, **join_values()))
    oks, errors = split(results)
    assert errors == [], results
    (filed, filed_created), (mine, mine_created) = oks
    assert (filed_created, mine_created, mine.pk) == (True, False, filed.pk)
    assert User.objects.get(pk=worker.pk).real_name_index == filed.id_number_index
    assert JoinApplication.objects.get().submitted_by == town_cadre
