"""Signed card QR tokens: the exact format, the round trip, and every rejection reason in its check order."""

import base64
import json
import secrets

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from smartunion.core import pii
from smartunion.core.actors import SYSTEM
from smartunion.core.keyring import KeyRing
from smartunion.core.models import AuditEvent
from smartunion.members import card_tokens
from smartunion.members.card_tokens import (
    VerifyResult,
    b64url_decode,
    b64url_encode,
    card_token,
    mask_card_number,
    public_keys,
    verify_token,
)
from smartunion.members.cards import issue_card, reissue_card, revoke_card
from smartunion.members.models import MemberCard, Membership
from smartunion.members.services import membership_end

pytestmark = pytest.mark.django_db

NOW = 1_750_000_000  # 2025-06-15 15:06:40 UTC


@pytest.fixture
def member(personas, tree):
    membership = Membership.objects.select_related("person", "union").get(person=personas.worker.person)
    card = issue_card(membership.person, union=tree.grassroots, by=SYSTEM)
    return membership, card


def split(token):
    body, sig = token.split(".")
    return body, json.loads(b64url_decode(body)), sig


def rejected(reason, message):
    return VerifyResult(valid=False, reason=reason, message=message, member=None)


def use_keyring(monkeypatch, ring):
    monkeypatch.setattr(pii, "keyring", lambda: ring)  # stays: a key ring object built by the test, not a setting


def test_token_format_and_payload(member, settings, tree):
    membership, card = member
    token = card_token(membership, card, now=NOW)
    assert "=" not in token and token.count(".") == 1
    body, payload, sig = split(token)
    assert payload == {
        "v": 1, "d": settings.DEPLOYMENT_ID, "k": str(pii.keyring().current), "c": "3701000000000014", "cv": 1,
        "m": membership.pk, "o": tree.grassroots.pk, "exp": NOW + 120,
    }
    # Compact JSON in the documented key order, and a 64-byte Ed25519 signature.
    assert b64url_decode(body).decode() == json.dumps(payload, separators=(",", ":"))
    assert len(b64url_decode(sig)) == 64
    assert len(token) < 300  # fits comfortably in a QR


def test_round_trip_is_valid_with_the_masked_member(member):
    membership, card = member
    token = card_token(membership, card, now=NOW)
    result = verify_token(token, now=NOW + 60)
    assert result == VerifyResult(valid=True, reason="ok", message="会员证有效", member={
        "name": "张*", "union": "甲公司工会委员会", "card_number": "3701********0014"})
    assert result.as_dict() == {"valid": True, "reason": "ok", "message": "会员证有效", "member": {
        "name": "张*", "union": "甲公司工会委员会", "card_number": "3701********0014"}}


def test_signing_is_deterministic_and_now_accepts_datetimes(member):
    import datetime as dt

    membership, card = member
    at = dt.datetime.fromtimestamp(NOW, tz=dt.UTC)
    assert card_token(membership, card, now=at) == card_token(membership, card, now=NOW)
    assert card_tokens.token_expiry(card_token(membership, card, now=NOW)) == at + dt.timedelta(seconds=120)


def test_token_is_valid_for_120_seconds(member):
    token = card_token(*member, now=NOW)
    assert verify_token(token, now=NOW).valid is True
    assert verify_token(token, now=NOW + 119).valid is True
    assert verify_token(token, now=NOW + 120) == rejected("expired", "二维码已过期，请刷新后重试")
    assert verify_token(token, now=NOW + 121) == rejected("expired", "二维码已过期，请刷新后重试")


def test_a_flipped_character_in_the_payload_is_bad_signature(member):
    token = card_token(*member, now=NOW)
    body, payload, sig = split(token)
    # Find a one-character change that still decodes to a well-formed payload, so the signature is what fails.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    tampered = None
    for i in range(len(body)):
        for char in alphabet:
            if char == body[i]:
                continue
            candidate = body[:i] + char + body[i + 1:]
            try:
                data = json.loads(b64url_decode(candidate))
            except ValueError:
                continue
            if (isinstance(data, dict) and set(data) == set(payload) and data["v"] == 1 and data["d"] == payload["d"]
                    and data["k"] == payload["k"] and all(type(data[k]) is type(payload[k]) for k in data)):
                tampered = candidate
                break
        if tampered:
            break
    assert tampered is not None
    assert verify_token(tampered + "." + sig, now=NOW) == rejected("bad_signature", "签名校验失败，内容可能被篡改")


