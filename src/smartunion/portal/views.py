"""The workers' mobile portal: home (city channel), log-in and sign-up, 我的, the union directory, notices."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from smartunion.accounts import services as account_services
from smartunion.accounts.models import SmsCode
from smartunion.core.middleware import client_ip
from smartunion.members.models import Membership
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import search_orgs
from smartunion.portal.forms import LoginForm, RegisterForm, SmsCodeForm
from smartunion.portal.models import Notice
from smartunion.portal.services import channel_for, service_grid


def home(request):
    channel = channel_for(request.user)
    notices = Notice.objects.filter(channel=channel)[:3] if channel else []
    return render(request, "portal/home.html", {
        "channel": channel, "services": service_grid(channel), "notices": notices,
    })


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.authenticate_login(
                login=form.cleaned_data["phone"], password=form.cleaned_data["password"], ip=client_ip(request))
        except account_services.LoginError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                target = "portal:me"
            return redirect(target)
    return render(request, "portal/login.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:home")


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.register_worker(
                phone=form.cleaned_data["phone"], password=form.cleaned_data["password"],
                code=form.cleaned_data["code"], display_name=form.cleaned_data["display_name"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            login(request, user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
            messages.success(request, "注册成功")
            return redirect("portal:me")
    return render(request, "portal/register.html", {"form": form})


@require_POST
def send_code(request):
    form = SmsCodeForm(request.POST)
    if form.is_valid():
        try:
            account_services.send_sms_code(phone=form.cleaned_data["phone"], purpose=SmsCode.Purpose.REGISTER)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "验证码已发送，5分钟内有效")
    else:
        messages.error(request, form.errors["phone"][0])
    return redirect("portal:register")


@login_required
def me(request):
    membership = None
    if request.user.person_id:
        membership = (Membership.objects.filter(person_id=request.user.person_id, status=Membership.Status.ACTIVE)
                      .select_related("union").first())
    return render(request, "portal/me.html", {"membership": membership})


def directory(request):
    """Public directory of unions a worker can look up (grassroots, joint and township unions)."""
    q = request.GET.get("q", "").strip()
    queryset = Organisation.objects.filter(
        kind__in=[Organisation.Kind.GRASSROOTS, Organisation.Kind.JOINT, Organisation.Kind.TOWNSHIP],
        status=Organisation.Status.ACTIVE,
    ).select_related("region").order_by("path")
    page = None  # no search yet: the template shows the search box only
    if q:
        page = Paginator(search_orgs(queryset, q), 20).get_page(request.GET.get("page"))
    return render(request, "portal/directory.html", {"q": q, "page": page})


def notices(request):
    channel = channel_for(request.user)
    queryset = Notice.objects.filter(channel=channel) if channel else Notice.objects.none()
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(request, "portal/notices.html", {"channel": channel, "page": page})


def not_found(request, exception=None):
    return render(request, "portal/error.html", {"title": "页面不存在", "text": "您访问的页面不存在或已被删除。"},
                  status=404)


def server_error(request):
    return render(request, "portal/error.html", {"title": "系统繁忙", "text": "服务暂时出现问题，请稍后再试。"},
                  status=500)
