import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from smartunion.core import pii
from smartunion.core.bulk import insert_rows
from smartunion.members.models import Person

pytestmark = pytest.mark.django_db


def test_a_duplicate_is_a_django_integrity_error_on_every_backend():
    """COPY on PostgreSQL goes through the raw driver; a duplicate must still surface as Django's IntegrityError."""
    row = ("张三", pii.encrypt("x"), pii.blind_index("110105194912310029", purpose="id_number"), "1",
           dt.date(1949, 12, 31), "", None, "", "", "", "", "", "", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    fields = ("name", "id_number", "id_number_index", "sex", "birth_date", "phone", "phone_index", "address",
              "ethnicity", "education", "political_status", "employment_form", "gig_platform", "created_at")
    assert insert_rows(Person, fields, [row]) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Person, fields, [row])
    assert Person.objects.count() == 1
