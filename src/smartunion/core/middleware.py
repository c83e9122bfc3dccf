"""Keeps the current request's actor and client IP where the audit log can find them."""

import ipaddress
from contextvars import ContextVar

from django.conf import settings

_request: ContextVar = ContextVar("smartunion_request", default=None)


def current_request():
    return _request.get()


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUST_X_FORWARDED_FOR trusted proxies the X-Forwarded-For
    entry that many places from the right. Entries further left are whatever the client wrote (nginx appends to
    the header it received), so trusting the left-most would let anyone choose the address that throttling and
    the audit log record. A malformed value is never returned."""
    if request is None:
        return None
    candidates = []
    proxies = int(settings.TRUST_X_FORWARDED_FOR or 0)
    if proxies:
        forwarded = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(forwarded) >= proxies:
            candidates.append(forwarded[-proxies])
    candidates.append(request.META.get("REMOTE_ADDR") or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
