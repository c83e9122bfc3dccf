"""Security headers on every response: a strict Content-Security-Policy for the portal and the API, the console's
own (django-unfold needs Alpine.js's eval and inline styles), HSTS on HTTPS deployments."""

from __future__ import annotations

import pytest

STRICT = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
          "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
          "form-action": "'self'", "frame-ancestors": "'none'"}
CONSOLE = {**STRICT, "script-src": "'self' 'unsafe-eval'", "style-src": "'self' 'unsafe-inline'"}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "status", "policy"), [
    ("/", 200, STRICT),
    ("/login/", 200, STRICT),
    ("/no-such-page/", 404, STRICT),
    ("/api/v1/codes", 200, STRICT),
    ("/api/v1/orgs", 401, STRICT),
    ("/api/v1/docs", 200, STRICT),
    ("/console/login/", 200, CONSOLE),
    ("/console/", 302, CONSOLE),
])
def test_every_response_carries_the_policy_of_its_area(client, url, status, policy):
    response = client.get(url)
    assert response.status_code == status
    assert directives(response["Content-Security-Policy"]) == policy


@pytest.mark.django_db
def test_hsts_is_sent_over_https_when_the_deployment_says_so(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/")
