from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class TokenIn(Schema):
    username: str | None = Field(None, description="用户名（干部）")
    phone: str | None = Field(None, description="手机号码（职工）")
    password: str
    otp: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105  the scheme name, not a secret
    expires_at: dt.datetime
    user: dict


class RegionOut(Schema):
    code: str
    name: str


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    depth: int
    region: RegionOut | None
    credit_code: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    founded_on: dt.date | None
    contact_name: str
    contact_phone: str = Field(description="脱敏后的联系电话")
    status: str
    member_count: int
    subtree_member_count: int


class OrgIn(Schema):
    name: str
    kind: str
    parent_id: int
    region: str | None = None
    credit_code: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    founded_on: dt.date | None = None
    contact_name: str = ""
    contact_phone: str = ""


class OrgPatch(Schema):
    name: str | None = None
    region: str | None = None
    credit_code: str | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    founded_on: dt.date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class EmployerOut(Schema):
    id: int
    name: str
    normalized_name: str
    credit_code: str | None
    region: RegionOut
    industry: str
    size: str
    address: str
    covering_union_id: int | None
    township_union_id: int | None


class EmployerIn(Schema):
    name: str
    region: str
    credit_code: str = ""
    industry: str = ""
    size: str = ""
    address: str = ""
    covering_union_id: int | None = None
    township_union_id: int | None = None


class EmployerPatch(Schema):
    name: str | None = None
    region: str | None = None
    credit_code: str | None = None
    industry: str | None = None
    size: str | None = None
    address: str | None = None
    covering_union_id: int | None = None
    township_union_id: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}
