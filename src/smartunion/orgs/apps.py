from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "smartunion.orgs"
    label = "orgs"
    verbose_name = "组织"

    def ready(self):
        from smartunion.orgs import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
