"""Demo legal aid and counselling in 济南 (issue 10), through the services.

Called by demo/seeding.py after the benefits (the member accounts `member1`..`member6` exist then):

    from smartunion.demo.seed_counselling import build_counselling
    build_counselling(progress=progress)

What it makes:
- a lawyer directory: three lawyers of 济南市总工会, one of 历下区总工会, one taken out of the directory;
- legal-aid applications in three states: the `worker`'s with a lawyer assigned and a progress note (律师承办中),
  a new one waiting for review (待审查), and one closed by mediation with the amount recovered (已结案);
- two counsellors with accounts `counsellor1` (济南市总工会) and `counsellor2` (历下区总工会), password as the other
  demo accounts, their weekly schedules and the slots of the next two weeks (working days only);
- one booking by the `worker` under a nickname.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.cases.models import Slot
from smartunion.cases.queries.legal_aid import lawyers_for
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.actors import SYSTEM
from smartunion.demo.seeding import DEMO_PASSWORD
from smartunion.orgs.models import Organisation

LAWYERS = [
    ("370100", "王建华", "山东泉城律师事务所", "13701201010231001", "13805310001", "劳动争议、工伤赔偿"),
    ("370100", "李静", "山东齐鲁律师事务所", "13701201510342002", "13805310002", "劳动合同、社会保险"),
    ("370100", "陈志强", "山东黄河律师事务所", "13701200810453003", "13805310003", "欠薪追讨、集体劳动争议"),
    ("370102", "赵敏", "山东历下律师事务所", "13701201910564004", "13805310004", "女职工权益、劳动合同"),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def build_counselling(*, progress) -> dict[str, int]:
    progress("正在生成法律援助与心理咨询演示数据……")
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    lixia = Organisation.objects.filter(kind=Organisation.Kind.COUNTY, region_id="370102").first() or jinan
    orgs = {"370100": jinan, "370102": lixia}
    handler = _user("lixia") or _user("jinan") or SYSTEM
    worker = User.objects.get(username="worker")
    members = [_user(f"member{i}") or worker for i in (1, 2)]

    lawyers = [legal_aid.create_lawyer(by=SYSTEM, org=orgs[code], name=name, firm=firm, license_number=number,
                                       phone=phone, specialties=specialties)
               for code, name, firm, number, phone, specialties in LAWYERS]
    retired = legal_aid.create_lawyer(by=SYSTEM, org=jinan, name="孙立", firm="山东泰山律师事务所",
                                      license_number="13701200510675005", specialties="劳动争议")
    legal_aid.update_lawyer(retired, by=SYSTEM, active=False)

    mine = legal_aid.apply_for_legal_aid(
        by=worker, name=worker.display_name or "张伟", phone=worker.phone or "13900000001",
        employer_name="济南泉城机械有限公司", region="370102", dispute_type="dismissal", claim_amount_fen=3_600_000,
        dispute_summary="公司以经营困难为由口头通知解除劳动合同，未提前30天通知，也不支付经济补偿。"
                        "本人已工作6年，月工资6000元，请求支付经济补偿金36000元。")
    mine = legal_aid.accept_application(mine, by=handler, note="符合法律援助条件，材料齐全。")
    nearest = lawyers_for(mine).first()  # of the receiving org, else the nearest org above it
    mine = legal_aid.assign_lawyer(mine, by=handler, lawyer_id=nearest.pk if nearest else lawyers[0].pk)
    legal_aid.add_note(mine, by=handler, body="律师已与申请人面谈，正在准备劳动仲裁申请材料。")

    legal_aid.apply_for_legal_aid(
        by=members[0], name=members[0].display_name or "王芳", phone=members[0].phone or "13900000010",
        employer_name="济南鑫源物流有限公司", region="370102", dispute_type="work_injury", claim_amount_fen=None,
        dispute_summary="在仓库搬运货物时被叉车撞伤，单位不给申报工伤，医药费都是自己垫付的。")

    closed = legal_aid.apply_for_legal_aid(
        by=members[1], name=members[1].display_name or "刘洋", phone=members[1].phone or "13900000011",
        employer_name="济南恒信建筑工程有限公司", region="370102", dispute_type="wages", claim_amount_fen=2_400_000,
        dispute_summary="工地拖欠四个月工资共24000元，包工头和公司互相推诿。")
    closed = legal_aid.accept_application(closed, by=handler)
    closed = legal_aid.assign_lawyer(closed, by=handler, lawyer_id=lawyers[2].pk)
    legal_aid.add_note(closed, by=handler, body="经工会和律师调解，公司同意分两次支付全部欠薪。")
    legal_aid.close_application(closed, by=handler, outcome="mediated", recovered_fen=2_400_000,
                                note="欠薪已全部到账。")

    lin = counselling.create_counsellor(
        by=SYSTEM, org=jinan, display_name="林老师", username="counsellor1", password=DEMO_PASSWORD,
        qualification="国家二级心理咨询师", introduction="从事职工心理援助工作十年，擅长工作压力、情绪调节和亲子关系。")
    zhou = counselling.create_counsellor(
        by=SYSTEM, org=lixia, display_name="周老师", username="counsellor2", password=DEMO_PASSWORD,
        qualification="心理治疗师（中级）", introduction="擅长职业倦怠、人际关系和婚姻家庭问题。")
    for weekday in (0, 2, 4):
        counselling.add_schedule(lin, by=SYSTEM, weekday=weekday, start=dt.time(9), end=dt.time(12),
                                 slot_minutes=50, mode="online")
    for weekday in (1, 3):
        counselling.add_schedule(zhou, by=SYSTEM, weekday=weekday, start=dt.time(14), end=dt.time(17),
                                 slot_minutes=50, mode="in_person", place="历下区职工服务中心二楼心理咨询室")
    made = counselling.make_slots(by=SYSTEM, days=14)

    booked = 0
    first = (Slot.objects.filter(counsellor=lin, booked=False, withdrawn=False,
                                 starts_at__gt=timezone.now() + dt.timedelta(hours=counselling.CANCEL_HOURS + 1))
             .order_by("starts_at").first())
    if first is not None:
        counselling.book_slot(first.pk, by=worker, nickname="小张", topic="最近工作压力大，睡眠不好")
        booked = 1
    progress(f"法律援助：律师 {len(lawyers) + 1} 名、申请 3 件（待审查、律师承办中、已结案）；"
             f"心理咨询：咨询师账号 counsellor1、counsellor2，时段 {made} 个，预约 {booked} 个")
    return {"lawyers": len(lawyers) + 1, "applications": 3, "counsellors": 2, "slots": made, "bookings": booked}
