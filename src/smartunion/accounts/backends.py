"""Django authentication backend: username or phone + password, with lockout (console and portal log-in)."""

from django.contrib.auth.backends import ModelBackend

from smartunion.accounts import services
from smartunion.core.middleware import client_ip


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, otp="", **kwargs):
        if username is None or password is None:
            return None
        try:
            user = services.authenticate_login(login=username, password=password, otp=otp or "",
                                               ip=client_ip(request))
        except services.LoginError as exc:
            if request is not None:
                request.login_error = exc
            return None
        return user if self.user_can_authenticate(user) else None
