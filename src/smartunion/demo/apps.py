from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "smartunion.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self):
        from smartunion.demo import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
