from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "smartunion.members"
    label = "members"
    verbose_name = "会员"

    def ready(self):
        from smartunion.members import (
            behaviour,  # noqa: F401  declares the kinds it records (core.events)
            deadlines,  # noqa: F401  recomputes open deadlines when a schedule is loaded
        )
