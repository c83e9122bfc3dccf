"""Filing rights cases in tests: one call with sensible values, any of them overridden."""

from __future__ import annotations

from smartunion.cases.models import Case
from smartunion.cases.services.cases import file_case

DESCRIPTION = "公司已经连续三个月拖欠工资，多次讨要无果，请工会帮助协调解决。"


def values(**overrides) -> dict:
    base = {
        "kind": Case.Kind.COMPLAINT, "category": "wages", "subcategory": "arrears", "description": DESCRIPTION,
        "region": "370102", "contact_name": "", "phone": "13900000001", "employer_name": "济南乙商贸有限公司",
        "channel": Case.Channel.PORTAL,
    }
    base.update(overrides)
    return base


def new_case(by, **overrides) -> Case:
    return file_case(by=by, **values(**overrides))
