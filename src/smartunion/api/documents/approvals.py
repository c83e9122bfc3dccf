"""/api/v1 office: the approvals part."""

from smartunion.api.documents.common import router  # noqa: F401
