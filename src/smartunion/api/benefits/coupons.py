"""Coupons: claim (Idempotency-Key, 429), my coupons, redeem by a merchant; merchants for cadres."""

from __future__ import annotations

from ninja import Query, Schema, Status
from ninja.security import HttpBearer
from pydantic import Field

from smartunion.accounts.services import token_digest
from smartunion.api.benefits.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import (
    CHOICE_INPUT,
    CODE_INPUT,
    LOGIN_INPUT,
    PASSWORD_INPUT,
    PHONE_INPUT,
    ErrorOut,
    limit,
    text,
)
from smartunion.benefits.models import Coupon, Merchant
from smartunion.benefits.queries import activity_snapshot, member_for_token, my_coupons, visible_merchants
from smartunion.benefits.services.coupons import MAX_KEY, claim_coupon, qr_payload, redeem_coupon
from smartunion.benefits.services.merchants import add_merchant_account, create_merchant, update_merchant
from smartunion.core.middleware import client_ip
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_phone
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import get_visible_or_404

CLAIM = {201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def claim_out(coupon: Coupon) -> dict:
    """The claim's answer. In the Redis shape the coupon is not written yet when the member is answered: id is
    null and the code identifies it (docs/benefits-coupons.md)."""
    return {"id": coupon.pk, "code": coupon.code, "valid_until": coupon.valid_until,
            "activity_id": coupon.activity_id, "status": coupon.status}


def coupon_out(coupon: Coupon) -> dict:
    activity = coupon.activity
    return {
        "id": coupon.pk, "code": coupon.code, "status": coupon.status, "status_label": coupon.get_status_display(),
        "valid_until": coupon.valid_until, "claimed_at": coupon.claimed_at, "redeemed_at": coupon.redeemed_at,
        "activity": {"id": activity.pk, "title": activity.title, "face_value": activity.face_value,
                     "terms": activity.terms},
        "qr": qr_payload(coupon),
    }


class CouponPageParams(Schema):
    page: int = 1
    page_size: int = 20


class ClaimBearer(HttpBearer):
    """The bearer token of a claim, read with the account's membership in one query (member_for_token)."""

    def authenticate(self, request, token):
        found = member_for_token(token_digest(token))
        if found is None:
            return None
        request.user, request.member = found
        return request.user


@router.post("/activities/{activity_id}/claim", response=CLAIM, auth=ClaimBearer(),
             summary="领取优惠券（可带 Idempotency-Key 请求头，重试时返回同一张券）")
def claim(request, activity_id: int):
    """The grab's hot path: the token with the member's membership in one query (ClaimBearer), the activity from a
    two-second process-local snapshot (activity_snapshot); what must be exact (stock, limits) is decided by the
    conditional UPDATE or the Redis script."""
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > MAX_KEY:
        raise ApiError(422, "invalid", "提交的数据有误，请检查后重试",
                       {"idempotency_key": f"请求标识（Idempotency-Key）最多{MAX_KEY}个可见字符"})
    activity = activity_snapshot(activity_id)
    if activity is None:
        raise ApiError(404, "not_found", "活动不存在")
    coupon = claim_coupon(activity, by=request.auth, idempotency_key=key, ip=client_ip(request),
                          member=request.member)
    return Status(201, claim_out(coupon))


@router.get("/me/coupons", response={200: dict, 400: ErrorOut}, summary="我的优惠券（含给商户扫码核销的二维码内容）")
def list_my_coupons(request, params: Query[CouponPageParams]):
    person_id = getattr(request.auth, "person_id", None)
    queryset = my_coupons(person_id) if person_id else Coupon.objects.none()
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=coupon_out)


class RedeemIn(Schema):
    code: str = text("券码", CODE_INPUT, description="券码或二维码内容，可含空格、小写")
    merchant_id: int | None = Field(None, description="核销商户（商户账号关联多个商户，或干部代商户核销时）")


