"""Log-in with the identifiers people know: phone, and once linked to a physician record the ID number (by its blind
index) or the qualification certificate number. Lockout, captcha and no-enumeration hold for every identifier."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts import passwords as pw
from server.accounts.api import set_identity
from server.accounts.models import User
from server.common import crypto
from server.redis import get_redis
from tests.support import factories
from tests.support.accounts import PASSWORD, error_code

PHONE = "15100000658"
ID_NUMBER = "11010519491231002X"
CERT_NO = "200811110105000123"


async def _linked_physician() -> User:
    user = await factories.physician(phone=PHONE, id_number=None)
    user.password_hash = await pw.hash_password(PASSWORD)
    await user.save()
    await set_identity(
        user_id=user.id,
        real_name="张三丰",
        id_type="resident_id",
        id_number_enc=crypto.encrypt(ID_NUMBER, context="id_number"),
        id_number_index=crypto.blind_index(ID_NUMBER),
        qualification_cert_no=CERT_NO,
    )
    return user


async def _login(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"login": login, "password": password})


@pytest.mark.parametrize("login", [PHONE, ID_NUMBER, ID_NUMBER.lower(), f" {ID_NUMBER} ", CERT_NO])
async def test_a_linked_physician_logs_in_with_phone_id_number_or_certificate(
    client: httpx.AsyncClient, login: str
) -> None:
    user = await _linked_physician()
    r = await _login(client, login)
    assert r.status_code == 200, r.text
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["id"] == user.id


async def test_an_account_not_linked_to_a_record_does_not_log_in_by_id_number(client: httpx.AsyncClient) -> None:
    user = await factories.physician(phone=PHONE, id_number=ID_NUMBER)  # an ID typed in, not a linked record
    user.password_hash = await pw.hash_password(PASSWORD)
    await user.save()
    r = await _login(client, ID_NUMBER)
    assert r.status_code == 401 and error_code(r) == "INVALID_CREDENTIALS"


async def test_unknown_identifiers_answer_like_wrong_passwords_and_hash_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _linked_physician()
    calls: list[str] = []
    real = pw.verify_password_sync
    monkeypatch.setattr(pw, "verify_password_sync", lambda h, p: calls.append(h) or real(h, p))
    answers = [
        await _login(client, ID_NUMBER, "Wrong#password1"),  # known ID, wrong password
        await _login(client, "110105194912310045", "Wrong#password1"),  # unknown ID number
        await _login(client, "200811110105999999", "Wrong#password1"),  # unknown certificate number
        await _login(client, CERT_NO, "Wrong#password1"),  # known certificate, wrong password
    ]
    assert len(calls) == 4
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1 and error_code(answers[0]) == "INVALID_CREDENTIALS"


async def test_the_lock_is_per_account_whatever_identifier_was_typed(client: httpx.AsyncClient, emulators: Any) -> None:
    user = await _linked_physician()
    for login in (ID_NUMBER, CERT_NO, PHONE, ID_NUMBER.lower(), CERT_NO):  # five failures, three identifiers
        assert error_code(await _login(client, login, "Wrong#password1")) == "INVALID_CREDENTIALS"
    for login in (PHONE, ID_NUMBER, CERT_NO):  # the sixth attempt needs a captcha by any of them
        r = await _login(client, login)
        assert r.status_code == 401 and error_code(r) == "CAPTCHA_REQUIRED"
    assert await get_redis().get(f"login:fail:u:{user.id}") == "5"
    assert not await get_redis().keys("login:fail:l:*")  # nothing counted per typed identifier
