"""Endpoints: see api/cases/__init__.py."""

from smartunion.api.cases.common import router  # noqa: F401