def test_an_edited_payload_with_the_old_signature_is_bad_signature(member):
    token = card_token(*member, now=NOW)
    _, payload, sig = split(token)
    for change in ({"exp": NOW + 86400}, {"m": payload["m"] + 1}, {"cv": 2}, {"c": "3701000000000022"}):
        forged = b64url_encode(json.dumps({**payload, **change}, separators=(",", ":")).encode())
        assert verify_token(forged + "." + sig, now=NOW).reason == "bad_signature"


def test_a_changed_signature_is_bad_signature(member):
    token = card_token(*member, now=NOW)
    body, _, sig = split(token)
    raw = bytearray(b64url_decode(sig))
    raw[10] ^= 0x01
    assert verify_token(body + "." + b64url_encode(bytes(raw)), now=NOW).reason == "bad_signature"


def test_a_payload_flip_that_breaks_the_json_is_malformed(member):
    token = card_token(*member, now=NOW)
    body, _, sig = split(token)
    broken = ("B" if body[0] != "B" else "C") + body[1:]  # the opening brace is no longer a brace
    assert verify_token(broken + "." + sig, now=NOW) == rejected("malformed", "二维码格式无效")


def test_another_key_ring_with_the_same_version_is_bad_signature(member, monkeypatch):
    """Pinned: a foreign key ring whose version exists here is caught by the signature (bad_signature)."""
    membership, card = member
    ours = pii.keyring()
    foreign = KeyRing(current=ours.current, keys={ours.current: secrets.token_bytes(32)},
                      index_key=secrets.token_bytes(32))
    use_keyring(monkeypatch, foreign)
    token = card_token(membership, card, now=NOW)
    use_keyring(monkeypatch, ours)
    assert split(token)[1]["k"] == str(ours.current)
    assert verify_token(token, now=NOW) == rejected("bad_signature", "签名校验失败，内容可能被篡改")


def test_a_key_version_we_do_not_have_is_unknown_key(member, monkeypatch):
    membership, card = member
    ours = pii.keyring()
    foreign = KeyRing(current=7, keys={7: secrets.token_bytes(32)}, index_key=secrets.token_bytes(32))
    use_keyring(monkeypatch, foreign)
    token = card_token(membership, card, now=NOW)
    use_keyring(monkeypatch, ours)
    assert verify_token(token, now=NOW) == rejected("unknown_key", "签名密钥未知")


def test_another_deployment_is_rejected_before_the_key_and_signature(member, settings):
    token = card_token(*member, now=NOW)
    settings.DEPLOYMENT_ID = "smartunion-zhejiang"
    assert verify_token(token, now=NOW) == rejected("other_deployment", "非本平台签发的会员证")


def test_check_order_deployment_then_key_then_signature_then_expiry(member, settings):
    token = card_token(*member, now=NOW)
    _, payload, sig = split(token)

    def forge(**change):
        return b64url_encode(json.dumps({**payload, **change}, separators=(",", ":")).encode()) + "." + sig

    late = NOW + 10_000
    assert verify_token(forge(d="elsewhere", k="99"), now=late).reason == "other_deployment"
    assert verify_token(forge(k="99"), now=late).reason == "unknown_key"
    assert verify_token(forge(exp=NOW + 1), now=late).reason == "bad_signature"
    assert verify_token(token, now=late).reason == "expired"


def test_the_old_version_after_a_reissue_is_revoked_and_the_new_one_valid(member):
    membership, card = member
    old_token = card_token(membership, card, now=NOW)
    new_card = reissue_card(card, by=SYSTEM)
    assert verify_token(old_token, now=NOW) == rejected("revoked", "会员证已挂失作废")
    new_token = card_token(membership, new_card, now=NOW)
    assert split(new_token)[1]["cv"] == 2
    assert verify_token(new_token, now=NOW).member["card_number"] == "3701********0014"


def test_a_revoked_card_without_reissue_is_revoked(member):
    membership, card = member
    token = card_token(membership, card, now=NOW)
    revoke_card(card, reason="手机丢失", by=SYSTEM)
    assert verify_token(token, now=NOW).reason == "revoked"
    card.refresh_from_db()
    with pytest.raises(ValueError):
        card_token(membership, card, now=NOW)


def test_an_ended_membership_is_not_member(member):
    membership, card = member
    token = card_token(membership, card, now=NOW)
    membership_end(membership, by=SYSTEM)
    assert verify_token(token, now=NOW) == rejected("not_member", "会籍已终止")
    membership.refresh_from_db()
    with pytest.raises(ValueError):
        card_token(membership, card, now=NOW)


