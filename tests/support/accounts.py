"""Helpers of the accounts tests: register through SMS codes read from the emulator, bearer headers, error codes."""

from __future__ import annotations

import re
from typing import Any

import httpx

from server.accounts import sms
from server.redis import get_redis

PASSWORD = "Yishi#2024pass"
AGREEMENTS = {"agreement_version": "2026.1", "privacy_version": "2026.1"}


def sms_code(emulators: Any, phone: str) -> str:
    record = emulators.state.latest_sms(phone)
    assert record is not None, f"no SMS to {phone}"
    return str(record.params["code"])


async def request_code(client: httpx.AsyncClient, phone: str, purpose: str, **headers: str) -> httpx.Response:
    """Ask for a code and wait until it is sent (codes go out after the answer; the server runs in this loop)."""
    r = await client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose}, headers=headers)
    await sms.settle()
    return r


async def register(client: httpx.AsyncClient, emulators: Any, phone: str, password: str = PASSWORD) -> dict[str, Any]:
    await clear_send_limits()
    r = await request_code(client, phone, "register")
    assert r.status_code == 202, r.text
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": phone,
            "sms_code": sms_code(emulators, phone),
            "password": password,
            **AGREEMENTS,
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def clear_send_limits() -> None:
    """Tests share one client IP, so the per-IP send limit would stop the second registration in a test."""
    redis = get_redis()
    keys = await redis.keys("sms:limit:*")
    if keys:
        await redis.delete(*keys)


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def error_code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def is_code(value: str) -> bool:
    return re.fullmatch(r"\d{6}", value) is not None
