"""Every API error is JSON: {"code": ..., "message": "<Chinese>", "fields": {...}}. Bad input is 4xx, never 500.

Besides the exception handlers this module holds the JSON body parser (it refuses control characters and unpaired
surrogates anywhere in a body before any service sees them) and the error responses every operation declares in the
OpenAPI document, so that the schema says which 4xx answers a client can get.
"""

from __future__ import annotations

import json
import re
from typing import Any, get_args

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationErrorContext
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from pydantic import BaseModel

from smartunion.core.errors import DomainError
from smartunion.core.forms import bad_character_error

INVALID = "提交的数据有误，请检查后重试"
BAD_REQUEST = "请求格式不正确"
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_JSON_DEPTH = 32  # deeper bodies are not data anybody sends to this API


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


SOURCES = ("body", "query", "path", "form", "file", "header", "cookie")
WRAPPERS = ("payload", "data", "params")  # the names our operations give to a whole body or query schema


def _field_name(loc) -> str:
    """The field a pydantic error is about: ("body", "payload", "name") -> "name", ("file", "file") -> "file"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        parts.pop(0)
    if parts and parts[0] in WRAPPERS:
        parts.pop(0)
    return ".".join(parts) or "body"


PYDANTIC_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "整数过大",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_max_digits": "数字位数过多",
    "decimal_max_places": "小数位数过多",
    "decimal_whole_digits": "整数部分位数过多",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "list_type": "应为列表",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "datetime_type": "时间格式不正确",
    "string_too_short": "内容过短",
    "string_pattern_mismatch": "格式不正确",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "model_type": "请求体格式不正确",
    "dict_type": "请求体格式不正确",
    "extra_forbidden": "不支持的字段",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
}


def pydantic_message(error: dict) -> str:
    """The Chinese message for one pydantic error: a length names its limit (and the field's title, when the
    schema gives one: "组织名称不能超过100个字"), a validator's own Chinese message is kept."""
    kind, ctx, label = error.get("type", ""), error.get("ctx") or {}, error.get("label") or ""
    if kind == "string_too_long" and "max_length" in ctx:
        return f"{label}不能超过{ctx['max_length']}个字"
    if kind == "too_long" and "max_length" in ctx:
        return f"{label}不能超过{ctx['max_length']}项"
    if kind == "value_error" and _CJK.search(str(ctx.get("error", ""))):
        return str(ctx["error"])
    return PYDANTIC_MESSAGES.get(kind, "格式不正确")


