"""Everything under /api/ answers in JSON, including the 404s and 405s that no endpoint produced."""

import json

from django.http import HttpResponse

MESSAGES = {404: ("not_found", "接口不存在"), 405: ("method_not_allowed", "不支持该请求方法")}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in MESSAGES
                and not response.get("Content-Type", "").startswith("application/json")):
            code, message = MESSAGES[response.status_code]
            replaced = HttpResponse(json.dumps({"code": code, "message": message, "fields": {}}, ensure_ascii=False),
                                    status=response.status_code, content_type="application/json; charset=utf-8")
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