def redeemed_out(coupon: Coupon) -> dict:
    activity = coupon.activity
    return {
        "id": coupon.pk, "code": coupon.code, "status": coupon.status, "status_label": coupon.get_status_display(),
        "redeemed_at": coupon.redeemed_at, "valid_until": coupon.valid_until,
        "activity": {"id": activity.pk, "title": activity.title, "face_value": activity.face_value},
        "merchant": {"id": coupon.merchant.pk, "name": coupon.merchant.name} if coupon.merchant else None,
    }


@router.post("/coupons/redeem", response={200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="核销优惠券（商户账号或本级及上级工会干部）")
def redeem(request, payload: RedeemIn):
    merchant = None
    if payload.merchant_id is not None:
        merchant = Merchant.objects.select_related("org").filter(pk=payload.merchant_id).first()
        if merchant is None:
            raise ApiError(404, "not_found", "商户不存在")
    return redeemed_out(redeem_coupon(payload.code, by=request.auth, merchant=merchant))


# Merchants (cadres, scoped) ----------------------------------------------------------------------------------------

def merchant_out(merchant: Merchant) -> dict:
    return {"id": merchant.pk, "name": merchant.name, "org": {"id": merchant.org_id, "name": merchant.org.name},
            "address": merchant.address, "contact_name": merchant.contact_name,
            "contact_phone": mask_phone(merchant.contact_phone), "status": merchant.status,
            "status_label": merchant.get_status_display(), "created_at": merchant.created_at}


class MerchantIn(Schema):
    org_id: int
    name: str = text("商户名称", limit(Merchant, "name"))
    address: str = text("地址", limit(Merchant, "address"), "")
    contact_name: str = text("联系人", limit(Merchant, "contact_name"), "")
    contact_phone: str = text("联系电话", PHONE_INPUT, "")


class MerchantPatch(Schema):
    name: str = Field(None, max_length=limit(Merchant, "name"))
    address: str = Field(None, max_length=limit(Merchant, "address"))
    contact_name: str = Field(None, max_length=limit(Merchant, "contact_name"))
    contact_phone: str = Field(None, max_length=PHONE_INPUT)
    status: str = Field(None, max_length=CHOICE_INPUT)


class AccountIn(Schema):
    username: str = text("用户名", LOGIN_INPUT)
    password: str = text("密码", PASSWORD_INPUT)
    display_name: str = text("姓名", 50, "")


def merchant_or_404(request, merchant_id: int) -> Merchant:
    merchant = visible_merchants(request.auth).filter(pk=merchant_id).first()
    if merchant is None:
        raise ApiError(404, "not_found", "商户不存在")
    return merchant


@router.get("/merchants", response={200: dict, 400: ErrorOut}, summary="本级及下级工会的商户（干部）")
def list_merchants(request, params: Query[CouponPageParams]):
    return paginate(visible_merchants(request.auth).order_by("id"), page=params.page, page_size=params.page_size,
                    serialize=merchant_out)


@router.post("/merchants", response={201: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}, summary="登记商户")
def add_merchant(request, payload: MerchantIn):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=payload.org_id)
    merchant = create_merchant(by=request.auth, org=org, **payload.dict(exclude={"org_id"}))
    return Status(201, merchant_out(merchant))


@router.patch("/merchants/{merchant_id}", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              summary="修改商户（含停用）")
def change_merchant(request, merchant_id: int, payload: MerchantPatch):
    merchant = merchant_or_404(request, merchant_id)
    return merchant_out(update_merchant(merchant, by=request.auth, **payload.dict(exclude_unset=True)))


@router.post("/merchants/{merchant_id}/accounts",
             response={201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="开通商户账号（商户员工登录核销用）")
def add_account(request, merchant_id: int, payload: AccountIn):
    merchant = merchant_or_404(request, merchant_id)
    user = add_merchant_account(merchant, by=request.auth, username=payload.username, password=payload.password,
                                display_name=payload.display_name)
    return Status(201, {"id": user.pk, "username": user.username, "display_name": user.display_name,
                        "kind": user.kind, "merchant_id": merchant.pk})
