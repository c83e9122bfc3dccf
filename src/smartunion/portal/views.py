"""The workers' mobile portal: home (the city subsite), log-in (password or SMS code), sign-up, password reset, unlock,
我的, the union directory, notices."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from smartunion.accounts import services as account_services
from smartunion.accounts.lockout import request_ip
from smartunion.accounts.models import SmsCode
from smartunion.cases.queries import counselling as counselling_queries
from smartunion.core.errors import DomainError
from smartunion.core.pii import mask_name, mask_phone
from smartunion.core.qr import qr_svg
from smartunion.members.models import JoinApplication
from smartunion.members.queries import active_membership
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import search_orgs
from smartunion.portal.card_views import card_number_of
from smartunion.portal.cases_views import rights_summary
from smartunion.portal.errors import add_refusal
from smartunion.portal.forms import (
    ChangePasswordForm,
    LoginForm,
    PasswordResetForm,
    RegisterForm,
    SmsCodeForm,
    SmsLoginForm,
    UnlockForm,
)
from smartunion.portal.services import service_grid
from smartunion.portal.subsite import current_subsite
from smartunion.subsites.models import Notice


def _membership(request):
    user = request.user
    return active_membership(user.person_id) if user.is_authenticated else None


def home(request):
    subsite = current_subsite(request)
    notices = Notice.objects.filter(subsite=subsite)[:3] if subsite else []
    return render(request, "portal/home.html", {
        "subsite": subsite, "services": service_grid(subsite, member=_membership(request) is not None),
        "notices": notices,
    })


PORTAL_BACKEND = "smartunion.accounts.backends.UsernameOrPhoneBackend"
# Where each kind of code is asked for, and what the person is told once it is asked. For log-in, reset and unlock
# the answer is the same whether or not the phone or login is registered.
CODE_PAGES = {
    SmsCode.Purpose.REGISTER: ("portal:register", "验证码已发送，5分钟内有效"),
    SmsCode.Purpose.LOGIN: ("portal:login", "如该手机号已注册，验证码已发送，5分钟内有效"),
    SmsCode.Purpose.RESET: ("portal:password_reset", "如该手机号已注册，验证码已发送，5分钟内有效"),
    SmsCode.Purpose.UNLOCK: ("portal:unlock", "如该账号已绑定手机，验证码已发送，5分钟内有效"),
}


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _captcha(request) -> dict | None:
    """A challenge for the code form once this network has asked for a few codes."""
    if not account_services.captcha_required(request_ip(request)):
        return None
    key, image_url = account_services.new_captcha()
    return {"key": key, "image_url": image_url}


def _login_page(request, form=None, sms_form=None, *, by_sms=None):
    """The log-in page: the password form, or with ?by=sms (or an SMS form to show again) the SMS-code one."""
    if by_sms is None:
        by_sms = sms_form is not None or request.GET.get("by") == "sms"
    nxt = _safe_next(request, "")
    return render(request, "portal/login.html", {
        "form": form or LoginForm(), "sms_form": sms_form or SmsLoginForm(), "by_sms": by_sms, "next": nxt,
        "captcha": _captcha(request) if by_sms else None,
    })


def _refusal(exc: account_services.LoginError) -> str:
    # The portal logs in by phone, so it names the phone; the answer is the same for unregistered phones.
    return "手机号或密码错误" if exc.code == "bad_credentials" else exc.message


def _signed_in(request, user):
    login(request, user, backend=PORTAL_BACKEND)
    return redirect(_safe_next(request, "portal:me"))


def _send_code(request, *, phone: str, purpose: str) -> tuple[bool, str, str | None, int]:
    """Ask for a code: (sent, message, the field a refusal is about, HTTP status)."""
    form = SmsCodeForm({**request.POST.dict(), "phone": phone, "purpose": purpose})
    if not form.is_valid():
        field = next(iter(form.errors))
        return False, form.errors[field][0] if field != "purpose" else "验证码用途不正确", field, 422
    data = form.cleaned_data
    purpose = data["purpose"] or SmsCode.Purpose.REGISTER
    try:
        account_services.send_sms_code(phone=data["phone"], purpose=purpose,
                                       ip=request_ip(request), captcha_key=data["captcha_key"],
                                       captcha_value=data["captcha_value"])
    except DomainError as exc:
        field = next(iter(exc.fields), None)
        if exc.code == "captcha_required":
            field = "captcha_value"
        return False, exc.message, field, exc.status
    return True, CODE_PAGES[purpose][1], None, 200


def _code_asked(request, form_class, *, purpose: str, phone_field: str = "phone", initial_keep=()):
    """The page's own 获取验证码 button (the fallback without JavaScript; app.js asks /sms-code/ instead): send the
    code and give back the page's form, unbound, with what was typed (the phone is not typed twice)."""
    phone = request.POST.get(phone_field, "")
    sent, message, _field, _status = _send_code(request, phone=phone, purpose=purpose)
    (messages.success if sent else messages.error)(request, message)
    initial = {name: request.POST.get(name, "") for name in (phone_field, *initial_keep)}
    return form_class(initial=initial)


