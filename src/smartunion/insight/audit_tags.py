"""Audit labels of the member-tags part (core.audit.register_actions / register_data_labels). A member's objection
is logged without the tag (an audit-log reader must not learn who has which tag)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.tag_rule.create": "新建标签规则",
    "insight.tag_rule.update": "修改标签规则",
    "insight.tag_rule.run": "计算会员标签",
    "insight.tag_rule.export": "导出标签统计",
    "insight.member_tag.object": "会员对本人画像标签提出异议",
    "insight.member_tag.withdraw": "会员撤回画像标签异议",
})
_KEYS = {"tag": "标签", "conditions": "条件", "active": "启用", "added": "新增", "removed": "移除", "kept": "保留",
         "objected": "有异议", "tagged": "命中人数", "count": "条数"}
for _action in ("create", "update", "run", "export"):
    register_data_labels(_KEYS, action=f"insight.tag_rule.{_action}")
