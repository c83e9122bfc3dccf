"""Merchants: shops and services that accept an org's coupons, and the accounts their staff log in with.

A chair or administrator of the org (or of an org above it) registers a merchant, changes it, and opens merchant
accounts (User.kind "merchant", no console access) attached to it. Every write is audited (benefits.merchant.*).
The redemption figures the console shows are reads in benefits/queries.py (redemption_log, redemption_totals).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from smartunion.accounts.models import User
from smartunion.benefits.models import Merchant
from smartunion.benefits.rules import can_manage
from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.forms import check_text_fields
from smartunion.orgs.models import Organisation

FIELDS = ("name", "address", "contact_name", "contact_phone", "status")
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.@+\-]{3,150}$")
MANAGE_ONLY = "只有本工会或上级工会的主席、管理员可以管理商户"


def _clean(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = {name: str(values[name] or "").strip() for name in FIELDS if name in values}
    if (creating or "name" in cleaned) and not cleaned.get("name"):
        errors["name"] = "请填写商户名称"
    phone = cleaned.get("contact_phone")
    if phone and not PHONE.match(phone):
        errors["contact_phone"] = "联系电话格式不正确"
    if "status" in cleaned and cleaned["status"] not in Merchant.Status.values:
        errors["status"] = "状态应为 active（正常）或 suspended（已停用）"
    check_text_fields(Merchant, {k: v for k, v in cleaned.items() if k != "contact_phone"}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_merchant(*, by, org: Organisation, name: str, address: str = "", contact_name: str = "",
                    contact_phone: str = "") -> Merchant:
    require_actor(by)
    if not can_manage(by, org):
        raise Forbidden(MANAGE_ONLY)
    cleaned = _clean({"name": name, "address": address, "contact_name": contact_name,
                      "contact_phone": contact_phone}, creating=True)
    with transaction.atomic():
        merchant = Merchant.objects.create(org=org, org_path=org.path, **cleaned)
        log_event("benefits.merchant.create", actor=by, target=merchant, org=org)
    return merchant


def update_merchant(merchant: Merchant, *, by, **values) -> Merchant:
    """Change the name, address, contact or status (active / suspended: a suspended merchant redeems nothing)."""
    require_actor(by)
    if not can_manage(by, merchant.org):
        raise Forbidden(MANAGE_ONLY)
    unknown = {name: "不支持修改此项" for name in values if name not in FIELDS}
    if unknown:
        raise Invalid.from_fields(unknown)
    cleaned = _clean(values, creating=False)
    with transaction.atomic():
        locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, cleaned[name])
        if changed:
            locked.save(update_fields=changed)
            log_event("benefits.merchant.update", actor=by, target=locked, org=locked.org,
                      data={"fields": sorted(changed)})
    return locked


def add_merchant_account(merchant: Merchant, *, by, username: str, password: str, display_name: str = "") -> User:
    """A log-in for the merchant's staff: a merchant account (no console access) attached to the merchant."""
    require_actor(by)
    if not can_manage(by, merchant.org):
        raise Forbidden(MANAGE_ONLY)
    username, display_name = (username or "").strip(), (display_name or "").strip()
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = "用户名应为 3 至 150 个字母、数字或 _ . @ + -"
    if len(display_name) > 50:
        errors["display_name"] = "姓名最多 50 个字"
    try:
        validate_password(password or "")
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise Invalid.from_fields(errors)
    try:
        with transaction.atomic():
            user = User.objects.create(username=username, display_name=display_name or merchant.name[:50],
                                       kind=User.Kind.MERCHANT, is_staff=False, password=make_password(password))
            merchant.users.add(user)
            log_event("benefits.merchant.add_account", actor=by, target=merchant, org=merchant.org,
                      data={"username": username})
    except IntegrityError:
        raise Conflict("用户名已被使用", code="username_taken", fields={"username": "用户名已被使用"}) from None
    return user
