"""The security e-mail: bind it with a mailed code, recover a password with it, no enumeration."""

from __future__ import annotations

import re
from typing import Any

import httpx

from server.accounts import passwords as pw
from server.accounts.models import User
from server.common.models import AuditEntry
from server.redis import get_redis
from tests.support.accounts import bearer, error_code, register

PHONE = "15100000888"
EMAIL = "Zhang.Ming@Example.cn"


def mailed_code(emulators: Any, to: str) -> str:
    mail = emulators.state.latest_mail(to)
    assert mail is not None, f"no mail to {to}"
    found = re.search(r"验证码：(\d{6})", mail.text)
    assert found, mail.text
    return found.group(1)


async def _bind(client: httpx.AsyncClient, emulators: Any, tokens: dict[str, Any], email: str = EMAIL) -> None:
    r = await client.post("/api/v1/me/email", json={"email": email}, headers=bearer(tokens))
    assert r.status_code == 202, r.text
    r = await client.post(
        "/api/v1/me/email/verify", json={"email": email, "code": mailed_code(emulators, email)}, headers=bearer(tokens)
    )
    assert r.status_code == 200, r.text


async def test_bind_security_email_with_mailed_code(client: httpx.AsyncClient, emulators: Any) -> None:
    emulators.state.reset()
    tokens = await register(client, emulators, PHONE)
    r = await client.post("/api/v1/me/email", json={"email": EMAIL}, headers=bearer(tokens))
    assert r.status_code == 202
    mail = emulators.state.latest_mail("zhang.ming@example.cn")
    assert mail is not None and mail.subject == "【医师服务】安全邮箱验证码"
    assert (await User.get(phone=PHONE)).email is None  # not before the code proves it
    code = mailed_code(emulators, EMAIL)
    wrong = "000000" if code != "000000" else "111111"
    r = await client.post("/api/v1/me/email/verify", json={"email": EMAIL, "code": wrong}, headers=bearer(tokens))
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID" and r.json()["error"]["field"] == "code"
    r = await client.post("/api/v1/me/email/verify", json={"email": EMAIL, "code": code}, headers=bearer(tokens))
    assert r.status_code == 200 and r.json()["email"] == "z***@example.cn"
    user = await User.get(phone=PHONE)
    assert user.email == "zhang.ming@example.cn" and user.email_verified_at is not None
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["email"] == "z***@example.cn" and me["email_verified"] is True
    assert await AuditEntry.filter(action="email.bound", actor_id=user.id).exists()
    # the code was used up
    r = await client.post("/api/v1/me/email/verify", json={"email": EMAIL, "code": code}, headers=bearer(tokens))
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID"


async def test_bad_input_and_taken_addresses(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    for bad in ["not-an-email", "a@b", "x" * 250 + "@example.cn", ""]:
        r = await client.post("/api/v1/me/email", json={"email": bad}, headers=bearer(tokens))
        assert r.status_code == 422 and error_code(r) == "VALIDATION_FAILED", bad
    await _bind(client, emulators, tokens)
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    other = await register(client, emulators, "15100000889")
    r = await client.post("/api/v1/me/email", json={"email": EMAIL.upper()}, headers=bearer(other))
    assert r.status_code == 409 and error_code(r) == "EMAIL_TAKEN"
    assert (await User.get(phone="15100000889")).email is None
    r = await client.post("/api/v1/me/email", json={"email": "x@example.cn"})
    assert r.status_code == 401 and error_code(r) == "TOKEN_MISSING"


async def test_remove_security_email(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    r = await client.delete("/api/v1/me/email", headers=bearer(tokens))
    assert r.status_code == 404 and error_code(r) == "EMAIL_NOT_BOUND"
    await _bind(client, emulators, tokens)
    r = await client.delete("/api/v1/me/email", headers=bearer(tokens))
    assert r.status_code == 200
    assert (await User.get(phone=PHONE)).email is None
    assert await AuditEntry.filter(action="email.removed").exists()


async def test_reset_password_by_email_ends_sessions(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    await _bind(client, emulators, tokens)
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    r = await client.post("/api/v1/auth/email-codes", json={"email": EMAIL})
    assert r.status_code == 202
    mail = emulators.state.latest_mail(EMAIL)
    assert mail.subject == "【医师服务】找回密码验证码"
    code = mailed_code(emulators, EMAIL)
    body = {"email": EMAIL, "code": code, "new_password": "666666"}
    r = await client.post("/api/v1/auth/password/reset/email", json=body)
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK"
    body["new_password"] = "Mail#reset2026"
    r = await client.post("/api/v1/auth/password/reset/email", json=body)
    assert r.status_code == 200
    user = await User.get(phone=PHONE)
    assert await pw.verify_password(user.password_hash or "", "Mail#reset2026")
    assert error_code(await client.get("/api/v1/me", headers=bearer(tokens))) == "SESSION_ENDED"
    r = await client.post("/api/v1/auth/password/reset/email", json=body)  # the code works once
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID"
    login = await client.post("/api/v1/auth/login", json={"login": PHONE, "password": "Mail#reset2026"})
    assert login.status_code == 200


async def test_reset_by_email_does_not_tell_whether_the_address_is_known(
    client: httpx.AsyncClient, emulators: Any
) -> None:
    emulators.state.reset()
    tokens = await register(client, emulators, PHONE)
    r_unknown = await client.post("/api/v1/auth/email-codes", json={"email": "nobody@example.cn"})
    assert emulators.state.latest_mail("nobody@example.cn") is None
    await client.post("/api/v1/me/email", json={"email": EMAIL}, headers=bearer(tokens))  # mailed, never verified
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    r_unverified = await client.post("/api/v1/auth/email-codes", json={"email": EMAIL})
    assert r_unknown.status_code == r_unverified.status_code == 202 and r_unknown.json() == r_unverified.json()
    assert (
        emulators.state.latest_mail(EMAIL).subject == "【医师服务】安全邮箱验证码"
    )  # no reset code to an unverified one
    before = (await User.get(phone=PHONE)).password_hash
    r = await client.post(
        "/api/v1/auth/password/reset/email",
        json={"email": "nobody@example.cn", "code": "123456", "new_password": "Mail#reset2026"},
    )
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID"
    assert (await User.get(phone=PHONE)).password_hash == before


async def test_email_send_limit(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    assert (await client.post("/api/v1/me/email", json={"email": EMAIL}, headers=bearer(tokens))).status_code == 202
    r = await client.post("/api/v1/me/email", json={"email": EMAIL}, headers=bearer(tokens))
    assert r.status_code == 429 and error_code(r) == "SMS_SEND_LIMITED" and int(r.headers["retry-after"]) <= 60
