"""Every API error is JSON: {"code": ..., "message": "<Chinese>", "fields": {...}}. Bad input is 4xx, never 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data")]
    return ".".join(parts) or "body"


PYDANTIC_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体格式不正确",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


# Service field names that the API spells differently.
API_FIELD_NAMES = {"covering_union": "covering_union_id", "township_union": "township_union_id", "parent": "parent_id"}


def install(api) -> None:
    def respond(request, status, code, message, fields=None):
        return api.create_response(request, {"code": code, "message": message, "fields": fields or {}},
                                   status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields = {}
        for error in exc.errors:
            fields[_field_name(error.get("loc", ()))] = PYDANTIC_MESSAGES.get(error.get("type", ""), "格式不正确")
        return respond(request, 422, "invalid", "提交的数据有误，请检查后重试", fields)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = {API_FIELD_NAMES.get(name, name): errs[0].messages[0] for name, errs in exc.error_dict.items()}
            return respond(request, 422, "invalid", "提交的数据有误，请检查后重试", fields)
        return respond(request, 422, "invalid", exc.messages[0])

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", "对象不存在")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", "请先登录或提供有效的访问令牌")

    @api.exception_handler(PermissionError)
    def forbidden(request, exc):
        return respond(request, 403, "forbidden", str(exc) or "您没有执行此操作的权限")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {400: "bad_request", 405: "method_not_allowed", 413: "too_large", 429: "too_many_requests"}
        message = str(exc) if exc.status_code != 400 else "请求格式不正确"
        return respond(request, exc.status_code, codes.get(exc.status_code, "error"), message)