def _asks_for_a_code(request) -> bool:
    return request.method == "POST" and "send_code" in request.POST


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.authenticate_login(
                login=form.cleaned_data["phone"], password=form.cleaned_data["password"], request=request)
        except account_services.LoginError as exc:
            form.add_error(None, _refusal(exc))
        else:
            return _signed_in(request, user)
    return _login_page(request, form=form)


# Refusals of a log-in by SMS code that are about the code (shown on the code field); others (a lock) on the form.
CODE_REASONS = {"bad_code", "expired", "too_many_attempts"}


@require_POST
def sms_login_view(request):
    """Log-in with a code sent for purpose `login`, on the same throttling as the password form."""
    if _asks_for_a_code(request):
        return _login_page(request, sms_form=_code_asked(request, SmsLoginForm, purpose=SmsCode.Purpose.LOGIN))
    sms_form = SmsLoginForm(request.POST)
    if sms_form.is_valid():
        try:
            user = account_services.sms_login(phone=sms_form.cleaned_data["phone"], code=sms_form.cleaned_data["code"],
                                              request=request)
        except account_services.LoginError as exc:
            sms_form.add_error("code" if exc.code in CODE_REASONS else None, exc.message)
        else:
            return _signed_in(request, user)
    return _login_page(request, sms_form=sms_form)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:home")


def register(request):
    if _asks_for_a_code(request):
        form = _code_asked(request, RegisterForm, purpose=SmsCode.Purpose.REGISTER, initial_keep=("display_name",))
    else:
        form = RegisterForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            user = account_services.register_worker(
                phone=form.cleaned_data["phone"], password=form.cleaned_data["password"],
                code=form.cleaned_data["code"], display_name=form.cleaned_data["display_name"],
                consent_version=account_services.TERMS_VERSION)
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            login(request, user, backend=PORTAL_BACKEND)
            messages.success(request, "注册成功")
            return redirect("portal:me")
    return render(request, "portal/register.html", {"form": form, "captcha": _captcha(request)})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def send_code(request):
    """Ask for an SMS code for any purpose. app.js asks with Accept: application/json and gets JSON (the message, the
    field a refusal is about, when to ask again, and a captcha when the next request needs one); a plain form post
    goes back to the page the code is for, with the message."""
    purpose = request.POST.get("purpose") or SmsCode.Purpose.REGISTER
    page = CODE_PAGES.get(purpose, CODE_PAGES[SmsCode.Purpose.REGISTER])[0]
    sent, message, field, status = _send_code(request, phone=request.POST.get("phone", ""), purpose=purpose)
    if _wants_json(request):
        return JsonResponse({"sent": sent, "message": message, "field": field,
                             "resend_after": settings.SMS_RESEND_SECONDS if sent else 0,
                             "captcha": _captcha(request)}, status=status)
    (messages.success if sent else messages.error)(request, message)
    query = {"by": "sms"} if purpose == SmsCode.Purpose.LOGIN else {}
    nxt = _safe_next(request, "")
    if nxt:
        query["next"] = nxt
    return redirect(f"{reverse(page)}?{urlencode(query)}" if query else reverse(page))


def password_reset(request):
    """忘记密码: phone + `reset` code + new password; the account's lock is lifted too."""
    if _asks_for_a_code(request):
        form = _code_asked(request, PasswordResetForm, purpose=SmsCode.Purpose.RESET)
    else:
        form = PasswordResetForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            account_services.reset_password(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"],
                                            password=form.cleaned_data["password"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "密码已重置，请用新密码登录")
            return redirect("portal:login")
    return render(request, "portal/password_reset.html", {"form": form, "captcha": _captcha(request)})


def unlock(request):
    """The account holder lifts a log-in lock with an `unlock` SMS code or their TOTP (linked from the console)."""
    if _asks_for_a_code(request):
        form = _code_asked(request, UnlockForm, purpose=SmsCode.Purpose.UNLOCK, phone_field="login")
    else:
        form = UnlockForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            account_services.unlock_account(login=form.cleaned_data["login"], code=form.cleaned_data["code"],
                                            otp=form.cleaned_data["otp"], request=request)
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "账号已解锁，请重新登录")
            return redirect(_safe_next(request, "portal:login"))
    return render(request, "portal/unlock.html", {"form": form, "captcha": _captcha(request),
                                                  "next": _safe_next(request, "")})


