"""System checks of the data platform, shown by `smartunion check --deploy`."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def oidc_signing_key(app_configs, **kwargs) -> list[CheckWarning]:
    """Without a signing key the provider runs plain OAuth2 (insight/sso_keys.py): registered applications get no
    id_token, so the operator is told rather than finding out from an integrator."""
    if settings.OAUTH2_PROVIDER.get("OIDC_ENABLED"):
        return []
    return [CheckWarning(
        "Single sign-on runs without OpenID Connect: no RS256 signing key was found.",
        hint="Generate one (openssl genrsa -out /etc/smartunion/oidc_rsa.pem 2048), set "
             "SMARTUNION_OIDC_RSA_KEY_FILE to it (or SMARTUNION_OIDC_RSA_KEY to the PEM) and restart.",
        id="insight.W001")]
