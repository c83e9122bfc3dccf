"""/api/v1 office: the exchange part."""

from smartunion.api.documents.common import router  # noqa: F401
