"""Password hashes: a hash with older argon2 parameters is upgraded at the next successful log-in."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from server.accounts import passwords as pw
from server.accounts.models import User
from server.common.models import AuditEntry
from server.redis import get_redis
from tests.support import factories
from tests.support.accounts import AGREEMENTS, PASSWORD, bearer, error_code, register, request_code, sms_code

PHONE = "15100000658"
ID_NUMBER = "11010519491231002X"
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


# ---- strength: zxcvbn with the person's own data as words to avoid --------------------------------------------------
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("zhang123456", "weak"),
        ("11010519491231002X", "personal"),
        ("Xx#15100000658", "personal"),
        ("qwertyuiop12", "weak"),
    ],
)
async def test_registration_refuses_guessable_passwords(
    client: httpx.AsyncClient, emulators: Any, password: str, reason: str
) -> None:
    await request_code(client, PHONE, "register")
    body = {"phone": PHONE, "sms_code": sms_code(emulators, PHONE), "password": password, **AGREEMENTS}
    r = await client.post("/api/v1/auth/register", json=body)
    print(f"register with {password!r}: {r.status_code}")  # noqa: T201
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK"
    error = r.json()["error"]
    assert error["field"] == "password" and error["details"]["reason"] == reason
    assert re.search(r"[\u4e00-\u9fff]", error["message"])  # says in Chinese what to change
    assert await User.all().count() == 0 and await get_redis().exists(f"sms:code:register:{PHONE}")


async def _signed_in_physician(client: httpx.AsyncClient) -> tuple[User, dict[str, str]]:
    user = await factories.physician(phone=PHONE, real_name="张三丰", id_number=ID_NUMBER)
    user.password_hash = await pw.hash_password(PASSWORD)
    await user.save()
    r = await client.post("/api/v1/auth/login", json={"login": PHONE, "password": PASSWORD})
    return user, bearer(r.json())


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("Zhangsf#2024", "weak"),  # the name's pinyin
        ("Qx#19491231", "personal"),  # the birthday
        ("Kx#491231ab", "personal"),  # the birthday, short
        ("11010519491231002X", "personal"),  # the whole ID number
        ("Pp#15100000658", "personal"),  # the whole phone
    ],
)
async def test_change_refuses_passwords_made_of_the_persons_data(
    client: httpx.AsyncClient, new_password: str, reason: str
) -> None:
    user, headers = await _signed_in_physician(client)
    r = await client.post(
        "/api/v1/me/password", json={"old_password": PASSWORD, "new_password": new_password}, headers=headers
    )
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK", r.text
    assert r.json()["error"]["details"]["reason"] == reason and r.json()["error"]["field"] == "new_password"
    assert pw.verify_password_sync((await User.get(id=user.id)).password_hash or "", PASSWORD)


async def test_change_takes_a_strong_password(client: httpx.AsyncClient) -> None:
    user, headers = await _signed_in_physician(client)
    r = await client.post(
        "/api/v1/me/password", json={"old_password": PASSWORD, "new_password": "Lan-Ting-Xu#353"}, headers=headers
    )
    assert r.status_code == 200
    assert pw.verify_password_sync((await User.get(id=user.id)).password_hash or "", "Lan-Ting-Xu#353")


async def test_reset_refuses_the_birthday_and_keeps_the_code(client: httpx.AsyncClient, emulators: Any) -> None:
    user = await factories.physician(phone=PHONE, real_name="张三丰", id_number=ID_NUMBER)
    await request_code(client, PHONE, "reset_password")
    code = sms_code(emulators, PHONE)
    body = {"phone": PHONE, "sms_code": code, "new_password": "Zz#19491231"}
    r = await client.post("/api/v1/auth/password/reset", json=body)
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK" and r.json()["error"]["field"] == "new_password"
    assert (await User.get(id=user.id)).password_hash is None
    r = await client.post("/api/v1/auth/password/reset", json={**body, "new_password": "Lan-Ting-Xu#353"})
    assert r.status_code == 200
