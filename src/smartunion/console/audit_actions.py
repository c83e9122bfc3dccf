"""The audit actions the console logs itself (its list exports) as people read them (core.audit)."""

from django.apps import apps

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "console.list.export": "导出列表（脱敏）",
    "console.list.export_full": "导出列表（完整）",
})
register_data_labels({"list": "列表"}, values={
    "list": {model._meta.label_lower: str(model._meta.verbose_name_plural) for model in apps.get_models()}})
# An export's data reads in this order (the words are the shared ones).
for _action in ("console.list.export", "console.list.export_full"):
    register_data_labels({"list": "列表", "count": "数量", "filters": "筛选条件", "masked": "脱敏", "reason": "原因"},
                         action=_action)
