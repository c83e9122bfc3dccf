"""Single sign-on: the OIDC provider's validator (django-oauth-toolkit 3, settings.OAUTH2_PROVIDER).

- Scopes: a request is cut down to what the client's ClientProfile.allowed_scopes lets it have (a scope beyond them
  is dropped, not refused: the client gets what it may have); a client without a profile may have nothing.
- Claims per granted scope (nothing else ever leaves): openid → `sub`, a pairwise identifier (HMAC of the account id
  under the PII key ring's index key, per client: two clients cannot join their users on it; stable for the life of
  the key ring, which never rotates its index key); profile → `name`, `preferred_username` (the username or the
  masked phone); phone → `phone_masked` (138****0001, never the number); org → `positions` (each org name and role
  label). Never an ID number.
- Every token issued is audited ("insight.oidc_client.token_issue", the user as actor, the client's org).

The RSA signing key itself: insight/sso_keys.py.
"""

from __future__ import annotations

import hmac

from oauth2_provider.oauth2_validators import OAuth2Validator

from smartunion.core.audit import log_event
from smartunion.core.pii import keyring, mask_phone

SCOPE_ORDER = ("openid", "profile", "phone", "org")


def allowed_scopes_of(application) -> list[str]:
    # A missing profile raises RelatedObjectDoesNotExist, an AttributeError: getattr's default.
    profile = getattr(application, "profile", None) if application is not None else None
    allowed = profile.allowed_scopes if profile is not None else []
    return [s for s in SCOPE_ORDER if s in (allowed or [])]


def pairwise_sub(user_id, client_id: str) -> str:
    """The `sub` a client sees for an account: stable per (account, client), unlinkable across clients."""
    message = f"oidc-sub:{client_id}:{user_id}".encode()
    return hmac.new(keyring().index_key, message, "sha256").hexdigest()[:40]


def positions_of(user) -> list[dict]:
    from smartunion.orgs.models import Position

    rows = Position.objects.filter(user=user).select_related("org").order_by("org__path", "role")
    return [{"org": p.org.name, "role": p.get_role_display()} for p in rows]


def claims_for(user, client_id: str, scopes) -> dict:
    """The claims one client may see about one account under the granted scopes (the userinfo answer)."""
    scopes = set(scopes)
    claims: dict = {}
    if "openid" in scopes:
        claims["sub"] = pairwise_sub(user.pk, client_id)
    if "profile" in scopes:
        claims["name"] = user.display_name or ""
        claims["preferred_username"] = user.username or mask_phone(user.phone)
    if "phone" in scopes:
        claims["phone_masked"] = mask_phone(user.phone) if user.phone else ""
    if "org" in scopes:
        claims["positions"] = positions_of(user)
    return claims


class Validator(OAuth2Validator):
    oidc_claim_scope = {"sub": "openid", "name": "profile", "preferred_username": "profile",
                        "phone_masked": "phone", "positions": "org"}

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Cut the requested scopes to the client's allowed ones (in place: oauthlib keeps `request.scopes`)."""
        allowed = set(allowed_scopes_of(client))
        kept = [s for s in scopes if s in allowed]
        scopes[:] = kept
        if request is not None:
            request.scopes = kept
        return bool(kept) and super().validate_scopes(client_id, kept, client, request, *args, **kwargs)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        allowed = set(allowed_scopes_of(getattr(request, "client", None)))
        return [s for s in super().get_default_scopes(client_id, request, *args, **kwargs) if s in allowed]

    def get_additional_claims(self, request):
        claims = claims_for(request.user, request.client.client_id, request.scopes)
        claims.setdefault("sub", pairwise_sub(request.user.pk, request.client.client_id))
        return claims

    def get_discovery_claims(self, request):
        return list(self.oidc_claim_scope)

    def save_bearer_token(self, token, request, *args, **kwargs):
        saved = super().save_bearer_token(token, request, *args, **kwargs)
        client = request.client
        profile = getattr(client, "profile", None)
        log_event("insight.oidc_client.token_issue", actor=request.user, target=client,
                  org=getattr(profile, "org", None),
                  data={"client": client.client_id, "scopes": " ".join(request.scopes or []),
                        "grant": request.grant_type or ""})
        return saved
