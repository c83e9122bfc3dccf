"""Signed member-card QR tokens: what the portal's card QR carries and what a venue or merchant verifies.

Token: base64url(payload) + "." + base64url(signature), both without padding. The payload is compact JSON:

    {"v": 1, "d": <deployment>, "k": <key id>, "c": <card number>, "cv": <card version>,
     "m": <membership id>, "o": <union org id>, "exp": <unix seconds>}

The signature is Ed25519 over the ASCII bytes of the first segment (the base64url text, as in JWS), so any change
to the payload text breaks it. The signing key is derived from the PII key ring's master key with HKDF-SHA256,
and the key id is the key ring version: `rotate-keys --new-key` starts signing with a new key, while tokens and
offline verifiers keep working with the older versions, which stay published by `public_keys()`.

The token carries no personal data (numbers and ids only); verification reads the database but writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError

from smartunion.core import pii
from smartunion.core.pii import mask_name
from smartunion.members import cards
from smartunion.members.models import MemberCard, Membership
from smartunion.members.queries import active_membership

TOKEN_VERSION = 1
TOKEN_TTL_SECONDS = 120  # the portal refreshes the QR every 60 s, so the one on screen is always valid
MAX_TOKEN_LENGTH = 1024  # a real token is about 230 characters
HKDF_INFO = b"smartunion-card-ed25519"
ALG = "Ed25519"
SIGNATURE_BYTES = 64

REASONS = {
    "ok": "会员证有效",
    "malformed": "二维码格式无效",
    "other_deployment": "非本平台签发的会员证",
    "unknown_key": "签名密钥未知",
    "bad_signature": "签名校验失败，内容可能被篡改",
    "expired": "二维码已过期，请刷新后重试",
    "revoked": "会员证已挂失作废",
    "not_member": "会籍已终止",
}

# Field name -> accepted JSON types (bool is excluded separately: it is an int subclass).
PAYLOAD_FIELDS = {"v": int, "d": str, "k": str, "c": str, "cv": int, "m": int, "o": int, "exp": int}

PAYLOAD_FORMAT = (
    "令牌 = base64url(紧凑JSON载荷) + \".\" + base64url(签名)，均不带填充。"
    "签名算法 Ed25519，签名对象为令牌第一段（base64url 文本）的 ASCII 字节；用载荷中 k 对应的公钥（kid）校验。"
    "载荷字段：v 格式版本(1)、d 平台标识、k 密钥编号、c 会员卡号、cv 会员证版本、m 会籍编号、o 所在工会编号、"
    "exp 过期时间（Unix 秒）。离线校验只能确认签名与有效期，挂失与会籍状态请调用 POST /api/v1/cards/verify。 "
    "Token = base64url(compact JSON payload) + '.' + base64url(Ed25519 signature over the ASCII of the first "
    "segment), no padding; pick the public key whose kid equals payload.k; reject when now >= exp."
)


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    reason: str
    message: str
    member: dict | None = None
    payload: dict | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {"valid": self.valid, "reason": self.reason, "message": self.message, "member": self.member}


def _fail(reason: str, payload: dict | None = None) -> VerifyResult:
    return VerifyResult(valid=False, reason=reason, message=REASONS[reason], member=None, payload=payload)


# Encoding -----------------------------------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: other alphabets, padding and non-canonical endings are refused."""
    if not text or "=" in text or len(text) % 4 == 1:
        raise ValueError("bad base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bad base64url") from exc
    if b64url_encode(data) != text:  # also rejects characters outside the alphabet, which decoding drops
        raise ValueError("non-canonical base64url")
    return data


