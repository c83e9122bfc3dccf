"""Demo exchange (公文交换) and incoming documents (收文) in the demo province (issue 12).

Called by demo/seeding.py after the outgoing documents (it reuses 济南's 组织部 and the `jn_chair` / `jn_zzb` accounts
when build_outgoing made them, and makes them otherwise):

    from smartunion.demo.seed_documents_exchange import build_exchange
    build_exchange(progress=progress)

What it makes:
- a released province document (status 分发, 鲁工发〔2026〕21号) exchanged to every city federation six days ago: the
  first city (济南) and every other one after the second signed for it, the second returned it with a reason, the
  rest are late (past their sign-by date) and were urged once;
- a second released province document (鲁工发〔2026〕22号) exchanged to every county federation four days ago and
  urged: 历下区 signed for it, the others are late;
- 济南's incoming documents in every state: the exchanged one signed and waiting for 拟办 (已登记), and registered by
  hand: one 已拟办, one 已批办, one 承办中 (due in five working days), one 承办中 and overdue, one 已办结, one 已归档;
- a circulation of one of them to 济南's chair and 组织部's head: one has read it, the other not.
Each step is taken by a cadre of the acting org when the demo has one (admin, jinan, lixia ...), else by the system.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import compute_deadline
from smartunion.demo.cadres import demo_cadre as _cadre
from smartunion.documents.models import Delivery, Department, Exchange, IncomingDocument, OutgoingDocument
from smartunion.documents.services import exchange as exchange_services
from smartunion.documents.services import incoming as incoming_services
from smartunion.orgs.models import Organisation, Position

R = Position.Role
K = Organisation.Kind
RETURN_REASON = "主送机关有误，本单位不是该文的主送单位，请核实后重发"
YEAR = 2026


def _office(org: Organisation, roles=(R.ADMINISTRATOR, R.CHAIR)):
    """A demo cadre holding an office role in exactly this org, else the system."""
    for role in roles:
        position = (Position.objects.filter(org=org, role=role, user__is_active=True).select_related("user")
                    .order_by("id").first())
        if position is not None:
            return position.user
    return SYSTEM



def _released(org: Organisation, seq: int, title: str, body: str, recipients: str) -> OutgoingDocument:
    today = timezone.localdate()
    return OutgoingDocument.objects.create(
        org=org, title=title, issuer_mark=f"{org.name}文件", number=f"鲁工发〔{YEAR}〕{seq}号", number_year=YEAR,
        signer_name="王强", main_recipients=recipients, body=body, cc="中华全国总工会办公厅", written_on=today,
        printer=f"{org.name}办公室", printed_on=today, status=OutgoingDocument.Status.DISTRIBUTION,
    )


def _backdate(exchange: Exchange, days: int) -> None:
    """Move a sending `days` days into the past, and further back until its sign-by date has passed (the demo's
    late receivers): counted in working days, 4 days back from early on a Saturday in Beijing is still due."""
    now = timezone.now()
    sent = now - dt.timedelta(days=days)
    due = compute_deadline(timezone.localtime(sent), exchange_services.DEFAULT_SIGN_DAYS).at
    while due >= now:
        sent -= dt.timedelta(days=1)
        due = compute_deadline(timezone.localtime(sent), exchange_services.DEFAULT_SIGN_DAYS).at
    Exchange.objects.filter(pk=exchange.pk).update(sent_at=sent, sign_due_at=due)
    IncomingDocument.objects.filter(delivery__exchange=exchange).update(received_on=timezone.localtime(sent).date())


def build_exchange(*, progress) -> dict:
    from smartunion.demo.seeding import DEMO_PASSWORD

    progress("正在生成公文交换和收文演示数据……")
    hashed = make_password(DEMO_PASSWORD)
    province = Organisation.objects.get(kind=K.PROVINCE)
    jinan = Organisation.objects.get(kind=K.CITY, region_id="370100")
    sender = _office(province)

    # 公文交换 ----------------------------------------------------------------------------------------------------
    notice = _released(province, 21, "关于开展2026年全省工会“职工技能提升月”活动的通知",
                       "各市总工会：\n为推动职工技能提升，决定在全省开展“职工技能提升月”活动。\n一、活动时间。\n二、活动内容。",
                       "各市总工会")
    to_cities = exchange_services.send(notice, to=exchange_services.ALL_CITIES, by=sender)
    _backdate(to_cities, 6)
    cities = list(Delivery.objects.filter(exchange=to_cities).select_related("to_org").order_by("to_path"))
    signed = returned = 0
    for i, delivery in enumerate(cities):
        if i == 1:
            exchange_services.return_delivery(delivery, by=_office(delivery.to_org), reason=RETURN_REASON)
            returned += 1
        elif i % 2 == 0:
            exchange_services.sign_for(delivery, by=_office(delivery.to_org))
            signed += 1
    late = len(cities) - signed - returned
    if late:
        exchange_services.urge(to_cities, by=sender)

    survey = _released(province, 22, "关于报送2026年上半年基层工会建设情况的通知",
                       "各县（市、区）总工会：\n请于本月底前报送上半年基层工会建设情况。", "各县（市、区）总工会")
    to_counties = exchange_services.send(survey, to=exchange_services.ALL_COUNTIES_BELOW, by=sender)
    _backdate(to_counties, 4)
    lixia = Delivery.objects.filter(exchange=to_counties, to_org__region_id="370102").select_related("to_org").first()
    if lixia is not None:
        exchange_services.sign_for(lixia, by=_office(lixia.to_org))
    counties_late = Delivery.objects.filter(exchange=to_counties, status=Delivery.Status.DELIVERED).count()
    if counties_late:
        exchange_services.urge(to_counties, by=sender)

    # 济南's incoming documents ----------------------------------------------------------------------------------
    clerk = _office(jinan, (R.ADMINISTRATOR,))
    chair = _cadre("jn_chair", "济南市总工会主席", jinan, R.CHAIR, hashed)
    head = _cadre("jn_zzb", "济南市总工会组织部负责人", jinan, R.EDITOR, hashed)
    department, _ = Department.objects.get_or_create(org=jinan, name="组织部", defaults={"head": head})
    if department.head_id is None:
        Department.objects.filter(pk=department.pk).update(head=head)
        department.refresh_from_db()
    today = timezone.localdate()

    def register(title: str, sender_name: str, number: str, days_ago: int) -> IncomingDocument:
        return incoming_services.register(
            org=jinan, by=clerk, title=title, sender_name=sender_name, original_number=number,
            received_on=today - dt.timedelta(days=days_ago),
            body=f"{sender_name}来文：{title}。")

    def walk(doc: IncomingDocument, to: str, *, days: int = 5) -> IncomingDocument:
        S = IncomingDocument.Status
        if doc.status == S.REGISTERED and to != S.REGISTERED:
            doc = incoming_services.propose(doc, by=clerk, text="拟请组织部阅处")
        if doc.status == S.PROPOSED and to not in (S.PROPOSED,):
            doc = incoming_services.instruct(doc, by=chair, text="同意，请组织部按要求办理")
        if doc.status == S.INSTRUCTED and to not in (S.INSTRUCTED,):
            doc = incoming_services.assign(doc, by=clerk, department=department, days=days, handler=head)
        if doc.status == S.HANDLING and to in (S.DONE, S.ARCHIVED):
            doc = incoming_services.finish(doc, by=head, result="已按要求办理完毕并报送")
        if doc.status == S.DONE and to == S.ARCHIVED:
            doc = incoming_services.archive(doc, by=clerk)
        return doc

    S = IncomingDocument.Status
    walk(register("关于做好职工医疗互助保障工作的函", "济南市医疗保障局", "济医保函〔2026〕5号", 1), S.PROPOSED)
    walk(register("关于开展安全生产月活动的通知", "济南市应急管理局", "济应急发〔2026〕9号", 2), S.INSTRUCTED)
    handling = walk(register("关于推荐2026年济南市五一劳动奖状候选单位的通知", "济南市人力资源和社会保障局",
                             "济人社字〔2026〕18号", 3), S.HANDLING)
    overdue = walk(register("关于报送新就业形态劳动者入会情况的通知", "山东省总工会组织部", "鲁工组〔2026〕6号", 20),
                   S.HANDLING, days=1)
    # Assigned three weeks ago with one working day: overdue now.
    late_due = compute_deadline(timezone.localtime() - dt.timedelta(days=20), 1)
    IncomingDocument.objects.filter(pk=overdue.pk).update(due_at=late_due.at, due_estimated=late_due.estimated)
    walk(register("关于做好困难职工解困脱困工作的函", "济南市民政局", "济民函〔2026〕11号", 10), S.DONE)
    walk(register("关于2025年度工会经费收缴情况的通报", "山东省总工会财务部", "鲁工财〔2026〕2号", 30), S.ARCHIVED)
    incoming_services.circulate(handling, by=clerk, readers=[chair, head])
    incoming_services.mark_read(handling, by=chair, comment="已阅，请组织部抓紧推荐")

    made = {
        "exchanges": 2,
        "city_deliveries": len(cities), "signed": signed, "returned": returned, "late": late,
        "county_deliveries": Delivery.objects.filter(exchange=to_counties).count(), "counties_late": counties_late,
        "jinan_incoming": IncomingDocument.objects.filter(org=jinan).count(),
    }
    progress(f"公文交换：发往{len(cities)}个市总工会（签收 {signed}、退回 {returned}、逾期未签收 {late}），"
             f"发往{made['county_deliveries']}个县（区）总工会；济南收文 {made['jinan_incoming']} 件")
    return made
