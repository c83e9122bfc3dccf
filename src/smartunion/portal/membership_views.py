"""Portal pages of the membership issue: 我要入会 (also from a union's QR poster), 我的会籍, 转会."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from smartunion.core.errors import DomainError
from smartunion.members import services
from smartunion.members.models import JoinApplication, MembershipChange, Transfer
from smartunion.members.queries import active_membership
from smartunion.orgs.models import Organisation
from smartunion.portal.card_views import card_number_of
from smartunion.portal.errors import add_refusal
from smartunion.portal.membership_forms import JoinForm, TransferForm


def _active_membership(user):
    return active_membership(user.person_id)


@login_required
def join(request):
    token = request.GET.get("u", "") or request.POST.get("source_token", "")
    source = Organisation.objects.filter(join_token=token).first() if token else None
    membership = services.account_membership(request.user)
    if membership is not None:
        messages.info(request, f"您已是“{membership.union.name}”的会员，如需变更所在工会请申请转会。")
        return redirect("portal:my_membership")
    pending = JoinApplication.objects.filter(applicant=request.user, status="pending").first()
    if pending is not None and request.method == "GET":
        messages.info(request, "您有一份入会申请正在审核中。")
        return redirect("portal:my_membership")
    person = request.user.person
    initial = {"name": request.user.display_name or (person.name if person else ""), "phone": request.user.phone,
               "source_token": token}
    if person is not None:
        initial.update(name=person.name, id_number=person.id_number, education=person.education,
                       political_status=person.political_status, employment_form=person.employment_form)
    elif request.user.real_name_index:
        # Bound at an earlier application: offer the name and ID number the account is bound to.
        earlier = JoinApplication.objects.filter(applicant=request.user,
                                                 id_number_index=request.user.real_name_index).order_by("-id").first()
        if earlier is not None:
            initial.update(name=earlier.name, id_number=earlier.id_number)
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "source_token"}
        try:
            _, created = services.join_apply(by=request.user, source_token=form.cleaned_data["source_token"], **data)
        except services.AlreadyMember as exc:
            messages.info(request, exc.message)
            return redirect("portal:my_membership")
        except (DomainError, ValidationError) as exc:  # an ID number bound elsewhere shows on its field
            add_refusal(form, exc)
        else:
            messages.success(request, "申请已提交" if created else "您已有一份正在审核的申请")
            return redirect("portal:my_membership")
    return render(request, "portal/join.html", {"form": form, "source": source})


@login_required
def my_membership(request):
    membership = _active_membership(request.user)
    history = []
    if request.user.person_id:
        history = MembershipChange.objects.filter(person_id=request.user.person_id).select_related(
            "from_union", "to_union").order_by("-id")[:20]
    applications = JoinApplication.objects.filter(applicant=request.user).select_related("union").order_by("-id")[:5]
    transfers = Transfer.objects.filter(person_id=request.user.person_id).select_related(
        "from_union", "to_union").order_by("-id")[:5] if request.user.person_id else []
    return render(request, "portal/my_membership.html", {
        "membership": membership, "card_number": card_number_of(request.user, membership),
        "history": history, "applications": applications, "transfers": transfers,
        "pending": any(a.status == JoinApplication.Status.PENDING for a in applications),
    })


@login_required
def transfer(request):
    membership = _active_membership(request.user)
    if membership is None:
        messages.info(request, "您还不是工会会员，无法申请转会。")
        return redirect("portal:my_membership")
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request(membership=membership, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "转会申请已提交，原工会同意转出、新工会接收后即完成，会员卡号不变。")
            return redirect("portal:my_membership")
    return render(request, "portal/transfer.html", {"form": form, "membership": membership,
                                                    "card_number": card_number_of(request.user, membership)})


@login_required
@require_POST
def withdraw(request, pk):
    application = JoinApplication.objects.filter(pk=pk, applicant=request.user).first()
    if application is None:
        messages.error(request, "申请不存在")
    else:
        try:
            services.withdraw_join_application(application, by=request.user)
            messages.success(request, "申请已撤回")
        except DomainError as exc:  # withdrawn or decided meanwhile
            messages.error(request, exc.message)
    return redirect("portal:my_membership")
