"""The Chinese labels of the legal-aid and counselling audit actions and the words for their data (core.audit).

Counselling entries never carry a nickname, a topic or a session note: the audit log says that something happened
to a booking, not what was said."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

DISPUTE_TYPE_LABELS = {
    "wages": "拖欠工资", "contract": "劳动合同", "social_insurance": "社会保险", "work_injury": "工伤认定与赔偿",
    "overtime": "加班与休息休假", "dismissal": "解除劳动关系与经济补偿", "other": "其他劳动争议",
}

register_actions({
    # Legal aid (services/legal_aid.py); the workflow's steps are cases.legal_aid.<step>
    "cases.legal_aid.apply": "申请法律援助",
    "cases.legal_aid.attach": "补充法律援助材料",
    "cases.legal_aid.accept": "受理法律援助申请",
    "cases.legal_aid.reject": "不予法律援助",
    "cases.legal_aid.assign": "指派援助律师",
    "cases.legal_aid.close": "法律援助结案",
    "cases.legal_aid.note": "填写法律援助进展",
    "cases.lawyer.create": "登记援助律师",
    "cases.lawyer.update": "修改援助律师",
    # Counselling (services/counselling.py); the booking workflow's steps are cases.booking.<step>
    "cases.counsellor.create": "登记心理咨询师",
    "cases.counsellor.update": "修改心理咨询师",
    "cases.schedule.create": "添加咨询排班",
    "cases.schedule.delete": "删除咨询排班",
    "cases.slot.make": "按排班生成咨询时段",
    "cases.slot.withdraw": "停约咨询时段",
    "cases.slot.withdraw_days_off": "节假日安排变更后停约咨询时段",
    "cases.booking.create": "预约心理咨询",
    "cases.booking.cancel": "取消心理咨询预约",
    "cases.booking.done": "心理咨询已完成",
    "cases.booking.no_show": "心理咨询未到",
    "cases.session_note.write": "填写咨询记录",
})
register_data_labels({"dispute_type": "争议类别", "files": "附件数"}, action="cases.legal_aid.apply",
                     values={"dispute_type": DISPUTE_TYPE_LABELS})
register_data_labels({"content_type": "文件类型", "size": "大小（字节）"}, action="cases.legal_aid.attach")
register_data_labels({"lawyer_id": "律师编号"}, action="cases.legal_aid.assign")
register_data_labels({"outcome": "结案方式", "recovered_fen": "挽回金额（分）"}, action="cases.legal_aid.close",
                     values={"outcome": {"mediated": "调解结案", "arbitration": "仲裁结案", "litigation": "诉讼结案",
                                         "withdrawn": "撤回申请"}})
register_data_labels({"fields": "修改项"}, action="cases.lawyer.update")
register_data_labels({"fields": "修改项"}, action="cases.counsellor.update")
register_data_labels({"username": "用户名"}, action="cases.counsellor.create")
register_data_labels({"weekday": "星期（0为星期一）", "start": "开始", "end": "结束"}, action="cases.schedule.create")
register_data_labels({"weekday": "星期（0为星期一）", "start": "开始", "end": "结束", "withdrawn": "撤下的未预约时段",
                      "kept": "保留的已预约时段"}, action="cases.schedule.delete")
register_data_labels({"count": "生成时段数", "days": "天数"}, action="cases.slot.make")
register_data_labels({"starts_at": "开始时间"}, action="cases.slot.withdraw")
register_data_labels({"count": "停约时段数"}, action="cases.slot.withdraw_days_off")

# Counselling slots follow the holiday schedule (its receiver connects on import); this module is the one
# CasesConfig.ready() imports for legal aid and counselling.
from smartunion.cases import counselling_calendar  # noqa: E402, F401
