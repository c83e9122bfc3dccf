"""The audit actions the console logs itself (its list exports) as people read them (core.audit)."""

from django.apps import apps

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "console.list.export": "导出列表（脱敏）",
    "console.list.export_full": "导出列表（完整）",
})
register_data_labels({"list": "列表"}, values={
    "list": {model._meta.label_lower: str(model._meta.verbose_name_plural) for model in apps.get_models()}})
