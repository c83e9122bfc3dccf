"""Programmes (帮扶项目), living standards (最低生活保障标准) and the multiplier table (困难认定收入标准).

A programme is created by the chairs and administrators of its org (or above) with its rules as data: the
eligibility rule and the amount rule (assistance/eligibility.py), the required documents, the application period,
the review chain of levels and the days of public notice. Living standards and thresholds are kept by the
federations covering the region.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from smartunion.assistance import eligibility
from smartunion.assistance.models import Category, HardshipThreshold, LivingStandard, Programme, Purpose
from smartunion.assistance.rules import may_manage
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.orgs.models import Organisation

MAX_DOCUMENTS = 20
ONLY_MANAGERS = "只有该单位（或上级工会）的主席、管理员可以办理"


def region_prefix(code: str) -> str:
    """370100 → 3701, 370000 → 37, 370102 → 370102: the digits a region's sub-regions share."""
    code = (code or "")[:6]
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def covers(org: Organisation, region_code: str) -> bool:
    if org.kind == Organisation.Kind.NATIONAL:
        return True
    return bool(org.region_id) and (region_code or "").startswith(region_prefix(org.region_id or ""))


def set_living_standard(*, by, org: Organisation, region, year: int, monthly_fen: int, note: str = ""
                        ) -> LivingStandard:
    """Set (or change) the standard of a region and year: a federation covering the region."""
    require_actor(by)
    region_id = getattr(region, "pk", region)
    if not may_manage(by, org):
        raise Forbidden(ONLY_MANAGERS)
    if not org.is_federation:
        raise Invalid.from_fields({"org": "最低生活保障标准由县级以上总工会维护"})
    if not covers(org, region_id):
        raise Invalid.from_fields({"region": f"{org.name}只能维护本辖区的最低生活保障标准"})
    errors = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = "年度应在 2000 至 2100 之间"
    if not isinstance(monthly_fen, int) or not 0 < monthly_fen <= 10_000_000:
        errors["monthly_fen"] = "标准应为正整数（分）"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        standard, created = LivingStandard.objects.select_for_update().get_or_create(
            region_id=region_id, year=year,
            defaults={"org": org, "monthly_fen": monthly_fen, "note": note[:200], "updated_by": user_or_none(by)})
        before = None if created else standard.monthly_fen
        if not created:
            if not may_manage(by, standard.org):
                raise Forbidden(f"该标准由{standard.org.name}维护")
            standard.monthly_fen, standard.note, standard.updated_by = monthly_fen, note[:200], user_or_none(by)
            standard.save()
        log_event("assistance.living_standard.set", actor=by, target=standard, org=org,
                  data={"region": region_id, "year": year, "monthly_fen": monthly_fen, "before": before})
    return standard


def set_threshold(*, by, org: Organisation, category: str, percent: int | None) -> HardshipThreshold:
    require_actor(by)
    if not may_manage(by, org):
        raise Forbidden(ONLY_MANAGERS)
    if not org.is_federation:
        raise Invalid.from_fields({"org": "困难认定收入标准由县级以上总工会设定"})
    if category not in Category.values:
        raise Invalid.from_fields({"category": "困难类别取值无效"})
    if percent is not None and not (isinstance(percent, int) and 1 <= percent <= 1000):
        raise Invalid.from_fields({"percent": "百分比应为 1 至 1000"})
    with transaction.atomic():
        row, _ = HardshipThreshold.objects.update_or_create(org=org, category=category,
                                                            defaults={"percent": percent, "org_path": org.path})
        log_event("assistance.threshold.set", actor=by, target=row, org=org,
                  data={"category": category, "percent": percent})
    return row


LEVELS = set(Programme.Level.values)


def create_programme(*, by, org: Organisation, name: str, kind: str, purpose: str, year: int, budget_fen: int,
                     amount_rule: dict, opens_on: dt.date, closes_on: dt.date, review_chain: list,
                     eligibility_rule: dict | None = None, required_documents: list | None = None,
                     notice_days: int = 5, objection_contact: str = "", description: str = "") -> Programme:
    require_actor(by)
    if not may_manage(by, org):
        raise Forbidden(ONLY_MANAGERS)
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = "请填写项目名称"
    if kind not in Programme.Kind.values:
        errors["kind"] = "项目类型取值无效"
    purpose = (purpose or "").strip()
    if purpose not in Purpose.values:
        errors["purpose"] = f"资金用途应为以下之一：{'、'.join(f'{v}（{label}）' for v, label in Purpose.choices)}"
    if not isinstance(budget_fen, int) or budget_fen <= 0:
        errors["budget_fen"] = "预算应为正整数（分）"
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = "年度应在 2000 至 2100 之间"
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = "受理截止日期不能早于开始日期"
    chain = list(review_chain or [])
    if not chain or len(chain) > 5 or any(level not in LEVELS for level in chain):
        errors["review_chain"] = "审核层级应为 grassroots、township、county、city、province 中的 1 至 5 级"
    docs = [str(d).strip()[:50] for d in (required_documents or []) if str(d).strip()]
    if len(docs) > MAX_DOCUMENTS:
        errors["required_documents"] = f"所需材料最多 {MAX_DOCUMENTS} 项"
    if not isinstance(notice_days, int) or not 1 <= notice_days <= 60:
        errors["notice_days"] = "公示天数应为 1 至 60 天"
    if errors:
        raise Invalid.from_fields(errors)
    rule = eligibility.clean_rule(eligibility_rule)
    amounts = eligibility.clean_amount_rule(amount_rule)
    with transaction.atomic():
        programme = Programme.objects.create(
            org=org, name=name.strip(), kind=kind, purpose=purpose, year=year, budget_fen=budget_fen,
            eligibility=rule, required_documents=docs, amount_rule=amounts, opens_on=opens_on, closes_on=closes_on,
            review_chain=chain, notice_days=notice_days, objection_contact=objection_contact[:100],
            description=description[:2000], created_by=user_or_none(by))
        log_event("assistance.programme.create", actor=by, target=programme, org=org,
                  data={"kind": kind, "budget_fen": budget_fen, "year": year, "purpose": programme.purpose})
    return programme


def close_programme(programme: Programme, *, by) -> Programme:
    require_actor(by)
    if not may_manage(by, programme.org):
        raise Forbidden(ONLY_MANAGERS)
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.CLOSED)
    programme.status = Programme.Status.CLOSED
    log_event("assistance.programme.close", actor=by, target=programme, org=programme.org)
    return programme
