"""Lotteries: enter, and the published draw (commitment, entrant-list hash, seed, winners); the cadre runs the draw
and names the lotteries whose winners are left out (no double benefit). docs/lottery.md defines the algorithm;
docs/verify_lottery.py checks the answer of GET /activities/{id}/draw with the Python standard library alone."""

from __future__ import annotations

from ninja import Schema, Status
from pydantic import Field

from smartunion.api.benefits.common import activity_or_404, managed_or_404, router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import ErrorOut
from smartunion.benefits.models import Activity, LotteryEntry
from smartunion.benefits.queries import managed_activities
from smartunion.benefits.services import lottery
from smartunion.benefits.services.participation import check_eligible, member_of
from smartunion.core.errors import Invalid
from smartunion.members.card_tokens import mask_card_number
from smartunion.orgs.queries import in_scope

ACTION = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ExclusionsIn(Schema):
    activity_ids: list[int] = Field(default_factory=list, max_length=50, description="排除其中奖者的抽奖活动")


def _lottery_or_404(activity: Activity) -> Activity:
    if activity.kind != Activity.Kind.LOTTERY:
        raise ApiError(404, "not_found", "抽奖活动不存在")
    return activity


def _entry_out(entry: LotteryEntry) -> dict:
    return {"id": entry.pk, "ticket": entry.pk, "activity_id": entry.activity_id,
            "line": lottery.entrant_line(entry.pk, entry.card_number),
            "card_number": mask_card_number(entry.card_number), "created_at": entry.created_at}


@router.post("/activities/{activity_id}/enter", response={201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="参与抽奖（每人一次；返回抽奖号）")
def enter(request, activity_id: int):
    activity = _lottery_or_404(activity_or_404(activity_id))
    entry = lottery.enter_lottery(activity, by=request.auth)
    return Status(201, _entry_out(entry))


def _visible_lottery(request, activity_id: int) -> tuple[Activity, LotteryEntry | None]:
    """A lottery the caller may see: a cadre's in scope, or a published one the member entered or may enter.
    Anything else answers like a missing one, or 403 not_eligible with the reason for a member outside it."""
    activity = Activity.objects.select_related("org").filter(pk=activity_id, kind=Activity.Kind.LOTTERY).first()
    if activity is not None and in_scope(request.auth, activity.org):
        return activity, None
    if activity is None or activity.status == Activity.Status.DRAFT:
        raise ApiError(404, "not_found", "抽奖活动不存在")
    member = member_of(request.auth)
    entry = LotteryEntry.objects.filter(activity=activity, person=member.person).select_related("prize").first()
    if entry is None:
        check_eligible(activity, member)
    return activity, entry


@router.get("/activities/{activity_id}/draw", response={200: dict, 403: ErrorOut, 404: ErrorOut},
            summary="开奖公示数据：承诺值；开奖后另有参与名单、名单摘要、随机种子和中奖名单")
def published_draw(request, activity_id: int):
    activity, entry = _visible_lottery(request, activity_id)
    data = lottery.publication(activity)
    if entry is not None:
        line = lottery.entrant_line(entry.pk, entry.card_number)
        listed = None if activity.drawn_at is None else line in data["entrants"]
        data["mine"] = {"ticket": entry.pk, "line": line, "listed": listed,
                        "prize": entry.prize.name if entry.prize_id else None,
                        "excluded": listed is False}
    return data


@router.get("/activities/{activity_id}/prizes", response={200: dict, 403: ErrorOut, 404: ErrorOut},
            summary="抽奖活动的奖项")
def prizes(request, activity_id: int):
    activity, _ = _visible_lottery(request, activity_id)
    data = lottery.publication(activity)
    return {"activity_id": activity.pk, "items": data["prizes"]}


@router.post("/activities/{activity_id}/draw", response=ACTION, summary="开奖（干部；抽奖须已结束）")
def run_draw(request, activity_id: int):
    activity = _lottery_or_404(managed_or_404(request, activity_id))
    drawn = lottery.draw(activity, by=request.auth)
    return lottery.publication(drawn)


@router.put("/activities/{activity_id}/exclusions", response=ACTION,
            summary="设置不重复中奖：这些抽奖活动的中奖者不参与本次抽奖")
def set_exclusions(request, activity_id: int, payload: ExclusionsIn):
    activity = _lottery_or_404(managed_or_404(request, activity_id))
    ids = sorted(set(payload.activity_ids))
    others = list(managed_activities(request.auth).filter(pk__in=ids))
    if len(others) != len(ids):  # missing and out of scope answer alike
        raise Invalid.from_fields({"activity_ids": "所选活动不存在"})
    lottery.set_exclusions(activity, others, by=request.auth)
    return {"activity_id": activity.pk, "activity_ids": ids}