def _models_in(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (`OrgIn`, `OrgIn | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def field_title(model: type[BaseModel], loc: tuple) -> str:
    """The title of the field an error location points at, following nested and flattened (Query[...]) models."""
    info = None
    models = [model]
    for part in loc:
        found = None
        for current in models:
            if part in current.model_fields:
                found = current.model_fields[part]
                break
            for field in current.model_fields.values():  # ninja flattens a Query[Schema] into its fields
                for inner in _models_in(field.annotation):
                    if part in inner.model_fields:
                        found = inner.model_fields[part]
        if found is None:
            return ""
        info, models = found, _models_in(found.annotation)
    return (info.title or "") if info is not None else ""


def validation_error_from_contexts(contexts: list[ValidationErrorContext]) -> NinjaValidationError:
    """ninja's own conversion (location with its source, no input echoed back), plus each field's title."""
    errors = []
    for context in contexts:
        model = context.model
        for error in context.pydantic_validation_error.errors(include_url=False):
            label = field_title(model, error["loc"])
            flat = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
            error["loc"] = (model.__ninja_param_source__, *flat)
            error.pop("input", None)
            if isinstance((error.get("ctx") or {}).get("error"), Exception):
                error["ctx"]["error"] = str(error["ctx"]["error"])
            errors.append({**error, "label": label})
    return NinjaValidationError(errors)


# Service field names that the API spells differently.
API_FIELD_NAMES = {"covering_union": "covering_union_id", "township_union": "township_union_id", "parent": "parent_id"}


# The body parser


def _bad_strings(value: Any, path: tuple = (), depth: int = 0):
    """(dotted path, message) of each string in a parsed JSON value with characters no service may store."""
    if depth > MAX_JSON_DEPTH:
        raise ApiError(400, "bad_request", BAD_REQUEST)
    if isinstance(value, str):
        error = bad_character_error(value, "")
        if error:
            yield ".".join(map(str, path)) or "body", error
    elif isinstance(value, dict):
        for key, item in value.items():
            if bad_character_error(key, ""):
                yield "body", "字段名含有无法识别的字符"
                continue
            yield from _bad_strings(item, (*path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_strings(item, (*path, index), depth + 1)


class CheckedJsonParser(Parser):
    """JSON bodies whose strings hold no control characters or unpaired surrogates ("\\ud800"): those are refused
    with a 422 naming the field. Anything else that is not JSON is ninja's 400."""

    def parse_body(self, request):
        data = json.loads(request.body)
        bad = dict(_bad_strings(data))
        if bad:
            raise ApiError(422, "invalid", INVALID, bad)
        return data


# Error responses that every operation declares in the OpenAPI document


def _declared_errors(operation: dict) -> set[int]:
    statuses = {400}
    if operation.get("security"):
        statuses.add(401)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    if operation.get("requestBody"):
        statuses.add(413)
    return statuses


ERROR_DESCRIPTIONS = {
    400: "请求格式不正确", 401: "未登录或访问令牌无效", 403: "没有权限", 404: "对象不存在", 409: "状态冲突",
    413: "请求体过大", 415: "不支持的请求体类型", 422: "提交的数据有误", 423: "账号已锁定", 428: "须先完成图形验证码",
    429: "请求过于频繁",
}


# What the body parser and the query check accept in any string (api/middleware.py): no control characters but
# tab and line breaks. Unpaired surrogates cannot be written in a JSON Schema pattern; they are refused as well.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def _nullable(node: dict) -> bool:
    return node.get("type") == "null" or any(sub.get("type") == "null" for sub in node.get("anyOf", ()))


def _tidy_input(node, components: dict, seen: set[str]) -> None:
    """In a request schema: every free string carries TEXT_PATTERN; a field that may be left out but not set to
    null loses pydantic's `"default": null`, which would contradict its own type."""
    if isinstance(node, list):
        for item in node:
            _tidy_input(item, components, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _tidy_input(components.get(name), components, seen)
    if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
        node["pattern"] = TEXT_PATTERN
    if node.get("format") == "binary":
        node.setdefault("minLength", 1)  # an empty upload is no file at all
    if node.get("type") == "object" and node.get("additionalProperties") in (True, {}):
        # A free-form object (dict[str, Any]: an approval form's data): any JSON, its text checked like the rest.
        node["additionalProperties"] = {"$ref": "#/components/schemas/AnyJson"}
        node["propertyNames"] = {"pattern": TEXT_PATTERN}
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        # Undeclared fields are ignored, but their text is checked like the rest (CheckedJsonParser).
        node["additionalProperties"] = {"$ref": "#/components/schemas/AnyJson"}
        node["propertyNames"] = {"pattern": TEXT_PATTERN}
    if "default" in node and node["default"] is None and not _nullable(node):
        del node["default"]
    for key, value in node.items():
        if key in ("properties", "anyOf", "allOf", "oneOf", "items", "additionalProperties", "schema", "content"):
            if key == "properties" or key == "content":
                for item in value.values():
                    _tidy_input(item, components, seen)
            else:
                _tidy_input(value, components, seen)


def add_error_responses(schema: dict) -> dict:
    """Declare the JSON error answers each operation can give (ErrorOut), besides those it declares itself; state
    the character rule of every string a client sends."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", {
        "title": "ErrorOut", "type": "object", "required": ["code", "message"],
        "properties": {"code": {"title": "Code", "type": "string"}, "message": {"title": "Message", "type": "string"},
                       "fields": {"title": "Fields", "type": "object",
                                  "additionalProperties": {"type": "string"}, "default": {}}},
    })
    components.setdefault("AnyJson", {
        "title": "AnyJson", "description": "任意 JSON 值，其中的文字不含控制字符",
        "anyOf": [
            {"type": "string", "pattern": TEXT_PATTERN}, {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/components/schemas/AnyJson"}},
            {"type": "object", "propertyNames": {"pattern": TEXT_PATTERN},
             "additionalProperties": {"$ref": "#/components/schemas/AnyJson"}},
        ],
    })
    error_body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            seen: set[str] = set()
            for parameter in operation.get("parameters", ()):
                _tidy_input(parameter.get("schema"), components, seen)
            _tidy_input(operation.get("requestBody"), components, seen)
            responses = operation.setdefault("responses", {})
            for status in sorted(_declared_errors(operation)):
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": ERROR_DESCRIPTIONS[status], **error_body}
    return schema


def install(api) -> None:
    api.parser = CheckedJsonParser()
    api.validation_error_from_error_contexts = validation_error_from_contexts
    generate = api.get_openapi_schema
    built: dict = {}

    def openapi_schema(**kwargs):
        # The routes are fixed once the process has started: the schema (half a megabyte, a few seconds to build
        # on a slow machine) is built once per process and prefix, not at every visit to /api/v1/docs.
        key = repr(sorted(kwargs.items(), key=lambda item: item[0]))
        if key not in built:
            built[key] = add_error_responses(generate(**kwargs))
        return built[key]

    api.get_openapi_schema = openapi_schema

    def respond(request, status, code, message, fields=None, details=None):
        body = {"code": code, "message": message, "fields": fields or {}}
        if details:
            body["details"] = details
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        # The one place where a service's refusal becomes an HTTP answer: endpoints let it through.
        fields = {API_FIELD_NAMES.get(name, name): message for name, message in exc.fields.items()}
        return respond(request, exc.status, exc.code, exc.message, fields, exc.details)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), pydantic_message(error))
        return respond(request, 422, "invalid", INVALID, fields)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = {API_FIELD_NAMES.get(name, name): errs[0].messages[0] for name, errs in exc.error_dict.items()}
            return respond(request, 422, "invalid", INVALID, fields)
        return respond(request, 422, "invalid", exc.messages[0])

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", "对象不存在")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", "请先登录或提供有效的访问令牌")

    @api.exception_handler(AuthorizationError)
    def unauthorized(request, exc):
        return respond(request, 403, "forbidden", "您没有执行此操作的权限")

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(request, 413, "too_large", f"请求体过大，不能超过{limit // 1024} KB")

    @api.exception_handler(TooManyFieldsSent)
    def too_many_fields(request, exc):
        return respond(request, 400, "bad_request", "提交的字段过多")

    @api.exception_handler(TooManyFilesSent)
    def too_many_files(request, exc):
        return respond(request, 400, "bad_request", "上传的文件过多")

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc):
        return respond(request, 400, "bad_request", "上传格式不正确，请使用 multipart/form-data 并附上文件")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, ApiError):  # the body parser's refusal, wrapped by ninja
            return api_error(request, exc.__cause__)
        codes = {400: "bad_request", 405: "method_not_allowed", 413: "too_large", 429: "too_many_requests"}
        messages = {400: BAD_REQUEST, 405: "不支持该请求方法", 413: "请求体过大", 429: "请求过于频繁，请稍后再试"}
        # ninja's own messages are English ("Cannot parse request body"); ours raised as HttpError are Chinese.
        message = str(exc) if exc.status_code != 400 and _CJK.search(str(exc)) else messages.get(
            exc.status_code, "请求无法处理")
        return respond(request, exc.status_code, codes.get(exc.status_code, "error"), message)
