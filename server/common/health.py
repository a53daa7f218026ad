"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from pydantic import BaseModel, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from server import db
from server.common import (
    apidoc,
    metrics,
)
from server.redis import get_redis

apidoc.install()  # pydantic schemas in this module's OpenAPI decorators

bp = Blueprint("system")


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    status: Literal["ok", "unavailable"] = Field(description="ok：可接收请求；unavailable：数据库或 Redis 不可用")
    checks: dict[str, Literal["ok", "unavailable"]] = Field(examples=[{"database": "ok", "redis": "ok"}])


log = logging.getLogger(__name__)


@bp.get("/healthz")
@openapi.summary("进程存活检查")
@openapi.tag("system")
@openapi.response(200, {"application/json": HealthOut})
async def healthz(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


async def _check(name: str, probe: asyncio.Future[object] | asyncio.Task[object] | object) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe, timeout=2.0)  # type: ignore[arg-type]
        return name, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason goes to the log
        log.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
        return name, "unavailable"


@bp.get("/readyz")
@openapi.summary("就绪检查：数据库与 Redis 均可用")
@openapi.tag("system")
@openapi.response(200, {"application/json": ReadyOut})
@openapi.response(503, {"application/json": ReadyOut}, description="数据库或 Redis 不可用")
async def readyz(request: Request) -> HTTPResponse:
    results = dict(await asyncio.gather(_check("database", db.ping_db()), _check("redis", get_redis().ping())))
    ready = all(v == "ok" for v in results.values())
    return json({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


@bp.get("/metrics")
@openapi.exclude()
async def prometheus(request: Request) -> HTTPResponse:
    body, content_type = metrics.render()
    return raw(body, content_type=content_type)
