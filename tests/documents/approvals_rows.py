"""Fixtures of the approvals tests: a staffed 济南市总工会 (chair, administrator = personas.city_cadre, two staff
reviewers), a province chair, and the standard forms installed at the province."""

from __future__ import annotations

from types import SimpleNamespace

from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import ApprovalForm
from smartunion.documents.services import approvals as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

R = Position.Role


def leave_data(**extra) -> dict:
    return {"kind": "事假", "start": "2026-12-01T09:00", "end": "2026-12-02T17:00", "days": "2",
            "reason": "家中有事", **extra}


def expense_data(amount: str = "4999.00", **extra) -> dict:
    return {"category": "差旅费", "amount": amount, "occurred_on": "2026-11-20", "invoices": "3",
            "description": "赴省总工会参加培训", **extra}


def make_office(tree, personas) -> SimpleNamespace:
    def cadre(username, org, role, name):
        user = make_user(username, display_name=name)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    chair = cadre("jn_chair", tree.jinan, R.CHAIR, "王主席")
    staff = cadre("jn_staff", tree.jinan, R.REVIEWER, "李干事")
    colleague = cadre("jn_colleague", tree.jinan, R.REVIEWER, "赵干事")
    province_chair = cadre("sd_chair", tree.province, R.CHAIR, "省主席")
    services.install_standard_forms(tree.province, by=SYSTEM)
    forms = {f.code: f for f in ApprovalForm.objects.filter(org=tree.province)}
    return SimpleNamespace(chair=chair, admin=personas.city_cadre, staff=staff, colleague=colleague,
                           province_chair=province_chair, forms=forms)
