import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from smartunion.accounts.services import issue_token


def c(user):
    token, _ = issue_token(user)
    return Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)

def show(r):
    print(r.status_code, r.get("Content-Type"), r.content[:200].decode("utf-8", "replace"))

def test_probe(personas, tree):
    cl = c(personas.county_cadre)
    for u in ["/api/v1/orgs/abc", "/api/v1/orgs/-1", "/api/v1/orgs/0", "/api/v1/employers/99999999999999999999999", "/api/v1/orgs/?page=1", "/api/v1/orgs?page_size=100&page=99999999999999"]:
        print(u); show(cl.get(u))
    show(cl.patch(f"/api/v1/employers/{tree.employer.pk}", json.dumps({"name": "x"*300}), content_type="application/json"))
    show(cl.post("/api/v1/orgs", json.dumps({"name": "a\x00b", "kind": "grassroots", "parent_id": tree.lixia_town.pk}), content_type="application/json"))
    show(cl.post("/api/v1/orgs", json.dumps({"name": "a", "kind": "grassroots", "parent_id": tree.lixia_town.pk, "founded_on": "2999-01-01"}), content_type="application/json"))
    show(cl.post("/api/v1/orgs", json.dumps({"name": "a", "kind": "grassroots", "parent_id": tree.lixia_town.pk, "contact_phone": "1"*1000}), content_type="application/json"))
    show(cl.post("/api/v1/orgs", json.dumps({"name": "a", "kind": "grassroots", "parent_id": tree.lixia_town.pk, "region": ""}), content_type="application/json"))
    show(cl.post("/api/v1/employers", json.dumps({"name": "a", "region": "370102", "township_union_id": tree.lixia_town.pk, "industry": "Z"*100}), content_type="application/json"))
    show(cl.post("/api/v1/employers", json.dumps({"name": "a", "region": "370102", "township_union_id": tree.lixia_town.pk, "size": "Z"*100}), content_type="application/json"))
    show(cl.post("/api/v1/employers", json.dumps({"name": "a", "region": "370102", "township_union_id": tree.grassroots.pk}), content_type="application/json"))
    show(cl.post("/api/v1/employers", json.dumps({"name": "a", "region": "370102"}), content_type="application/json"))
    show(c(personas.worker).post("/api/v1/employers", json.dumps({"name": "a", "region": "370102", "township_union_id": tree.lixia_town.pk}), content_type="application/json"))
    for who in ["grassroots_cadre", "county_cadre"]:
        cc = c(getattr(personas, who))
        for url in ["/api/v1/orgs", "/api/v1/employers"]:
            with CaptureQueriesContext(connection) as ctx:
                cc.get(url)
            print(who, url, len(ctx.captured_queries))
            for q in ctx.captured_queries: print("   ", q["sql"][:150])
    r = Client().post("/api/v1/auth/token", json.dumps({"username": "county_cadre", "password": "correct-horse-42"}), content_type="application/json")
    show(r)
