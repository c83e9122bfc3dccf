from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "smartunion.assistance"
    label = "assistance"
    verbose_name = "困难帮扶"

    def ready(self):
        from smartunion.assistance import (
            audit_actions,  # noqa: F401  the labels of its audit actions (core.audit)
            behaviour,  # noqa: F401  declares the kinds it records (core.events)
        )