def mask_card_number(number: str | None) -> str:
    """3701********0014: the first four and the last four digits."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# Keys ---------------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _private_key_from_master(master: bytes) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(master)
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """The current key id and private key (the key ring's current version)."""
    ring = pii.keyring()
    return str(ring.current), _private_key_from_master(ring.keys[ring.current])


def verification_key(kid: str) -> Ed25519PublicKey | None:
    if not (kid.isascii() and kid.isdigit()) or len(kid) > 9 or str(int(kid)) != kid:
        return None
    master = pii.keyring().keys.get(int(kid))
    if master is None:
        return None
    return _private_key_from_master(master).public_key()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


def public_keys() -> list[dict]:
    """Every key that may have signed a live token, oldest first, for offline verification."""
    ring = pii.keyring()
    return [
        {"kid": str(version), "alg": ALG,
         "public_key": base64.b64encode(_raw_public(_private_key_from_master(master).public_key())).decode("ascii")}
        for version, master in sorted(ring.keys.items())
    ]


# The member's own card ----------------------------------------------------------------------------------------------


def member_card(user) -> tuple[Membership | None, MemberCard | None]:
    """The user's active membership and active card, issuing the card on first use; (None, None) for a user who
    is not an active member. Raises StateError (card_unavailable) when no card can be issued (no federation with a
    region)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None, None
    membership = active_membership(person_id, related=("person", "union"))
    if membership is None:
        return None, None
    card = cards.active_card(membership.person)
    if card is None:
        try:
            card = cards.issue_card(membership.person, union=membership.union, by=user)
        except IntegrityError:  # the same member opened the card twice at once: use the card the other made
            card = cards.active_card(membership.person)
            if card is None:
                raise
    return membership, card


# Signing ------------------------------------------------------------------------------------------------------------


def _unix(now) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, dt.datetime):
        return int(now.timestamp())
    return int(now)


def card_token(membership: Membership, card: MemberCard, *, now=None) -> str:
    """A fresh QR token for an active member's active card, valid for TOKEN_TTL_SECONDS."""
    if card.person_id != membership.person_id:
        raise ValueError("the card and the membership belong to different people")
    if card.status != MemberCard.Status.ACTIVE or membership.status != Membership.Status.ACTIVE:
        raise ValueError("only an active card of an active membership gets a QR token")
    kid, key = signing_key()
    payload = {
        "v": TOKEN_VERSION, "d": settings.DEPLOYMENT_ID, "k": kid, "c": card.card_number, "cv": card.version,
        "m": membership.pk, "o": membership.union_id, "exp": _unix(now) + TOKEN_TTL_SECONDS,
    }
    body = b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return body + "." + b64url_encode(key.sign(body.encode("ascii")))


def token_expiry(token: str) -> dt.datetime:
    """The expiry of a token this platform just made (no verification)."""
    payload = json.loads(b64url_decode(token.partition(".")[0]))
    return dt.datetime.fromtimestamp(payload["exp"], tz=dt.UTC)


# Verifying ----------------------------------------------------------------------------------------------------------


def _parse(token) -> tuple[str, dict, bytes] | None:
    """(signed text, payload, signature), or None when the token is not well formed."""
    if not isinstance(token, str):
        return None
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    body, _, sig_text = token.partition(".")
    try:
        payload = json.loads(b64url_decode(body).decode("utf-8"))
        signature = b64url_decode(sig_text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or set(payload) != set(PAYLOAD_FIELDS) or len(signature) != SIGNATURE_BYTES:
        return None
    for name, kind in PAYLOAD_FIELDS.items():
        value = payload[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    if payload["v"] != TOKEN_VERSION:
        return None
    return body, payload, signature


def verify_token(token, *, now=None) -> VerifyResult:
    """Check a QR token: parse, deployment, key, signature, expiry, card, membership, in that order."""
    parsed = _parse(token)
    if parsed is None:
        return _fail("malformed")
    body, payload, signature = parsed
    if payload["d"] != settings.DEPLOYMENT_ID:
        return _fail("other_deployment", payload)
    public = verification_key(payload["k"])
    if public is None:
        return _fail("unknown_key", payload)
    try:
        public.verify(signature, body.encode("ascii"))
    except InvalidSignature:
        return _fail("bad_signature", payload)
    if _unix(now) >= payload["exp"]:
        return _fail("expired", payload)
    card = MemberCard.objects.filter(card_number=payload["c"], version=payload["cv"]).first()
    if card is None or card.status != MemberCard.Status.ACTIVE:
        return _fail("revoked", payload)
    membership = Membership.objects.select_related("person", "union").filter(pk=payload["m"]).first()
    if (membership is None or membership.status != Membership.Status.ACTIVE
            or membership.union_id != payload["o"] or membership.person_id != card.person_id):
        return _fail("not_member", payload)
    member = {
        "name": mask_name(membership.person.name),
        "union": membership.union.name,
        "card_number": mask_card_number(card.card_number),
    }
    return VerifyResult(valid=True, reason="ok", message=REASONS["ok"], member=member, payload=payload)
