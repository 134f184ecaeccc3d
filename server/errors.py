"""One error shape for every failure: {"code", "message", "errors"?} (CONTRACT §3)."""
from __future__ import annotations

import logging

import redis.exceptions
from flask import jsonify
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure the caller should see; subclasses fix status and code."""

    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None, errors: dict | None = None, **extra):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.errors = errors
        self.extra = extra

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, **self.extra}
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(AppError):
    status, code, message = 400, "bad_request", "请求格式不正确"


class Unauthorized(AppError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "没有权限进行此操作"


class NotFound(AppError):
    status, code, message = 404, "not_found", "找不到该资源"


class Conflict(AppError):
    status, code, message = 409, "conflict", "与现有记录冲突"


class PayloadTooLarge(AppError):
    status, code, message = 413, "payload_too_large", "提交的内容太大"


class Unprocessable(AppError):
    status, code, message = 422, "validation_error", "提交的内容有误，请检查后重试"


class RateLimited(AppError):
    status, code, message = 429, "rate_limited", "操作太频繁，请稍后再试"


class ServiceUnavailable(AppError):
    status, code, message = 503, "service_unavailable", "服务暂时不可用，请稍后再试"


# marshmallow's English messages, as a member or secretary should read them.
_MESSAGES_ZH = {
    "Missing data for required field.": "此项必填",
    "Field may not be null.": "此项不能为空",
    "Unknown field.": "不支持此字段",
    "Not a valid string.": "应为文字",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为是或否",
    "Not a valid datetime.": "时间格式不正确，应为 ISO 8601 并带时区",
    "Not a valid date.": "日期格式不正确，应为 YYYY-MM-DD",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Invalid input type.": "内容格式不正确",
    "Invalid value.": "取值不正确",
    "Not a valid URL.": "网址格式不正确",
    "Not a valid email address.": "邮箱格式不正确",
    "Shorter than minimum length 1.": "不能为空",
    "Length must be between 1 and": "长度不符合要求",
}


def _translate(messages):
    if isinstance(messages, dict):
        return {str(k): _translate(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    if isinstance(messages, str):
        if messages in _MESSAGES_ZH:
            return _MESSAGES_ZH[messages]
        if messages.isascii():
            for prefix, zh in _MESSAGES_ZH.items():
                if messages.startswith(prefix.rstrip(".")):
                    return zh
            if messages.startswith(("Must be one of", "Must be equal to")):
                return "取值不在允许范围内"
            if messages.startswith(("Must be greater", "Must be less", "Must be between")):
                return "数值超出允许范围"
            if messages.startswith(("Shorter than", "Longer than", "Length must")):
                return "长度不符合要求"
            return "格式不正确"
        return messages
    return messages


def field_errors(messages) -> dict:
    """Flatten webargs/marshmallow messages to {field: [中文, ...]}."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers", "view_args"}:
        merged: dict = {}
        for part in messages.values():
            if isinstance(part, dict):
                merged.update(part)
            else:
                merged.setdefault("_schema", []).extend(part if isinstance(part, list) else [part])
        messages = merged
    if isinstance(messages, list):
        messages = {"_schema": messages}
    return _translate(messages)


_HTTP_CODES = {
    400: ("bad_request", "请求格式不正确，请发送 JSON"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限进行此操作"),
    404: ("not_found", "找不到该资源"),
    405: ("method_not_allowed", "不支持此请求方法"),
    413: ("payload_too_large", "提交的内容太大"),
    415: ("unsupported_media_type", "请使用 JSON 格式提交"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
}


# Redis refusing, timing out or failing over: the store of tokens, rate limits and replay marks is down.
REDIS_OUTAGES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ReadOnlyError)
# How long a caller should wait before trying again after an outage (seconds, the Retry-After header).
OUTAGE_RETRY_AFTER_S = 5


def database_outage(err: BaseException) -> bool:
    """True when a database error means the database cannot be reached, not that the statement was wrong."""
    if isinstance(err, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    return isinstance(err, sa_exc.DBAPIError) and (
        err.connection_invalidated or isinstance(err, (sa_exc.OperationalError, sa_exc.InterfaceError)))


def _outage(dependency: str, err: Exception):
    # The class name only: a driver's message may carry host names and connection details.
    log.warning("%s unavailable: %s", dependency, type(err).__name__)
    body = ServiceUnavailable().to_dict()
    return jsonify(body), 503, {"Retry-After": str(OUTAGE_RETRY_AFTER_S)}


def init_app(app) -> None:
    """Register the single set of error handlers."""

    def handle_redis_outage(err: Exception):
        return _outage("redis", err)

    for outage in REDIS_OUTAGES:
        app.register_error_handler(outage, handle_redis_outage)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def handle_database_error(err: Exception):
        """An unreachable database is 503; any other database error is the unexpected 500 below."""
        if database_outage(err):
            return _outage("database", err)
        return handle_unexpected(err)

    @app.errorhandler(AppError)
    def handle_app_error(err: AppError):
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(ValidationError)
    def handle_validation(err: ValidationError):
        body = Unprocessable(errors=field_errors(err.messages)).to_dict()
        return jsonify(body), 422

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        data = getattr(err, "data", None) or {}
        messages = data.get("messages")
        if status == 422 and messages is not None:
            body = Unprocessable(errors=field_errors(messages)).to_dict()
        elif status == 400 and messages is not None:
            body = {"code": "bad_request", "message": "请求格式不正确，请发送合法的 JSON"}
        elif status in _HTTP_CODES:
            code, message = _HTTP_CODES[status]
            body = {"code": code, "message": message}
        else:
            body = {"code": "http_error", "message": "请求无法处理"}
        # Keep what the exception says besides its HTML type: Allow on a 405, Retry-After, WWW-Authenticate.
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        return jsonify(body), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        log.exception("unhandled error")
        return jsonify({"code": "internal_error", "message": "服务器出错了，请稍后再试"}), 500


class ErrorOut(Schema):
    """The one error shape (CONTRACT §3), as the OpenAPI document gives it for every error response."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()
