"""GET /api/v1/figures and /api/v1/figures/children: the roll-ups of an org in the caller's scope (404 outside it)."""

from __future__ import annotations

import datetime as dt

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.insight.figures import KEYS, last_months, month_of
from smartunion.insight.services.rollups import rollup

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled(tree, personas):
    rollup(months=last_months(2), by=SYSTEM)
    return tree


def test_an_orgs_months(rolled, personas, api):
    answer = api(personas.city_cadre).get("/api/v1/figures", {"months": "2"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["org"] == {"id": rolled.jinan.pk, "name": "济南市总工会", "kind": "city", "kind_label": "市总工会",
                           "region": "370100"}
    assert body["live"] == {"members": 1, "gig_members": 0}
    assert [m["month"] for m in body["months"]] == [f"{m:%Y-%m}" for m in last_months(2)]
    assert [m["values"]["members"] for m in body["months"]] == [1, 1]
    assert set(body["months"][0]["values"]) == {*KEYS, "cases_on_time_rate", "satisfaction_avg", "redemption_rate"}
    assert body["months"][0]["values"]["cases_on_time_rate"] is None
    listed = api(personas.city_cadre).get("/api/v1/figures", {"org": rolled.lixia.pk,
                                                              "months": f"{month_of(dt.date.today()):%Y-%m}"})
    assert [m["values"]["members"] for m in listed.json()["months"]] == [1]


def test_children(rolled, personas, api):
    answer = api(personas.province_admin).get("/api/v1/figures/children", {"org": rolled.province.pk})
    body = answer.json()
    assert answer.status_code == 200 and body["count"] == 2
    assert [(i["org"]["name"], i["values"]["members"]) for i in body["items"]] == [("济南市总工会", 1),
                                                                                    ("青岛市总工会", 0)]
    searched = api(personas.province_admin).get("/api/v1/figures/children", {"search": "青岛"}).json()
    assert [i["org"]["name"] for i in searched["items"]] == ["青岛市总工会"]


@pytest.mark.parametrize("path", ["/api/v1/figures", "/api/v1/figures/children"])
def test_scope(rolled, personas, api, path):
    client = api(personas.city_cadre)
    assert client.get(path, {"org": rolled.qingdao.pk}).status_code == 404
    assert client.get(path, {"org": rolled.province.pk}).status_code == 404
    assert client.get(path, {"org": 999999}).status_code == 404
    assert api(personas.worker).get(path).status_code == 404
    assert api().get(path).status_code == 401


def test_bad_months(rolled, personas, api):
    client = api(personas.city_cadre)
    assert client.get("/api/v1/figures", {"months": "99"}).status_code == 422
    assert client.get("/api/v1/figures", {"months": "2026-x"}).status_code == 422
    assert client.get("/api/v1/figures/children", {"month": "abc"}).status_code == 422
    keys = client.get("/api/v1/figures/keys").json()
    assert keys[0] == {"key": "members", "label": "会员数", "unit": "人", "kind": "stock", "money_in_fen": False,
                       "definition": keys[0]["definition"]}
