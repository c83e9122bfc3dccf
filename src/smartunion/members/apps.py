from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "smartunion.members"
    label = "members"
    verbose_name = "会员"

    def ready(self):
        from smartunion.members import (
            audit_actions,  # noqa: F401  the labels of its audit actions (core.audit)
            behaviour,  # noqa: F401  declares the kinds it records (core.events)
            deadlines,  # noqa: F401  recomputes open deadlines when a schedule is loaded
        )
