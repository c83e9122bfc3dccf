"""/api/v1 data platform: dashboards (routes added to api.insight.common.router)."""

from smartunion.api.insight.common import router  # noqa: F401
