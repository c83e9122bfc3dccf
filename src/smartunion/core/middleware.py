"""Keeps the current request's actor and client IP where the audit log can find them."""

from contextvars import ContextVar

from django.conf import settings

_request: ContextVar = ContextVar("smartunion_request", default=None)


def current_request():
    return _request.get()


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind nginx the real address is in X-Forwarded-For; trusted only when the deployment says a proxy sets it,
    # or any client could write what the audit log records.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.TRUST_X_FORWARDED_FOR else ""
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
