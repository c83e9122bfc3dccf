"""/api/v1 e-member card: verify a QR token (public), publish the verification keys (public), and the member's own
card with a fresh QR (bearer), including reporting a lost card."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from ninja import Router, Schema
from pydantic import Field

from smartunion.api.auth import BearerToken
from smartunion.api.errors import ApiError
from smartunion.api.schemas import ErrorOut
from smartunion.core.qr import qr_svg
from smartunion.members import card_tokens, cards
from smartunion.members.models import MemberCard, Membership

router = Router(tags=["电子会员证"])
bearer = BearerToken()

NOT_MEMBER = ("not_member", "您还不是工会会员")


class VerifyIn(Schema):
    token: str = Field(max_length=card_tokens.MAX_TOKEN_LENGTH, description="会员证二维码中的令牌")


class VerifiedMemberOut(Schema):
    name: str = Field(description="脱敏后的姓名")
    union: str = Field(description="所在工会")
    card_number: str = Field(description="脱敏后的会员卡号")


class VerifyOut(Schema):
    valid: bool
    reason: str = Field(description="ok、malformed、other_deployment、unknown_key、bad_signature、expired、"
                                    "revoked 或 not_member")
    message: str
    member: VerifiedMemberOut | None


def member_card_for(user) -> tuple[Membership, MemberCard]:
    """The user's active membership and active card (issued now if the member has none yet), else a 404. A union
    without an issuing federation refuses with 409 card_unavailable (api/errors.py)."""
    membership, card = card_tokens.member_card(user)
    if membership is None or card is None:
        raise ApiError(404, *NOT_MEMBER)
    return membership, card


def card_out(membership: Membership, card: MemberCard) -> dict:
    token = card_tokens.card_token(membership, card)
    return {
        "card_number": card.card_number, "version": card.version, "status": card.status,
        "union": {"id": membership.union_id, "name": membership.union.name},
        "token": token, "expires_at": card_tokens.token_expiry(token), "qr_svg": qr_svg(token),
    }


@router.post("/cards/verify", response={200: VerifyOut, 422: ErrorOut}, summary="在线核验会员证二维码")
def verify_card(request, payload: VerifyIn):
    return card_tokens.verify_token(payload.token).as_dict()


@router.get("/cards/keys", summary="会员证验签公钥（离线核验）")
def card_keys(request):
    return {
        "deployment": settings.DEPLOYMENT_ID, "alg": card_tokens.ALG, "keys": card_tokens.public_keys(),
        "payload_format": card_tokens.PAYLOAD_FORMAT,
    }


@router.get("/me/card", auth=bearer, response={200: dict, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
            summary="我的电子会员证")
def my_card(request):
    return card_out(*member_card_for(request.user))


LOST_RESPONSES = {200: dict, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post("/me/card/report-lost", auth=bearer, response=LOST_RESPONSES,
             summary="挂失补办（原二维码立即失效，卡号不变）")
def report_lost(request):
    with transaction.atomic():
        membership, card = member_card_for(request.user)
        new = cards.reissue_card(card, by=request.user)  # reported lost twice at once: 409 already_revoked
    return card_out(membership, new)
