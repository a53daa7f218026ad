"""Errors a client may see, and the one handler that renders them.

Hierarchy::

    AppError                     400 BAD_REQUEST (base; every client-visible error)
    ├── ValidationFailed         422 VALIDATION_FAILED   (bad input; carries the offending field)
    ├── InvalidJson              400 INVALID_JSON        (the body is not a JSON object)
    ├── Unauthorized             401 UNAUTHORIZED        (no or bad credentials)
    ├── Forbidden                403 FORBIDDEN           (known user, not allowed)
    ├── NotFound                 404 NOT_FOUND           (absent, or outside the caller's scope)
    ├── MethodNotAllowed         405 METHOD_NOT_ALLOWED
    ├── Conflict                 409 CONFLICT            (state forbids the action now)
    ├── PayloadTooLarge          413 PAYLOAD_TOO_LARGE
    ├── TooManyRequests          429 RATE_LIMITED
    └── ServiceUnavailable       503 SERVICE_UNAVAILABLE (a dependency is down)

Each part adds its own subclasses in ``<part>/errors.py`` with a stable upper-case ``code`` and a Chinese
``message``. Anything that is not an ``AppError`` is logged and rendered as a 500 ``INTERNAL`` with no detail.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    """Base of every error a client may see. Subclasses set code and status; message is Chinese."""

    code: ClassVar[str] = "BAD_REQUEST"
    status: ClassVar[int] = 400
    message: ClassVar[str] = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.text = message or self.message
        self.field = field
        self.details = details
        self.headers = headers or {}
        super().__init__(self.text)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.text}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return {"error": body}


class ValidationFailed(AppError):
    code, status, message = "VALIDATION_FAILED", 422, "提交的数据格式不正确"


class InvalidJson(AppError):
    code, status, message = "INVALID_JSON", 400, "请求内容不是有效的 JSON"


class Unauthorized(AppError):
    code, status, message = "UNAUTHORIZED", 401, "请先登录"


class Forbidden(AppError):
    code, status, message = "FORBIDDEN", 403, "没有权限执行此操作"


class NotFound(AppError):
    code, status, message = "NOT_FOUND", 404, "请求的内容不存在"


class MethodNotAllowed(AppError):
    code, status, message = "METHOD_NOT_ALLOWED", 405, "不支持该请求方法"


class Conflict(AppError):
    code, status, message = "CONFLICT", 409, "当前状态不允许此操作"


class PayloadTooLarge(AppError):
    code, status, message = "PAYLOAD_TOO_LARGE", 413, "上传内容过大"


class TooManyRequests(AppError):
    code, status, message = "RATE_LIMITED", 429, "操作过于频繁，请稍后再试"


class ServiceUnavailable(AppError):
    code, status, message = "SERVICE_UNAVAILABLE", 503, "服务暂时不可用，请稍后再试"


class InternalError(AppError):
    code, status, message = "INTERNAL", 500, "服务器内部错误，请稍后再试"
