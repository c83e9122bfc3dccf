from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "smartunion.portal"
    label = "portal"
    verbose_name = "职工门户"
