from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "smartunion.insight"
    label = "insight"
    verbose_name = "数据整合"

    def ready(self):
        from smartunion.insight import (
            audit_actions,  # noqa: F401  the labels of its audit actions (core.audit)
            checks,  # noqa: F401  registers its system checks
        )