@login_required
def me(request):
    """我的: the hub of everything that is the worker's own (card, membership, transfer, applications, settings)."""
    membership = _membership(request)
    applications = list(JoinApplication.objects.filter(applicant=request.user).select_related("union")
                        .order_by("-id")[:1])
    latest = applications[0] if applications else None
    return render(request, "portal/me.html", {
        "membership": membership, "card_number": card_number_of(request.user, membership),
        "latest_application": latest,
        "pending": latest if latest is not None and latest.status == JoinApplication.Status.PENDING else None,
        "rights": rights_summary(request.user),
        "counsellor": counselling_queries.counsellor_of(request.user),  # 我的咨询 for a counsellor's own sessions
    })


@login_required
def settings_page(request):
    """设置: change the password (the session stays signed in), the texts agreed to."""
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.change_password(request.user, old_password=form.cleaned_data["old_password"],
                                             new_password=form.cleaned_data["new_password"])
        except DomainError as exc:
            add_refusal(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("portal:me")
    return render(request, "portal/settings.html", {"form": form})


def _directory_unions():
    """The unions of the public directory (grassroots, joint and township unions that are active)."""
    return Organisation.objects.filter(
        kind__in=[Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT, Organisation.Kind.TOWNSHIP],
        status=Organisation.Status.ACTIVE,
    ).select_related("region")


def directory(request):
    """Public directory of unions a worker can look up (grassroots, joint and township unions)."""
    q = request.GET.get("q", "").strip()
    queryset = _directory_unions().order_by("path")
    page = None  # no search yet: the template shows the search box only
    if q:
        page = Paginator(search_orgs(queryset, q), 20).get_page(request.GET.get("page"))
    return render(request, "portal/directory.html", {"q": q, "page": page})


def directory_detail(request, pk: int):
    """A union of the directory: address, contact (the person's name masked; the phone in full for signed-in
    workers only) and, where it takes members and has a scan-to-join poster, the poster's link and QR."""
    union = get_object_or_404(_directory_unions(), pk=pk)
    join_url = qr = ""
    if union.kind in Organisation.MEMBER_KINDS and union.join_token:
        join_url = f"{reverse('portal:join')}?{urlencode({'u': union.join_token})}"
        qr = qr_svg(request.build_absolute_uri(join_url))
    phone = union.contact_phone
    return render(request, "portal/directory_detail.html", {
        "union": union, "contact_name": mask_name(union.contact_name),
        "contact_phone": phone if request.user.is_authenticated else mask_phone(phone),
        "join_url": join_url, "join_qr": qr, "member": _membership(request) is not None,
        "takes_members": union.kind in Organisation.MEMBER_KINDS,
    })


def notice_detail(request, pk: int):
    """One notice of the visitor's subsite."""
    subsite = current_subsite(request)
    notice = get_object_or_404(Notice, pk=pk, subsite=subsite) if subsite else None
    if notice is None:
        raise Http404
    return render(request, "portal/notice_detail.html", {"notice": notice})


def notices(request):
    subsite = current_subsite(request)
    queryset = Notice.objects.filter(subsite=subsite) if subsite else Notice.objects.none()
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(request, "portal/notices.html", {"subsite": subsite, "page": page})


def _operator(request) -> Organisation | None:
    """Who runs the subsite: its federation, else the deployment's province."""
    subsite = current_subsite(request)
    if subsite is not None:
        return subsite.org
    return Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).order_by("path").first()


def agreement(request):
    """《用户协议》, agreed to at sign-up (accounts.services.TERMS_VERSION)."""
    return render(request, "portal/agreement.html", {"version": account_services.TERMS_VERSION,
                                                     "operator": _operator(request)})


def privacy(request):
    """《隐私政策》 (PIPL art. 17: what is collected, why, how long, who sees it, the person's rights, contact)."""
    return render(request, "portal/privacy.html", {
        "version": account_services.TERMS_VERSION, "operator": _operator(request),
        "behaviour_days": settings.BEHAVIOUR_RETENTION_DAYS,
    })


def not_found(request, exception=None):
    return render(request, "portal/error.html", {"title": "页面不存在", "text": "您访问的页面不存在或已被删除。"},
                  status=404)


def server_error(request):
    return render(request, "portal/error.html", {"title": "系统繁忙", "text": "服务暂时出现问题，请稍后再试。"},
                  status=500)
