"""Escalation of overdue cases: once per deadline, to the parent org, its cadres told, audited; a second run
changes nothing; waiting cases (the clock stopped) are not escalated; the task and the command run the same."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from tests.cases.case_rows import new_case
from tests.cases.conftest import at

from smartunion.cases.models import Case
from smartunion.cases.services import cases as services
from smartunion.cases.tasks import escalate_overdue as escalate_task
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent, OutboxMessage


def state():
    return (list(Case.objects.values_list("number", "first_response_escalated_at", "resolution_escalated_at",
                                          "escalated_to_id").order_by("id")),
            AuditEvent.objects.count(), OutboxMessage.objects.count())


def test_overdue_deadlines_escalate_once_and_a_second_run_changes_nothing(tree, personas, town_handler, clock):
    clock.set(at(2026, 11, 2, 9))  # Monday: first response due 11-03, resolution 11-11
    late = new_case(personas.worker)
    answered = services.accept(new_case(personas.worker), by=town_handler)
    waiting = services.pause(services.accept(new_case(personas.worker), by=town_handler), by=town_handler,
                             note="请补充材料")
    assert services.escalate_overdue(by=SYSTEM, now=at(2026, 11, 3, 23, 59)) == 0
    clock.set(at(2026, 11, 4, 8))
    assert services.escalate_overdue(by=SYSTEM) == 1  # the unanswered one's first response
    late.refresh_from_db()
    assert (late.first_response_escalated_at, late.escalated_to_id) == (at(2026, 11, 4, 8), tree.lixia.pk)
    assert list(OutboxMessage.objects.filter(user=personas.county_cadre).values_list("body", flat=True)) == [
        f"历下区解放路街道工会办理的维权工单{late.number}首次响应已超期，请督促办理。"]
    before = state()
    assert services.escalate_overdue(by=SYSTEM) == 0
    assert state() == before
    clock.set(at(2026, 11, 12, 8))  # resolution deadline (11-11) passed for the two running cases
    assert services.escalate_overdue(by=SYSTEM) == 2
    before = state()
    assert services.escalate_overdue(by=SYSTEM) == 0
    assert state() == before
    escalated = dict(Case.objects.filter(resolution_escalated_at__isnull=False).values_list("pk", "escalated_to"))
    assert escalated == {late.pk: tree.lixia.pk, answered.pk: tree.lixia.pk}
    assert Case.objects.get(pk=waiting.pk).resolution_escalated_at is None
    events = list(AuditEvent.objects.filter(action="cases.case.escalate").values_list("target_id", "data")
                  .order_by("id"))
    assert events == [(str(late.pk), {"deadline": "first_response", "escalated_to": "历下区总工会"}),
                      (str(late.pk), {"deadline": "resolution", "escalated_to": "历下区总工会"}),
                      (str(answered.pk), {"deadline": "resolution", "escalated_to": "历下区总工会"})]
    assert list(late.messages.values_list("kind", "body").order_by("id")) == [
        ("system", "首次响应已超期，已上报历下区总工会"), ("system", "办结已超期，已上报历下区总工会")]


def test_a_deadline_moved_into_the_future_may_escalate_again(tree, personas, town_handler, clock):
    clock.set(at(2026, 11, 2, 9))
    case = services.accept(new_case(personas.worker), by=town_handler)
    clock.set(at(2026, 11, 12, 8))
    assert services.escalate_overdue(by=SYSTEM) == 1
    # A pause while overdue stays overdue: the days it took extend a deadline already passed.
    case = services.pause(Case.objects.get(pk=case.pk), by=town_handler, note="请补充")
    clock.set(at(2026, 11, 19, 9))
    case = services.resume(case, by=town_handler)
    assert (case.paused_working_days, case.resolution_due) == (5, at(2026, 11, 18, 23, 59, 59))
    assert case.resolution_escalated_at == at(2026, 11, 12, 8)
    # Reclassified as difficult (15 working days): due 11-23 + 5 paused = 11-30, a new deadline.
    case = services.set_class(case, by=town_handler, case_class="difficult")
    assert (case.resolution_due, case.resolution_escalated_at) == (at(2026, 11, 30, 23, 59, 59), None)
    assert services.escalate_overdue(by=SYSTEM) == 0
    assert services.escalate_overdue(by=SYSTEM, now=at(2026, 12, 1, 8)) == 1


def test_the_task_and_the_command_run_the_same_job(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))
    new_case(personas.worker)
    new_case(personas.worker)
    clock.set(at(2026, 11, 4, 9))
    assert escalate_task() == 2
    out = StringIO()
    call_command("escalate-cases", stdout=out)
    assert out.getvalue().strip() == "超期上报 0 件"
