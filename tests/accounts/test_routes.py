"""Registration, log-in, lockout, tokens, sessions, passwords and WeChat through real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from server.accounts import captchas
from server.accounts import passwords as pw
from server.accounts.models import User, UserSession, WechatBinding
from server.common.auth import Principal, issue_access_token
from server.common.enums import Role
from server.common.models import AuditEntry
from server.config import get_settings
from server.redis import get_redis
from tests.support.accounts import (
    AGREEMENTS,
    PASSWORD,
    bearer,
    clear_send_limits,
    error_code,
    register,
    request_code,
    sms_code,
)

PHONE = "15100000658"


async def _login(client: httpx.AsyncClient, login: str, password: str, **extra: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"login": login, "password": password, **extra})


# ---- registration --------------------------------------------------------------------------------------------------
async def test_register_creates_user_with_agreements_and_tokens_work(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    user = await User.get(phone=PHONE)
    assert user.role == Role.PHYSICIAN and user.agreement_version == "2026.1" and user.privacy_version == "2026.1"
    assert user.agreement_accepted_at is not None and user.password_hash and PASSWORD not in user.password_hash
    r = await client.get("/api/v1/me", headers=bearer(tokens))
    assert r.status_code == 200 and r.json()["phone"] == "151****0658"
    assert await AuditEntry.filter(action="account.register", actor_id=user.id).exists()


@pytest.mark.parametrize(
    "password",
    ["short1!", "x" * 65, "666666666", "password", "88888888", "qwerty123", "a123456", "Ab100000658", "x1000065834"],
)
async def test_weak_password_is_refused_and_code_kept(client: httpx.AsyncClient, emulators: Any, password: str) -> None:
    await request_code(client, PHONE, "register")
    body = {
        "phone": PHONE,
        "sms_code": sms_code(emulators, PHONE),
        "password": password,
        **AGREEMENTS,
    }
    r = await client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK" and r.json()["error"]["field"] == "password"
    assert await User.all().count() == 0
    assert await get_redis().exists(f"sms:code:register:{PHONE}")  # the code was not spent


async def test_register_with_wrong_or_reused_code(client: httpx.AsyncClient, emulators: Any) -> None:
    await request_code(client, PHONE, "register")
    body = {
        "phone": PHONE,
        "sms_code": "000000",
        "password": PASSWORD,
        **AGREEMENTS,
    }
    code = sms_code(emulators, PHONE)
    if code == "000000":  # pragma: no cover - one chance in a million
        return
    r = await client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID"
    assert await User.all().count() == 0
    assert (await client.post("/api/v1/auth/register", json={**body, "sms_code": code})).status_code == 201
    r = await client.post("/api/v1/auth/register", json={**body, "sms_code": code})
    assert r.status_code == 400 and error_code(r) == "SMS_CODE_INVALID"
    assert await User.all().count() == 1


# ---- password log-in, enumeration, captcha, lockout ----------------------------------------------------------------
async def test_login_by_phone_and_hasher_runs_once_for_known_and_unknown(
    client: httpx.AsyncClient, emulators: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(client, emulators, PHONE)
    assert (await _login(client, PHONE, PASSWORD)).status_code == 200
    calls: list[str] = []
    real = pw.verify_password_sync

    def counting(h: str, p: str) -> bool:
        calls.append(h)
        return real(h, p)

    monkeypatch.setattr(pw, "verify_password_sync", counting)
    wrong = await _login(client, PHONE, "Wrong#password1")
    assert len(calls) == 1
    unknown = await _login(client, "15999999999", "Wrong#password1")
    assert len(calls) == 2
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() and error_code(wrong) == "INVALID_CREDENTIALS"


async def test_captcha_after_five_and_lock_after_ten_failures(client: httpx.AsyncClient, emulators: Any) -> None:
    await register(client, emulators, PHONE)
    for _ in range(5):
        assert error_code(await _login(client, PHONE, "Wrong#password1")) == "INVALID_CREDENTIALS"
    r = await _login(client, PHONE, PASSWORD)
    assert r.status_code == 401 and error_code(r) == "CAPTCHA_REQUIRED"
    c = (await client.get("/api/v1/auth/captcha")).json()
    assert c["image"].startswith("data:image/png;base64,")
    r = await _login(client, PHONE, PASSWORD, captcha_id=c["captcha_id"], captcha_answer="zzzz")
    assert error_code(r) == "CAPTCHA_INVALID"
    # An answer in any characters is only wrong (schemathesis once sent one that made the comparison raise: 500)
    c = (await client.get("/api/v1/auth/captcha")).json()
    r = await _login(client, PHONE, PASSWORD, captcha_id=c["captcha_id"], captcha_answer="Ç\x06É验证")
    assert r.status_code == 400 and error_code(r) == "CAPTCHA_INVALID"
    # A captcha answers once: the spent one fails even with the right text.
    for _ in range(4):
        c = (await client.get("/api/v1/auth/captcha")).json()
        answer = await captchas.peek_answer(c["captcha_id"])
        assert answer
        r = await _login(client, PHONE, "Wrong#password1", captcha_id=c["captcha_id"], captcha_answer=answer.lower())
        assert error_code(r) == "INVALID_CREDENTIALS"
        r = await _login(client, PHONE, PASSWORD, captcha_id=c["captcha_id"], captcha_answer=answer)
        assert error_code(r) == "CAPTCHA_INVALID"
    c = (await client.get("/api/v1/auth/captcha")).json()
    answer = await captchas.peek_answer(c["captcha_id"])
    r = await _login(client, PHONE, "Wrong#password1", captcha_id=c["captcha_id"], captcha_answer=str(answer))
    assert r.status_code == 423 and error_code(r) == "ACCOUNT_LOCKED"
    assert r.json()["error"]["details"]["unlock_at"] > time.time() + 14 * 60
    r = await _login(client, PHONE, PASSWORD)  # even the right password while locked
    assert error_code(r) == "ACCOUNT_LOCKED"
    assert await AuditEntry.filter(action="login.locked").count() == 1


async def test_sms_login_and_failures_count(client: httpx.AsyncClient, emulators: Any) -> None:
    await register(client, emulators, PHONE)
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    await request_code(client, PHONE, "login")
    code = sms_code(emulators, PHONE)
    r = await client.post(
        "/api/v1/auth/login/sms", json={"phone": PHONE, "sms_code": "999999" if code != "999999" else "111111"}
    )
    assert error_code(r) == "SMS_CODE_INVALID"
    assert await get_redis().get(f"login:fail:u:{(await User.get(phone=PHONE)).id}") == "1"
    r = await client.post("/api/v1/auth/login/sms", json={"phone": PHONE, "sms_code": code})
    assert r.status_code == 200 and r.json()["access_token"]


# ---- tokens and sessions -------------------------------------------------------------------------------------------
async def test_refresh_rotates_and_reuse_ends_the_session(client: httpx.AsyncClient, emulators: Any) -> None:
    first = await register(client, emulators, PHONE)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/me/sessions", headers=bearer(second))).status_code == 200
    session = await UserSession.get()
    assert first["refresh_token"].split(".")[1] not in session.refresh_hash
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401 and error_code(r) == "REFRESH_TOKEN_REUSED"
    assert (await UserSession.get()).revoked_at is not None
    r = await client.get("/api/v1/me/sessions", headers=bearer(second))
    assert error_code(r) == "SESSION_ENDED"
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert error_code(r) == "REFRESH_TOKEN_INVALID"


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    user = await User.get(phone=PHONE)
    sid = (await UserSession.get()).id
    principal = Principal(user_id=user.id, role=Role.PHYSICIAN, session_id=sid)
    expired = issue_access_token(principal, now=time.time() - 3600)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    none_alg = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    other_key = jwt.encode(claims, "another-key-another-key-another-key!", algorithm="HS256")
    for token, code in ((expired, "TOKEN_EXPIRED"), (none_alg, "TOKEN_INVALID"), (other_key, "TOKEN_INVALID")):
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and error_code(r) == code
    assert get_settings().secret_key.get_secret_value() != "another-key-another-key-another-key!"


async def test_sessions_list_end_one_end_others_and_logout(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    b = (await _login(client, PHONE, PASSWORD)).json()
    c = (await _login(client, PHONE, PASSWORD)).json()
    items = (await client.get("/api/v1/me/sessions", headers=bearer(a))).json()["items"]
    assert len(items) == 3 and sum(i["current"] for i in items) == 1
    b_sid = jwt.decode(b["access_token"], options={"verify_signature": False})["sid"]
    assert (await client.delete(f"/api/v1/me/sessions/{b_sid}", headers=bearer(a))).status_code == 200
    assert error_code(await client.get("/api/v1/me", headers=bearer(b))) == "SESSION_ENDED"
    # Another user's session id is not found.
    other = await register(client, emulators, "15100000777")
    a_sid = jwt.decode(a["access_token"], options={"verify_signature": False})["sid"]
    r = await client.delete(f"/api/v1/me/sessions/{a_sid}", headers=bearer(other))
    assert r.status_code == 404 and error_code(r) == "SESSION_NOT_FOUND"
    assert (await client.get("/api/v1/me", headers=bearer(a))).status_code == 200
    r = await client.delete("/api/v1/me/sessions", headers=bearer(a))
    assert r.json() == {"ended": 1}
    assert error_code(await client.get("/api/v1/me", headers=bearer(c))) == "SESSION_ENDED"
    assert (await client.post("/api/v1/auth/logout", headers=bearer(a))).status_code == 200
    assert error_code(await client.get("/api/v1/me", headers=bearer(a))) == "SESSION_ENDED"


# ---- passwords -----------------------------------------------------------------------------------------------------
async def test_change_password_ends_other_sessions(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    b = (await _login(client, PHONE, PASSWORD)).json()
    r = await client.post(
        "/api/v1/me/password", json={"old_password": "Nope#12345", "new_password": "Brand#new2024"}, headers=bearer(a)
    )
    assert error_code(r) == "OLD_PASSWORD_WRONG"
    r = await client.post(
        "/api/v1/me/password", json={"old_password": PASSWORD, "new_password": "Brand#new2024"}, headers=bearer(a)
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(r.json()))).status_code == 200
    assert error_code(await client.get("/api/v1/me", headers=bearer(b))) == "SESSION_ENDED"
    assert (await _login(client, PHONE, "Brand#new2024")).status_code == 200


async def test_imported_initial_password_must_be_changed(client: httpx.AsyncClient) -> None:
    await User.create(phone=PHONE, password_hash=await pw.hash_password("Init#ial2020"), must_change_password=True)
    r = await _login(client, PHONE, "Init#ial2020")
    tokens = r.json()
    assert r.status_code == 200 and tokens["must_change_password"] is True
    r = await client.get("/api/v1/me/sessions", headers=bearer(tokens))
    assert r.status_code == 403 and error_code(r) == "PASSWORD_CHANGE_REQUIRED"
    r = await client.post(
        "/api/v1/me/password",
        json={"old_password": "Init#ial2020", "new_password": "Brand#new2024"},
        headers=bearer(tokens),
    )
    assert r.status_code == 200 and r.json()["must_change_password"] is False
    assert (await client.get("/api/v1/me/sessions", headers=bearer(r.json()))).status_code == 200


async def test_reset_password_same_answer_and_ends_sessions(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    await get_redis().delete(*await get_redis().keys("sms:limit:*"))
    await request_code(client, PHONE, "reset_password")
    code = sms_code(emulators, PHONE)
    body = {"phone": PHONE, "sms_code": code, "new_password": "Reset#pass2024"}
    unknown = await client.post("/api/v1/auth/password/reset", json={**body, "phone": "15199999999"})
    assert error_code(unknown) == "SMS_CODE_INVALID"
    r = await client.post("/api/v1/auth/password/reset", json=body)
    assert r.status_code == 200
    assert error_code(await client.get("/api/v1/me", headers=bearer(a))) == "SESSION_ENDED"
    assert (await _login(client, PHONE, "Reset#pass2024")).status_code == 200
    assert error_code(await client.post("/api/v1/auth/password/reset", json=body)) == "SMS_CODE_INVALID"


# ---- WeChat --------------------------------------------------------------------------------------------------------
async def test_wechat_login_register_then_login(client: httpx.AsyncClient, emulators: Any) -> None:
    issued = emulators.state.issue_login_code()
    r = await client.post("/api/v1/auth/wechat/login", json={"code": issued["code"]})
    assert r.status_code == 200 and r.json()["needs_binding"] is True
    ticket = r.json()["wechat_ticket"]
    body = {
        "wechat_ticket": ticket,
        "phone_code": emulators.state.issue_phone_code(PHONE),
        **AGREEMENTS,
    }
    r = await client.post("/api/v1/auth/wechat/register", json=body)
    assert r.status_code == 200, r.text
    assert (await WechatBinding.get()).openid == issued["openid"]
    r = await client.post("/api/v1/auth/wechat/register", json=body)  # ticket used
    assert error_code(r) == "WECHAT_TICKET_INVALID"
    again = emulators.state.issue_login_code(openid=issued["openid"])
    r = await client.post("/api/v1/auth/wechat/login", json={"code": again["code"]})
    assert r.json()["needs_binding"] is False and r.json()["access_token"]
    r = await client.post("/api/v1/auth/wechat/login", json={"code": again["code"]})  # WeChat code reused
    assert error_code(r) == "WECHAT_CODE_INVALID"


async def test_wechat_bind_and_unbind_from_settings(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    issued = emulators.state.issue_login_code()
    assert (await client.post("/api/v1/me/wechat", json={"code": issued["code"]}, headers=bearer(a))).status_code == 200
    again = emulators.state.issue_login_code()
    r = await client.post("/api/v1/me/wechat", json={"code": again["code"]}, headers=bearer(a))
    assert error_code(r) == "WECHAT_ALREADY_BOUND"
    assert (await client.delete("/api/v1/me/wechat", headers=bearer(a))).status_code == 200
    assert error_code(await client.delete("/api/v1/me/wechat", headers=bearer(a))) == "WECHAT_NOT_BOUND"
    assert await WechatBinding.all().count() == 0


# ---- audit ---------------------------------------------------------------------------------------------------------
async def test_admin_audit_filters_and_pages(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    await _login(client, PHONE, "Wrong#password1")
    r = await client.get("/api/v1/admin/audit", headers=bearer(a))
    assert r.status_code == 403 and error_code(r) == "ROLE_FORBIDDEN"
    await User.create(phone="15100000999", password_hash=await pw.hash_password(PASSWORD), role=Role.ADMIN)
    admin = (await _login(client, "15100000999", PASSWORD)).json()
    r = await client.get("/api/v1/admin/audit", params={"action": "login.failed"}, headers=bearer(admin))
    assert [i["action"] for i in r.json()["items"]] == ["login.failed"]
    page = (await client.get("/api/v1/admin/audit", params={"limit": 1}, headers=bearer(admin))).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    nxt = await client.get(
        "/api/v1/admin/audit", params={"limit": 1, "cursor": page["next_cursor"]}, headers=bearer(admin)
    )
    assert nxt.json()["items"][0]["id"] < page["items"][0]["id"]


# ---- phone number --------------------------------------------------------------------------------------------------
async def test_change_phone_needs_codes_to_old_and_new_numbers(client: httpx.AsyncClient, emulators: Any) -> None:
    a = await register(client, emulators, PHONE)
    new_phone = "15100000888"
    await clear_send_limits()
    assert (await request_code(client, PHONE, "change_phone", **bearer(a))).status_code == 202
    await clear_send_limits()
    assert (await request_code(client, new_phone, "change_phone", **bearer(a))).status_code == 202
    old_code, new_code = sms_code(emulators, PHONE), sms_code(emulators, new_phone)
    body = {"old_code": old_code, "new_phone": new_phone, "new_code": "000000" if new_code != "000000" else "111111"}
    r = await client.post("/api/v1/me/phone", json=body, headers=bearer(a))
    assert error_code(r) == "SMS_CODE_INVALID" and r.json()["error"]["field"] == "new_code"
    assert (await User.get(id=(await User.get(phone=PHONE)).id)).phone == PHONE
    # The old code was spent by that attempt: ask again, then succeed.
    await clear_send_limits()
    await request_code(client, PHONE, "change_phone", **bearer(a))
    body = {"old_code": sms_code(emulators, PHONE), "new_phone": new_phone, "new_code": new_code}
    r = await client.post("/api/v1/me/phone", json=body, headers=bearer(a))
    assert r.status_code == 200, r.text
    assert await User.filter(phone=new_phone).exists()
    assert (await client.get("/api/v1/me", headers=bearer(a))).json()["phone"] == "151****0888"
    assert await AuditEntry.filter(action="phone.changed").exists()
