"""The one error handler, request ids and request logs."""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from itertools import count
from typing import Any

from sanic import Request, Sanic
from sanic import exceptions as sx
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json
from tortoise.exceptions import ValidationError as TortoiseValidationError

from server.common import audit, metrics, outage, scope
from server.common.logging import request_id_var
from server.common.web import json_bytes, wire_times
from server.errors import (
    AppError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)

log = logging.getLogger("server.http")
access_log = logging.getLogger("server.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def error_response(err: AppError) -> HTTPResponse:
    metrics.APP_ERRORS.labels(err.code).inc()
    return json(wire_times(err.to_dict()), status=err.status, headers=err.headers or None, dumps=json_bytes)


class AppErrorHandler(ErrorHandler):
    """Renders every exception in the one JSON shape; anything unexpected is a logged 500 with no detail."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        err = to_app_error(exception, request)
        request.ctx.app_error = err  # read after the answer: refused accesses are audited (``audit_refusal``)
        return error_response(err)


def to_app_error(exception: BaseException, request: Request | None = None) -> AppError:
    if isinstance(exception, AppError):
        return exception
    if isinstance(exception, sx.NotFound):
        return NotFound("请求的地址不存在")
    if isinstance(exception, sx.MethodNotAllowed):
        # RFC 9110: a 405 names the methods the resource does support
        allowed = sorted(set(getattr(exception, "allowed_methods", None) or ()) or _allowed_methods(request))
        return MethodNotAllowed(headers={"Allow": ", ".join(allowed)} if allowed else None)
    if isinstance(exception, sx.PayloadTooLarge):
        return PayloadTooLarge()
    if isinstance(exception, sx.RequestTimeout):
        return AppError("请求超时，请重试")
    if isinstance(exception, sx.HeaderNotFound | sx.InvalidHeader | sx.InvalidUsage):
        return ValidationFailed("请求格式不正确")
    if isinstance(exception, sx.ServiceUnavailable):
        return outage.unavailable()
    if isinstance(exception, TortoiseValidationError):
        # A value the schema let through but a column cannot hold (too long, out of range): refuse it, change nothing
        log.warning("value refused by the model", extra={"path": request.path if request else None})
        return ValidationFailed("提交的数据超出允许的长度或范围")
    if isinstance(exception, sx.SanicException) and 400 <= exception.status_code < 500:
        err = AppError("请求格式不正确")
        return err
    if isinstance(exception, sx.RequestCancelled):
        # The caller hung up mid-request (a phone losing its signal, a client stopping): there is nobody to answer
        # and nothing is wrong here; a save already queued is written regardless (server/exams/answers.py).
        log.info("request cancelled by the client", extra={"path": request.path if request else None})
        return AppError("请求已取消")
    dependency = outage.classify(exception)
    if dependency is not None:
        # Not a bug: the database or Redis is down or not answering. One rate-limited line, no traceback.
        outage.report(dependency, exception)
        return outage.unavailable()
    log.error(
        "unhandled error",
        exc_info=(type(exception), exception, exception.__traceback__),
        extra={"path": request.path if request else None},
    )
    return InternalError()


class _RequestIds:
    """Request ids: 32 hex characters, a random prefix per process and a counter (a uuid4 per request costs a
    system call for its randomness on the busiest path; an id needs to be unique, not unguessable)."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)  # a forked process draws its own prefix

    def reseed(self) -> None:
        self._prefix, self._counter = secrets.token_hex(10), count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


new_request_id = _RequestIds()


def client_ip(request: Request) -> str:
    """The caller's address: the proxy's X-Forwarded-For only when the proxy is trusted (see ``install``)."""
    return request.remote_addr or request.ip or ""


def _allowed_methods(request: Request | None) -> set[str]:
    """The methods that do route for this path (the router leaves them out for paths with parameters)."""
    if request is None:
        return set()
    found = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except Exception:  # noqa: BLE001 - not routed for this method
            continue
        found.add(method)
    return found


_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-forwarded-host")


def install(app: Sanic) -> None:
    app.error_handler = AppErrorHandler()
    trusted = {a.strip() for a in app.ctx.settings.trusted_proxies.split(",") if a.strip()}

    if trusted:  # Sanic then believes X-Forwarded-For from anyone; only the proxy may set it

        @app.on_request(priority=200)  # type: ignore[call-arg]
        async def distrust_forwarding(request: Request) -> None:
            if request.ip not in trusted:
                for name in _FORWARDING_HEADERS:
                    request.headers.popall(name, None)

    @app.on_request(priority=100)  # type: ignore[call-arg]
    async def start_request(request: Request) -> None:
        incoming = request.headers.get("x-request-id", "")
        rid = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        request.ctx.request_id = rid
        request.ctx.started = time.perf_counter()
        request_id_var.set(rid)
        # While a dependency is known to be down, answer at once: a stalled Redis would otherwise hold each request
        # for its full time-out, and on the hot client's one connection, one after the other. (Here, not in a
        # middleware of its own: each one is a coroutine call more on every request.)
        if outage.down() and not request.path.startswith(outage.ALWAYS_ANSWERED):
            raise outage.unavailable()

    @app.on_response(priority=100)
    async def finish_request(request: Request, response: HTTPResponse) -> None:
        rid = getattr(request.ctx, "request_id", None)
        if rid is None:  # the request failed before our middleware ran (e.g. a routing error)
            rid = new_request_id()
        response.headers["X-Request-ID"] = rid
        started = getattr(request.ctx, "started", None)
        elapsed = time.perf_counter() - started if started else 0.0
        route = request.route.path if request.route else "<unmatched>"
        metrics.observe_request(request.method, route, response.status, elapsed)
        if access_log.isEnabledFor(logging.INFO):
            fields: dict[str, Any] = {
                "request_id": rid,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "ms": round(elapsed * 1000, 1),
            }
            principal = getattr(request.ctx, "principal", None)
            if principal is not None:
                fields["user_id"] = principal.user_id
            access_log.info("request", extra=fields)
        if getattr(request.ctx, "app_error", None) is not None:  # (most answers are not refusals: no call for them)
            await audit_refusal(request)


# Refusals that are a person's own state, not access to something that is not theirs
_NOT_REFUSALS = frozenset({"PASSWORD_CHANGE_REQUIRED", "ACCOUNT_DISABLED", "USER_NOTICE_REQUIRED"})


async def _region_of(principal: Any) -> str | None:
    """Where the refused caller belongs: an office or commission reviewer's region, a physician's affiliation."""
    if principal.region_code:
        return str(principal.region_code)
    found = await scope.affiliation_of(principal.user_id)
    return found.region_code if found else None


async def audit_refusal(request: Request) -> None:
    """Audit a signed-in caller's refused access: every 403, and a 404 for an object its path names (what another
    person owns, or what lies outside a reviewer's scope, answers 404 on purpose). Here, once, for every part."""
    err: AppError | None = getattr(request.ctx, "app_error", None)
    principal = getattr(request.ctx, "principal", None)
    if err is None or principal is None or err.code in _NOT_REFUSALS:
        return
    if not (err.status == 403 or (err.status == 404 and request.route is not None and request.match_info)):
        return
    try:
        await audit.record_refusal(
            actor_id=principal.user_id,
            method=request.method,
            route="/" + request.route.path if request.route else request.path,
            status=err.status,
            code=err.code,
            params=dict(request.match_info),
            ip=client_ip(request),
            region_of=lambda: _region_of(principal),
        )
    except Exception:  # the answer is already given; a trail that cannot be written must not turn it into a 500
        log.warning("refused access not audited", exc_info=True)
