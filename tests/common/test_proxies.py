"""X-Forwarded-For is believed only from the configured proxies; anyone else's is dropped before it is read."""

from __future__ import annotations

import pytest
from sanic import Request
from sanic.response import HTTPResponse, json

from server.app import create_app
from server.config import Settings


def _app(trusted: str, name: str):  # type: ignore[no-untyped-def]
    settings = Settings(app_env="test", redis_url="redis://unused", trusted_proxies=trusted)
    app = create_app(settings, name=name, connect=False)
    app.config.TOUCHUP = False  # the session's live server already rewrote Sanic's HTTP code in this process

    @app.get("/_whoami")
    async def whoami(request: Request) -> HTTPResponse:
        return json({"client": request.remote_addr or request.ip})

    return app


@pytest.mark.parametrize(
    ("trusted", "expected"),
    # the ASGI test client connects as the peer "mockserver"
    [("mockserver", "203.0.113.7"), ("10.9.9.9", "mockserver")],
    ids=["from-the-proxy", "from-anyone-else"],
)
async def test_forwarded_address_only_from_trusted_proxies(trusted: str, expected: str) -> None:
    app = _app(trusted, f"proxies_{trusted.replace('.', '_')}")
    _, response = await app.asgi_client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status == 200
    assert response.json["client"] == expected
