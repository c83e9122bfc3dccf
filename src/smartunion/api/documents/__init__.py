"""/api/v1 office (自动化办公): documents and incoming documents (outgoing.py, exchange.py), exchange, reports,
approvals and meetings. Each module adds its routes to `router`."""

from smartunion.api.documents import approvals, exchange, meetings, outgoing, reports  # noqa: F401  (routes register)
from smartunion.api.documents.common import router

__all__ = ["router"]
