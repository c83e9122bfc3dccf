"""/api/v1/open: open data for integrators, authenticated by an API key (header `X-Api-Key: suk_…`), not by a
user's bearer token.

- GET /open/statistics?region=&month=YYYY-MM&format=json|csv (scope open:statistics): PII-free figures per region
  of the key's org's subtree, small cells suppressed (insight/services/open.py);
- GET /open/national/members|orgs?format=json|csv&page=&page_size= (scope open:national): the national
  data-element layout (insight/national.py) of the key's org's subtree, the member rows with the clear ID number;
  JSON is paginated, CSV streams the whole subtree; each call is audited under the key.

Every authenticated request counts against the key's rate (429 with Retry-After above it) and is counted in its
uses (insight/apikeys.py). A key without the endpoint's scope answers 403 in Chinese; an unknown, revoked or expired
key 401.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from ninja import Query, Schema
from ninja.security import APIKeyHeader
from pydantic import Field

from smartunion.api.insight.common import router
from smartunion.api.schemas import ErrorOut
from smartunion.core.actors import SystemActor
from smartunion.core.pagination import paginate
from smartunion.insight import apikeys, national
from smartunion.insight.rules_open import SCOPE_NATIONAL, SCOPE_STATISTICS
from smartunion.insight.services import open as services

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ApiKeyAuth(APIKeyHeader):
    """The integrator's key in `X-Api-Key`; the request's `auth` is the insight.ApiKey row."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return apikeys.authenticate(key)


api_key = ApiKeyAuth()


def _admit(request, scope: str) -> HttpResponse | None:
    """Rate, use count and scope of the request's key: None to go on, else the 429 answer (a scope refusal raises
    Forbidden, answered 403 by the API's handler)."""
    key = request.auth
    wait = apikeys.admit(key)
    apikeys.record_use(key)
    if wait:
        return JsonResponse({"code": "too_many_requests", "message": f"请求过于频繁，请{wait}秒后再试", "fields": {}},
                            status=429, headers={"Retry-After": str(wait)},
                            json_dumps_params={"ensure_ascii": False})
    apikeys.require_scope(key, scope)
    return None


def _actor(key) -> SystemActor:
    """Who an API export is filed under in the audit log: the key, by name and prefix."""
    return SystemActor(f"接口密钥 {key.name}（{apikeys.display_prefix(key)}）")


def _csv(content, filename: str, *, stream: bool = False) -> HttpResponse:
    response_class = StreamingHttpResponse if stream else HttpResponse
    response = response_class(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class StatisticsParams(Schema):
    region: str = Field("", max_length=6, title="地区", description="6位行政区划代码，含下级地区；空为全部")
    month: str = Field("", max_length=7, title="月份", description="YYYY-MM；空为本月")
    format: Literal["json", "csv"] = "json"


@router.get("/open/statistics", auth=api_key, response={200: dict, **ERRORS},
            summary="开放统计数据（按地区汇总，不含个人信息；须 open:statistics 权限）")
def open_statistics(request, params: Query[StatisticsParams]):
    blocked = _admit(request, SCOPE_STATISTICS)
    if blocked is not None:
        return blocked
    key = request.auth
    month = services.parse_month(params.month)
    data = services.statistics(key.org, month=month, region=params.region)
    if params.format == "csv":
        return _csv(services.statistics_csv(data), f"statistics-{data['month']}.csv")
    return data


class NationalParams(Schema):
    format: Literal["json", "csv"] = "json"
    page: int = 1
    page_size: int = Field(100, ge=1, le=100)


def _national(request, dataset: str, params: NationalParams):
    blocked = _admit(request, SCOPE_NATIONAL)
    if blocked is not None:
        return blocked
    key = request.auth
    clear = dataset == "members"
    if params.format == "csv":
        # Audited before the first byte leaves (a client that drops the stream has still been given data).
        national.log_export(key.org, by=_actor(key), dataset=dataset, fmt="csv",
                            rows_=national.queryset(dataset, key.org).count(), clear_ids=clear, via="api", key=key)
        return _csv(national.csv_lines(dataset, key.org, clear_ids=clear), f"national-{dataset}.csv", stream=True)
    page = paginate(national.queryset(dataset, key.org), page=params.page, page_size=params.page_size,
                    serialize=lambda obj: national.record(dataset, obj, clear_ids=clear))
    national.log_export(key.org, by=_actor(key), dataset=dataset, fmt="json", rows_=len(page["items"]), clear_ids=clear,
                        via="api", key=key)
    page["elements"] = [{"id": e.id, "name": e.name, "code_table": e.code_table}
                        for e in national.ELEMENTS[dataset]]
    return page


@router.get("/open/national/members", auth=api_key, response={200: dict, **ERRORS},
            summary="全国数据元格式的会员信息（含身份证号码；须 open:national 权限）")
def open_national_members(request, params: Query[NationalParams]):
    return _national(request, "members", params)


@router.get("/open/national/orgs", auth=api_key, response={200: dict, **ERRORS},
            summary="全国数据元格式的工会组织信息（须 open:national 权限）")
def open_national_orgs(request, params: Query[NationalParams]):
    return _national(request, "orgs", params)
