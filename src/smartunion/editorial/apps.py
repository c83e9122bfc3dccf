from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "smartunion.editorial"
    label = "editorial"
    verbose_name = "新媒体宣传"

    def ready(self):
        from smartunion.editorial import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
