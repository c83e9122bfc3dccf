"""/api/v1 e-member card: online verification, the public keys for offline verification, my card, report lost."""

import base64
import datetime as dt
import json
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.members.card_tokens import b64url_encode
from smartunion.members.models import MemberCard

pytestmark = pytest.mark.django_db

MEMBER = {"name": "张*", "union": "甲公司工会委员会", "card_number": "3701********0014"}


def verify(client, token):
    return client.post("/api/v1/cards/verify", data=json.dumps({"token": token}), content_type="application/json")


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def my_card(api, personas):
    response = api(personas.worker).get("/api/v1/me/card")
    assert response.status_code == 200
    return response.json()


# My card ------------------------------------------------------------------------------------------------------------


def test_my_card_issues_the_card_on_first_use_and_returns_a_fresh_qr(api, personas, tree):
    client = api(personas.worker)
    before = time.time()
    body = client.get("/api/v1/me/card").json()
    assert {k: body[k] for k in ("card_number", "version", "status", "union")} == {
        "card_number": "3701000000000014", "version": 1, "status": "active",
        "union": {"id": tree.grassroots.pk, "name": "甲公司工会委员会"},
    }
    assert set(body) == {"card_number", "version", "status", "union", "token", "expires_at", "qr_svg"}
    assert body["qr_svg"].startswith("<svg") and body["qr_svg"].endswith("</svg>")
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).timestamp()
    assert int(before) + 120 <= expires <= time.time() + 121
    # Issued once: a second call returns the same card.
    again = client.get("/api/v1/me/card").json()
    assert (again["card_number"], again["version"]) == ("3701000000000014", 1)
    assert MemberCard.objects.count() == 1
    assert AuditEvent.objects.filter(action="members.card.issue", actor=personas.worker).count() == 1


def test_my_card_for_a_user_who_is_not_a_member_is_404(api, personas):
    for user in (personas.outsider, personas.city_cadre):
        response = api(user).get("/api/v1/me/card")
        assert response.status_code == 404
        assert response.json() == {"code": "not_member", "message": "您还不是工会会员", "fields": {}}
    assert MemberCard.objects.count() == 0


def test_my_card_needs_a_token(api, personas):
    response = api().get("/api/v1/me/card")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert api().post("/api/v1/me/card/report-lost").status_code == 401


# Online verification ------------------------------------------------------------------------------------------------


def test_verify_a_valid_token_without_logging_in(api, my_card):
    response = verify(api(), my_card["token"])
    assert response.status_code == 200
    assert response.json() == {"valid": True, "reason": "ok", "message": "会员证有效", "member": MEMBER}


@pytest.mark.parametrize(("token", "reason", "message"), [
    ("abc", "malformed", "二维码格式无效"),
    ("", "malformed", "二维码格式无效"),
])
def test_verify_garbage(api, token, reason, message):
    response = verify(api(), token)
    assert response.status_code == 200
    assert response.json() == {"valid": False, "reason": reason, "message": message, "member": None}


def test_verify_tampered_and_other_deployment(api, my_card, settings):
    body, sig = my_card["token"].split(".")
    payload = json.loads(b64url(body))
    forged = b64url_encode(json.dumps({**payload, "exp": payload["exp"] + 3600}, separators=(",", ":")).encode())
    assert verify(api(), forged + "." + sig).json() == {
        "valid": False, "reason": "bad_signature", "message": "签名校验失败，内容可能被篡改", "member": None}
    settings.DEPLOYMENT_ID = "another-province"
    assert verify(api(), my_card["token"]).json() == {
        "valid": False, "reason": "other_deployment", "message": "非本平台签发的会员证", "member": None}


def test_verify_needs_a_token_field(api):
    response = api().post("/api/v1/cards/verify", data="{}", content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "提交的数据有误，请检查后重试",
                               "fields": {"token": "此项为必填项"}}
    response = api().post("/api/v1/cards/verify", data="not json", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {
        "code": "bad_request", "message": "请求格式不正确", "fields": {}})


def test_verify_is_post_only(api):
    response = api().get("/api/v1/cards/verify")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# Offline verification -----------------------------------------------------------------------------------------------


def test_keys_document(api, settings):
    response = api().get("/api/v1/cards/keys")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"deployment", "alg", "keys", "payload_format"}
    assert (body["deployment"], body["alg"]) == (settings.DEPLOYMENT_ID, "Ed25519")
    assert body["keys"] and all(set(k) == {"kid", "alg", "public_key"} and k["alg"] == "Ed25519"
                                and len(base64.b64decode(k["public_key"])) == 32 for k in body["keys"])
    assert "Ed25519" in body["payload_format"] and "exp" in body["payload_format"]


