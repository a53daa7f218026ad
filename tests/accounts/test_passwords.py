"""Password hashes: a hash with older argon2 parameters is upgraded at the next successful log-in."""

from __future__ import annotations

from typing import Any

import httpx
from argon2 import PasswordHasher

from server.accounts import passwords as pw
from server.accounts.models import User
from server.common.models import AuditEntry
from tests.support.accounts import PASSWORD, register

PHONE = "15100000658"
LEGACY = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


async def test_a_legacy_hash_is_upgraded_at_log_in(client: httpx.AsyncClient, emulators: Any) -> None:
    await register(client, emulators, PHONE)
    weak = LEGACY.hash(PASSWORD)
    await User.filter(phone=PHONE).update(password_hash=weak)
    r = await client.post("/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD})
    assert r.status_code == 200
    stored = (await User.get(phone=PHONE)).password_hash
    print(f"hash after log-in: {stored.split('$')[3] if stored else None}")  # noqa: T201
    assert stored != weak and stored and not pw.needs_rehash(stored)
    assert f"m={pw.MEMORY_KIB},t={pw.TIME_COST},p={pw.PARALLELISM}" in stored
    assert pw.verify_password_sync(stored, PASSWORD)
    assert await AuditEntry.filter(action="password.rehashed").count() == 1
    # A current hash is left alone.
    assert (await client.post("/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD})).status_code == 200
    assert (await User.get(phone=PHONE)).password_hash == stored


async def test_a_wrong_password_does_not_touch_a_legacy_hash(client: httpx.AsyncClient, emulators: Any) -> None:
    await register(client, emulators, PHONE)
    weak = LEGACY.hash(PASSWORD)
    await User.filter(phone=PHONE).update(password_hash=weak)
    r = await client.post("/api/v1/auth/login", json={"login": PHONE, "password": "Wrong#password1"})
    assert r.status_code == 401
    assert (await User.get(phone=PHONE)).password_hash == weak
