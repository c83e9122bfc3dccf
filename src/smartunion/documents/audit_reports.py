"""Audit labels of the office platform's reports part (core.audit.register_actions)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "documents.info_report.submit": "报送信息",
    "documents.info_report.adopt": "采用报送信息",
    "documents.info_report.decline": "不采用报送信息",
    "documents.info_report.withdraw": "撤回报送信息",
    "documents.info_report.forward": "转报信息",
    "documents.report_score.set": "设置信息计分规则",
    "documents.report_ranking.export": "导出信息排行",
})
_KEYS = {"category": "类别", "to": "报送至", "level": "采用级别", "source": "原信息编号", "year": "年度",
         "points": "分值", "created": "新增", "kind": "单位层级", "period": "期间", "count": "条数"}
for _action in ("submit", "adopt", "forward"):
    register_data_labels(_KEYS, action=f"documents.info_report.{_action}")
register_data_labels(_KEYS, action="documents.report_score.set")
register_data_labels(_KEYS, action="documents.report_ranking.export")
