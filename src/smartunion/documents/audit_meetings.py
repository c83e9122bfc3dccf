"""Audit labels of the office platform's meetings part (core.audit.register_actions)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "documents.room.create": "新增会议室",
    "documents.room.update": "修改会议室",
    "documents.room.deactivate": "停用会议室",
    "documents.meeting.schedule": "安排会议",
    "documents.meeting.reschedule": "调整会议时间地点",
    "documents.meeting.notify": "发送会议通知",
    "documents.meeting.cancel": "取消会议",
    "documents.meeting.finish": "结束会议",
    "documents.invitation.reply": "会议回执",
    "documents.invitation.sign_in": "会议签到",
    "documents.invitation.mark_present": "会议补签",
    "documents.minutes.save": "记录会议纪要",
    "documents.action_item.create": "布置会议督办事项",
    "documents.action_item.done": "办结会议督办事项",
})
register_data_labels({"name": "会议室名称", "location": "位置", "capacity": "容纳人数"},
                     action="documents.room.create")
register_data_labels({"changed": "修改的项目"}, action="documents.room.update")
register_data_labels({"changed": "修改的项目"}, action="documents.room.deactivate")
register_data_labels({"room": "会议室", "place": "地点", "when": "时间"}, action="documents.meeting.schedule")
register_data_labels({"before": "原定", "after": "调整为"}, action="documents.meeting.reschedule")
register_data_labels({"users": "通知人数", "orgs": "通知单位数"}, action="documents.meeting.notify")
register_data_labels({"meeting_reply": "回执", "delegate_name": "委派人员", "reason": "请假事由",
                      "invitee": "参会人/单位"},
                     action="documents.invitation.reply",
                     values={"meeting_reply": {"attend": "参加", "delegate": "委派他人参加", "absent": "请假"}})
register_data_labels({"invitee": "参会人/单位"}, action="documents.invitation.sign_in")
register_data_labels({"invitee": "参会人/单位"}, action="documents.invitation.mark_present")
register_data_labels({"attachment": "有附件"}, action="documents.minutes.save")
register_data_labels({"meeting": "会议", "owner": "责任人", "due_on": "完成期限"},
                     action="documents.action_item.create")
register_data_labels({"result": "完成情况", "overdue": "逾期完成"}, action="documents.action_item.done")
