from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "smartunion.members"
    label = "members"
    verbose_name = "会员"
