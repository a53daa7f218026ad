"""Binding, unbinding, initial credentials (issue/reset) and un-hiding: happy paths, bad input, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from server.accounts.models import User
from server.assessment.models import AssessmentAccount
from server.common.models import AuditEntry, OutboxEvent
from server.registry import documents as registry_documents
from tests.support import assessment as af
from tests.support import factories as f
from tests.support.assessment import PASSWORD, A, code


def _bind_body(d: af.Doctor, credential: str, **over: str) -> dict[str, str]:
    return {
        "province_code": "110000",
        "id_number": d.id_number,
        "name": d.name,
        "credential": credential,
        "new_password": PASSWORD,
        **over,
    }


async def _account(d: af.Doctor) -> AssessmentAccount:
    from server.common import crypto

    return await AssessmentAccount.get(id_number_index=crypto.blind_index(d.id_number))


async def test_bind_refusals_store_nothing(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    credential = await af.issue(w, d)
    wrong = [
        (_bind_body(d, "WRONGWRONG1"), 400, "BINDING_FAILED"),
        (_bind_body(d, credential, name="张三"), 400, "BINDING_FAILED"),
        (_bind_body(d, credential, province_code="310000"), 400, "BINDING_FAILED"),
        (_bind_body(d, credential, id_number="11010519491231002"), 422, "VALIDATION_FAILED"),
        (_bind_body(d, credential, new_password="12345678"), 422, "PASSWORD_WEAK"),
        (_bind_body(d, credential, new_password=d.id_number[-6:] + "Abc!"), 422, "PASSWORD_WEAK"),
    ]
    for body, status, err in wrong:
        r = await client.post(f"{A}/binding", json=body, headers=d.headers)
        assert (r.status_code, code(r)) == (status, err), (body, r.text)
    account = await _account(d)
    assert account.user_id is None and account.credential_used_at is None  # type: ignore[attr-defined]
    assert (await User.get(id=d.user.id)).password_hash is None
    # a reviewer cannot bind; no token is 401
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=await w.h(w.inst_reviewer))
    assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
    assert (await client.post(f"{A}/binding", json=_bind_body(d, credential))).status_code == 401
    # the right credential works once
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=d.headers)
    assert r.status_code == 201 and r.json()["bound"] is True and r.json()["name"] == "李*明"
    assert await AuditEntry.filter(action="assessment.bind", actor_id=d.user.id).exists()
    assert await OutboxEvent.filter(kind="account.security", user_id=d.user.id).exists()
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=d.headers)
    assert r.status_code == 409 and code(r) == "ASSESSMENT_ALREADY_BOUND"
    # and not for another app account either (single use)
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=w.other_doctor.headers)
    assert r.status_code == 400 and code(r) == "BINDING_FAILED"


async def test_expired_hidden_and_identity_mismatch(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    credential = await af.issue(w, d)
    await AssessmentAccount.filter(id=(await _account(d)).id).update(
        credential_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=d.headers)
    assert r.status_code == 400 and code(r) == "CREDENTIAL_EXPIRED"
    credential = await af.issue(w, d)
    await AssessmentAccount.filter(id=(await _account(d)).id).update(is_hidden=True)
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=d.headers)
    assert r.status_code == 403 and code(r) == "ACCOUNT_HIDDEN"
    await AssessmentAccount.filter(id=(await _account(d)).id).update(is_hidden=False)
    # another app account whose real-name ID is someone else's cannot take this record
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=w.other_doctor.headers)
    assert r.status_code == 400 and code(r) == "IDENTITY_MISMATCH"
    assert (await _account(d)).user_id is None  # type: ignore[attr-defined]


async def test_unbind_and_rebind(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    body = {"id_number": d.id_number, "name": "别人", "password": PASSWORD}
    r = await client.request("DELETE", f"{A}/binding", json=body, headers=d.headers)
    assert r.status_code == 400 and code(r) == "IDENTITY_MISMATCH"
    body["name"] = d.name
    r = await client.request("DELETE", f"{A}/binding", json={**body, "password": "nope-nope-1"}, headers=d.headers)
    assert r.status_code == 400 and code(r) == "OLD_PASSWORD_WRONG"
    r = await client.request("DELETE", f"{A}/binding", json={**body, "extra": 1}, headers=d.headers)
    assert r.status_code == 422
    assert (await _account(d)).user_id == d.user.id  # type: ignore[attr-defined]
    r = await client.request("DELETE", f"{A}/binding", json=body, headers=d.headers)
    assert r.status_code == 200 and r.json()["bound"] is False
    assert (await _account(d)).user_id is None  # type: ignore[attr-defined]
    r = await client.request("DELETE", f"{A}/binding", json=body, headers=d.headers)
    assert r.status_code == 403 and code(r) == "ASSESSMENT_NOT_BOUND"
    # re-bind: a fresh credential from the institution, identity checked again
    r = await client.post(
        f"{A}/binding", json=_bind_body(d, d.credential or "", new_password="New-pass-77x"), headers=d.headers
    )
    assert r.status_code == 400 and code(r) == "BINDING_FAILED"
    fresh = await af.issue(w, d)
    r = await client.post(f"{A}/binding", json=_bind_body(d, fresh, new_password="New-pass-77x"), headers=d.headers)
    assert r.status_code == 201


async def test_reset_credential_moves_binding_to_the_same_persons_new_app_account(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    # the physician lost the old phone and registered again: same person, new app account
    new_user = await f.physician(real_name=d.name, id_number=d.id_number)
    new_headers = await f.auth_headers(new_user)
    fresh = await af.issue(w, d)
    r = await client.post(f"{A}/binding", json=_bind_body(d, fresh), headers=new_headers)
    assert r.status_code == 201, r.text
    assert (await _account(d)).user_id == new_user.id  # type: ignore[attr-defined]
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["bound"] is False


async def test_issue_credential_scope_and_input(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    body = {"id_number": d.id_number, "name": d.name}
    r = await client.post(f"{A}/credentials", json=body, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 201
    first = r.json()
    assert first["reset"] is False and first["id_number"].count("*") == 8
    account = await AssessmentAccount.get(id=first["account_id"])
    assert account.credential_hash and first["credential"] not in account.credential_hash
    # reset by the province office (institution given) replaces it
    r = await client.post(f"{A}/credentials", json={**body, "institution_id": w.inst.id}, headers=await w.h(w.office))
    assert r.status_code == 201 and r.json()["reset"] is True
    assert (await AssessmentAccount.get(id=account.id)).credential_hash != account.credential_hash
    # office: institution required, must be in its region
    r = await client.post(f"{A}/credentials", json=body, headers=await w.h(w.office))
    assert r.status_code == 422 and r.json()["error"]["field"] == "institution_id"
    r = await client.post(
        f"{A}/credentials", json={**body, "institution_id": w.inst.id}, headers=await w.h(w.other_office)
    )
    assert r.status_code == 404 and code(r) == "INSTITUTION_NOT_FOUND"
    # a name that does not match the record
    r = await client.post(f"{A}/credentials", json={**body, "name": "王二"}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 400 and code(r) == "IDENTITY_MISMATCH"
    r = await client.post(f"{A}/credentials", json={**body, "id_number": "123"}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 422
    for who in (d.user, w.commission):
        r = await client.post(f"{A}/credentials", json=body, headers=await w.h(who))
        assert r.status_code == 403
    # a reviewer of another institution in the same province cannot touch this record
    neighbour = await f.institution("110105", "邻院")
    neighbour_reviewer = await f.institution_reviewer(neighbour.id)
    r = await client.post(f"{A}/credentials", json=body, headers=await w.h(neighbour_reviewer))
    assert r.status_code == 404 and code(r) == "ASSESSMENT_ACCOUNT_NOT_FOUND"
    assert await AssessmentAccount.all().count() == 1


async def test_unhide_scope(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await af.issue(w, w.doctor)
    account = await _account(w.doctor)
    await AssessmentAccount.filter(id=account.id).update(is_hidden=True)
    for who in (w.other_inst_reviewer, w.other_office):
        r = await client.post(f"{A}/accounts/{account.id}/unhide", headers=await w.h(who))
        assert r.status_code == 404
    r = await client.post(f"{A}/accounts/{account.id}/unhide", headers=w.doctor.headers)
    assert r.status_code == 403
    assert (await AssessmentAccount.get(id=account.id)).is_hidden
    r = await client.post(f"{A}/accounts/{account.id}/unhide", headers=await w.h(w.county_office))
    assert r.status_code == 200 and r.json()["is_hidden"] is False
    assert await AuditEntry.filter(action="assessment.account_unhidden").exists()
    r = await client.post(f"{A}/accounts/999999/unhide", headers=await w.h(w.office))
    assert r.status_code == 404


async def test_bind_failures_are_rate_limited(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    credential = await af.issue(w, d)
    from server.assessment import binding

    for _ in range(binding.BIND_FAILURES_MAX):
        r = await client.post(f"{A}/binding", json=_bind_body(d, "WRONGWRONG1"), headers=d.headers)
        assert code(r) == "BINDING_FAILED"
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=d.headers)
    assert r.status_code == 429 and code(r) == "BINDING_RATE_LIMITED"
    assert (await _account(d)).user_id is None  # type: ignore[attr-defined]
    # another app account is not affected
    other = await f.physician(real_name=d.name, id_number=d.id_number)
    r = await client.post(f"{A}/binding", json=_bind_body(d, credential), headers=await f.auth_headers(other))
    assert r.status_code == 201


async def test_one_credential_binds_once_under_concurrency(client: httpx.AsyncClient) -> None:
    import asyncio

    w = await af.world()
    d = w.doctor
    credential = await af.issue(w, d)
    twin = await f.physician(real_name=d.name, id_number=d.id_number)
    headers = [d.headers, await f.auth_headers(twin)]
    answers = await asyncio.gather(
        *(client.post(f"{A}/binding", json=_bind_body(d, credential), headers=h) for h in headers)
    )
    assert sorted(r.status_code for r in answers) == [201, 400], [r.text for r in answers]
    assert await AuditEntry.filter(action="assessment.bind").count() == 1


async def test_find_accounts_in_scope(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await af.issue(w, w.doctor)
    params = {"id_number": w.doctor.id_number}
    r = await client.get(f"{A}/accounts", params=params, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and [a["name"] for a in r.json()["items"]] == [w.doctor.name]
    assert r.json()["items"][0]["bound"] is False
    for who in (w.other_inst_reviewer, w.other_office):
        r = await client.get(f"{A}/accounts", params=params, headers=await w.h(who))
        assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"{A}/accounts", params={"id_number": "123"}, headers=await w.h(w.office))
    assert r.status_code == 422
    r = await client.get(f"{A}/accounts", params=params, headers=w.doctor.headers)
    assert r.status_code == 403
    assert await AuditEntry.filter(action="assessment.account_lookup").count() == 3


DOCUMENTS = [
    ("passport", "e1234 5678", "E12345678", "护照"),
    ("hk_macao_permit", "H12345678", "H12345678", "港澳居民来往内地通行证"),
    ("taiwan_permit", "87654321", "87654321", "台湾居民来往大陆通行证"),
    ("military_id", "军字2019001号", "军字2019001号", "军官证"),
]
MALFORMED = {
    "passport": "E1-23",
    "hk_macao_permit": "X12345678",
    "taiwan_permit": "1234567",
    "military_id": "军-2019-1",
}


async def test_every_document_type_issues_and_binds(client: httpx.AsyncClient) -> None:
    w = await af.world()
    institution = await w.h(w.inst_reviewer)
    r = await client.get(f"{A}/binding/options", headers=w.doctor.headers)
    assert r.status_code == 200
    assert [t["code"] for t in r.json()["document_types"]] == [
        "resident_id",
        "passport",
        "hk_macao_permit",
        "taiwan_permit",
        "military_id",
    ]
    guidance = r.json()["guidance"]
    assert isinstance(guidance, list) and len(guidance) >= 5 and all(isinstance(g, str) and g for g in guidance)
    assert (await client.get(f"{A}/binding/options", headers=institution)).status_code == 403

    for kind, typed, stored, label in DOCUMENTS:
        name = f"证件{kind[:4]}"
        user = await f.physician(real_name=name, id_number=stored)  # the app account verified this document
        headers = await f.auth_headers(user)
        # a malformed number of that type is refused with the type's name, nothing issued
        bad = {"document_type": kind, "id_number": MALFORMED[kind], "name": name}
        r = await client.post(f"{A}/credentials", json=bad, headers=institution)
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED" and r.json()["error"]["field"] == "id_number"
        assert label in r.json()["error"]["message"], r.text
        assert not await AssessmentAccount.filter(name=name).exists()
        r = await client.post(
            f"{A}/credentials", json={"document_type": kind, "id_number": typed, "name": name}, headers=institution
        )
        assert r.status_code == 201, r.text
        credential = r.json()["credential"]
        account = await AssessmentAccount.get(name=name)
        assert account.document_type == kind
        body = {
            "province_code": "110000",
            "document_type": kind,
            "id_number": typed,
            "name": name,
            "credential": credential,
            "new_password": PASSWORD,
        }
        # the right number under another type is not this record: the one vague answer, with the guidance list
        r = await client.post(f"{A}/binding", json={**body, "document_type": "resident_id"}, headers=headers)
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED"  # not a resident ID's shape
        other_kind = "passport" if kind != "passport" else "military_id"
        if registry_documents.is_valid(other_kind, stored):
            r = await client.post(f"{A}/binding", json={**body, "document_type": other_kind}, headers=headers)
            assert r.status_code == 400 and code(r) == "BINDING_FAILED"
            assert r.json()["error"]["details"]["guidance"] == guidance
        r = await client.post(f"{A}/binding", json={**body, "id_number": MALFORMED[kind]}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "id_number"
        r = await client.post(f"{A}/binding", json={**body, "document_type": "driving_licence"}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "document_type"
        assert (await AssessmentAccount.get(id=account.id)).user_id is None  # type: ignore[attr-defined]
        r = await client.post(f"{A}/binding", json=body, headers=headers)
        assert r.status_code == 201, r.text
        assert r.json()["document_type"] == kind and r.json()["bound_at"].endswith("+08:00")
        assert (await AssessmentAccount.get(id=account.id)).user_id == user.id  # type: ignore[attr-defined]
        # the office finds it by type and number; the wrong type finds nothing
        r = await client.get(
            f"{A}/accounts", params={"document_type": kind, "id_number": typed}, headers=await w.h(w.office)
        )
        assert [a["id"] for a in r.json()["items"]] == [account.id]
        # unbinding re-checks the same document
        unbind = {"document_type": kind, "id_number": typed, "name": name, "password": PASSWORD}
        if registry_documents.is_valid(other_kind, stored):
            r = await client.request(
                "DELETE", f"{A}/binding", json={**unbind, "document_type": other_kind}, headers=headers
            )
            assert r.status_code == 400 and code(r) == "IDENTITY_MISMATCH"
        r = await client.request("DELETE", f"{A}/binding", json=unbind, headers=headers)
        assert r.status_code == 200 and r.json()["bound"] is False, r.text


async def test_hide_scope_and_effect(client: httpx.AsyncClient) -> None:
    w = await af.world()
    credential = await af.issue(w, w.doctor)
    account = await _account(w.doctor)
    url = f"{A}/accounts/{account.id}/hide"
    body = {"reason": "已调离本机构"}
    for who in (w.other_inst_reviewer, w.other_office):
        r = await client.post(url, json=body, headers=await w.h(who))
        assert r.status_code == 404 and code(r) == "ASSESSMENT_ACCOUNT_NOT_FOUND"
    for who in (w.doctor.user, w.commission):
        r = await client.post(url, json=body, headers=await w.h(who))
        assert r.status_code == 403
    for bad in ({}, {"reason": "x"}, {"reason": "已调离", "extra": 1}):
        r = await client.post(url, json=bad, headers=await w.h(w.inst_reviewer))
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED"
    assert not (await AssessmentAccount.get(id=account.id)).is_hidden
    r = await client.post(url, json=body, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and r.json()["is_hidden"] is True
    entry = await AuditEntry.get(action="assessment.account_hidden")
    assert entry.actor_id == w.inst_reviewer.id and entry.details == {"reason": "已调离本机构"}
    # a hidden physician cannot bind (the message says to ask the institution)
    r = await client.post(
        f"{A}/binding",
        json={
            "province_code": "110000",
            "id_number": w.doctor.id_number,
            "name": w.doctor.name,
            "credential": credential,
            "new_password": "Yishi-Test-2026",
        },
        headers=w.doctor.headers,
    )
    assert r.status_code == 403 and code(r) == "ACCOUNT_HIDDEN"
    r = await client.post(f"{A}/accounts/{account.id}/unhide", headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and r.json()["is_hidden"] is False
