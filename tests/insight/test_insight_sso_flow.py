"""OIDC provider: authorization code with PKCE end to end, scopes cut to the client's allowed ones, discovery."""

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from jwcrypto import jwk, jwt

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.insight.services import access
from smartunion.insight.sso import pairwise_sub
from smartunion.insight.sso_keys import generate_pem, load_oidc_key

REDIRECT = "http://127.0.0.1:8001/callback"
_KEY: list[str] = []


@pytest.fixture(autouse=True)
def signing_key(settings):
    """A run whose environment supplies no OIDC key (production-shaped, keys not generated) signs with a test key."""
    if not settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY"):
        _KEY[:] = _KEY or [generate_pem()]
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": True,
                                    "OIDC_RSA_PRIVATE_KEY": _KEY[0]}
VERIFIER = "v" * 43 + "-pkce-verifier-of-the-test"


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def client_app(tree):
    profile, secret = access.register_client(org=tree.jinan, name="济南职工服务平台", redirect_uris=[REDIRECT],
                                             scopes=["openid", "profile", "org"], by=SYSTEM)
    return profile.application, secret


def authorize(client, app, scope, *, verifier=VERIFIER):
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "scope": scope,
              "state": "s1", "nonce": "n1", "code_challenge": challenge(verifier), "code_challenge_method": "S256"}
    page = client.get("/oauth/authorize/", params)
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"].initial
    data = {k: v for k, v in form.items() if v is not None}
    data["allow"] = "同意"
    answer = client.post("/oauth/authorize/", data)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["state"] == ["s1"]
    return page, query["code"][0]


def token(client, app, secret, code, verifier):
    return client.post("/oauth/token/", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                         "client_id": app.client_id, "client_secret": secret,
                                         "code_verifier": verifier})


def test_authorization_code_with_pkce_end_to_end(client_app, personas, tree, console):
    app, secret = client_app
    user = personas.city_cadre
    user.display_name = "李明"
    user.save(update_fields=["display_name"])
    browser = console(user)
    page, code = authorize(browser, app, "openid profile org")
    text = page.content.decode()
    assert "济南职工服务平台" in text and "济南市总工会" in text
    assert "身份标识" in text and "姓名和用户名" in text and "所在单位和职务" in text
    assert "同意" in text and "拒绝" in text

    answer = token(browser, app, secret, code, VERIFIER)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body["scope"].split()) == {"openid", "profile", "org"}

    jwks = browser.get("/oauth/.well-known/jwks.json").json()
    keys = jwk.JWKSet.from_json(json.dumps(jwks))
    id_token = jwt.JWT(jwt=body["id_token"], key=keys, algs=["RS256"])
    claims = json.loads(id_token.claims)
    sub = pairwise_sub(user.pk, app.client_id)
    assert claims["aud"] == app.client_id
    assert claims["nonce"] == "n1"
    assert {k: claims[k] for k in ("sub", "name", "preferred_username", "positions")} == {
        "sub": sub, "name": "李明", "preferred_username": "city_cadre",
        "positions": [{"org": "济南市总工会", "role": "管理员"}]}
    assert "phone_masked" not in claims

    info = browser.get("/oauth/userinfo/", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.json() == {"sub": sub, "name": "李明", "preferred_username": "city_cadre",
                           "positions": [{"org": "济南市总工会", "role": "管理员"}]}
    issued = AuditEvent.objects.get(action="insight.oidc_client.token_issue")
    assert (issued.actor_id, issued.org_path, issued.data["scopes"]) == (user.pk, tree.jinan.path, "openid profile org")


def test_pairwise_sub_differs_per_client(tree):
    assert pairwise_sub(7, "a") != pairwise_sub(7, "b")
    assert pairwise_sub(7, "a") == pairwise_sub(7, "a")
    assert len(pairwise_sub(7, "a")) == 40


@pytest.mark.parametrize("verifier", [None, "w" * 50])
def test_missing_or_wrong_code_verifier_is_refused(client_app, personas, console, verifier):
    app, secret = client_app
    browser = console(personas.worker)
    _, code = authorize(browser, app, "openid")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": app.client_id,
            "client_secret": secret}
    if verifier:
        data["code_verifier"] = verifier
    answer = browser.post("/oauth/token/", data)
    assert answer.status_code == 400
    assert answer.json()["error"] in {"invalid_request", "invalid_grant"}
    assert not AuditEvent.objects.filter(action="insight.oidc_client.token_issue").exists()


