"""Property-based fuzzing of the whole /api/v1 OpenAPI with schemathesis, as anonymous and as a province cadre.

Every operation gets a bounded, reproducible set of requests (schemathesis' explicit examples and coverage
cases, then MAX_EXAMPLES generated ones, seeded by the operation). A request fails the test when:

* the answer is a 5xx;
* its status code is not declared for the operation, its content type or its body does not match the declaration;
* a 4xx is not our JSON error {code, message (Chinese), fields};
* a request that the schema says is valid is refused for a reason the schema itself states (a type, a length, a
  required field, a character rule): the OpenAPI must say what the endpoint really accepts. Business refusals
  (an unknown region code, a wrong check digit) are allowed.

The whole run is one database transaction per operation, rolled back by pytest-django; writes that the fuzzer
makes (orgs, employers, join applications) pile up only within that operation.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartunion.accounts.services import issue_token
from smartunion.api.errors import PYDANTIC_MESSAGES

MAX_EXAMPLES = 15
CJK = re.compile(r"[\u4e00-\u9fff]")


def wsgi_app():
    """Django's WSGI handler without the per-request connection clean-up, which would close the connection that
    holds the test's transaction (Django's own test client does the same)."""
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return app


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app())
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# What the edge says when a request breaks a rule the schema states: a type, a length, a missing field, characters.
SCHEMA_RULE_MESSAGES = set(PYDANTIC_MESSAGES.values()) | {"应为数字", "不能包含控制字符", "含有无法识别的字符"}
LENGTH_MESSAGE = re.compile(r"不能超过\d+(个字|项)$")


def is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def errors_are_our_json(ctx, response, case):
    """Every 4xx is {code, message, fields} with Chinese messages."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = json.loads(response.content)
    assert sorted(body) == ["code", "fields", "message"], body
    assert CJK.search(body["message"]), body
    assert all(CJK.search(message) for message in body["fields"].values()), body
    return None


def schema_rules_agree(ctx, response, case):
    """A request the schema calls valid is not refused for breaking one of the schema's own rules."""
    if response.status_code not in (400, 422) or not is_positive(case):
        return None
    body = json.loads(response.content)
    broken = {name: message for name, message in body.get("fields", {}).items()
              if message in SCHEMA_RULE_MESSAGES or LENGTH_MESSAGE.search(message)}
    assert body.get("code") != "bad_request", f"a schema-valid request was not understood: {body}"
    assert not broken, f"the schema allows what the API refuses: {broken}"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          errors_are_our_json, schema_rules_agree]


@pytest.fixture
def cadre_headers(personas):
    token, _ = issue_token(personas.province_admin)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_anonymous(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_province_cadre(case, cadre_headers):
    case.call_and_validate(headers=cadre_headers, checks=CHECKS)
