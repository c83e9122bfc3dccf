"""The refusals of the assistance app, with the codes clients branch on."""

from __future__ import annotations

from smartunion.core.errors import Conflict, Forbidden, Invalid


class NotEligible(Forbidden):
    """The person does not meet the programme's rule (403 not_eligible, with the reasons)."""

    default_code = "not_eligible"


class OverBudget(Conflict):
    default_code = "over_budget"

    def __init__(self, message: str = "项目预算余额不足，无法批准该申请", **kwargs):
        super().__init__(message, **kwargs)


class AlreadyPaid(Conflict):
    """The person was paid (or is being paid) for this purpose and year already."""

    default_code = "already_paid"

    def __init__(self, message: str = "该职工本年度已获得同一用途的帮扶资金，不能重复发放", **kwargs):
        super().__init__(message, **kwargs)


class ThresholdNotMet(Invalid):
    default_code = "threshold_not_met"


class NoStandard(Invalid):
    default_code = "no_living_standard"
