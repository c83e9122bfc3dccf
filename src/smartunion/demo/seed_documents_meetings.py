"""Demo meetings (会议管理) in the province and 济南, through the meetings services (issue 12).

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_documents_meetings import build_meetings
    build_meetings(progress=progress)

What it makes:
- rooms: the province's 第一会议室 (三楼, 40 人) and 第二会议室 (五楼, 16 人), 济南's 市总会议室 (二楼, 24 人) and
  an old 济南 room that is 停用;
- a past meeting of the province (a week ago, 第一会议室): the 济南 and 青岛 cadres invited and signed in (补签 by the
  organiser), its minutes, and two action items: one overdue and open (济南), one done with its result (青岛);
- an upcoming meeting of the province (in three days, 第一会议室) with notices to a person (历下区's cadre) and to
  every city federation; 济南 answered 参加, 青岛 委派 a deputy, a third city (when the tree has one) 请假 with a
  reason, the rest not yet answered;
- 济南's weekly meeting tomorrow in its room (no notices), so that the room's week shows a booking.
The organiser is the province's first chair or administrator; an org's notice is answered by its first one.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import Invitation, Room
from smartunion.documents.services import meetings as services
from smartunion.orgs.models import Organisation, Position


def _at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _first_manager(org: Organisation):
    position = (Position.objects.filter(org=org, role__in=Position.MANAGING_ROLES, user__is_active=True)
                .select_related("user").order_by("id").first())
    return position.user if position is not None else None


def build_meetings(*, progress) -> dict[str, int]:
    progress("正在生成会议管理演示数据……")
    province = Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).order_by("path").first()
    if province is None:
        return {}
    cities = list(Organisation.objects.filter(parent=province, kind=Organisation.Kind.CITY,
                                              status=Organisation.Status.ACTIVE).order_by("region_id", "path"))
    jinan = next((c for c in cities if c.region_id == "370100"), cities[0] if cities else None)
    qingdao = next((c for c in cities if c.region_id == "370200"), None)
    organiser = _first_manager(province) or SYSTEM

    big = services.create_room(by=SYSTEM, org=province, name="第一会议室", location="省总工会机关三楼", capacity=40)
    services.create_room(by=SYSTEM, org=province, name="第二会议室", location="省总工会机关五楼", capacity=16)
    rooms = 2
    city_room: Room | None = None
    if jinan is not None:
        city_room = services.create_room(by=SYSTEM, org=jinan, name="市总会议室", location="二楼", capacity=24)
        old = services.create_room(by=SYSTEM, org=jinan, name="老会议室", location="一楼东", capacity=10)
        services.deactivate_room(old, by=SYSTEM)
        rooms += 2

    # A week ago: signed in, minutes, one action item overdue and one done.
    attendees = [u for u in (_first_manager(jinan) if jinan else None, _first_manager(qingdao) if qingdao else None)
                 if u is not None]
    past = services.schedule(
        by=SYSTEM, org=province, title="全省工会系统第一季度工作例会", room=big, starts_at=_at(-7, 9),
        ends_at=_at(-7, 11), agenda="一、通报第一季度重点工作进展\n二、部署第二季度工作\n三、交流基层组织建设经验",
        user_ids=[u.pk for u in attendees])
    for invitation in Invitation.objects.filter(meeting=past).order_by("pk"):
        services.mark_present(invitation, by=SYSTEM)
    services.save_minutes(past, by=SYSTEM, body=(
        "会议通报了第一季度全省工会重点工作进展，部署了第二季度工作。\n"
        "会议要求：一、各市总工会于规定期限内报送基层组织建设调研报告；二、做好职工技能竞赛组织工作。"))
    today = timezone.localdate()
    items = 0
    if attendees:
        services.add_action_item(past, by=SYSTEM, title="报送基层组织建设调研报告", owner=attendees[0],
                                 due_on=today - dt.timedelta(days=2))
        items += 1
        done = services.add_action_item(past, by=SYSTEM, title="制定职工技能竞赛方案", owner=attendees[-1],
                                        due_on=today + dt.timedelta(days=7))
        services.complete_action_item(done, by=attendees[-1], result="方案已印发，4月起分行业开展竞赛")
        items += 1
    services.finish(past, by=SYSTEM)

    # In three days: notices to a person and to every city federation, mixed receipts.
    lixia = Organisation.objects.filter(kind=Organisation.Kind.COUNTY, region_id="370102").first()
    person = _first_manager(lixia) if lixia is not None else None
    upcoming = services.schedule(
        by=organiser, org=province, title="全省工会组织建设工作推进会", room=big, starts_at=_at(3, 9),
        ends_at=_at(3, 11, 30), reply_due_at=_at(2, 17),
        agenda="一、通报全省工会组织建设情况\n二、各市总工会交流发言\n三、部署下一阶段重点任务",
        user_ids=[person.pk] if person is not None else [], org_ids=[c.pk for c in cities])
    answers = [(jinan, {"answer": "attend"}), (qingdao, {"answer": "delegate", "delegate_name": "王芳"})]
    third = next((c for c in cities if c not in (jinan, qingdao)), None)
    if third is not None:
        answers.append((third, {"answer": "absent", "reason": "同期召开全市工会工作会议"}))
    replied = 0
    for org, answer in answers:
        answerer = _first_manager(org) if org is not None else None
        if org is None or answerer is None:
            continue
        services.reply(Invitation.objects.get(meeting=upcoming, org=org), by=answerer, **answer)
        replied += 1

    meetings = 2
    if city_room is not None and jinan is not None:
        services.schedule(by=_first_manager(jinan) or SYSTEM, org=jinan, title="济南市总工会周例会", room=city_room,
                          starts_at=_at(1, 8, 30), ends_at=_at(1, 9, 30), agenda="本周重点工作安排")
        meetings += 1
    invitations = Invitation.objects.filter(meeting__in=[past, upcoming]).count()
    made = {"rooms": rooms, "meetings": meetings, "invitations": invitations,
            "signed_in": Invitation.objects.filter(meeting=past, signed_in_at__isnull=False).count(),
            "replied": replied, "action_items": items}
    progress(f"会议管理：{rooms} 间会议室，{meetings} 场会议，{invitations} 份通知（已回执 {replied}、已签到 "
             f"{made['signed_in']}），{items} 项督办事项")
    return made
