"""Real-name check: document rules, register match, the legacy not-found guidance, identity already taken."""

from __future__ import annotations

import httpx
import pytest

from server.registry import documents
from server.registry.models import AccountStatus, PhysicianAccount, Qualification, RegistrationStatus
from tests.support import factories as wf
from tests.support import registry as rf

URL = "/api/v1/identity/real-name-check"


@pytest.mark.parametrize(
    ("id_type", "number", "ok"),
    [
        ("resident_id", "11010519491231002X", True),
        ("resident_id", "110105194912310021", False),  # wrong check character
        ("resident_id", "11010519491331002X", False),  # no 13th month
        ("passport", "E12345678", True),
        ("passport", "E1", False),
        ("hk_macao_permit", "H12345678", True),
        ("hk_macao_permit", "X12345678", False),
        ("taiwan_permit", "12345678", True),
        ("military_id", "军字第1234567号", True),
        ("military_id", "!!", False),
    ],
)
def test_document_shapes(id_type: str, number: str, ok: bool) -> None:
    assert documents.is_valid(id_type, number) is ok


async def test_registered_physician_is_told_to_ask_the_institution(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101", name="东城医院")
    who = await rf.person(institution=inst)
    user = await rf.account()
    r = await rf.verify(client, user, who)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_step"] == "activation_code" and body["institution_name"] == "东城医院"
    acc = await PhysicianAccount.get(user_id=user.id)
    assert acc.status == AccountStatus.VERIFIED and acc.registration_id == who.registration.id  # type: ignore[union-attr,attr-defined]


async def test_never_registered_or_filed_may_self_activate(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    never = await rf.person(name="吴静")
    filed = await rf.person(name="孙伟", institution=inst, status=RegistrationStatus.FILED)
    for who in (never, filed):
        r = await rf.verify(client, await rf.account(), who)
        assert r.status_code == 200 and r.json()["next_step"] == "self_activation"
    assert r.json()["registration_status"] == "filed"


async def test_not_found_gives_guidance_and_stores_nothing(client: httpx.AsyncClient) -> None:
    who = await rf.person(name="张明")
    user = await rf.account()
    r = await client.post(URL, json={"name": "张敏", "id_number": who.id_number}, headers=await wf.auth_headers(user))
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "REAL_NAME_NOT_FOUND"
    assert any("医师资格证书" in g for g in err["details"]["guidance"])
    assert err["details"]["contact"]
    assert not await PhysicianAccount.filter(user_id=user.id).exists()


async def test_bad_number_and_wrong_role(client: httpx.AsyncClient) -> None:
    user = await rf.account()
    r = await client.post(
        URL, json={"name": "张明", "id_number": "110105194912310021"}, headers=await wf.auth_headers(user)
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "ID_NUMBER_INVALID"
    r = await client.post(
        URL, json={"name": "张明", "id_type": "alien", "id_number": "X"}, headers=await wf.auth_headers(user)
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    inst = await wf.institution()
    reviewer = await wf.institution_reviewer(inst.id)
    r = await client.post(
        URL, json={"name": "张明", "id_number": "11010519491231002X"}, headers=await wf.auth_headers(reviewer)
    )
    assert r.status_code == 403
    assert not await PhysicianAccount.all().exists()


async def test_second_account_for_the_same_person_is_refused(client: httpx.AsyncClient) -> None:
    who = await rf.person()
    first, second = await rf.account(), await rf.account()
    assert (await rf.verify(client, first, who)).status_code == 200
    r = await rf.verify(client, second, who)
    assert r.status_code == 409 and r.json()["error"]["code"] == "IDENTITY_TAKEN"
    assert not await PhysicianAccount.filter(user_id=second.id).exists()


async def test_checks_are_limited_per_hour(client: httpx.AsyncClient) -> None:
    user = await rf.account()
    headers = await wf.auth_headers(user)
    for _ in range(10):
        await client.post(URL, json={"name": "无名", "id_number": "11010519491231002X"}, headers=headers)
    r = await client.post(URL, json={"name": "无名", "id_number": "11010519491231002X"}, headers=headers)
    assert r.status_code == 429 and r.json()["error"]["code"] == "TOO_MANY_TRIES"


async def test_passport_holder_is_matched_by_document_type(client: httpx.AsyncClient) -> None:
    who = await rf.person(name="JOHN SMITH", id_number="E12345678")
    await Qualification.filter(id=who.qualification.id).update(id_type="passport")
    user = await rf.account()
    headers = await wf.auth_headers(user)
    r = await client.post(URL, json={"name": "JOHN SMITH", "id_number": "E12345678"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "ID_NUMBER_INVALID"  # not a resident ID
    r = await client.post(
        URL, json={"name": "JOHN SMITH", "id_type": "passport", "id_number": "e12345678"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["next_step"] == "self_activation"
