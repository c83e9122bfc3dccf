from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "smartunion.cases"
    label = "cases"
    verbose_name = "维权服务"

    def ready(self):
        from smartunion.cases import (
            audit_actions,  # noqa: F401  the labels of its audit actions (core.audit)
            audit_actions_services,  # noqa: F401  legal aid and counselling labels (core.audit)
            behaviour,  # noqa: F401  declares the kinds it records (core.events)
            deadlines,  # noqa: F401  recomputes open case deadlines when a holiday schedule is loaded
        )
