"""我的画像标签: a member's own tags (members.MemberTag, computed by the data platform's tag rules) with the reason,
an objection with a note, and its withdrawal. Only the member's own rows: another member's tag is not found."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartunion.core.errors import DomainError
from smartunion.insight.services import tags as services
from smartunion.members.models import MemberTag


def _mine(request, pk: int) -> MemberTag:
    person_id = request.user.person_id
    tag = MemberTag.objects.filter(pk=pk, person_id=person_id).first() if person_id else None
    if tag is None:
        raise Http404("标签不存在")
    return tag


@never_cache
@login_required
def my_tags(request):
    person_id = request.user.person_id
    rows = (list(MemberTag.objects.filter(person_id=person_id).order_by("objected", "tag")) if person_id else [])
    return render(request, "portal/insight_tags.html", {"tags": rows, "max_note": services.MAX_OBJECTION,
                                                        "objecting": request.GET.get("object", "")})


@never_cache
@login_required
@require_POST
def object_to_tag(request, pk: int):
    tag = _mine(request, pk)
    try:
        services.object_to_tag(tag, note=request.POST.get("note", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.fields.get("note") or exc.message)
        return redirect(f"{reverse('portal:my_tags')}?object={tag.pk}#tag-{tag.pk}")
    messages.success(request, f"已对“{tag.tag}”提出异议：该标签不再用于任何活动和统计，也不会被再次加上")
    return redirect("portal:my_tags")


@never_cache
@login_required
@require_POST
def withdraw_objection(request, pk: int):
    tag = _mine(request, pk)
    try:
        services.withdraw_objection(tag, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤回对“{tag.tag}”的异议")
    return redirect("portal:my_tags")


urlpatterns = [
    path("me/tags/", my_tags, name="my_tags"),
    path("me/tags/<int:pk>/object/", object_to_tag, name="my_tag_object"),
    path("me/tags/<int:pk>/withdraw/", withdraw_objection, name="my_tag_withdraw"),
]
