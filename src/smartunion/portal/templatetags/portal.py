"""{% brand %}: the name of the visitor's channel (portal.channel), for headers, titles and texts."""

from django import template
from django.conf import settings

from smartunion.portal.channel import brand as channel_brand

register = template.Library()


@register.simple_tag(takes_context=True)
def brand(context) -> str:
    request = context.get("request")
    return channel_brand(request) if request is not None else settings.PLATFORM_NAME
