from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "smartunion.benefits"
    label = "benefits"
    verbose_name = "惠工活动"

    def ready(self):
        from smartunion.benefits import (
            audit_actions,  # noqa: F401  the labels of its audit actions (core.audit)
            behaviour,  # noqa: F401  declares the kinds it records (core.events)
        )
