"""/api/v1 data platform (数据整合): registries and matching (registries.py), figures and dashboards
(dashboards.py), assessment (assessment.py), member tags (tags.py), API keys and open data (open.py; its own key
authentication), webhooks (webhooks.py). Each module adds its routes to `router`."""

from smartunion.api.insight import assessment, dashboards, open, registries, tags, webhooks  # noqa: F401  (routes register)
from smartunion.api.insight.common import router

__all__ = ["router"]
