"""Sign-ups (waiting list, check-in), votes and surveys, and results.

A member acts on an activity found by `activity_or_404` (drafts and missing answer 404) and the service's gate
decides the rest (403 not_eligible with the reason, 409 not_open). The cadre's endpoints (the sign-up list, the
organiser's card scan) find the activity in their scope first: out of scope answers exactly like missing.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Query, Schema, Status
from pydantic import Field, StrictInt

from smartunion.api.benefits.common import activity_or_404, managed_or_404, router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, ErrorOut, text
from smartunion.benefits.models import Activity, Signup
from smartunion.benefits.queries import activity_signups
from smartunion.benefits.services import polls, signups
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_name
from smartunion.members.card_tokens import MAX_TOKEN_LENGTH
from smartunion.orgs.queries import in_scope

ACT = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
CREATED = {201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_OPTIONS = 100
MAX_QUESTIONS = 100

TextAnswer = Annotated[str, Field(max_length=polls.MAX_TEXT)]
ChoiceList = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)]
AnswerValue = StrictInt | TextAnswer | ChoiceList | None


class CheckinIn(Schema):
    card_token: str = text("会员证二维码", MAX_TOKEN_LENGTH, "", description="组织方扫描会员证二维码得到的令牌")
    code: str = text("签到码", 20, "", description="会员在现场输入的活动签到码")


class VoteIn(Schema):
    option_ids: list[int] = Field(title="所选选项", max_length=MAX_OPTIONS,
                                  description="所选选项的编号，1 至最多可选项数个")


class AnswersIn(Schema):
    answers: dict[Annotated[str, Field(max_length=5)], AnswerValue] = Field(
        title="答案", max_length=MAX_QUESTIONS,
        description="按题号作答：单选为选项文字，多选为选项文字列表，填空为文字（最多 1000 字），评分为 1–5 的整数")


class SignupParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = Field("", max_length=CHOICE_INPUT, description="confirmed、waiting 或 cancelled")


def signup_out(signup: Signup, *, position: int | None = None) -> dict:
    return {"id": signup.pk, "activity_id": signup.activity_id, "status": signup.status,
            "status_label": signup.get_status_display(), "position": position, "created_at": signup.created_at,
            "checked_in_at": signup.checked_in_at}


@router.post("/activities/{activity_id}/signup", response=CREATED, summary="报名（名额已满时进入候补名单）")
def sign_up(request, activity_id: int):
    activity = activity_or_404(activity_id)
    signup = signups.sign_up(activity, by=request.auth)
    return Status(201, signup_out(signup, position=signups.waiting_position(signup)))


@router.post("/activities/{activity_id}/cancel", response=ACT, summary="取消报名（空出的名额依次递补给候补会员）")
def cancel(request, activity_id: int):
    activity = activity_or_404(activity_id)
    return signup_out(signups.cancel_signup(activity, by=request.auth))


@router.post("/activities/{activity_id}/checkin", response=ACT,
             summary="签到：组织方扫描会员证二维码（card_token），或会员输入现场签到码（code）")
def checkin(request, activity_id: int, payload: CheckinIn):
    if payload.card_token.strip():
        activity = managed_or_404(request, activity_id)
    else:
        activity = activity_or_404(activity_id)
    signup = signups.check_in(activity, by=request.auth, card_token=payload.card_token, code=payload.code)
    return {**signup_out(signup), "member": {"name": mask_name(signup.person.name)}}


@router.get("/activities/{activity_id}/signups", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            summary="活动报名名单（干部；姓名脱敏，按报名先后排列）")
def list_signups(request, activity_id: int, params: Query[SignupParams]):
    activity = managed_or_404(request, activity_id)
    if params.status and params.status not in Signup.Status.values:
        raise ApiError(422, "invalid", "报名状态不正确", {"status": "报名状态应为 confirmed、waiting 或 cancelled"})
    return paginate(activity_signups(activity, status=params.status or None), page=params.page,
                    page_size=params.page_size, serialize=lambda s: {
                        "id": s.pk, "status": s.status, "status_label": s.get_status_display(),
                        "name": mask_name(s.person.name), "created_at": s.created_at, "promoted_at": s.promoted_at,
                        "cancelled_at": s.cancelled_at, "checked_in_at": s.checked_in_at})


@router.post("/activities/{activity_id}/vote", response=CREATED, summary="投票（每人一票）")
def vote(request, activity_id: int, payload: VoteIn):
    activity = activity_or_404(activity_id)
    ballot = polls.cast_vote(activity, by=request.auth, option_ids=payload.option_ids)
    return Status(201, {"id": ballot.pk, "activity_id": activity.pk, "option_ids": sorted(payload.option_ids),
                        "cast_at": ballot.cast_at})


@router.post("/activities/{activity_id}/answers", response=CREATED,
             summary="填写问卷（每人一份；匿名问卷不记录填写人）")
def answer(request, activity_id: int, payload: AnswersIn):
    activity = activity_or_404(activity_id)
    response = polls.answer_survey(activity, by=request.auth, answers=payload.answers)
    # No response id: for an anonymous survey it would tie the member to their answers in logs and clients.
    return Status(201, {"activity_id": activity.pk, "anonymous": activity.anonymous, "answers": response.answers})


@router.get("/activities/{activity_id}/results", response={200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
            summary="投票或问卷结果（结束后公布的，活动结束前仅管理干部可见）")
def results(request, activity_id: int) -> Any:
    activity = Activity.objects.select_related("org").filter(pk=activity_id).first()
    if activity is None or not in_scope(request.auth, activity.org):
        activity = activity_or_404(activity_id)
    return polls.results(activity, viewer=request.auth)
