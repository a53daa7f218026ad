"""Activation three ways, and revocation: each rule's failure, and the wrong physician or institution."""

from __future__ import annotations

from datetime import timedelta

import httpx

from server.accounts import api as accounts_api
from server.accounts.models import User
from server.common import crypto
from server.common.models import AuditEntry, OutboxEvent
from server.registry.models import (
    AccountStatus,
    ActivationCode,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)
from tests.support import factories as wf
from tests.support import registry as rf

R = "/api/v1/registry"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def _code_sent(user: User) -> str:
    event = await OutboxEvent.filter(kind="registry.activation_code", user_id=user.id).order_by("-id").first()
    assert event is not None
    return str(event.payload["code"])


async def test_code_activation_links_the_registers(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101", name="东城医院")
    reviewer = await wf.institution_reviewer(inst.id)
    who = await rf.person(institution=inst)
    user = await rf.account(phone="13912345678")
    assert (await rf.verify(client, user, who)).status_code == 200
    assert who.registration is not None
    r = await client.post(
        f"{R}/institution/activation-codes",
        json={"registration_ids": [who.registration.id]},
        headers=await wf.auth_headers(reviewer),
    )
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["ok"] and result["phone"] == "139****5678"
    row = await ActivationCode.get(user_id=user.id)
    code = await _code_sent(user)
    assert row.code_hash != code and code not in row.code_hash  # stored hashed only
    event = await OutboxEvent.get(kind="registry.activation_code", user_id=user.id)
    assert event.payload["institution_name"] == "东城医院" and event.payload["expires_at"]

    headers = await wf.auth_headers(user)
    r = await client.post(f"{R}/activation/code", json={"code": "WRONGCODE"}, headers=headers)
    assert r.status_code == 400 and _code(r) == "ACTIVATION_CODE_INVALID"
    assert (await PhysicianAccount.get(user_id=user.id)).status == AccountStatus.VERIFIED

    r = await client.post(f"{R}/activation/code", json={"code": code.lower()}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["account_status"] == "active" and body["activated_via"] == "code"
    assert body["registration"]["main_institution_name"] == "东城医院"
    user = await User.get(id=user.id)
    assert user.real_name == who.name
    assert user.id_number_enc and crypto.decrypt(user.id_number_enc, context="id_number") == who.id_number
    assert (await Qualification.get(id=who.qualification.id)).user_id == user.id  # type: ignore[attr-defined]
    assert (await PracticeRegistration.get(id=who.registration.id)).user_id == user.id  # type: ignore[attr-defined]
    assert (await ActivationCode.get(id=row.id)).used_at is not None
    # Linked to the record: the ID number and the qualification certificate number now log in too
    assert user.qualification_cert_no == who.qualification.qualification_cert_no
    await User.filter(id=user.id).update(password_hash=await accounts_api.hash_password("Lan-Ting-Xu#353"))
    for login in (who.id_number, who.qualification.qualification_cert_no):
        r = await client.post("/api/v1/auth/login", json={"login": login, "password": "Lan-Ting-Xu#353"})
        assert r.status_code == 200, r.text
    # single use
    r = await client.post(f"{R}/activation/code", json={"code": code}, headers=headers)
    assert r.status_code == 409 and _code(r) == "ALREADY_ACTIVATED"


async def test_expired_code_and_new_code_voids_old(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    reviewer = await wf.institution_reviewer(inst.id)
    who = await rf.person(institution=inst)
    user = await rf.account()
    await rf.verify(client, user, who)
    assert who.registration is not None
    inst_headers = await wf.auth_headers(reviewer)
    await client.post(
        f"{R}/institution/activation-codes", json={"registration_ids": [who.registration.id]}, headers=inst_headers
    )
    first = await _code_sent(user)
    await client.post(
        f"{R}/institution/activation-codes", json={"registration_ids": [who.registration.id]}, headers=inst_headers
    )
    second = await _code_sent(user)
    headers = await wf.auth_headers(user)
    if first != second:
        r = await client.post(f"{R}/activation/code", json={"code": first}, headers=headers)
        assert _code(r) == "ACTIVATION_CODE_INVALID"
    latest = await ActivationCode.filter(user_id=user.id, used_at=None).get()
    latest.expires_at = latest.expires_at - timedelta(days=8)
    await latest.save()
    r = await client.post(f"{R}/activation/code", json={"code": second}, headers=headers)
    assert _code(r) == "ACTIVATION_CODE_INVALID"
    assert (await PhysicianAccount.get(user_id=user.id)).status == AccountStatus.VERIFIED


async def test_code_tries_are_limited(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(institution=inst)
    user = await rf.account()
    await rf.verify(client, user, who)
    headers = await wf.auth_headers(user)
    for _ in range(5):
        await client.post(f"{R}/activation/code", json={"code": "AAAAAAAA"}, headers=headers)
    r = await client.post(f"{R}/activation/code", json={"code": "AAAAAAAA"}, headers=headers)
    assert r.status_code == 429


async def test_codes_only_for_our_verified_physicians(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    reviewer = await wf.institution_reviewer(inst.id)
    ours_unverified = await rf.person(institution=inst)
    theirs = await rf.person(institution=other)
    await rf.verify(client, await rf.account(), theirs)
    assert ours_unverified.registration and theirs.registration
    r = await client.post(
        f"{R}/institution/activation-codes",
        json={"registration_ids": [ours_unverified.registration.id, theirs.registration.id]},
        headers=await wf.auth_headers(reviewer),
    )
    results = r.json()["results"]
    assert [x["code"] for x in results] == ["PHYSICIAN_NOT_VERIFIED", "NO_REGISTRATION_HERE"]
    assert not await ActivationCode.all().exists() and not await OutboxEvent.all().exists()
    # a physician asking for a code is refused by role
    r = await client.post(
        f"{R}/institution/activation-codes",
        json={"registration_ids": [1]},
        headers=await wf.auth_headers(await rf.account()),
    )
    assert r.status_code == 403


async def test_code_activation_needs_the_real_name_check_first(client: httpx.AsyncClient) -> None:
    r = await client.post(
        f"{R}/activation/code", json={"code": "AAAAAAAA"}, headers=await wf.auth_headers(await rf.account())
    )
    assert r.status_code == 409 and _code(r) == "REAL_NAME_NOT_CHECKED"


async def test_direct_activation_by_the_institution(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    who = await rf.person(institution=inst)
    user = await rf.account()
    await rf.verify(client, user, who)
    assert who.registration is not None
    url = f"{R}/institution/physicians/{who.registration.id}/activate"
    r = await client.post(url, headers=await wf.auth_headers(await wf.institution_reviewer(other.id)))
    assert r.status_code == 404 and _code(r) == "NO_REGISTRATION_HERE"
    assert (await PhysicianAccount.get(user_id=user.id)).status == AccountStatus.VERIFIED
    r = await client.post(url, headers=await wf.auth_headers(await wf.institution_reviewer(inst.id)))
    assert r.status_code == 200 and r.json()["account_status"] == "active"
    acc = await PhysicianAccount.get(user_id=user.id)
    assert acc.status == AccountStatus.ACTIVE and acc.activated_via == "institution"
    assert await AuditEntry.filter(action="registry.account.activated").exists()
    r = await client.post(url, headers=await wf.auth_headers(await wf.institution_reviewer(inst.id)))
    assert r.status_code == 409 and _code(r) == "ALREADY_ACTIVATED"


async def test_self_activation_rules(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    never = await rf.person(name="吴静")
    registered = await rf.person(name="张明", institution=inst)
    trainee = await rf.person(name="郑好", institution=inst, residency_training=True)
    cancelled = await rf.person(name="周敏", institution=inst, status=RegistrationStatus.CANCELLED)

    async def attempt(who: rf.Person, cert: str | None = None) -> tuple[User, httpx.Response]:
        user = await rf.account()
        await rf.verify(client, user, who)
        r = await client.post(
            f"{R}/activation/self",
            json={"qualification_cert_no": cert or who.qualification.qualification_cert_no},
            headers=await wf.auth_headers(user),
        )
        return user, r

    user, r = await attempt(never, cert="Q0000000000")
    assert r.status_code == 400 and _code(r) == "QUALIFICATION_CERT_MISMATCH"
    assert (await PhysicianAccount.get(user_id=user.id)).status == AccountStatus.VERIFIED
    await PhysicianAccount.filter(user_id=user.id).delete()
    user, r = await attempt(never)
    assert r.status_code == 200 and r.json()["account_status"] == "active" and r.json()["registration"] is None
    user, r = await attempt(registered)
    assert r.status_code == 409 and _code(r) == "SELF_ACTIVATION_NOT_ALLOWED"
    user, r = await attempt(trainee)
    assert r.status_code == 200 and r.json()["registration"] is not None
    user, r = await attempt(cancelled)
    assert r.status_code == 200
    assert r.json()["registrations"][0]["status"] == "cancelled"


async def test_revoke_unlinks_the_account(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    assert who.registration is not None
    url = f"{R}/institution/physicians/{who.registration.id}/revoke"
    r = await client.post(
        url, json={"reason": "错误注册"}, headers=await wf.auth_headers(await wf.institution_reviewer(other.id))
    )
    assert r.status_code == 404
    reviewer_headers = await wf.auth_headers(await wf.institution_reviewer(inst.id))
    r = await client.post(url, json={}, headers=reviewer_headers)
    assert r.status_code == 422
    assert (await PhysicianAccount.get(user_id=user.id)).status == AccountStatus.ACTIVE
    r = await client.post(url, json={"reason": "错误注册"}, headers=reviewer_headers)
    assert r.status_code == 200 and r.json()["account_status"] == "revoked"
    assert (await Qualification.get(id=who.qualification.id)).user_id is None  # type: ignore[attr-defined]
    fresh = await User.get(id=user.id)
    assert fresh.real_name is None and fresh.id_number_enc is None
    # the person may now verify again from the right account
    again = await rf.account()
    assert (await rf.verify(client, again, who)).status_code == 200


async def test_institution_physician_list(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    mine = await rf.person(name="张明", institution=inst)
    await rf.person(name="李华", institution=other)
    await rf.person(name="孙伟", institution=inst, status=RegistrationStatus.FILED)
    await rf.activated(mine)
    r = await client.get(
        f"{R}/institution/physicians", headers=await wf.auth_headers(await wf.institution_reviewer(inst.id))
    )
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["name"] for i in items] == ["张明"]
    assert items[0]["account_status"] == "active" and "*" in items[0]["id_number"]
    r = await client.get(f"{R}/institution/physicians", headers=await wf.auth_headers(await rf.account()))
    assert r.status_code == 403


async def test_one_code_two_concurrent_uses_activate_once(client: httpx.AsyncClient) -> None:
    import asyncio

    inst = await wf.institution("110101")
    reviewer = await wf.institution_reviewer(inst.id)
    who = await rf.person(institution=inst)
    user = await rf.account()
    await rf.verify(client, user, who)
    assert who.registration is not None
    await client.post(
        f"{R}/institution/activation-codes",
        json={"registration_ids": [who.registration.id]},
        headers=await wf.auth_headers(reviewer),
    )
    code = await _code_sent(user)
    headers = await wf.auth_headers(user)
    results = await asyncio.gather(
        *[client.post(f"{R}/activation/code", json={"code": code}, headers=headers) for _ in range(4)]
    )
    assert sorted(r.status_code for r in results)[0] == 200
    assert [r.status_code for r in results].count(200) == 1
    assert all(r.status_code in (200, 400, 409) for r in results), [r.text for r in results]
    assert await AuditEntry.filter(action="registry.account.activated").count() == 1
