"""/docs shows the published spec (app_api_docs/openapi.json) with Swagger UI files the app serves itself."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile

import httpx
import pytest

from server.openapi import SPEC_PATH

SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))


async def test_docs_json_is_the_committed_spec(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.content == SPEC_PATH.read_bytes()


async def test_the_page_loads_only_what_the_app_serves(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert sources and all(s.startswith("/docs/") for s in sources), sources
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source
    assert (await client.get("/docs/assets/swagger-editor.js")).status_code == 404  # only the page's own files


async def test_sanic_ext_documents_are_not_served(client: httpx.AsyncClient) -> None:
    for path in ("/_sanic_ext/openapi.json", "/_sanic_ext", "/docs/swagger"):
        assert (await client.get(path)).status_code == 404, path


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.system
async def test_docs_render_offline_in_a_headless_browser(server: str) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (deploy/ci-deps.sh installs it)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile:
        # Every host but the loopback resolves to nothing: a page that needs a CDN renders blank here
        proc = await asyncio.create_subprocess_exec(
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=30000",
            "--dump-dom",
            f"{server}/docs",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=180)
    dom = out.decode()
    assert proc.returncode == 0
    assert 'class="version">OAS 3.1<' in dom, "Swagger UI rendered the document's header"
    rendered = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom))
    assert rendered == set(SPEC["paths"]), set(SPEC["paths"]) ^ rendered
    titles = set(re.findall(r'data-json-schema-level="0" class="json-schema-2020-12">.*?__title">([^<]+)<', dom))
    assert titles == set(SPEC["components"]["schemas"]), set(SPEC["components"]["schemas"]) ^ titles
