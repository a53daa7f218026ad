"""create_app(): settings, blueprints, listeners, the error handler and OpenAPI."""

from __future__ import annotations

import gc
import logging

from sanic import Blueprint, Sanic
from sanic_ext import Extend
from sanic_ext.extensions.openapi.extension import OpenAPIExtension

from server import db
from server.common import apidoc, http, jobs
from server.common.docs import bp as docs_bp
from server.common.health import bp as system_bp
from server.common.logging import configure_logging
from server.common.looplag import LoopLagMonitor
from server.config import Settings, get_settings
from server.parts import with_
from server.proctoring import api as proctoring_api
from server.redis import close_redis, create_client, set_redis

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
SANIC_EXT_SPEC_PREFIX = "/_sanic_ext"


def _database_int(value: str) -> int:
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("out of the range of a 64-bit id")
    return number


def _blueprints() -> list[Blueprint]:
    apidoc.install()  # before the routes' decorators describe their models
    found: list[Blueprint] = []
    for part in with_("routes"):
        routes = part.module("routes")
        found.extend(getattr(routes, "BLUEPRINTS", (routes.bp,)))
    return found


def create_app(settings: Settings | None = None, *, name: str = "yishi", connect: bool = True) -> Sanic:
    """The application; ``connect=False`` builds it without database or Redis (to export the OpenAPI spec)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    app = Sanic(name, strict_slashes=False, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = settings.request_max_size
    app.config.FORWARDED_SECRET = None
    app.config.REAL_IP_HEADER = None
    app.config.PROXIES_COUNT = 1 if settings.trusted_proxies else 0
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.config.ACCESS_LOG = False
    app.config.NOISY_EXCEPTIONS = False
    # sanic-ext's own document only feeds `export-openapi` (server/openapi.py, an app built with connect=False, at a
    # path of its own and with no UI); what /docs shows is the published app_api_docs/openapi.json
    # (server/common/docs.py), so a newcomer reads exactly the spec the app team has.
    app.config.OAS = not connect
    app.config.OAS_URL_PREFIX = SANIC_EXT_SPEC_PREFIX
    app.config.OAS_UI_DEFAULT = "swagger"  # sanic-ext needs one page of its own to start; only the export app has it
    app.config.OAS_UI_REDOC = False
    app.config.OAS_AUTODOC = False
    app.config.HEALTH = False
    app.config.CORS = False
    # sanic-ext would add a HEAD and an OPTIONS route beside each route at start-up, one at a time, re-finalising
    # the router each time: 5 s of every process start for 200 routes no client uses (no CORS: the mini-program
    # and the app call the API directly). A HEAD or OPTIONS request gets the one 405 with its Allow header.
    app.config.HTTP_AUTO_HEAD = False
    app.config.HTTP_AUTO_OPTIONS = False
    app.ctx.settings = settings
    # Integers in paths are database ids: one that no 64-bit column can hold is simply not found (not a 500)
    app.router.register_pattern("int", _database_int, r"^-?\d{1,19}$")

    # Only the OpenAPI extension: the others are off by configuration or unused, and dependency injection would
    # run a signal handler on every request (the routes take their arguments from decorators, not from injection).
    Extend(app, built_in_extensions=False, extensions=[OpenAPIExtension])
    _describe_openapi(app)
    http.install(app)

    app.blueprint(system_bp)
    app.blueprint(docs_bp)
    for bp in _blueprints():
        app.blueprint(bp)

    if connect:
        _add_connection_listeners(app, settings)
    return app


def _add_connection_listeners(app: Sanic, settings: Settings) -> None:
    @app.before_server_start
    async def connect(app: Sanic) -> None:
        await db.init_db(settings)
        await db.ping_db()  # connect now, not inside the first request (which a disconnect could cancel)
        if settings.redis_url:
            set_redis(create_client(settings.redis_url))
        else:
            raise RuntimeError("REDIS_URL is not set: start the server with `python -m server run` or set it")
        app.ctx.loop_lag = LoopLagMonitor(settings.loop_lag_interval_s)
        app.ctx.loop_lag.start()
        # Everything alive now (modules, routes, schemas, pools) lives as long as the process: move it out of the
        # collector's sight. Otherwise every full collection walks it all again and holds the loop ~100 ms.
        gc.collect()
        gc.freeze()

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        if monitor := getattr(app.ctx, "loop_lag", None):
            await monitor.stop()
        try:
            await close_redis()
        finally:
            await jobs.close_pool()
            await db.close_db()
            proctoring_api.shutdown_face_pool()  # the dlib worker processes, when a comparison started them


def _describe_openapi(app: Sanic) -> None:
    if not app.config.OAS:
        return
    oas = app.ext.openapi
    oas.describe(
        "医师服务 API",
        version=API_VERSION,
        description=(
            "医师电子化注册与医师定期考核平台的后端接口。错误统一为 "
            '`{"error": {"code": "…", "message": "…", "field": "…"}}`，详见 app_api_docs/ 下的接入指南。'
            "所有时间均为 ISO 8601 格式、带北京时间偏移 +08:00（如 `2026-11-24T08:00:00+08:00`）；日期为 YYYY-MM-DD。"
        ),
    )
    oas.add_security_scheme("bearer", "http", scheme="bearer", bearer_format="JWT")
