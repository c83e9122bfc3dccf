"""The Chinese labels of the assistance audit actions (hardship files, programmes, payments) and the words for
their data (core.audit)."""

from __future__ import annotations

from smartunion.assistance.models import Category, HardshipFile, Programme
from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "assistance.living_standard.set": "设置最低生活保障标准",
    "assistance.threshold.set": "设置困难认定收入标准",
    "assistance.hardship_file.create": "建立困难职工档案",
    "assistance.hardship_file.update": "修改困难职工档案",
    "assistance.hardship_file.remind": "提醒困难档案年度复核",
    # HARDSHIP_WORKFLOW's steps are assistance.hardship_file.<step>
    "assistance.hardship_file.submit": "提交困难档案审核",
    "assistance.hardship_file.forward": "基层工会审核通过困难档案",
    "assistance.hardship_file.verify": "认定困难职工",
    "assistance.hardship_file.return": "退回困难档案",
    "assistance.hardship_file.reverify": "困难档案年度复核",
    "assistance.hardship_file.exit": "困难档案退档",
    "assistance.programme.create": "创建帮扶项目",
    "assistance.programme.close": "结束帮扶项目",
    "assistance.application.submit": "申请困难帮扶",
    "assistance.application.submit_on_behalf": "代职工申请困难帮扶",
    "assistance.application.add_document": "上传帮扶申请材料",
    "assistance.application.objection": "登记公示异议",
    "assistance.application.clear_objection": "核查并消除公示异议",
    "assistance.application.reveal_account": "查看完整银行账号",
    # APPLICATION_WORKFLOW's steps are assistance.application.<step>
    "assistance.application.pass": "帮扶申请本级审核通过",
    "assistance.application.approve": "帮扶申请终审批准",
    "assistance.application.reject": "帮扶申请不予通过",
    "assistance.application.withdraw": "撤回帮扶申请",
    "assistance.application.publish": "帮扶申请开始公示",
    "assistance.application.revoke": "撤销帮扶批准",
    "assistance.application.pay": "帮扶资金发放完成",
    "assistance.payment.create": "创建帮扶资金发放记录",
    "assistance.payment.paid": "标记帮扶资金已发放",
    "assistance.payment.failed": "标记帮扶资金发放失败",
    "assistance.payment.export": "导出银行代发文件",
})
register_data_labels({"category": "困难类别"}, action="assistance.hardship_file.create",
                     values={"category": dict(Category.choices)})
register_data_labels({"fields": "修改项"}, action="assistance.hardship_file.update")
register_data_labels({"due": "复核日期", "overdue": "已逾期"}, action="assistance.hardship_file.remind")
register_data_labels({"exit_reason": "退档原因"}, action="assistance.hardship_file.exit",
                     values={"exit_reason": dict(HardshipFile.ExitReason.choices)})
register_data_labels({"region": "行政区划", "year": "年度", "monthly_fen": "月人均标准（分）",
                      "before": "原标准（分）"}, action="assistance.living_standard.set")
register_data_labels({"category": "困难类别", "percent": "收入上限（低保标准的百分比）"},
                     action="assistance.threshold.set", values={"category": dict(Category.choices)})
register_data_labels({"kind": "项目类型", "budget_fen": "预算（分）", "year": "年度", "purpose": "资金用途"},
                     action="assistance.programme.create", values={"kind": dict(Programme.Kind.choices)})
for _action in ("assistance.application.submit", "assistance.application.submit_on_behalf"):
    register_data_labels({"programme": "帮扶项目", "amount_fen": "金额（分）"}, action=_action)
register_data_labels({"name": "材料名称"}, action="assistance.application.add_document")
register_data_labels({"note": "核查结论"}, action="assistance.application.clear_objection")
register_data_labels({"reason": "查看原因"}, action="assistance.application.reveal_account")
for _action in ("assistance.application.pass", "assistance.application.approve", "assistance.application.reject"):
    register_data_labels({"level": "审核层级（从 0 起）"}, action=_action)
register_data_labels({"application": "帮扶申请", "amount_fen": "金额（分）"}, action="assistance.payment.create")
register_data_labels({"amount_fen": "金额（分）"}, action="assistance.payment.paid")
register_data_labels({"reason": "失败原因"}, action="assistance.payment.failed")
register_data_labels({"count": "笔数", "format": "文件格式", "total_fen": "合计金额（分）"},
                     action="assistance.payment.export")
