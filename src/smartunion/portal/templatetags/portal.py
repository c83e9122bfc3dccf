"""Portal template tags: {% brand %} (the name of the visitor's subsite, portal.subsite), {% icon "home" %} (an
inline SVG of portal.icons) and {% current_tab %} (the tab of the tab bar the page belongs to)."""

from django import template
from django.conf import settings

from smartunion.portal import icons
from smartunion.portal.subsite import brand as subsite_brand

register = template.Library()

# The tab bar's tabs and the pages (URL names) under each.
TABS = {
    "home": {"home", "directory", "directory_detail", "notices", "notice_detail", "join", "activities", "activity",
             "lottery_rules", "news", "news_detail", "case_new", "case_filed", "legal_aid", "legal_aid_apply",
             "counselling", "counselling_book", "assistance", "assistance_apply", "assistance_notice"},
    "card": {"card", "card_report_lost"},
    "me": {"me", "my_membership", "my_activity", "transfer", "settings", "login", "register", "sms_login",
           "password_reset", "unlock", "my_activities", "my_coupons", "merchant", "my_cases", "case",
           "legal_aid_application", "counselling_bookings", "counselling_sessions", "counselling_session",
           "assistance_application"},
}


@register.simple_tag(takes_context=True)
def brand(context) -> str:
    request = context.get("request")
    return subsite_brand(request) if request is not None else settings.PLATFORM_NAME


@register.simple_tag
def icon(name: str, css: str = "icon"):
    return icons.icon(name, css)


@register.simple_tag(takes_context=True)
def current_tab(context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match is not None and match.namespace == "portal" else ""
    return next((tab for tab, names in TABS.items() if name in names), "")
