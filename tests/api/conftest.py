"""Fixtures for the /api/v1 tests (the personas and the province tree come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from smartunion.accounts.services import issue_token


@pytest.fixture
def lenient_api():
    """Like `api`, but a server error comes back as a 500 response instead of being raised inside the test."""

    def make(user=None) -> Client:
        if user is None:
            return Client(raise_request_exception=False)
        token, _ = issue_token(user)
        return Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)

    return make
