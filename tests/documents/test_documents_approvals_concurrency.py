"""Races on approvals with real threads and transactions (PostgreSQL): two identical submissions at once make one
request (the partial unique constraint document_request_one_open), and two approvers' clicks on one step at once
decide it once."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.documents.approvals_rows import leave_data, make_office
from tests.members.test_concurrency import run_together, split

from smartunion.core.errors import Conflict
from smartunion.documents.models import ApprovalRequest, ApprovalStep
from smartunion.documents.services import approvals as services

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]


def test_two_identical_submissions_at_once_make_one_request(tree, personas):
    office = make_office(tree, personas)
    form = office.forms["leave"]
    results = run_together(*[(lambda: services.submit_request(form=form, data=leave_data(), by=office.staff))
                             for _ in range(4)])
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 3
    assert all(isinstance(e, Conflict) and e.message == "您已有一个相同事项的审批正在办理" for e in errors)
    assert ApprovalRequest.objects.count() == 1
    assert ApprovalStep.objects.filter(request=oks[0]).count() == 2


def test_one_step_approved_twice_at_once_moves_once(tree, personas):
    office = make_office(tree, personas)
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    results = run_together(lambda: services.approve(request, by=office.admin),
                           lambda: services.approve(request, by=office.admin))
    oks, errors = split(results)
    assert len(oks) == 1 and len(errors) == 1
    statuses = list(ApprovalStep.objects.filter(request=request).order_by("position").values_list("status", flat=True))
    assert statuses == ["approved", "pending"]
