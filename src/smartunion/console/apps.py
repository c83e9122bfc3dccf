from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "smartunion.console"
    label = "console"
    verbose_name = "管理后台"

    def ready(self):
        from smartunion.console import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
