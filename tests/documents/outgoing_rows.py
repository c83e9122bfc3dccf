"""Rows for the outgoing-document tests: 济南市总工会's office (a drafter, a reviewer, the chair, an administrator),
two departments, 历下区总工会's chair as a countersigning org, the rule 济工发, and a helper that walks a draft to
any state through the services."""

from __future__ import annotations

from types import SimpleNamespace

from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import OutgoingDocument
from smartunion.documents.services import outgoing as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

R = Position.Role
S = OutgoingDocument.Status
BODY = "各县（区）总工会：\n为做好2026年职工服务工作，现将有关事项通知如下。\n一、提高认识。\n二、抓好落实。"


def cadre(username: str, org, role: str, name: str = ""):
    user = make_user(username, display_name=name or username)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


def make_office(tree):
    drafter = cadre("jn_drafter", tree.jinan, R.EDITOR, "王拟稿")
    reviewer = cadre("jn_reviewer", tree.jinan, R.REVIEWER, "李核稿")
    chair = cadre("jn_chair", tree.jinan, R.CHAIR, "张主席")
    clerk = cadre("jn_clerk", tree.jinan, R.ADMINISTRATOR, "赵办公室")
    lixia_chair = cadre("lx_chair", tree.lixia, R.CHAIR, "历下主席")
    qingdao_chair = cadre("qd_chair", tree.qingdao, R.CHAIR, "青岛主席")
    org_head = make_user("zzb_head", display_name="组织部部长")
    org_member = make_user("zzb_member", display_name="组织部干事")
    xcb_head = make_user("xcb_head", display_name="宣传部部长")
    zzb = services.save_department(by=SYSTEM, org=tree.jinan, name="组织部", head=org_head, members=[org_member])
    xcb = services.save_department(by=SYSTEM, org=tree.jinan, name="宣传部", head=xcb_head)
    rule = services.create_rule(by=SYSTEM, org=tree.jinan, name="发文", prefix="济工发")
    return SimpleNamespace(tree=tree, org=tree.jinan, drafter=drafter, reviewer=reviewer, chair=chair, clerk=clerk,
                           lixia_chair=lixia_chair, qingdao_chair=qingdao_chair, org_head=org_head,
                           org_member=org_member, xcb_head=xcb_head, zzb=zzb, xcb=xcb, rule=rule)


def draft(office, title: str = "关于做好2026年职工服务工作的通知", **values) -> OutgoingDocument:
    values.setdefault("body", BODY)
    values.setdefault("main_recipients", "各县（区）总工会")
    values.setdefault("rule", office.rule)
    return services.create_document(by=office.drafter, org=office.org, title=title, **values)


ORDER = [S.DRAFT, S.CHECKING, S.SIGNING, S.NUMBERING, S.SEALING, S.DISTRIBUTION, S.ARCHIVED]


def advance(document: OutgoingDocument, office, to: str) -> OutgoingDocument:
    """Walk a draft along the plain path (no countersign) until it is in `to`."""
    steps = {
        S.DRAFT: lambda d: services.submit(d, by=office.drafter),
        S.CHECKING: lambda d: services.check(d, by=office.reviewer),
        S.SIGNING: lambda d: services.sign(d, by=office.chair),
        S.NUMBERING: lambda d: services.number(d, by=office.clerk),
        S.SEALING: lambda d: services.seal(d, by=office.clerk),
        S.DISTRIBUTION: lambda d: services.archive(d, by=office.clerk),
    }
    while document.status != to:
        document = steps[document.status](document)
    return document
