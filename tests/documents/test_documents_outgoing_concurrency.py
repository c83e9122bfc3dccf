"""Numbering under real concurrency (PostgreSQL): eight administrators numbering eight documents of one rule at once
get eight distinct, consecutive numbers; the year's first numbering races to make the sequence row and still gives
each document its own number. Two chairs signing one document at once: one wins."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from tests.conftest import make_user
from tests.documents.outgoing_rows import advance, draft, make_office
from tests.members.test_concurrency import run_together, split

from smartunion.core.actors import SYSTEM
from smartunion.core.workflow import TransitionError
from smartunion.documents.models import NumberSequence, OutgoingDocument
from smartunion.documents.services import outgoing as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers"),
]

DOCUMENTS = 8


def test_eight_numberings_at_once_get_eight_consecutive_numbers(tree):
    office = make_office(tree)
    clerks = [office.clerk]
    for i in range(1, DOCUMENTS):
        clerk = make_user(f"clerk{i}")
        org_services.position_grant(user=clerk, org=tree.jinan, role=Position.Role.ADMINISTRATOR, by=SYSTEM)
        clerks.append(clerk)
    documents = [advance(draft(office, f"通知{i}"), office, OutgoingDocument.Status.NUMBERING)
                 for i in range(DOCUMENTS)]
    assert not NumberSequence.objects.exists()  # the first numbering of the year also races to make the row
    pairs = zip(documents, clerks, strict=True)
    results = run_together(*[(lambda d=d, c=c: services.number(d, by=c)) for d, c in pairs])
    numbered, errors = split(results)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(d.number_seq for d in numbered) == list(range(1, DOCUMENTS + 1))
    assert sorted(OutgoingDocument.objects.values_list("number", flat=True)) == sorted(
        f"济工发〔{year}〕{n}号" for n in range(1, DOCUMENTS + 1))
    assert NumberSequence.objects.get(rule=office.rule, year=year).last == DOCUMENTS


def test_two_chairs_signing_at_once_one_wins(tree):
    office = make_office(tree)
    second = make_user("chair2", display_name="副主席")
    org_services.position_grant(user=second, org=tree.jinan, role=Position.Role.CHAIR, by=SYSTEM)
    document = advance(draft(office), office, OutgoingDocument.Status.SIGNING)
    results = run_together(lambda: services.sign(document, by=office.chair),
                           lambda: services.sign(document, by=second))
    oks, errors = split(results)
    assert (len(oks), len(errors)) == (1, 1)
    assert isinstance(errors[0], TransitionError)
    assert errors[0].message == "当前状态为“编号”，不能执行“签发”"
    assert OutgoingDocument.objects.get(pk=document.pk).signer_id == oks[0].signer_id
