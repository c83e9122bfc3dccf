"""Everything under /api/ answers in JSON, including the errors that no endpoint produced (unknown URLs, methods,
Django's own 400/413/500 pages), and two refusals happen before any view runs:

* a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (413 ``too_large``; file uploads are limited by their own view);
* a query string whose values are not UTF-8 text (an encoded unpaired surrogate ``%ED%A0%80``, stray bytes) or hold
  control characters (422 ``invalid`` naming the parameter): Django would silently turn the former into U+FFFD,
  and PostgreSQL refuses a NUL in a query.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse

from smartunion.core.forms import bad_character_error

MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    403: ("forbidden", "您没有执行此操作的权限"),
    404: ("not_found", "接口不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "请求体过大"),
    500: ("server_error", "服务暂时出现问题，请稍后再试"),
}
UNREADABLE = "含有无法识别的字符"


def json_error(status: int, code: str, message: str, fields: dict | None = None) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, "fields": fields or {}}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def query_errors(query_string: str) -> dict[str, str]:
    """{parameter: message} for each query parameter that is not clean UTF-8 text or has no name."""
    errors: dict[str, str] = {}
    # WSGI hands the query string over as latin-1 text: encoding it back gives the bytes the client sent.
    raw = query_string.encode("latin-1", "replace")
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        key_bytes, value_bytes = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (key, value))
        if not key_bytes.strip():  # "?=0": a value without a parameter name is not a request anyone meant
            errors["query"] = "参数名不能为空"
            continue
        try:
            name = key_bytes.decode("utf-8")
        except UnicodeDecodeError:
            errors["query"] = "参数名" + UNREADABLE
            continue
        if bad_character_error(name, ""):
            errors["query"] = "参数名" + bad_character_error(name, "")
            continue
        try:
            text = value_bytes.decode("utf-8")
        except UnicodeDecodeError:
            errors[name] = UNREADABLE
            continue
        error = bad_character_error(text, "")
        if error:
            errors[name] = error
    return errors


def _body_too_large(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if _body_too_large(request):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return json_error(413, "too_large", f"请求体过大，不能超过{limit // 1024} KB")
        bad_query = query_errors(request.META.get("QUERY_STRING", ""))
        if bad_query:
            return json_error(422, "invalid", "提交的数据有误，请检查后重试", bad_query)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            code, message = MESSAGES.get(response.status_code, ("error", "请求无法处理"))
            replaced = json_error(response.status_code, code, message)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
