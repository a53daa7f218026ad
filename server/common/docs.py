"""/docs: the published spec (app_api_docs/openapi.json) in Swagger UI, served by the app itself.

One source: the page shows the committed document, the one `export-openapi` writes and the app team reads, never
sanic-ext's own (which only feeds that export, server/openapi.py). The Swagger UI files come from the pinned
swagger-ui-py package and are served from here, so the page works without reaching any CDN (offline, intranet).
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, raw
from sanic_ext import openapi

from server.config import ROOT
from server.errors import NotFound

SPEC_FILE = ROOT / "app_api_docs" / "openapi.json"
ASSETS = Path(swagger_ui.__file__).parent / "static"
# The files the page loads; nothing else of the package is reachable
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>医师服务 API 文档</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      defaultModelsExpandDepth: 1,
      presets: [SwaggerUIBundle.presets.apis],
    });
  </script>
</body>
</html>
"""

bp = Blueprint("docs", url_prefix="/docs")


@bp.get("/", name="index")
@openapi.exclude()
async def index(request: Request) -> HTTPResponse:
    return raw(PAGE.encode(), content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


@bp.get("/openapi.json", name="spec")
@openapi.exclude()
async def spec(request: Request) -> HTTPResponse:
    return await file(SPEC_FILE, mime_type="application/json", headers={"Cache-Control": "no-cache"})


@bp.get("/assets/<name:str>", name="asset")
@openapi.exclude()
async def asset(request: Request, name: str) -> HTTPResponse:
    if name not in ASSET_TYPES:
        raise NotFound()
    return await file(ASSETS / name, mime_type=ASSET_TYPES[name], headers={"Cache-Control": "public, max-age=86400"})
