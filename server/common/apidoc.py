"""The API document's shared pieces: the one bearer security declaration and the error responses.

Every error the service answers has one shape, `ErrorOut` (CONTRACT §3). Rather than each view listing
the statuses its guards and converters can produce, one apispec plugin adds them to every operation
from what the operation already declares: a security requirement may answer 401 (and 403 for a bearer
token of the wrong kind or role), a path parameter 404, a JSON body 400, any input 422. Views still
list their domain errors (409 `already_bound`, …) with `alt_response`; `default` covers the rest
(405, 413, 429, 503), so a generated client can parse every error the service sends.
"""
from __future__ import annotations

from apispec import BasePlugin

SECURED = {"security": [{"bearer": []}]}

_JSON = "application/json"


class ErrorResponses(BasePlugin):
    """Document the errors every guarded, parameterised or input-taking operation may answer."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            statuses = set()
            security = {name for requirement in operation.get("security", []) for name in requirement}
            if security:
                statuses.add(401)
            if "bearer" in security:
                statuses.add(403)
            if "{" in (path or ""):
                statuses.add(404)
            body = operation.get("requestBody", {}).get("content", {})
            if _JSON in body:
                statuses.add(400)
            if body or any(p.get("in") == "query" for p in operation.get("parameters", [])
                           if isinstance(p, dict)):
                statuses.add(422)
            for status in statuses - {int(code) for code in responses if str(code).isdigit()}:
                responses[status] = _NAMES[status]
            for response in responses.values():
                if isinstance(response, dict) and response.get("description") in PHRASES:
                    response["description"] = PHRASES[response["description"]]

    def response_helper(self, response, **kwargs):
        """The shared responses (components) described in Chinese, like everything else on the docs page."""
        return {"description": PHRASES.get(response.get("description"), response.get("description"))}


# HTTP's English reason phrases, as flask-smorest fills them in, and what the docs page says instead.
PHRASES = {
    "OK": "成功",
    "Created": "已创建",
    "No Content": "成功（无正文）",
    "Bad Request": "请求格式不正确（bad_request：不是 JSON，或正文无法解析）",
    "Unauthorized": "未登录，或令牌无效、过期、已退出（unauthorized）",
    "Forbidden": "无权进行此操作（forbidden；党员未绑定时为 not_bound）",
    "Not Found": "不存在，或不在您的管辖范围内（not_found）",
    "Conflict": "与当前状态冲突（见 code）",
    "Unprocessable Entity": "输入有误（validation_error）：errors 按字段列出原因",
    "Default error response": "其他错误：405 方法不允许、413 请求太大、429 请求太频繁、503 依赖服务暂时不可用；形状同上",
}

_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 422: "UNPROCESSABLE_ENTITY"}