def test_authorize_without_pkce_is_refused(client_app, personas, console):
    app, _ = client_app
    browser = console(personas.worker)
    answer = browser.get("/oauth/authorize/", {"response_type": "code", "client_id": app.client_id,
                                               "redirect_uri": REDIRECT, "scope": "openid", "state": "s"})
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["invalid_request"]


def test_scope_beyond_allowed_is_cut_to_the_allowed_claims(client_app, personas, console):
    app, secret = client_app
    worker = personas.worker
    browser = console(worker)
    page, code = authorize(browser, app, "openid phone profile")
    assert "手机号码（脱敏）" not in page.content.decode()
    body = token(browser, app, secret, code, VERIFIER).json()
    assert body["scope"] == "openid profile"
    info = browser.get("/oauth/userinfo/", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert info == {"sub": pairwise_sub(worker.pk, app.client_id), "name": "worker", "preferred_username": "worker"}


def test_phone_scope_gives_only_the_masked_phone(tree, personas, console):
    profile, secret = access.register_client(org=tree.province, name="省级应用", redirect_uris=[REDIRECT],
                                             scopes=["openid", "phone"], by=SYSTEM)
    app = profile.application
    browser = console(personas.worker)
    _, code = authorize(browser, app, "openid phone")
    body = token(browser, app, secret, code, VERIFIER).json()
    info = browser.get("/oauth/userinfo/", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert info == {"sub": pairwise_sub(personas.worker.pk, app.client_id), "phone_masked": "139****0001"}


def test_anonymous_user_is_sent_to_the_portal_login(client_app, client):
    app, _ = client_app
    answer = client.get("/oauth/authorize/", {"response_type": "code", "client_id": app.client_id})
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/?next=/oauth/authorize/")


def test_discovery_document(client):
    doc = client.get("/oauth/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver/oauth"
    assert doc["authorization_endpoint"] == "http://testserver/oauth/authorize/"
    assert doc["token_endpoint"] == "http://testserver/oauth/token/"
    assert doc["userinfo_endpoint"] == "http://testserver/oauth/userinfo/"
    assert doc["jwks_uri"] == "http://testserver/oauth/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256", "HS256"]
    assert sorted(doc["claims_supported"]) == ["name", "phone_masked", "positions", "preferred_username", "sub"]
    assert doc["scopes_supported"] == ["openid", "profile", "phone", "org"]
    keys = client.get("/oauth/.well-known/jwks.json").json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]


def test_refusing_consent_sends_the_user_back_without_a_code(client_app, personas, console):
    app, _ = client_app
    browser = console(personas.worker)
    page = browser.get("/oauth/authorize/", {
        "response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "scope": "openid",
        "state": "s2", "code_challenge": challenge(VERIFIER), "code_challenge_method": "S256"})
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    answer = browser.post("/oauth/authorize/", data)  # 拒绝: the form without "allow"
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert (query["error"], query["state"], "code" in query) == (["access_denied"], ["s2"], False)


def test_unknown_client_gets_the_chinese_error_page(personas, console):
    page = console(personas.worker).get("/oauth/authorize/", {"response_type": "code", "client_id": "nope",
                                                              "redirect_uri": REDIRECT, "scope": "openid"})
    assert page.status_code == 400
    assert "应用不存在或已被吊销。" in page.content.decode()


def test_the_key_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "oidc_rsa.pem"
    assert load_oidc_key(inline="", path=str(path), generate=False) == ""
    assert not path.exists()
    pem = load_oidc_key(inline="", path=str(path), generate=True)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_oidc_key(inline="", path=str(path), generate=True) == pem
    assert load_oidc_key(inline="PEM-FROM-ENV", path=str(path), generate=True) == "PEM-FROM-ENV\n"
