"""Audit labels of the roll-ups part (core.audit.register_actions / register_data_labels)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.rollup.run": "运行统计汇总",
})
register_data_labels({"months": "月份", "rows": "写入行数", "seconds": "用时（秒）"}, action="insight.rollup.run")

register_actions({
    "insight.dashboard.export": "导出数据看板表格",
})
register_data_labels({"table": "表格", "month": "月份", "rows": "行数", "search": "筛选"},
                     action="insight.dashboard.export")
