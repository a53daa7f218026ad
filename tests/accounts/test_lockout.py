"""The log-in lock under concurrency: the count and the lock are decided in Redis before the hasher runs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from server.accounts import captchas
from server.accounts import passwords as pw
from server.accounts.lockout import LOCK_AFTER_FAILURES
from server.accounts.models import User
from server.common.models import AuditEntry
from server.redis import get_redis
from tests.support.accounts import PASSWORD, error_code, register

PHONE = "15100000658"
BURST = 120


def _count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = pw.verify_password_sync

    def counting(h: str, p: str) -> bool:
        calls.append(h)
        return real(h, p)

    monkeypatch.setattr(pw, "verify_password_sync", counting)
    return calls


async def test_a_concurrent_burst_checks_at_most_ten_passwords(
    client: httpx.AsyncClient, emulators: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 wrong passwords at once, each with a solved captcha (the attacker's best case)."""
    await register(client, emulators, PHONE)
    solved = []
    for _ in range(BURST):
        captcha_id, _ = await captchas.new_captcha()
        solved.append((captcha_id, await captchas.peek_answer(captcha_id)))
    calls = _count_hashes(monkeypatch)

    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=60, limits=limits) as burst:

        async def attempt(i: int) -> httpx.Response:
            captcha_id, answer = solved[i]
            body = {"login": PHONE, "password": f"Wrong#pw{i}", "captcha_id": captcha_id, "captcha_answer": answer}
            return await burst.post("/api/v1/auth/login", json=body)

        answers = await asyncio.gather(*(attempt(i) for i in range(BURST)))
    print(f"passwords checked in a burst of {BURST}: {len(calls)}")  # noqa: T201
    assert len(calls) <= LOCK_AFTER_FAILURES
    codes = [error_code(r) for r in answers]
    assert "ACCOUNT_LOCKED" in codes and set(codes) <= {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"}
    locked = next(r for r in answers if error_code(r) == "ACCOUNT_LOCKED")
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert await AuditEntry.filter(action="login.locked").count() == 1
    # Locked: even the right password is not checked.
    r = await client.post("/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD})
    assert r.status_code == 423 and "Retry-After" in r.headers and len(calls) <= LOCK_AFTER_FAILURES


async def test_a_burst_without_captchas_checks_five(
    client: httpx.AsyncClient, emulators: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(client, emulators, PHONE)
    calls = _count_hashes(monkeypatch)
    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=60, limits=limits) as burst:
        answers = await asyncio.gather(
            *(burst.post("/api/v1/auth/login", json={"login": PHONE, "password": f"Wrong#{i}xx"}) for i in range(BURST))
        )
    print(f"passwords checked in a burst of {BURST} without captchas: {len(calls)}")  # noqa: T201
    assert len(calls) <= 5
    assert {error_code(r) for r in answers} <= {"INVALID_CREDENTIALS", "CAPTCHA_REQUIRED"}


async def test_the_tenth_attempt_may_still_be_the_right_password(client: httpx.AsyncClient, emulators: Any) -> None:
    await register(client, emulators, PHONE)
    user = await User.get(phone=PHONE)
    await get_redis().set(f"login:fail:u:{user.id}", LOCK_AFTER_FAILURES - 1)
    captcha_id, _ = await captchas.new_captcha()
    answer = await captchas.peek_answer(captcha_id)
    body = {"login": PHONE, "password": PASSWORD, "captcha_id": captcha_id, "captcha_answer": answer}
    r = await client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 200
    assert not await get_redis().exists(f"login:fail:u:{user.id}", f"login:lock:u:{user.id}")
