"""The demo physicians exercise every activation path, as the README tells people to try them."""

from __future__ import annotations

import httpx

from server import demo
from server.accounts.models import User
from server.common import crypto
from server.common.models import OutboxEvent
from server.registry.models import AccountStatus, MultiSiteFiling, PhysicianAccount, Qualification
from tests.support import factories as wf

R = "/api/v1/registry"


async def _user(login: str) -> User:
    return await User.get_or_none(username=login) or await User.get(phone=login)


async def _account_status(user: User) -> str | None:
    acc = await PhysicianAccount.get_or_none(user_id=user.id)
    return acc.status.value if acc else None


async def test_demo_activation_paths(client: httpx.AsyncClient) -> None:
    await demo.seed_demo()
    assert await MultiSiteFiling.all().count() == 1
    for login in ("13800000001", "13800000002", "13800000003"):
        assert await _account_status(await _user(login)) == AccountStatus.ACTIVE.value

    # (a) 陈晨: dc_hospital sends a code, 陈晨 enters it
    chen = await _user("13800000004")
    dc = await wf.auth_headers(await _user("dc_hospital"))
    rows = (await client.get(f"{R}/institution/physicians", params={"name": "陈晨"}, headers=dc)).json()["items"]
    assert rows[0]["account_status"] == "verified"
    r = await client.post(
        f"{R}/institution/activation-codes", json={"registration_ids": [rows[0]["registration_id"]]}, headers=dc
    )
    assert r.json()["results"][0]["ok"], r.text
    code = (await OutboxEvent.get(kind="registry.activation_code", user_id=chen.id)).payload["code"]
    r = await client.post(f"{R}/activation/code", json={"code": code}, headers=await wf.auth_headers(chen))
    assert r.status_code == 200 and r.json()["account_status"] == "active"

    # (b) 林琳: cy_hospital activates directly
    lin = await _user("13800000005")
    cy = await wf.auth_headers(await _user("cy_hospital"))
    rows = (await client.get(f"{R}/institution/physicians", params={"name": "林琳"}, headers=cy)).json()["items"]
    r = await client.post(f"{R}/institution/physicians/{rows[0]['registration_id']}/activate", headers=cy)
    assert r.status_code == 200 and await _account_status(lin) == "active"

    # (c) 吴静: self-activation with the certificate number
    wu = await _user("13800000006")
    cert = (await Qualification.get(name="吴静")).qualification_cert_no
    r = await client.post(
        f"{R}/activation/self", json={"qualification_cert_no": cert}, headers=await wf.auth_headers(wu)
    )
    assert r.status_code == 200 and r.json()["account_status"] == "active"

    # 钱丽 (transferred out) and 郑好 (residency training): real-name check first, then self-activation
    for login, name in (("13800000007", "钱丽"), ("13800000008", "郑好")):
        user = await _user(login)
        headers = await wf.auth_headers(user)
        qual = await Qualification.get(name=name)
        number = crypto.decrypt(qual.id_number_enc, context="id_number")
        r = await client.post(
            "/api/v1/identity/real-name-check", json={"name": name, "id_number": number}, headers=headers
        )
        assert r.status_code == 200 and r.json()["next_step"] == "self_activation", r.text
        r = await client.post(
            f"{R}/activation/self", json={"qualification_cert_no": qual.qualification_cert_no}, headers=headers
        )
        assert r.status_code == 200, r.text
