"""What the benefits endpoints share: the router, the activity's answer shape, finding an activity for a member
or a cadre."""

from __future__ import annotations

from ninja import Router

from smartunion.api.errors import ApiError
from smartunion.benefits import audience
from smartunion.benefits.models import Activity
from smartunion.benefits.queries import managed_activities

router = Router(tags=["惠工活动"])


def activity_out(a: Activity, *, cadre: bool = False) -> dict:
    """An activity as a member or a cadre reads it; coupon grabs carry stock, remaining and the limit."""
    out = {
        "id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(), "title": a.title,
        "description": a.description, "place": a.place, "status": a.status, "status_label": a.get_status_display(),
        "org": {"id": a.org_id, "name": a.org.name}, "starts_at": a.starts_at, "ends_at": a.ends_at,
        "per_member_limit": a.per_member_limit, "daily_limit": a.daily_limit,
        "audience": audience.describe(a.audience),
    }
    if a.kind == Activity.Kind.COUPON:
        out.update(stock=a.stock, remaining=a.remaining, claimed=a.claimed, face_value=a.face_value,
                   valid_until=a.valid_until, terms=a.terms)
    elif a.kind == Activity.Kind.SIGNUP:
        out.update(capacity=a.capacity, taken=a.taken,
                   remaining=None if a.capacity is None else max(a.capacity - a.taken, 0))
    elif a.kind == Activity.Kind.VOTE:
        out.update(max_choices=a.max_choices, results=a.results)
    elif a.kind == Activity.Kind.SURVEY:
        out.update(anonymous=a.anonymous, results=a.results)
    elif a.kind == Activity.Kind.LOTTERY:
        out.update(commitment=a.commitment, drawn_at=a.drawn_at)
    if cadre:
        out.update(audience_rules=a.audience, audience_size=a.audience_size, participants=a.participants,
                   created_at=a.created_at, published_at=a.published_at, closed_at=a.closed_at)
        if a.kind == Activity.Kind.SIGNUP:
            out["checkin_code"] = a.checkin_code
    return out


def managed_or_404(request, activity_id: int) -> Activity:
    """An activity of the cadre's subtree; out of scope answers exactly as missing."""
    activity = managed_activities(request.auth).filter(pk=activity_id).first()
    if activity is None:
        raise ApiError(404, "not_found", "活动不存在")
    return activity


def activity_or_404(activity_id: int) -> Activity:
    """Any non-draft activity (members act on it; the service decides whether this member may)."""
    activity = (Activity.objects.select_related("org").exclude(status=Activity.Status.DRAFT)
                .filter(pk=activity_id).first())
    if activity is None:
        raise ApiError(404, "not_found", "活动不存在")
    return activity
