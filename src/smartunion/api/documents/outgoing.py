"""/api/v1 office: the outgoing part."""

from smartunion.api.documents.common import router  # noqa: F401
