"""Log-in throttling on django-axes: three tiers with their own thresholds, one answer for known and unknown logins.

Axes counts failed attempts per (login, IP, user agent) row and checks each of AXES_LOCKOUT_PARAMETERS
against a single AXES_FAILURE_LIMIT. We need a different threshold per parameter set:

- (login, IP): LOGIN_MAX_FAILURES, the lock a person meets after mistyping;
- IP alone, across logins: LOGIN_IP_MAX_FAILURES, against one address trying many accounts;
- login alone, across IPs: LOGIN_ACCOUNT_MAX_FAILURES, against a botnet guessing one account. It is high so that
  nobody can lock a cadre out of every network just by failing on purpose.

`TieredDatabaseHandler` keeps axes' database handler (it works with SQLite and PostgreSQL, with or without Redis)
and overrides only `get_failures`: the number of failures that count against a request is the (login, IP) count,
or the (login, IP) limit itself once the IP or the login has reached its own threshold. Axes' `is_locked` and the
lock detection in `user_login_failed` then compare it with AXES_FAILURE_LIMIT (= LOGIN_MAX_FAILURES) as usual.

The login axes records is a key, not what was typed: "user:<pk>" for an account (so its username and its phone
count together), and for a login that matches no account a keyed digest of it, so nothing typed is stored in
clear and unknown logins are counted exactly like known ones.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import JsonResponse
from django.utils import timezone

from smartunion.core.middleware import client_ip
from smartunion.core.pii import blind_index
from smartunion.core.validators import validate_mobile

UNLOCK_PREFIX = "unlock:"


def key_for_user(user) -> str:
    """The key an account's failures are counted under, whichever of its logins was typed."""
    return f"user:{user.pk}"


def key_for_unknown(login: str) -> str:
    """The key of a login that matches no account: a digest of its normalised form."""
    text = (login or "").strip()
    try:
        text = validate_mobile(text)
    except ValidationError:
        text = text.lower()
    return "login:" + blind_index(text, purpose="login")


def lockout_subject(login: str) -> str:
    """The key axes counts the failures of `login` under."""
    from smartunion.accounts.services import find_user

    user = find_user(login)
    return key_for_user(user) if user is not None else key_for_unknown(login)


# Settings callables (settings.py names them, so tests that change LOGIN_* settings take effect at once)


def request_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE, and the address SMS limits count: core's client_ip (X-Forwarded-For when trusted),
    but never a malformed value, which would also fail PostgreSQL's inet columns."""
    for candidate in (client_ip(request), request.META.get("REMOTE_ADDR") if request is not None else None):
        try:
            return str(ipaddress.ip_address((candidate or "").strip()))
        except ValueError:
            continue
    return None


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: our services pass the key they computed as "lockout_subject" (a name Django's
    authenticate() does not mask in the credentials it signals); anything else is keyed here."""
    credentials = credentials or {}
    if credentials.get("lockout_subject"):
        return credentials["lockout_subject"]
    login = credentials.get("username")
    if login is None and request is not None:
        login = request.POST.get("username")
    return lockout_subject(login) if login else None


def failure_limit(request=None, credentials=None) -> int:
    return settings.LOGIN_MAX_FAILURES


def cool_off(request=None) -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: our views already answered with the Chinese lock message (or, on the attempt that
    reached the limit, with the ordinary wrong-password answer), so their response stands."""
    if original_response is not None:
        return original_response
    return JsonResponse({"code": "locked", "message": "登录失败次数过多，请稍后再试", "fields": {}}, status=423,
                        json_dumps_params={"ensure_ascii": False})


# The handler


def tiers() -> list[tuple[tuple[str, ...], int]]:
    """(parameters, threshold) per tier; the first is the (login, IP) pair that AXES_FAILURE_LIMIT speaks of."""
    return [
        (("username", "ip_address"), settings.LOGIN_MAX_FAILURES),
        (("ip_address",), settings.LOGIN_IP_MAX_FAILURES),
        (("username",), settings.LOGIN_ACCOUNT_MAX_FAILURES),
    ]


class TieredDatabaseHandler(AxesDatabaseHandler):
    """Axes' database handler with a threshold per parameter set (see the module docstring)."""

    def get_failures(self, request, credentials=None) -> int:
        counts = [_attempts(request, credentials, params).aggregate(total=Sum("failures_since_start"))["total"] or 0
                  for params, _ in tiers()]
        for count, (_, limit) in zip(counts[1:], tiers()[1:], strict=True):
            if count >= limit:
                return settings.LOGIN_MAX_FAILURES
        return counts[0]

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # Being asked for the second factor after the right password is not a failure.
        error = getattr(request, "login_error", None)
        if error is not None and not error.counted:
            return
        was_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out and not was_locked:
            _audit_lock(request, credentials)


def _audit_lock(request, credentials) -> None:
    from smartunion.accounts.models import User
    from smartunion.core.audit import log_event

    key = get_client_username(request, credentials) or ""
    target = None
    if key.startswith("user:"):
        target = User.objects.filter(pk=key.removeprefix("user:")).first()
    action = "accounts.user.unlock_throttle" if key.startswith(UNLOCK_PREFIX) else "accounts.user.lock"
    log_event(action, actor=None, target=target, ip=request.axes_ip_address, data={"login_key": key})


# Questions our services ask


def is_locked(request, credentials: dict) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials)


def _attempts(request, credentials, params):
    """The live attempt rows that share `params` (a tier's parameter set) with this request."""
    AxesProxyHandler.update_request(request)
    values = {"username": get_client_username(request, credentials), "ip_address": request.axes_ip_address}
    since = (request.axes_attempt_time or timezone.now()) - cool_off(request)
    return AccessAttempt.objects.filter(attempt_time__gte=since, **{p: values[p] for p in params})


def time_left(request, credentials: dict) -> tuple[str, dt.timedelta] | None:
    """Which tier locks this request ("account" or "ip") and for how much longer; None when not locked."""
    worst: tuple[str, dt.timedelta] | None = None
    for params, limit in tiers():
        total = 0
        rows = _attempts(request, credentials, params).order_by("-attempt_time")
        for attempt_time, failures in rows.values_list("attempt_time", "failures_since_start"):
            total += failures
            if total >= limit:
                # The lock lifts when this row (and so every older one) drops out of the window.
                left = attempt_time + cool_off(request) - timezone.now()
                kind = "ip" if params == ("ip_address",) else "account"
                if worst is None or left > worst[1]:
                    worst = (kind, left)
                break
    return worst


def reset_login(*keys: str) -> int:
    """Forget every recorded failure of these logins, from every IP (unlock, password reset)."""
    count, _ = AccessAttempt.objects.filter(username__in=[k for k in keys if k]).delete()
    return count


def reset_pair(key: str, ip: str | None) -> None:
    """A successful log-in forgets the failures of this login from this IP only."""
    AccessAttempt.objects.filter(Q(username=key) & Q(ip_address=ip)).delete()
