"""The brand the platform speaks to a worker under: the name of their city's subsite (济南工惠), else the province's
(齐鲁工惠), else settings.PLATFORM_NAME ("智慧工会").

The names belong to the subsites app, which sits above the data apps that send messages (accounts' SMS codes,
members' notices to applicants). Those apps ask here, and subsites hands in its look-ups when it is ready
(subsites/apps.py), so every import still points down the stack (tests/test_layering.py); without subsites installed
every message is signed with PLATFORM_NAME.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

Lookup = Callable[[Any], "str | None"]

_lookups: dict[str, Lookup] = {}


def register(*, for_org: Lookup, for_user: Lookup) -> None:
    """Install the look-ups of the app that knows the names (subsites, at start-up)."""
    _lookups.update(org=for_org, user=for_user)


def _ask(kind: str, subject) -> str:
    lookup = _lookups.get(kind)
    return (lookup(subject) if lookup is not None else None) or settings.PLATFORM_NAME


def brand_for_org(org) -> str:
    """The brand of the subsite nearest above `org` (an org without one, or None, gets the deployment's top one)."""
    return _ask("org", org)


def brand_for_user(user) -> str:
    """The brand a worker sees: that of their union; an account that is no member (or None) gets the top one."""
    return _ask("user", user)


def sms_signature(brand: str) -> str:
    """The signature an SMS starts with, as Chinese gateways require it: 【济南工惠】."""
    return f"【{brand}】"
