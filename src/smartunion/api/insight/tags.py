"""/api/v1 data platform: member tags (画像标签).

- GET /tag-rules (cadres): the rules of the caller's scope with their counts (命中人数, 有异议人数); never a list of
  the persons holding a tag.
- GET /me/tags (a member): their own tags with the reason; POST /me/tags/{id}/object {note} objects to one (kept as
  objected: no rule gives it again, no audience uses it); POST /me/tags/{id}/withdraw withdraws the objection.
  Another member's tag answers 404.
"""

from __future__ import annotations

from ninja import Query, Schema

from smartunion.api.insight.common import router
from smartunion.api.schemas import NOTE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.errors import NotFound
from smartunion.core.pagination import paginate
from smartunion.insight.models import TagRule
from smartunion.insight.services import tags as services
from smartunion.members.models import MemberTag
from smartunion.orgs.queries import scoped


def rule_out(rule: TagRule, counts: dict[str, int]) -> dict:
    return {"id": rule.pk, "tag": rule.tag, "org": {"id": rule.org_id, "name": rule.org.name},
            "description": rule.description, "conditions": rule.conditions,
            "conditions_label": services.describe(rule.conditions), "active": rule.active,
            "computed_at": rule.computed_at, "members_tagged": counts["tagged"], "objected": counts["objected"]}


class RuleListParams(Schema):
    page: int = 1
    page_size: int = 20
    q: str = text("搜索", SEARCH_INPUT, "", description="标签或说明")


@router.get("/tag-rules", response={200: dict, 400: ErrorOut},
            summary="会员标签规则及命中人数（本单位及下级；只有人数）")
def list_rules(request, params: Query[RuleListParams]):
    rows = scoped(TagRule.objects.select_related("org"), request.auth, field="org_path").order_by("org_path", "tag")
    if params.q.strip():
        rows = rows.filter(tag__contains=params.q.strip())
    page = paginate(rows, page=params.page, page_size=params.page_size, serialize=lambda rule: rule)
    counts = services.tag_counts(page["items"])
    page["items"] = [rule_out(rule, counts[rule.pk]) for rule in page["items"]]
    return page


def tag_out(tag: MemberTag) -> dict:
    return {"id": tag.pk, "tag": tag.tag, "reason": tag.reason, "computed_at": tag.computed_at,
            "objected": tag.objected, "objection": tag.objection, "objected_at": tag.objected_at}


def _my_tag(request, tag_id: int) -> MemberTag:
    person_id = getattr(request.auth, "person_id", None)
    tag = MemberTag.objects.filter(pk=tag_id, person_id=person_id).first() if person_id else None
    if tag is None:
        raise NotFound("标签不存在")
    return tag


@router.get("/me/tags", response={200: list}, summary="我的画像标签（本人可见，可提出异议）")
def my_tags(request):
    person_id = getattr(request.auth, "person_id", None)
    rows = MemberTag.objects.filter(person_id=person_id).order_by("objected", "tag") if person_id else []
    return [tag_out(tag) for tag in rows]


class ObjectionIn(Schema):
    note: str = text("异议说明", NOTE_INPUT)


@router.post("/me/tags/{tag_id}/object", response={200: dict, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="对本人的画像标签提出异议")
def object_to_tag(request, tag_id: int, payload: ObjectionIn):
    return tag_out(services.object_to_tag(_my_tag(request, tag_id), note=payload.note, by=request.auth))


@router.post("/me/tags/{tag_id}/withdraw", response={200: dict, 404: ErrorOut, 409: ErrorOut},
             summary="撤回对画像标签的异议")
def withdraw_objection(request, tag_id: int):
    return tag_out(services.withdraw_objection(_my_tag(request, tag_id), by=request.auth))
