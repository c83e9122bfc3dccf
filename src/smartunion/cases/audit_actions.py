"""The Chinese labels of the rights-case audit actions and the words for their data (core.audit)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "cases.case.file": "提交维权诉求",
    "cases.case.accept": "受理维权工单",
    "cases.case.reply": "答复职工",
    "cases.case.note": "添加工单内部备注",
    "cases.case.worker_message": "职工留言",
    "cases.case.pause": "请职工补充材料",
    "cases.case.resume": "恢复办理维权工单",
    "cases.case.close": "办结维权工单",
    "cases.case.rate": "评价维权服务",
    "cases.case.reopen": "重新办理维权工单",
    "cases.case.transfer": "转办维权工单",
    "cases.case.assign": "分派维权工单承办人",
    "cases.case.set_class": "调整维权工单期限类别",
    "cases.case.supervise": "督办维权工单",
    "cases.case.end_supervision": "解除督办",
    "cases.case.request_assist": "发起协办",
    "cases.case.attach": "上传工单附件",
    "cases.case.escalate": "维权工单超期上报",
    "cases.case.recompute_deadline": "重新计算维权工单期限",
    "cases.case_assist.answer": "反馈协办事项",
    "cases.deadline_rule.set": "设置维权办理时限",
})
register_data_labels({"channel": "来源渠道", "kind": "诉求类型", "attachments": "附件数"},
                     action="cases.case.file")
register_data_labels({"attachments": "附件数"}, action="cases.case.attach")
register_data_labels({"resolution": "办理结果"}, action="cases.case.close")
register_data_labels({"rating": "评分"}, action="cases.case.rate")
register_data_labels({"org_id": "转至单位", "from_org_id": "原承办单位"}, action="cases.case.transfer")
register_data_labels({"org_id": "协办单位"}, action="cases.case.request_assist")
register_data_labels({"handler_id": "承办人"}, action="cases.case.assign")
register_data_labels({"case_class": "期限类别"}, action="cases.case.set_class")
register_data_labels({"case_class": "期限类别", "first_response_days": "首次响应时限（工作日）",
                      "resolution_days": "办结时限（工作日）", "created": "新建"}, action="cases.deadline_rule.set")
register_data_labels({"deadline": "超期的期限", "escalated_to": "上报至"}, action="cases.case.escalate")
register_data_labels({"case": "工单编号"}, action="cases.case_assist.answer")
register_data_labels({"estimated": "按预估假期计算"}, action="cases.case.recompute_deadline")