def test_a_verifier_checks_a_token_offline_with_only_the_published_keys(api, my_card):
    """What a venue's app does: the keys JSON plus the cryptography package, no call per scan."""
    keys = json.loads(api().get("/api/v1/cards/keys").content)

    def offline_verify(token: str) -> dict:
        body, sig = token.split(".")
        payload = json.loads(b64url(body))
        if payload["d"] != keys["deployment"]:
            raise ValueError("other deployment")
        (key,) = [k for k in keys["keys"] if k["kid"] == payload["k"]]
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
        public.verify(b64url(sig), body.encode("ascii"))  # raises InvalidSignature
        if time.time() >= payload["exp"]:
            raise ValueError("expired")
        return payload

    payload = offline_verify(my_card["token"])
    assert (payload["c"], payload["cv"]) == ("3701000000000014", 1)

    body, sig = my_card["token"].split(".")
    forged = b64url_encode(json.dumps({**json.loads(b64url(body)), "cv": 9}, separators=(",", ":")).encode())
    with pytest.raises(InvalidSignature):
        offline_verify(forged + "." + sig)


# Report lost --------------------------------------------------------------------------------------------------------


def test_report_lost_revokes_and_reissues_the_same_number(api, personas, my_card):
    client = api(personas.worker)
    response = client.post("/api/v1/me/card/report-lost")
    assert response.status_code == 200
    new = response.json()
    assert (new["card_number"], new["version"], new["status"]) == ("3701000000000014", 2, "active")
    assert new["token"] != my_card["token"]
    # The QR from before the report no longer verifies; the new one does.
    assert verify(api(), my_card["token"]).json() == {
        "valid": False, "reason": "revoked", "message": "会员证已挂失作废", "member": None}
    assert verify(api(), new["token"]).json()["valid"] is True
    assert list(MemberCard.objects.order_by("version").values_list("version", "status")) == [
        (1, "revoked"), (2, "active")]
    assert list(AuditEvent.objects.filter(action__in=["members.card.revoke", "members.card.reissue"])
                .order_by("id").values_list("action", "actor__username")) == [
        ("members.card.revoke", "worker"), ("members.card.reissue", "worker")]
    assert client.get("/api/v1/me/card").json()["version"] == 2


def test_report_lost_for_a_non_member_is_404(api, personas):
    response = api(personas.outsider).post("/api/v1/me/card/report-lost")
    assert response.status_code == 404
    assert response.json()["code"] == "not_member"


def test_an_ended_membership_is_reported_by_verify_and_my_card_is_404(api, personas, my_card):
    from smartunion.members.models import Membership
    from smartunion.members.services import membership_end

    membership_end(Membership.objects.get(person=personas.worker.person), by=SYSTEM)
    assert verify(api(), my_card["token"]).json() == {
        "valid": False, "reason": "not_member", "message": "会籍已终止", "member": None}
    assert api(personas.worker).get("/api/v1/me/card").status_code == 404


def test_my_card_when_no_card_can_be_issued_is_409(api, personas):
    from smartunion.orgs.models import Organisation

    # No federation above the member's union has a region: no card number can be made.
    Organisation.objects.filter(kind__in=Organisation.FEDERATION_KINDS).update(region=None)
    response = api(personas.worker).get("/api/v1/me/card")
    assert response.status_code == 409
    assert response.json() == {"code": "card_unavailable",
                               "message": "该工会上级没有设置行政区划的总工会，无法发放会员证", "fields": {}}


def test_reporting_a_card_lost_twice_at_once_is_409(api, personas, my_card, monkeypatch):
    """The second of two simultaneous reports finds the card it read already revoked."""
    from smartunion.members import cards
    from smartunion.members.models import MemberCard

    stale = MemberCard.objects.get()
    cards.reissue_card(MemberCard.objects.get(), by=personas.worker)  # the first report
    # Stays: the second report read the card before the first revoked it, a race no single request makes.
    monkeypatch.setattr(cards, "active_card", lambda person: stale)
    response = api(personas.worker).post("/api/v1/me/card/report-lost")
    assert response.status_code == 409
    assert response.json() == {"code": "already_revoked", "message": "该会员证已作废", "fields": {}}
    assert MemberCard.objects.count() == 2
