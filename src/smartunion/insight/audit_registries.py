"""Audit labels of the registries part (core.audit.register_actions / register_data_labels)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.registry_import.upload": "上传政务数据文件",
    "insight.registry_import.finish": "完成政务数据导入",
    "insight.registry_import.pause": "暂停政务数据导入",
    "insight.registry_import.resume": "继续政务数据导入",
    "insight.match_run.run": "运行企业匹配",
    "insight.match_candidate.accept": "确认企业匹配",
    "insight.match_candidate.reject": "否决企业匹配",
    "insight.registries.export": "导出政务数据统计",
})
_KEYS = {"kind": "数据类型", "file": "文件", "bytes": "大小（字节）", "added": "新增", "changed": "变更",
         "unchanged": "未变", "rejected": "未采用", "position": "已处理行数", "exact": "信用代码匹配",
         "probable": "概率匹配", "to_review": "待确认", "unmatched": "未匹配", "record": "登记企业",
         "employer": "用人单位", "score": "匹配概率", "list": "清单", "rows": "行数"}
for _action in ("registry_import.upload", "registry_import.finish", "registry_import.pause",
                "registry_import.resume", "match_run.run", "match_candidate.accept", "match_candidate.reject",
                "registries.export"):
    register_data_labels(_KEYS, action=f"insight.{_action}")
