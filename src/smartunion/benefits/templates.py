"""Named templates for the targeted benefits (送清凉, 送温暖, 生日福利): default fields and audience rules for
services.create_activity, so that the console creates a seasonal coupon grab in one step.

`create_from_template("summer_relief", by=cadre, org=org, stock=500)` makes a draft like any other: the template
fills what the publisher did not give (the title, wording, limits, window, coupon validity and audience), each
override replaces a default (an `audience` override replaces the template's rules as a whole), and the activity
remembers its template (Activity.template). The stock is the publisher's to set: a template never guesses it.

Audiences are rules over what the platform knows (benefits/audience.py): 送清凉 is for gig workers ("gig" covers
every form the code table marks as gig work: couriers, delivery riders, ride-hailing and truck drivers, ...), who
work outdoors in the heat; the code table has no other outdoor forms (sanitation, construction) to add yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from smartunion.benefits import audience as audiences
from smartunion.benefits.models import Activity
from smartunion.benefits.services.activities import create_activity
from smartunion.core.errors import Invalid
from smartunion.orgs.models import Organisation


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    kind: str
    description: str
    fields: dict[str, Any]
    audience: Callable[[dt.date], dict[str, Any]]
    days: int = 30  # how long the grab runs from now, unless ends_at is given
    valid_days: int = 30  # how long coupons stay valid after the grab ends, unless valid_until is given
    ends_with_month: bool = False  # the grab ends with the current month instead

    def defaults(self, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """The fields create_activity receives for this template, as of `now`."""
        now = now or timezone.now()
        today = timezone.localtime(now).date()
        if self.ends_with_month:
            last = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            ends = timezone.make_aware(dt.datetime.combine(last, dt.time(23, 59, 59)))
        else:
            ends = now + dt.timedelta(days=self.days)
        return {**self.fields, "starts_at": now, "ends_at": ends, "audience": self.audience(today)}

    def describe(self, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """For a template picker: key, name, description and the audience in words."""
        rules = audiences.clean_rules(self.audience(timezone.localtime(now or timezone.now()).date()))
        return {"key": self.key, "name": self.name, "kind": self.kind, "description": self.description,
                "audience": audiences.describe(rules)}


TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template(
        key="summer_relief", name="夏季送清凉", kind=Activity.Kind.COUPON,
        description="高温时节为户外劳动者和新就业形态劳动者送上防暑降温物品。",
        fields={"title": "夏日送清凉券", "face_value": "防暑降温物品一份",
                "description": "高温天气，工会为奔波在户外的快递员、外卖配送员、网约车和货车司机等新就业形态劳动者"
                               "送上清凉。凭券到适用商户或服务站点领取防暑降温物品。",
                "terms": "每人每天限领一张；凭券码或二维码到适用商户领取，过期作废。",
                "per_member_limit": 10, "daily_limit": 1},
        audience=lambda today: {"employment_forms": [audiences.GIG]},
        days=60, valid_days=15,
    ),
    Template(
        key="winter_relief", name="冬季送温暖", kind=Activity.Kind.COUPON,
        description="岁末年初为会员送上御寒物品或节日慰问。",
        fields={"title": "冬日送温暖券", "face_value": "御寒慰问品一份",
                "description": "寒冬时节，工会为会员送上温暖。凭券到适用商户领取御寒物品或节日慰问品。",
                "terms": "每人限领一张；凭券码或二维码到适用商户领取，过期作废。", "per_member_limit": 1},
        audience=lambda today: {},
        days=30, valid_days=30,
    ),
    Template(
        key="birthday", name="生日福利", kind=Activity.Kind.COUPON,
        description="本月过生日的会员领取生日慰问券（按身份证号中的出生日期）。",
        fields={"title": "生日慰问券", "face_value": "生日蛋糕券一张",
                "description": "祝您生日快乐！本月过生日的会员可领取一张生日慰问券。",
                "terms": "每人限领一张；凭券码或二维码到适用商户使用，过期作废。", "per_member_limit": 1},
        audience=lambda today: {"birth_months": [today.month]},
        ends_with_month=True, valid_days=60,
    ),
)}


def get_template(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise Invalid.from_fields({"template": "模板不存在"}) from None


def create_from_template(template: str | Template, *, by, org: Organisation, **overrides) -> Activity:
    """A draft from a template: its defaults, then the overrides (any create_activity field). The coupons'
    validity follows the grab's end (end date + the template's valid_days) unless valid_until is given."""
    chosen = template if isinstance(template, Template) else get_template(template)
    values = {**chosen.defaults(), **overrides}
    ends = values.get("ends_at")
    if chosen.kind == Activity.Kind.COUPON and "valid_until" not in overrides and isinstance(ends, dt.datetime):
        ends = timezone.make_aware(ends) if timezone.is_naive(ends) else ends
        values["valid_until"] = timezone.localtime(ends).date() + dt.timedelta(days=chosen.valid_days)
    values["template"] = chosen.key
    return create_activity(by=by, org=org, kind=chosen.kind, **values)
