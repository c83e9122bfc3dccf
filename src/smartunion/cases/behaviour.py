"""What the cases app records in a worker's footprint (core.events). No case content, no category of a complaint:
the label is the kind's name only, so a footprint never tells what someone complained about."""

from __future__ import annotations

from smartunion.core.events import register_kinds

KINDS = {
    "cases.case.file": "提交维权诉求",
    "cases.case.rate": "评价维权服务",
    "cases.legal_aid.apply": "申请法律援助",
    "cases.counselling.book": "预约心理咨询",
}
register_kinds(KINDS)
