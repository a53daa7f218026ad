"""Account rules added on top of the log-in flows: agreements, ID-derived passwords, initial passwords, disabling."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts import passwords as pw
from server.accounts.models import User, UserSession
from server.common.models import AuditEntry
from server.redis import get_redis
from tests.support import factories
from tests.support.accounts import AGREEMENTS, PASSWORD, bearer, error_code, register, request_code, sms_code

PHONE = "15100000777"
ID_NUMBER = "11010519491231002X"


async def _login(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"login": login, "password": password})


# ---- agreements ----------------------------------------------------------------------------------------------------
async def test_current_agreements_are_published(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/auth/agreements")
    assert r.status_code == 200 and r.json() == AGREEMENTS


@pytest.mark.parametrize("field", ["agreement_version", "privacy_version"])
async def test_register_with_an_outdated_agreement_is_refused(
    client: httpx.AsyncClient, emulators: Any, field: str
) -> None:
    await request_code(client, PHONE, "register")
    body = {"phone": PHONE, "sms_code": sms_code(emulators, PHONE), "password": PASSWORD, **AGREEMENTS}
    body[field] = "2024.1"
    r = await client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 409 and error_code(r) == "AGREEMENT_OUTDATED"
    assert r.json()["error"]["field"] == field and r.json()["error"]["details"] == AGREEMENTS
    assert await User.all().count() == 0
    assert await get_redis().exists(f"sms:code:register:{PHONE}")  # the code is still usable with the right version


# ---- passwords derived from personal data --------------------------------------------------------------------------
@pytest.mark.parametrize("new_password", ["Zz#31002Xpass", "abc31002x!!", "Yy#1231002xx", "Ph#00000777ok"])
async def test_password_from_id_number_or_phone_is_refused(client: httpx.AsyncClient, new_password: str) -> None:
    user = await factories.physician(phone=PHONE, id_number=ID_NUMBER)
    user.password_hash = await pw.hash_password(PASSWORD)
    await user.save()
    tokens = (await _login(client, PHONE, PASSWORD)).json()
    r = await client.post(
        "/api/v1/me/password", json={"old_password": PASSWORD, "new_password": new_password}, headers=bearer(tokens)
    )
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK"
    assert r.json()["error"]["details"]["reason"] == "personal" and r.json()["error"]["field"] == "new_password"
    assert await pw.verify_password((await User.get(id=user.id)).password_hash or "", PASSWORD)


async def test_legacy_last_six_of_id_cannot_be_the_new_password(client: httpx.AsyncClient) -> None:
    user = await factories.physician(phone=PHONE, id_number=ID_NUMBER)
    user.password_hash, user.must_change_password = await pw.hash_password("31002X"), True
    await user.save()
    tokens = (await _login(client, PHONE, "31002X")).json()
    r = await client.post(
        "/api/v1/me/password", json={"old_password": "31002X", "new_password": "31002x31002x"}, headers=bearer(tokens)
    )
    assert r.status_code == 422 and error_code(r) == "PASSWORD_WEAK"
    assert (await User.get(id=user.id)).must_change_password is True


# ---- imported initial password: once -------------------------------------------------------------------------------
async def test_imported_initial_password_logs_in_once(client: httpx.AsyncClient) -> None:
    user = await User.create(
        phone=PHONE, password_hash=await pw.hash_password("Init#ial2020"), must_change_password=True
    )
    first = await _login(client, PHONE, "Init#ial2020")
    assert first.status_code == 200 and first.json()["must_change_password"] is True
    again = await _login(client, PHONE, "Init#ial2020")
    assert again.status_code == 401 and error_code(again) == "INITIAL_PASSWORD_USED"
    wrong = await _login(client, PHONE, "Wrong#pass2020")
    assert (
        wrong.status_code == 401 and error_code(wrong) == "INVALID_CREDENTIALS"
    )  # reveals nothing without the password
    assert await UserSession.filter(user_id=user.id).count() == 1
    assert await AuditEntry.filter(action="login.initial_password_reused", actor_id=user.id).exists()
    # the first session may still change it, after which the new password logs in normally
    r = await client.post(
        "/api/v1/me/password",
        json={"old_password": "Init#ial2020", "new_password": "Brand#new2024"},
        headers=bearer(first.json()),
    )
    assert r.status_code == 200
    assert (await _login(client, PHONE, "Brand#new2024")).status_code == 200
    assert (await _login(client, PHONE, "Brand#new2024")).status_code == 200


# ---- disabling an account ------------------------------------------------------------------------------------------
async def test_disabling_ends_every_session_and_blocks_log_in(client: httpx.AsyncClient, emulators: Any) -> None:
    tokens = await register(client, emulators, PHONE)
    user = await User.get(phone=PHONE)
    admin = await factories.admin()
    admin_headers = await factories.auth_headers(admin)
    r = await client.post(
        f"/api/v1/admin/users/{user.id}/disable", json={"reason": "冒用他人身份"}, headers=admin_headers
    )
    assert r.status_code == 200 and r.json() == {"user_id": user.id, "is_active": False}
    assert error_code(await client.get("/api/v1/me", headers=bearer(tokens))) == "SESSION_ENDED"
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    r = await _login(client, PHONE, PASSWORD)
    assert r.status_code == 403 and error_code(r) == "ACCOUNT_DISABLED"
    entry = await AuditEntry.get(action="account.disabled", subject_id=str(user.id))
    assert entry.actor_id == admin.id and entry.details == {"reason": "冒用他人身份", "sessions_ended": 1}

    r = await client.post(f"/api/v1/admin/users/{user.id}/enable", json={"reason": "核实无误"}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert (await _login(client, PHONE, PASSWORD)).status_code == 200


async def test_disabling_is_for_admins_with_a_reason(client: httpx.AsyncClient) -> None:
    target = await factories.physician(phone=PHONE)
    inst = await factories.institution()
    reviewer = await factories.institution_reviewer(inst.id)
    r = await client.post(
        f"/api/v1/admin/users/{target.id}/disable",
        json={"reason": "测试停用"},
        headers=await factories.auth_headers(reviewer),
    )
    assert r.status_code == 403 and error_code(r) == "ROLE_FORBIDDEN"
    admin_headers = await factories.auth_headers(await factories.admin())
    r = await client.post(f"/api/v1/admin/users/{target.id}/disable", json={"reason": ""}, headers=admin_headers)
    assert r.status_code == 422 and error_code(r) == "VALIDATION_FAILED"
    r = await client.post("/api/v1/admin/users/999999/disable", json={"reason": "测试停用"}, headers=admin_headers)
    assert r.status_code == 404 and error_code(r) == "USER_NOT_FOUND"
    assert (await User.get(id=target.id)).is_active is True
    assert not await AuditEntry.filter(action="account.disabled").exists()


# ---- ending a session forgets its push devices ---------------------------------------------------------------------
async def test_log_out_and_reset_unregister_push_devices(client: httpx.AsyncClient, emulators: Any) -> None:
    from server.notifications.models import PushDevice

    first = await register(client, emulators, PHONE)
    second = (await _login(client, PHONE, PASSWORD)).json()
    for tokens, device in ((first, "device-first-0001"), (second, "device-second-0002")):
        r = await client.post(
            "/api/v1/me/push-devices", json={"device_id": device, "platform": "android"}, headers=bearer(tokens)
        )
        assert r.status_code in (200, 201), r.text
    assert await PushDevice.all().count() == 2
    assert (await client.post("/api/v1/auth/logout", headers=bearer(first))).status_code == 200
    assert [d.device_id for d in await PushDevice.all()] == ["device-second-0002"]
    admin_headers = await factories.auth_headers(await factories.admin())
    user = await User.get(phone=PHONE)
    await client.post(f"/api/v1/admin/users/{user.id}/disable", json={"reason": "停用测试"}, headers=admin_headers)
    assert await PushDevice.all().count() == 0
