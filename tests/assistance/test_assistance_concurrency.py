"""Races on PostgreSQL (threads with their own connections): paying twice, over-spending a budget.

SQLite serialises writers and answers "database table is locked" instead of waiting, so these run on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from tests.assistance.conftest import STANDARD_FEN, active_file, apply, make_member, programme_values
from tests.assistance.test_assistance_payments import end_notice, granted_meanwhile, noticed
from tests.members.test_concurrency import run_together

from smartunion.accounts.models import User
from smartunion.assistance.models import Application, Payment, Programme
from smartunion.assistance.services import applications, payments, programmes
from smartunion.core.actors import SYSTEM

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def outcomes(results) -> list:
    return sorted("ok" if outcome == "ok" else getattr(value, "code", repr(value)) for outcome, value in results)


def test_two_payments_at_once_for_one_application_make_one(tree, personas, aid):
    application_id = end_notice(noticed(aid.programme, personas)).pk
    cadre_id = personas.city_cadre.pk

    def pay(key):
        return lambda: payments.create_payment(Application.objects.select_related("programme__org").get(
            pk=application_id), by=User.objects.get(pk=cadre_id), idempotency_key=key)

    results = run_together(pay("race-key-0001"), pay("race-key-0002"))
    assert outcomes(results) == ["already_paying", "ok"]
    assert Payment.objects.count() == 1


def test_the_same_key_at_once_answers_the_same_payment(tree, personas, aid):
    application_id = end_notice(noticed(aid.programme, personas)).pk
    cadre_id = personas.city_cadre.pk

    def pay():
        return payments.create_payment(Application.objects.select_related("programme__org").get(pk=application_id),
                                       by=User.objects.get(pk=cadre_id), idempotency_key="same-key-0001")

    results = run_together(pay, pay, pay)
    assert [outcome for outcome, _ in results] == ["ok", "ok", "ok"]
    assert len({value[0].pk for _, value in results}) == 1
    assert sorted(value[1] for _, value in results) == [False, False, True]
    assert Payment.objects.count() == 1


def test_one_person_two_programmes_same_purpose_and_year_paid_once(tree, personas, aid):
    county = programmes.create_programme(by=personas.county_cadre, org=tree.lixia, **programme_values(
        name="历下区助学", review_chain=["grassroots", "county"]))
    a1 = end_notice(noticed(aid.programme, personas))
    a2 = granted_meanwhile(county, personas, tree)  # the services refuse it; a race of two approvals could make it
    cadre_id = personas.province_admin.pk

    def pay(application_id, key):
        return lambda: payments.create_payment(Application.objects.select_related("programme__org").get(
            pk=application_id), by=User.objects.get(pk=cadre_id), idempotency_key=key)

    results = run_together(pay(a1.pk, "both-0000001"), pay(a2.pk, "both-0000002"))
    assert outcomes(results) == ["already_paid", "ok"]
    assert Payment.objects.count() == 1


def test_final_approvals_racing_over_a_budget_that_fits_three_of_six(tree, personas):
    programmes.set_living_standard(by=SYSTEM, org=tree.jinan, region="370100",
                                   year=timezone.localdate().year, monthly_fen=STANDARD_FEN)
    programme = programmes.create_programme(by=SYSTEM, org=tree.jinan, **programme_values(
        budget_fen=1_000_000, review_chain=["city"]))  # 3 × 300,000 fit, the fourth does not
    ids = []
    for _ in range(6):
        member = make_member(tree.grassroots)
        active_file(member.person, tree.grassroots)
        ids.append(apply(programme, member).pk)
    cadre_id = personas.city_cadre.pk

    def approve(application_id):
        return lambda: applications.approve_application(Application.objects.get(pk=application_id),
                                                        by=User.objects.get(pk=cadre_id))

    results = run_together(*(approve(i) for i in ids), timeout=60)
    assert outcomes(results) == ["ok"] * 3 + ["over_budget"] * 3
    programme = Programme.objects.get(pk=programme.pk)
    assert programme.committed_fen == 900_000
    assert Application.objects.filter(programme=programme, status="approved").count() == 3
    assert Application.objects.filter(programme=programme, status="pending").count() == 3
