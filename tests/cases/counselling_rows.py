"""Rows for the legal-aid and counselling tests, written through the services (by SYSTEM)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from smartunion.cases.models import Slot
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.actors import SYSTEM

_numbers = itertools.count(1)


def lawyer(org, *, name="李律师", active=True):
    made = legal_aid.create_lawyer(by=SYSTEM, org=org, name=name, firm="山东泉城律师事务所",
                                   license_number=f"1370120{next(_numbers):010d}", phone="13800001111",
                                   specialties="劳动争议")
    if not active:
        made = legal_aid.update_lawyer(made, by=SYSTEM, active=False)
    return made


def application(user, *, region="370102", claim_amount_fen=1_250_000, **values):
    fields = {"name": "张伟", "phone": "13900000001", "employer_name": "济南乙商贸有限公司",
              "dispute_type": "wages", "dispute_summary": "公司拖欠三个月工资共计一万二千五百元，多次催要未果。"}
    fields.update(values)
    return legal_aid.apply_for_legal_aid(by=user, region=region, claim_amount_fen=claim_amount_fen, **fields)


def counsellor(org, username="counsellor1", *, display_name="林老师"):
    return counselling.create_counsellor(by=SYSTEM, org=org, display_name=display_name, username=username,
                                         password="correct-horse-42", qualification="国家二级心理咨询师")


def slot(counsellor_row, *, hours_ahead: float = 48, minutes: int = 50) -> Slot:
    starts_at = (timezone.now() + dt.timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    return Slot.objects.create(counsellor=counsellor_row, starts_at=starts_at,
                               ends_at=starts_at + dt.timedelta(minutes=minutes))
