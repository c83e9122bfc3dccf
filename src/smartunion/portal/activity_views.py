"""我的足迹: a member's own behaviour events (core.events), newest first."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from smartunion.core.events import kind_label
from smartunion.core.models import BehaviourEvent

PAGE_SIZE = 20


@never_cache
@login_required
def my_activity(request):
    """Only the events of the account's own person; an account without a person has none to show."""
    person_id = request.user.person_id
    events = (BehaviourEvent.objects.filter(person_id=person_id).order_by("-occurred_at", "-id")
              .only("kind", "target_label", "occurred_at")
              if person_id else BehaviourEvent.objects.none())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"label": kind_label(e.kind), "target": e.target_label, "at": e.occurred_at} for e in page]
    return render(request, "portal/my_activity.html", {
        "page": page, "rows": rows, "retention_days": settings.BEHAVIOUR_RETENTION_DAYS,
    })