@pytest.mark.parametrize("garbage", [
    "abc", "", "   ", None, 12345, "a.b", "abc.def.ghi", ".", "eyJ2IjoxfQ.", "eyJ2IjoxfQ.AAAA",
    "x" * 5000,
])
def test_garbage_is_malformed(garbage):
    assert verify_token(garbage, now=NOW) == rejected("malformed", "二维码格式无效")


def test_structurally_wrong_payloads_are_malformed(member):
    token = card_token(*member, now=NOW)
    _, payload, sig = split(token)

    def forge(data):
        return b64url_encode(json.dumps(data, separators=(",", ":")).encode()) + "." + sig

    assert verify_token(forge({**payload, "v": 2}), now=NOW).reason == "malformed"
    assert verify_token(forge({**payload, "exp": str(NOW)}), now=NOW).reason == "malformed"
    assert verify_token(forge({**payload, "cv": True}), now=NOW).reason == "malformed"
    assert verify_token(forge({**payload, "extra": 1}), now=NOW).reason == "malformed"
    assert verify_token(forge({k: v for k, v in payload.items() if k != "m"}), now=NOW).reason == "malformed"
    assert verify_token(forge([1, 2]), now=NOW).reason == "malformed"
    # Padding or the standard alphabet are not the format.
    body, _, sig_text = token.partition(".")
    assert verify_token(body + "==." + sig_text, now=NOW).reason == "malformed"
    for wrong in ("ab+/", "ab==", "a", "ab c"):
        with pytest.raises(ValueError):
            b64url_decode(wrong)
    assert verify_token(" " + token + "\n", now=NOW).valid is True  # scanners add whitespace


def test_keys_derive_from_the_key_ring_with_hkdf_and_rotate_with_it(member, monkeypatch):
    membership, card = member
    ring = KeyRing(current=1, keys={1: bytes(range(32))}, index_key=bytes(32))
    use_keyring(monkeypatch, ring)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"smartunion-card-ed25519")
    seed = hkdf.derive(bytes(range(32)))
    expected = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert public_keys() == [{"kid": "1", "alg": "Ed25519", "public_key": base64.b64encode(expected).decode()}]
    old_token = card_token(membership, card, now=NOW)

    rotated = ring.with_new_version()
    use_keyring(monkeypatch, rotated)
    assert [k["kid"] for k in public_keys()] == ["1", "2"]
    assert public_keys()[0]["public_key"] == base64.b64encode(expected).decode()
    new_token = card_token(membership, card, now=NOW)
    assert split(new_token)[1]["k"] == "2"
    assert verify_token(new_token, now=NOW).valid is True
    assert verify_token(old_token, now=NOW).valid is True  # old versions still verify


def test_verification_writes_nothing_to_the_audit_log(member):
    token = card_token(*member, now=NOW)
    before = AuditEvent.objects.count()
    verify_token(token, now=NOW)
    verify_token("abc", now=NOW)
    assert AuditEvent.objects.count() == before


def test_token_refuses_a_card_of_another_person(member, tree):
    import datetime as dt

    from smartunion.core.validators import make_id_number
    from smartunion.members.services import person_upsert

    membership, _ = member
    other, _ = person_upsert(name="李娜", id_number=make_id_number("370102", dt.date(1991, 1, 1), 55), by=SYSTEM)
    other_card = issue_card(other, union=tree.grassroots, by=SYSTEM)
    with pytest.raises(ValueError):
        card_token(membership, other_card, now=NOW)


@pytest.mark.parametrize(("number", "masked"), [
    ("3701000000000014", "3701********0014"), ("12345678", "********"), ("", ""), (None, ""),
])
def test_mask_card_number(number, masked):
    assert mask_card_number(number) == masked


def test_member_card_issues_once_and_survives_a_simultaneous_first_issue(personas, monkeypatch):
    from smartunion.members import cards
    from smartunion.members.card_tokens import member_card

    assert member_card(personas.outsider) == (None, None)
    real_issue = cards.issue_card

    def racing_issue(person, **kwargs):
        real_issue(person, **kwargs)  # another request issued the card a moment ago...
        monkeypatch.setattr(cards, "active_card", lambda p: None)  # ...after this one looked for it
        try:
            return real_issue(person, **kwargs)
        finally:
            monkeypatch.undo()

    monkeypatch.setattr(cards, "issue_card", racing_issue)
    membership, card = member_card(personas.worker)
    assert (card.card_number, card.version, card.status) == ("3701000000000014", 1, "active")
    assert membership.person_id == personas.worker.person_id
    assert MemberCard.objects.count() == 1
