"""Property-based fuzzing of the whole /api/v1 OpenAPI with schemathesis, as anonymous and as a province cadre.

Every operation gets a bounded, reproducible set of requests (schemathesis' explicit examples and coverage
cases, then MAX_EXAMPLES generated ones, seeded by the operation). A request fails the test when:

* the answer is a 5xx;
* its status code is not declared for the operation, its content type or its body does not match the declaration;
* a 4xx is not our JSON error {code, message (Chinese), fields};
* a request that the schema says is valid is refused for a reason the schema itself states (a type, a length, a
  required field, a character rule), or one that breaks the schema is accepted: the OpenAPI must say what the
  endpoint really accepts. Business refusals (an unknown region code, a wrong check digit) are allowed.

Each operation runs in one database transaction, rolled back by pytest-django: what the fuzzer writes (orgs,
employers, approvals) piles up only within that operation. The cadre run starts from the `tree` and `personas`
fixtures plus three pending join applications and a pending transfer, and small generated ids are mapped onto
those objects, so that the workflows are reached and not only their 404s.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from smartunion.accounts.services import issue_token
from smartunion.api.errors import PYDANTIC_MESSAGES
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members import services
from smartunion.members.models import Membership

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
          negative_data_rejection, errors_are_our_json, schema_rules_agree]


# Ids of the seeded objects, by the name of the parameter or field that refers to one. Small generated ids are
# mapped onto them so that the fuzzer reaches the workflows (approve, forward, release...) and not only 404s.
SEEDED: dict[str, list[int]] = {}
ORG_REFERENCES = ("org_id", "parent_id", "to", "to_union_id", "covering_union_id", "township_union_id", "union_id")


@pytest.fixture
def seeded(tree, personas):
    """Pending join applications at a grassroots union and at a township union, and a pending transfer."""
    applications = [
        services.join_apply(name=name, id_number=make_id_number("370102", dt.date(1990, 1, 1 + i), 11 + i),
                            phone=f"1380000{i:04d}", employer_name=employer, work_region="370102", by=SYSTEM)[0]
        for i, (name, employer) in enumerate([("王芳", "济南甲科技有限公司"), ("李强", "济南乙商贸有限公司"),
                                              ("赵敏", "济南新开张科技有限公司")])
    ]
    membership = Membership.objects.get(person__user=personas.worker)
    transfer = services.transfer_request(membership=membership, by=personas.worker, to_union=tree.qd_grassroots)
    orgs = [tree.grassroots.pk, tree.lixia_town.pk, tree.lixia.pk, tree.qd_grassroots.pk, tree.province.pk]
    activities = _benefits(tree)
    SEEDED.update({
        "activity_id": [a.pk for a in activities],
        "application_id": [a.pk for a in applications], "transfer_id": [transfer.pk],
        "employer_id": [tree.employer.pk, tree.employer_without_union.pk, tree.qd_employer.pk],
        "membership_id": [membership.pk], **{name: orgs for name in ORG_REFERENCES},
    })
    yield SEEDED
    SEEDED.clear()


def _benefits(tree):
    """A published activity of every kind in 济南 (and a draft), so that the benefits endpoints are reached."""
    from smartunion.benefits import services as benefits
    from smartunion.benefits.services.merchants import create_merchant

    now = timezone.now()
    window = {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=1)}

    def make(kind, **values):
        return benefits.create_activity(by=SYSTEM, org=tree.jinan, kind=kind,
                                        **{"title": f"{kind}活动", **window, **values})

    coupon = make("coupon", stock=5, valid_until=(now + dt.timedelta(days=30)).date())
    signup = make("signup", capacity=2)
    vote = make("vote", max_choices=2)
    benefits.set_options(vote, ["甲", "乙"], by=SYSTEM)
    lottery = make("lottery")
    benefits.set_prizes(lottery, [{"name": "一等奖", "count": 1}], by=SYSTEM)
    survey = make("survey")
    benefits.set_questions(survey, [{"kind": "single", "text": "是否满意？", "choices": ["是", "否"]}], by=SYSTEM)
    published = [benefits.publish_activity(a, by=SYSTEM) for a in (coupon, signup, vote, lottery, survey)]
    SEEDED["merchant_id"] = [create_merchant(by=SYSTEM, org=tree.jinan, name="演示商户").pk]
    return [*published, make("coupon", title="草稿", stock=1, valid_until=(now + dt.timedelta(days=30)).date())]


def _seeded_ids(values):
    if isinstance(values, dict):
        for name, value in values.items():
            known = SEEDED.get(name)
            if known and type(value) is int and 0 <= value < 2 * len(known):
                values[name] = known[value % len(known)]
    return values


def map_path_parameters(context, path_parameters):
    return _seeded_ids(path_parameters)


def map_query(context, query):
    return _seeded_ids(query)


def map_body(context, body):
    return _seeded_ids(body)


@pytest.fixture
def cadre_headers(seeded, personas):
    token, _ = issue_token(personas.province_admin)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_anonymous(case):
    case.call_and_validate(checks=CHECKS)


@schema.hooks.apply(map_path_parameters)
@schema.hooks.apply(map_query)
@schema.hooks.apply(map_body)
@schema.parametrize()
@FUZZ
def test_province_cadre(case, cadre_headers):
    case.call_and_validate(headers=cadre_headers, checks=CHECKS)
