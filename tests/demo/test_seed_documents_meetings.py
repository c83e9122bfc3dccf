"""The demo meetings (demo/seed_documents_meetings.py) on the test tree: rooms of the province and 济南, a past
meeting with sign-ins, minutes and action items (one overdue, one done), an upcoming meeting with notices to a
person and to the city federations with mixed receipts."""

import pytest
from django.utils import timezone

from smartunion.demo.seed_documents_meetings import build_meetings
from smartunion.documents.models import ActionItem, Invitation, Meeting, Minutes, Room, RoomSlot
from smartunion.documents.queries import meetings as queries
from smartunion.documents.services import meetings as services

pytestmark = pytest.mark.django_db


def test_the_demo_meetings(tree, personas):
    messages = []
    made = build_meetings(progress=messages.append)
    assert made == {"rooms": 4, "meetings": 3, "invitations": 5, "signed_in": 2, "replied": 2, "action_items": 2}
    assert messages[-1] == "会议管理：4 间会议室，3 场会议，5 份通知（已回执 2、已签到 2），2 项督办事项"
    assert sorted(Room.objects.filter(active=True).values_list("name", flat=True)) == ["市总会议室", "第一会议室",
                                                                                     "第二会议室"]
    past = Meeting.objects.get(title="全省工会系统第一季度工作例会")
    assert (past.status, RoomSlot.objects.filter(meeting=past).count()) == ("finished", 4)
    assert Minutes.objects.get(meeting=past).body.startswith("会议通报了第一季度")
    items = {i.title: i for i in ActionItem.objects.all()}
    assert services.is_overdue(items["报送基层组织建设调研报告"]) is True
    assert items["报送基层组织建设调研报告"].owner == personas.city_cadre
    assert (items["制定职工技能竞赛方案"].status, items["制定职工技能竞赛方案"].owner) == ("done",
                                                                                       personas.other_city_cadre)
    upcoming = Meeting.objects.get(title="全省工会组织建设工作推进会")
    assert upcoming.organiser == personas.province_admin
    rows = sorted((i.org.name if i.org_id else i.user.username, i.reply, i.delegate_name)
                  for i in Invitation.objects.filter(meeting=upcoming).select_related("org", "user"))
    assert rows == [("county_cadre", "pending", ""), ("济南市总工会", "attend", ""),
                    ("青岛市总工会", "delegate", "王芳")]
    assert [i.meeting.title for i in queries.my_invitations(personas.county_cadre, pending=True)] == [
        "全省工会组织建设工作推进会"]
    jinan_room = Room.objects.get(name="市总会议室")
    weekly = Meeting.objects.get(title="济南市总工会周例会")
    week = queries.room_week(jinan_room, queries.week_start(timezone.localtime(weekly.starts_at).date()))
    assert [m.title for m in week] == ["济南市总工会周例会"]
