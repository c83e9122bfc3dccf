"""Request and response bodies of /api/v1.

Every string a client sends has a maximum length: the column's own length where the value is stored as typed
(names, addresses), a looser bound where the service normalises it first (codes and numbers may carry spaces).
A field that may be left out but not cleared is `str = ""` or `str = Field(None)`: an explicit null is refused
with 422, and the OpenAPI document does not allow null for it (api/errors.py drops the null default).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from smartunion.orgs.models import Employer, Organisation, Region


def limit(model, field: str) -> int:
    """The column length of `model.field`: the API refuses longer text before the service sees it."""
    return model._meta.get_field(field).max_length


# Codes and numbers that the services normalise (spaces, full-width characters) before checking them exactly.
CODE_INPUT = 64
PHONE_INPUT = 32
REGION_INPUT = limit(Region, "code")
PASSWORD_INPUT = 256
LOGIN_INPUT = 150  # a username (its column length) or a phone number
OTP_INPUT = 16
NOTE_INPUT = 200
SEARCH_INPUT = 100
ADDRESS_INPUT = 200  # addresses are stored encrypted, without a column length
CHOICE_INPUT = 20  # kinds, sizes, industries, statuses: the service names the valid values

_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
DECIMAL_TEXT_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def _decimal_input(value):
    """A number, or a plain decimal in a string ("36.6612"): what the schema says, nothing looser."""
    if isinstance(value, bool) or (isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value)):
        raise ValueError("应为数字")
    return value


Coordinate = Annotated[
    Decimal, BeforeValidator(_decimal_input),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_TEXT_PATTERN}]}),
]


def text(title: str, max_length: int, default=..., **extra):
    """A string field: the API refuses it longer than `max_length`, naming it by its Chinese `title`."""
    return Field(default, title=title, max_length=max_length, **extra)


class TokenIn(Schema):
    username: str | None = text("用户名", LOGIN_INPUT, None, description="用户名（干部）")
    phone: str | None = text("手机号码", PHONE_INPUT, None, description="手机号码（职工）")
    password: str = text("密码", PASSWORD_INPUT)
    otp: str = text("动态口令", OTP_INPUT, "")


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
    name: str = text("组织名称", limit(Organisation, "name"))
    kind: str = text("组织类型", CHOICE_INPUT)
    parent_id: int
    region: str | None = text("行政区划代码", REGION_INPUT, None)
    credit_code: str = text("统一社会信用代码", CODE_INPUT, "")
    address: str = text("地址", limit(Organisation, "address"), "")
    latitude: Coordinate | None = None
    longitude: Coordinate | None = None
    founded_on: dt.date | None = None
    contact_name: str = text("联系人", limit(Organisation, "contact_name"), "")
    contact_phone: str = text("联系电话", PHONE_INPUT, "")


class OrgPatch(Schema):
    """Only the fields sent change. Text fields are cleared with "", never null; dates and coordinates with null."""

    name: str = text("组织名称", limit(Organisation, "name"), None)
    region: str | None = text("行政区划代码", REGION_INPUT, None)
    credit_code: str = text("统一社会信用代码", CODE_INPUT, None)
    address: str = text("地址", limit(Organisation, "address"), None)
    latitude: Coordinate | None = None
    longitude: Coordinate | None = None
    founded_on: dt.date | None = None
    contact_name: str = text("联系人", limit(Organisation, "contact_name"), None)
    contact_phone: str = text("联系电话", PHONE_INPUT, None)


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
    name: str = text("单位名称", limit(Employer, "name"))
    region: str = text("所在区划", REGION_INPUT)
    credit_code: str = text("统一社会信用代码", CODE_INPUT, "")
    industry: str = text("行业", CHOICE_INPUT, "")
    size: str = text("规模", CHOICE_INPUT, "")
    address: str = text("地址", limit(Employer, "address"), "")
    covering_union_id: int | None = None
    township_union_id: int | None = None


class EmployerPatch(Schema):
    """Only the fields sent change. The credit code and the unions are cleared with null; text fields with ""."""

    name: str = text("单位名称", limit(Employer, "name"), None)
    region: str = text("所在区划", REGION_INPUT, None)
    credit_code: str | None = text("统一社会信用代码", CODE_INPUT, None)
    industry: str = text("行业", CHOICE_INPUT, None)
    size: str = text("规模", CHOICE_INPUT, None)
    address: str = text("地址", limit(Employer, "address"), None)
    covering_union_id: int | None = None
    township_union_id: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}
    details: dict = {}  # structured data of some refusals (e.g. the hits of a sensitive-word check)

