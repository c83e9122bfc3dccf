"""Activities: the member's list of what they may join and each activity's detail; the cadre's list, creation,
changes, audience preview and lifecycle steps (publish, pause, resume, close)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Query, Schema, Status
from pydantic import Field

from smartunion.api.benefits.common import activity_out, managed_or_404, router
from smartunion.api.errors import ApiError
from smartunion.api.membership import _optional_body
from smartunion.api.schemas import CHOICE_INPUT, NOTE_INPUT, ErrorOut, limit, text
from smartunion.benefits import audience as audiences
from smartunion.benefits import services
from smartunion.benefits.models import Activity
from smartunion.benefits.queries import managed_activities, open_activities_for
from smartunion.benefits.services.participation import check_eligible, member_of
from smartunion.core.pagination import MAX_PAGE, MAX_PAGE_SIZE, BadPage, paginate
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import get_visible_or_404, in_scope

ACTION = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def texts(max_length: int):
    """A list item that is a short text, with its own maximum length in the OpenAPI."""
    return Annotated[str, Field(max_length=max_length)]


class AudienceRules(Schema):
    """参与对象规则: every key optional; they combine with AND (docs/api.md)."""

    employment_forms: list[texts(CHOICE_INPUT)] | None = Field(  # type: ignore[valid-type]
        None, max_length=20, description="用工形式代码；gig 表示全部新就业形态")
    sex: str | None = Field(None, max_length=1, description="1 男，2 女")
    age_min: int | None = None
    age_max: int | None = None
    birth_months: list[int] | None = Field(None, max_length=12, description="生日月份 1–12")
    member_months_min: int | None = Field(None, description="入会满几个月")
    card_numbers: list[texts(32)] | None = Field(  # type: ignore[valid-type]
        None, max_length=100_000, description="指定会员卡号名单")

    def rules(self) -> dict[str, Any]:
        return self.dict(exclude_none=True)


class PrizeIn(Schema):
    name: str = text("奖项名称", 50)
    count: int = Field(description="名额")


class ShowIfIn(Schema):
    position: int = Field(description="前面某题的题号（从 1 开始）")
    values: list[texts(100)] = Field(max_length=50, description="该题取这些答案之一时才显示本题")  # type: ignore[valid-type]


class QuestionIn(Schema):
    kind: str = text("题型", CHOICE_INPUT, description="single、multiple、text 或 rating")
    text: str = text("题目", 300)
    choices: list[texts(100)] = Field([], max_length=50, description="选择题的选项")  # type: ignore[valid-type]
    required: bool = True
    show_if: ShowIfIn | None = None


class ActivityIn(Schema):
    kind: str = text("活动类型", CHOICE_INPUT, description="signup、coupon、lottery、vote 或 survey")
    org_id: int = Field(description="发布单位（须在管辖范围内）")
    title: str = text("标题", limit(Activity, "title"))
    description: str = text("活动说明", 5000, "")
    place: str = text("地点", limit(Activity, "place"), "")
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_member_limit: int | None = None
    daily_limit: int | None = None
    audience: AudienceRules | None = Field(None, description="参与对象规则（见 docs/api.md）")
    stock: int | None = None
    face_value: str = text("券面", limit(Activity, "face_value"), "")
    valid_until: dt.date | None = None
    terms: str = text("使用说明", 2000, "")
    capacity: int | None = None
    max_choices: int | None = None
    results: str | None = Field(None, max_length=CHOICE_INPUT)
    anonymous: bool | None = None
    options: list[texts(100)] | None = Field(None, max_length=100, description="投票选项")  # type: ignore[valid-type]
    prizes: list[PrizeIn] | None = Field(None, max_length=50, description="抽奖奖项，一等奖在前")
    questions: list[QuestionIn] | None = Field(None, max_length=100, description="问卷题目")


class ActivityPatch(Schema):
    title: str | None = Field(None, max_length=limit(Activity, "title"))
    description: str | None = Field(None, max_length=5000)
    place: str | None = Field(None, max_length=limit(Activity, "place"))
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    per_member_limit: int | None = None
    daily_limit: int | None = None
    audience: AudienceRules | None = None
    stock: int | None = None
    face_value: str | None = Field(None, max_length=limit(Activity, "face_value"))
    valid_until: dt.date | None = None
    terms: str | None = Field(None, max_length=2000)
    capacity: int | None = None
    max_choices: int | None = None
    results: str | None = Field(None, max_length=CHOICE_INPUT)
    anonymous: bool | None = None


class AudienceIn(Schema):
    org_id: int
    audience: AudienceRules | None = None


class NoteIn(Schema):
    note: str = text("说明", NOTE_INPUT, "")


class ListParams(Schema):
    page: int = 1
    page_size: int = 20
    kind: str = Field("", max_length=CHOICE_INPUT)


def page_of_list(items: list, *, page: int, page_size: int, serialize) -> dict:
    """The shape of core.pagination.paginate for a list already in memory."""
    if not (1 <= page <= MAX_PAGE) or not (1 <= page_size <= MAX_PAGE_SIZE):
        raise BadPage()
    start = (page - 1) * page_size
    return {"count": len(items), "count_capped": False, "page": page, "page_size": page_size,
            "items": [serialize(a) for a in items[start:start + page_size]]}


@router.get("/activities", response={200: dict, 403: ErrorOut, 422: ErrorOut},
            summary="我可以参加的惠工活动（仅列出符合条件的活动）")
def list_activities(request, params: Query[ListParams]):
    member = member_of(request.auth)
    if params.kind and params.kind not in Activity.Kind.values:
        raise ApiError(422, "invalid", "活动类型不正确", {"kind": "活动类型不正确"})
    items = open_activities_for(member.membership, member.person, kind=params.kind or None)
    return page_of_list(items, page=params.page, page_size=params.page_size, serialize=activity_out)


@router.get("/activities/managed", response={200: dict, 422: ErrorOut}, summary="本级及下级工会的活动（干部）")
def list_managed(request, params: Query[ListParams]):
    queryset = managed_activities(request.auth)
    if params.kind:
        queryset = queryset.filter(kind=params.kind)
    return paginate(queryset, page=params.page, page_size=params.page_size,
                    serialize=lambda a: activity_out(a, cadre=True))


@router.post("/activities/audience-size", response={200: dict, 404: ErrorOut, 422: ErrorOut},
             summary="预览参与对象人数")
def audience_size(request, payload: AudienceIn):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=payload.org_id)
    rules = audiences.clean_rules(payload.audience.rules() if payload.audience else None)
    return {"org_id": org.pk, "audience": audiences.describe(rules), "size": audiences.audience_size(org, rules)}


@router.get("/activities/{activity_id}", response={200: dict, 403: ErrorOut, 404: ErrorOut},
            summary="活动详情（会员须符合参与条件；干部可看管辖范围内的活动）")
def activity_detail(request, activity_id: int):
    activity = Activity.objects.select_related("org").filter(pk=activity_id).first()
    if activity is not None and in_scope(request.auth, activity.org):
        return activity_out(activity, cadre=True)
    if activity is None or activity.status == Activity.Status.DRAFT:
        raise ApiError(404, "not_found", "活动不存在")
    check_eligible(activity, member_of(request.auth))
    return activity_out(activity)


@router.post("/activities", response={201: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="创建活动（草稿）")
def create_activity(request, payload: ActivityIn):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=payload.org_id)
    values = payload.dict(exclude={"kind", "org_id", "options", "prizes", "questions", "audience"}, exclude_none=True)
    values = {k: v for k, v in values.items() if v != "" or k == "title"}
    if payload.audience is not None:
        values["audience"] = payload.audience.rules()
    activity = services.create_activity_with_parts(
        by=request.auth, org=org, kind=payload.kind, options=payload.options,
        prizes=[p.dict() for p in payload.prizes] if payload.prizes is not None else None,
        questions=([q.dict(exclude_none=True) for q in payload.questions] if payload.questions is not None
                   else None), **values)
    return Status(201, activity_out(Activity.objects.select_related("org").get(pk=activity.pk), cadre=True))


@router.patch("/activities/{activity_id}", response=ACTION, summary="修改活动（已有会员参与后不能修改规则）")
def update_activity(request, activity_id: int, payload: ActivityPatch):
    activity = managed_or_404(request, activity_id)
    values = payload.dict(exclude_unset=True)
    if payload.audience is not None:
        values["audience"] = payload.audience.rules()
    services.update_activity(activity, by=request.auth, **values)
    return activity_out(Activity.objects.select_related("org").get(pk=activity.pk), cadre=True)


def _step(request, activity_id: int, step) -> dict:
    """A lifecycle step; the body ({"note"}) is optional."""
    payload = _optional_body(request, NoteIn)
    activity = managed_or_404(request, activity_id)
    step(activity, by=request.auth, note=payload.note)
    return activity_out(Activity.objects.select_related("org").get(pk=activity.pk), cadre=True)


@router.post("/activities/{activity_id}/publish", response=ACTION, summary="发布活动")
def publish(request, activity_id: int):
    return _step(request, activity_id, services.publish_activity)


@router.post("/activities/{activity_id}/pause", response=ACTION, summary="暂停活动")
def pause(request, activity_id: int):
    return _step(request, activity_id, services.pause_activity)


@router.post("/activities/{activity_id}/resume", response=ACTION, summary="恢复活动")
def resume(request, activity_id: int):
    return _step(request, activity_id, services.resume_activity)


@router.post("/activities/{activity_id}/close", response=ACTION, summary="结束活动")
def close(request, activity_id: int):
    return _step(request, activity_id, services.close_activity)
