from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "smartunion.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self):
        from smartunion.accounts import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
