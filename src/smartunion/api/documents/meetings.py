"""/api/v1 office: the meetings part."""

from smartunion.api.documents.common import router  # noqa: F401
