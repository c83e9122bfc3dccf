"""Console helpers: a second member (in 青岛) for the scope matrix, Excel files in memory, flash messages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.services import membership_start, person_upsert

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def qd_member(tree, personas):
    """李娜, a member of 丙公司工会委员会 (青岛): outside every 济南 cadre's scope."""
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370202", dt.date(1988, 11, 20), 246),
                              phone="13700000002", employer=tree.qd_employer, by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="370202000000001",
                     since=dt.date(2021, 6, 1), by=SYSTEM)
    return person


def xlsx_upload(rows, name="data.xlsx"):
    """An .xlsx upload whose first sheet holds `rows` (the first row is the header)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def xlsx_rows(response):
    """The rows of the first sheet of an .xlsx response, as tuples."""
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def flash(response):
    """The messages shown on the page a redirect was followed to."""
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def excel():
    class Excel:
        upload = staticmethod(xlsx_upload)
        rows = staticmethod(xlsx_rows)
        content_type = XLSX

    return Excel


@pytest.fixture
def messages_of():
    return flash


def refusals(response):
    """The errors on an admin form drawn again after a refusal: those above the form, then each field's, once each."""
    form = response.context["adminform"].form
    errors = [*form.non_field_errors(), *(e for name, field_errors in form.errors.items() if name != "__all__"
                                          for e in field_errors)]
    return list(dict.fromkeys(errors))


@pytest.fixture
def refusals_of():
    return refusals
