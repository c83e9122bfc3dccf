"""Refusals of the cases app (core.errors subclasses with stable codes and Chinese messages).

Rights cases first; other parts of the app may append their own classes at the end of this file.
"""

from __future__ import annotations

from smartunion.core.errors import Conflict, Invalid, NotFound, StateError


class CaseNotFound(NotFound):
    """A case that does not exist or lies outside the reader's scope (never told apart)."""

    def __init__(self, message: str = "工单不存在", **kwargs):
        super().__init__(message, **kwargs)


class OrgNotFound(NotFound):
    """A target org (transfer, co-handling, statistics) that does not exist or that the cadre cannot see."""

    def __init__(self, message: str = "单位不存在", **kwargs):
        super().__init__(message, **kwargs)


class NoOrgForRegion(Invalid):
    default_code = "no_org_for_region"


class CaseClosed(StateError):
    default_code = "case_closed"

    def __init__(self, message: str = "工单已办结，如需继续办理请申请重新办理", **kwargs):
        super().__init__(message, **kwargs)


class AlreadyRated(Conflict):
    default_code = "already_rated"

    def __init__(self, message: str = "您已评价过该工单", **kwargs):
        super().__init__(message, **kwargs)


class ReopenWindowClosed(StateError):
    default_code = "reopen_window_closed"


class AssistExists(Conflict):
    default_code = "assist_exists"

    def __init__(self, message: str = "该单位正在协办此工单", **kwargs):
        super().__init__(message, **kwargs)
