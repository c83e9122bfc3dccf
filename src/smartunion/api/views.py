"""/api/v1: thin endpoints that validate input, call one service or scoped query, and shape the answer."""

from __future__ import annotations

from ninja import NinjaAPI, Query, Router, Schema, Status, Swagger
from pydantic import Field

from smartunion.api import errors
from smartunion.api.accounts import router as auth_router
from smartunion.api.auth import BearerToken
from smartunion.api.errors import ApiError
from smartunion.api.schemas import (
    CHOICE_INPUT,
    REGION_INPUT,
    SEARCH_INPUT,
    EmployerIn,
    EmployerOut,
    EmployerPatch,
    ErrorOut,
    OrgIn,
    OrgOut,
    OrgPatch,
)
from smartunion.core import codes
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_phone
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation
from smartunion.orgs.queries import get_visible_or_404, search_orgs, visible_employers, visible_orgs

api = NinjaAPI(
    title="智慧工会开放接口",
    version="1",
    description="SmartUnion REST API。错误统一返回 {code, message, fields}。",
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from ninja's own static files ('ninja' is in INSTALLED_APPS, else ninja would link a CDN), and no
    # online validator (swagger.io): the docs work on a closed network (tests/api/test_api_docs.py).
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
bearer = BearerToken()


class PageParams(Schema):
    page: int = 1
    page_size: int = 20
    q: str = Field("", max_length=SEARCH_INPUT)


def page_of(queryset, params: PageParams, serialize) -> dict:
    return paginate(queryset, page=params.page, page_size=params.page_size, serialize=serialize)


# Orgs

orgs_router = Router(tags=["工会组织"], auth=bearer)


def org_out(org: Organisation) -> dict:
    return {
        "id": org.pk, "name": org.name, "kind": org.kind, "kind_label": org.get_kind_display(),
        "parent_id": org.parent_id, "depth": org.depth,
        "region": {"code": org.region.code, "name": org.region.name} if org.region_id else None,
        "credit_code": org.credit_code, "address": org.address, "latitude": org.latitude,
        "longitude": org.longitude, "founded_on": org.founded_on, "contact_name": org.contact_name,
        "contact_phone": mask_phone(org.contact_phone), "status": org.status,
        "member_count": org.member_count, "subtree_member_count": org.subtree_member_count,
    }


def _org_list(request, queryset, params: PageParams):
    return page_of(search_orgs(queryset, params.q).select_related("region").order_by("path"), params, org_out)


@orgs_router.get("", summary="组织列表（仅限管辖范围）")
def list_orgs(request, params: Query[PageParams], kind: str = Query("", max_length=CHOICE_INPUT)):
    queryset = visible_orgs(request.user)
    if kind:
        queryset = queryset.filter(kind=kind)
    return _org_list(request, queryset, params)


@orgs_router.get("/{org_id}", response={200: OrgOut, 404: ErrorOut}, summary="组织详情")
def get_org(request, org_id: int):
    return org_out(get_visible_or_404(Organisation.objects.select_related("region"), request.user, pk=org_id))


@orgs_router.get("/{org_id}/children", summary="下级组织")
def org_children(request, org_id: int, params: Query[PageParams]):
    parent = get_visible_or_404(Organisation.objects.all(), request.user, pk=org_id)
    return _org_list(request, Organisation.objects.filter(parent=parent), params)


@orgs_router.post("", response={201: OrgOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}, summary="新建组织")
def create_org(request, payload: OrgIn):
    parent = get_visible_or_404(Organisation.objects.all(), request.user, pk=payload.parent_id)
    data = payload.dict(exclude={"name", "kind", "parent_id"})
    org = org_services.org_create(parent=parent, kind=payload.kind, name=payload.name, by=request.user, **data)
    return Status(201, org_out(Organisation.objects.select_related("region").get(pk=org.pk)))


@orgs_router.patch("/{org_id}", response={200: OrgOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                   summary="修改组织")
def update_org(request, org_id: int, payload: OrgPatch):
    org = get_visible_or_404(Organisation.objects.all(), request.user, pk=org_id)
    org_services.org_update(org, by=request.user, **payload.dict(exclude_unset=True))
    return org_out(Organisation.objects.select_related("region").get(pk=org.pk))


# Employers

employers_router = Router(tags=["用人单位"], auth=bearer)


def employer_out(e: Employer) -> dict:
    return {
        "id": e.pk, "name": e.name, "normalized_name": e.normalized_name, "credit_code": e.credit_code,
        "region": {"code": e.region.code, "name": e.region.name}, "industry": e.industry, "size": e.size,
        "address": e.address, "covering_union_id": e.covering_union_id, "township_union_id": e.township_union_id,
    }


def _union_refs(request, data: dict) -> dict:
    for key, field in (("covering_union_id", "covering_union"), ("township_union_id", "township_union")):
        if key in data:
            pk = data.pop(key)
            if pk is None:
                data[field] = None
                continue
            union = visible_orgs(request.user).filter(pk=pk).first()
            if union is None:
                raise ApiError(422, "invalid", "提交的数据有误，请检查后重试", {key: "组织不存在"})
            data[field] = union
    return data


@employers_router.get("", summary="用人单位列表（仅限管辖范围）")
def list_employers(request, params: Query[PageParams]):
    queryset = visible_employers(request.user).select_related("region").order_by("id")
    if params.q.strip():
        term = params.q.strip()
        queryset = queryset.filter(name__contains=term) | queryset.filter(credit_code=term.upper())
    return page_of(queryset, params, employer_out)


@employers_router.get("/{employer_id}", response={200: EmployerOut, 404: ErrorOut}, summary="用人单位详情")
def get_employer(request, employer_id: int):
    employer = visible_employers(request.user).select_related("region").filter(pk=employer_id).first()
    if employer is None:
        raise ApiError(404, "not_found", "对象不存在")
    return employer_out(employer)


@employers_router.post("", response={201: EmployerOut, 403: ErrorOut, 422: ErrorOut}, summary="登记用人单位")
def create_employer(request, payload: EmployerIn):
    # Name and region are enough (as registries hold employers); the township union is derived from the region.
    data = _union_refs(request, payload.dict())
    employer = org_services.employer_create(by=request.user, **data)
    return Status(201, employer_out(Employer.objects.select_related("region").get(pk=employer.pk)))


@employers_router.patch("/{employer_id}", response={200: EmployerOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                        summary="修改用人单位")
def update_employer(request, employer_id: int, payload: EmployerPatch):
    employer = visible_employers(request.user).filter(pk=employer_id).first()
    if employer is None:
        raise ApiError(404, "not_found", "对象不存在")
    data = _union_refs(request, payload.dict(exclude_unset=True))
    org_services.employer_update(employer, by=request.user, **data)
    return employer_out(Employer.objects.select_related("region").get(pk=employer.pk))


# Reference codes (public, read-only)

codes_router = Router(tags=["代码表"])


@codes_router.get("", summary="代码表目录")
def list_code_tables(request):
    return [{"table": name, "title": codes.get_table(name)["title"], "standard": codes.get_table(name)["standard"]}
            for name in codes.TABLES]


@codes_router.get("/{table}", response={200: dict, 404: ErrorOut}, summary="代码表内容")
def get_code_table(request, table: str, parent: str = Query("", max_length=REGION_INPUT)):
    if table not in codes.TABLES:
        raise ApiError(404, "not_found", f"代码表“{table}”不存在")
    data = codes.get_table(table)
    entries = data["entries"]
    if parent and table == "regions":
        entries = codes.region_children(parent)
    return {"table": table, "title": data["title"], "standard": data["standard"], "entries": entries}


api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
api.add_router("/employers", employers_router)
api.add_router("/codes", codes_router)

from smartunion.api.membership import router as membership_router  # noqa: E402

api.add_router("", membership_router, auth=bearer)

from smartunion.api.cards import router as cards_router  # noqa: E402

api.add_router("", cards_router)



from smartunion.api.roster import router as roster_router  # noqa: E402

api.add_router("/roster-imports", roster_router)

from smartunion.api.benefits import router as benefits_router  # noqa: E402

api.add_router("", benefits_router, auth=bearer)

from smartunion.api.cases import router as cases_router  # noqa: E402

api.add_router("", cases_router, auth=bearer)

from smartunion.api.editorial import router as editorial_router  # noqa: E402

api.add_router("", editorial_router, auth=bearer)

from smartunion.api.documents import router as documents_router  # noqa: E402

api.add_router("", documents_router, auth=bearer)

from smartunion.api.insight import router as insight_router  # noqa: E402

api.add_router("", insight_router, auth=bearer)
