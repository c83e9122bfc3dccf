"""Django authentication backend: username or phone + password (+ TOTP), or phone + SMS code.

It sits after axes' AxesStandaloneBackend, which refuses locked-out requests before this one runs; every refusal
here makes Django send `user_login_failed`, which axes counts. Call it through accounts.services, which passes
the lockout key and turns a refusal into the message the person sees.
"""

from django.contrib.auth.backends import ModelBackend

from smartunion.accounts import services


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, otp="", sms_code=None, **kwargs):
        try:
            if sms_code is not None:
                user = services.check_sms_login(phone=username or "", code=sms_code, otp=otp or "")
            elif username is None or password is None:
                return None
            else:
                user = services.check_credentials(login=username, password=password, otp=otp or "")
        except services.LoginError as exc:
            if request is not None:
                request.login_error = exc
            return None
        return user if self.user_can_authenticate(user) else None
