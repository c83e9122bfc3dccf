"""Audit labels of the assessment part (core.audit.register_actions / register_data_labels)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.assessment_scheme.create": "新建考核方案",
    "insight.assessment_scheme.update": "修改考核方案",
    "insight.assessment_scheme.compute": "计算考核得分",
    "insight.assessment_scheme.publish": "发布考核结果",
    "insight.assessment_scheme.export": "导出考核排名",
    "insight.indicator.add": "添加考核指标",
    "insight.indicator.update": "修改考核指标",
    "insight.indicator.remove": "删除考核指标",
})
_KEYS = {"level": "被考核层级", "period": "考核期", "count": "单位数", "indicators": "指标数", "scheme": "考核方案",
         "formula": "计算公式", "weight": "分值", "target": "目标值"}
for _action in ("assessment_scheme.create", "assessment_scheme.update", "assessment_scheme.compute",
                "assessment_scheme.publish", "assessment_scheme.export", "indicator.add", "indicator.update",
                "indicator.remove"):
    register_data_labels(_KEYS, action=f"insight.{_action}")
