"""/api/v1 data platform: open (routes added to api.insight.common.router)."""

from smartunion.api.insight.common import router  # noqa: F401
