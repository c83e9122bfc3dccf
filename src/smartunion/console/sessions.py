"""Console sessions end when the browser closes and after CONSOLE_IDLE_MINUTES without a console request.

A cadre's session opens personal data of a whole county; a shared office computer left signed in must not keep it
open. The portal keeps Django's longer sessions: the same session, once used in the console, ends with the browser.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone

from smartunion.core.security import CONSOLE_PREFIX

SEEN = "console_seen"  # session key: the time of the last console request (seconds since the epoch)
WRITE_EVERY = 60  # seconds: the clock is moved at most once a minute, or when the session is written anyway


def _last_seen(request) -> float | None:
    seen = request.session.get(SEEN)
    if seen is None and request.user.last_login is not None:
        seen = request.user.last_login.timestamp()  # the first console request of a session counts from the log-in
    return seen


class ConsoleSessionMiddleware:
    """After sessions, authentication and messages: signs an idle console user out, with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(CONSOLE_PREFIX):
            return self.get_response(request)
        if request.user.is_authenticated:
            seen = _last_seen(request)
            if seen is not None and timezone.now().timestamp() - seen > settings.CONSOLE_IDLE_MINUTES * 60:
                logout(request)
                messages.warning(request, f"您已超过{settings.CONSOLE_IDLE_MINUTES}分钟未操作，"
                                          "为保护个人信息已自动退出，请重新登录")
                return redirect_to_login(request.get_full_path(), reverse("console:login"))
        response = self.get_response(request)
        # After the view: the console's log-in has just signed the user in and is writing the session anyway.
        if request.user.is_authenticated:
            now, seen = timezone.now().timestamp(), _last_seen(request)
            if request.session.modified or seen is None or now - seen >= WRITE_EVERY:
                request.session[SEEN] = now
                if not request.session.get_expire_at_browser_close():
                    request.session.set_expiry(0)
        return response
