"""The refusals of the benefits app, with the codes clients branch on."""

from __future__ import annotations

from smartunion.core.errors import Conflict, DomainError, Forbidden


class NotEligible(Forbidden):
    """The member is outside the activity's audience (403 not_eligible, with the reason)."""

    default_code = "not_eligible"


class SoldOut(Conflict):
    default_code = "sold_out"

    def __init__(self, message: str = "券已领完", **kwargs):
        super().__init__(message, **kwargs)


class LimitReached(Conflict):
    default_code = "limit_reached"


class AlreadyRedeemed(Conflict):
    default_code = "already_redeemed"

    def __init__(self, message: str = "该券已核销，不能重复使用", **kwargs):
        super().__init__(message, **kwargs)


class TooManyAttempts(DomainError):
    """Too many tries in a short time (429 too_many_requests)."""

    status = 429
    default_code = "too_many_requests"


class NotOpen(Conflict):
    """The activity is not taking part now (a draft, paused, closed, before its start or after its end)."""

    default_code = "not_open"
