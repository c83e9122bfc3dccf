"""Which channel a visitor sees, and which services its grid offers (only services that exist)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from smartunion.members.models import Membership
from smartunion.orgs.models import ancestor_paths
from smartunion.portal.models import Channel


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    icon: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# Every service listed here has a working page; a service is added when it is built, never before.
SERVICES = {
    "join": Service("join", "我要入会", "📝", "portal:join"),
    "membership": Service("membership", "我的会籍", "🪪", "portal:my_membership"),
    "card": Service("card", "会员证", "💳", "portal:card"),
    "directory": Service("directory", "找工会", "🏢", "portal:directory"),
    "notices": Service("notices", "通知公告", "📢", "portal:notices"),
    "me": Service("me", "我的", "👤", "portal:me"),
}
DEFAULT_ORDER = ["join", "membership", "card", "directory", "notices", "me"]


def channel_for(user) -> Channel | None:
    """The channel of the nearest federation above the worker's union that has one (the city's, else the
    province's); visitors who are not members see the deployment's top channel."""
    if user is not None and user.is_authenticated and user.person_id:
        membership = (
            Membership.objects.filter(person_id=user.person_id, status=Membership.Status.ACTIVE)
            .select_related("union").first()
        )
        if membership is not None:
            channel = (
                Channel.objects.filter(org__path__in=ancestor_paths(membership.union.path))
                .select_related("org").order_by("-org__depth").first()
            )
            if channel is not None:
                return channel
    return Channel.objects.select_related("org").order_by("org__depth", "org__path").first()


def service_grid(channel: Channel | None) -> list[Service]:
    order = list(channel.service_order) if channel and channel.service_order else []
    order += DEFAULT_ORDER
    seen: set[str] = set()
    grid = []
    for key in order:
        if key in SERVICES and key not in seen:
            seen.add(key)
            grid.append(SERVICES[key])
    return grid


def channel_save(channel: Channel, *, by, changed: list[str]) -> Channel:
    """Save a federation's channel settings (cadres of that federation or above)."""
    from django.core.exceptions import ValidationError

    from smartunion.core.audit import log_event
    from smartunion.orgs.queries import can_manage

    if by is not None and not can_manage(by, channel.org):
        raise PermissionError("您无权设置该频道")
    if not channel.org.is_federation:
        raise ValidationError({"org": "只有总工会可以开设城市频道"})
    unknown = [k for k in channel.service_order if k not in SERVICES]
    if unknown:
        raise ValidationError({"service_order": "未知的服务：" + "、".join(unknown) + "；可选：" + "、".join(SERVICES)})
    _check_text(channel, ("name", "banner_title", "banner_text"))
    channel.save()
    log_event("portal.channel.save", actor=by, target=channel, org=channel.org, data={"fields": changed})
    return channel


def notice_save(notice, *, by, changed: list[str]):
    from smartunion.core.audit import log_event
    from smartunion.orgs.queries import can_manage

    if by is not None and not can_manage(by, notice.channel.org):
        raise PermissionError("您无权发布该频道的公告")
    _check_text(notice, ("title", "body"))
    notice.save()
    log_event("portal.notice.save", actor=by, target=notice, org=notice.channel.org, data={"fields": changed})
    return notice


def _check_text(obj, names: tuple[str, ...]) -> None:
    """Length, control characters and unpaired surrogates of the text fields about to be saved."""
    from django.core.exceptions import ValidationError

    from smartunion.core.forms import check_text_fields

    errors: dict[str, str] = {}
    check_text_fields(type(obj), {name: getattr(obj, name) for name in names}, errors)
    if errors:
        raise ValidationError(errors)
