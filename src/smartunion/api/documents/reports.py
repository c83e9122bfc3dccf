"""/api/v1 office: the reports part."""

from smartunion.api.documents.common import router  # noqa: F401
