"""The OpenAPI document, generated from the code (sanic-ext) and committed as app_api_docs/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.app import SANIC_EXT_SPEC_PREFIX, create_app
from server.common.apidoc import complete
from server.config import ROOT, Settings

SPEC_PATH = ROOT / "app_api_docs" / "openapi.json"


async def build_spec() -> dict[str, Any]:
    app = create_app(Settings(app_env="test", redis_url="redis://unused"), name="yishi_openapi", connect=False)
    _, response = await app.asgi_client.get(f"{SANIC_EXT_SPEC_PREFIX}/openapi.json")
    spec: dict[str, Any] = response.json
    return complete(spec, list(app.router.routes))


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


async def export(path: Path = SPEC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(await build_spec()), encoding="utf-8")
    return path
