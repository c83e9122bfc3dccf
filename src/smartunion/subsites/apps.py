from django.apps import AppConfig


class SubsitesConfig(AppConfig):
    name = "smartunion.subsites"
    label = "subsites"
    verbose_name = "城市分站"
