from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "smartunion.documents"
    label = "documents"
    verbose_name = "自动化办公"

    def ready(self):
        from smartunion.documents import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
