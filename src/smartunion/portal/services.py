"""The portal's service grid: the pages behind the keys a subsite lists (subsites.queries.SERVICE_KEYS)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from smartunion.subsites.models import Subsite
from smartunion.subsites.queries import service_keys


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    icon: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# One entry per key of subsites.queries.SERVICE_KEYS (a test holds them equal): the key is the subsites app's,
# the page, name and icon (portal.icons) are the portal's.
SERVICES = {
    "join": Service("join", "我要入会", "join", "portal:join"),
    "membership": Service("membership", "我的会籍", "membership", "portal:my_membership"),
    "card": Service("card", "会员证", "card", "portal:card"),
    "directory": Service("directory", "找工会", "directory", "portal:directory"),
    "notices": Service("notices", "通知公告", "notices", "portal:notices"),
    "news": Service("news", "工会新闻", "news", "portal:news"),
    "rights": Service("rights", "我要维权", "rights", "portal:case_new"),
    "legal_aid": Service("legal_aid", "法律援助", "legal_aid", "portal:legal_aid"),
    "counselling": Service("counselling", "心理咨询", "counselling", "portal:counselling"),
    "assistance": Service("assistance", "困难帮扶", "assistance", "portal:assistance"),
    "me": Service("me", "我的", "me", "portal:me"),
}
# Services the tab bar (base.html) always shows: the grid leaves them out rather than show them twice.
IN_TAB_BAR = frozenset({"card", "me"})


def service_grid(subsite: Subsite | None, *, member: bool) -> list[Service]:
    """The tiles of the home page, in the subsite's order: not those of the tab bar, and no 我要入会 for a member."""
    return [SERVICES[key] for key in service_keys(subsite)
            if key not in IN_TAB_BAR and not (member and key == "join")]
