"""Business applications: drafts, each rule, the institution → commission chain, the registers after approval."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from pypdf import PdfReader

from server.accounts.models import User
from server.common.enums import Level
from server.common.models import AuditEntry
from server.directory.models import Institution
from server.registry.models import (
    BusinessApplication,
    MultiSiteFiling,
    MultiSiteStatus,
    PhysicianAccount,
    PracticeRegistration,
    RegistrationStatus,
)
from server.workflow.models import ReviewItem
from tests.support import documents
from tests.support import factories as wf
from tests.support import registry as rf

R = "/api/v1/registry"
REVIEWS = "/api/v1/reviews/items"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


@dataclass
class World:
    dc: Institution
    cy: Institution
    hb: Institution
    dc_reviewer: User
    cy_reviewer: User
    bj_commission: User
    hb_commission: User


@pytest.fixture()
async def world(db: None) -> World:
    await wf.region("110000", "北京市")
    await wf.region("110101", "东城区")
    await wf.region("110105", "朝阳区")
    await wf.region("130000", "河北省")
    await wf.region("130102", "长安区")
    dc = await wf.institution("110101", name="东城医院")
    cy = await wf.institution("110105", name="朝阳医院")
    hb = await wf.institution("130102", name="长安中心")
    return World(
        dc=dc,
        cy=cy,
        hb=hb,
        dc_reviewer=await wf.institution_reviewer(dc.id),
        cy_reviewer=await wf.institution_reviewer(cy.id),
        bj_commission=await wf.commission_reviewer("110000"),
        hb_commission=await wf.commission_reviewer("130000"),
    )


async def _create(client: httpx.AsyncClient, user: User, **body: object) -> httpx.Response:
    return await client.post(f"{R}/applications", json=body, headers=await wf.auth_headers(user))


async def _submit(client: httpx.AsyncClient, user: User, app_id: int) -> httpx.Response:
    return await client.post(f"{R}/applications/{app_id}/submit", headers=await wf.auth_headers(user))


async def _approve(client: httpx.AsyncClient, reviewer: User, item_id: int) -> httpx.Response:
    return await client.post(f"{REVIEWS}/{item_id}/approve", json={}, headers=await wf.auth_headers(reviewer))


async def _status(client: httpx.AsyncClient, user: User, app_id: int) -> str:
    r = await client.get(f"{R}/applications/{app_id}", headers=await wf.auth_headers(user))
    return str(r.json()["status"])


async def test_register_draft_submit_confirm_approve(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="吴静")
    user = await rf.activated(who)
    r = await _create(client, user, kind="register", institution_id=world.cy.id, practice_region_code="110000")
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "draft" and app["data"]["institution_name"] == "朝阳医院"
    # incomplete: no scope yet
    r = await _submit(client, user, app["id"])
    assert (
        r.status_code == 422
        and _code(r) == "APPLICATION_INCOMPLETE"
        and r.json()["error"]["field"] == "practice_scopes"
    )
    assert not await ReviewItem.all().exists()
    r = await client.patch(
        f"{R}/applications/{app['id']}",
        json={"practice_scopes": ["内科专业", "外科专业"]},
        headers=await wf.auth_headers(user),
    )
    assert r.status_code == 200
    r = await _submit(client, user, app["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"
    item = await ReviewItem.get(id=r.json()["review_item_id"])
    assert item.institution_id == world.cy.id and item.kind == "registry_register"
    # what the reviewer sees: enough to decide, personal data masked
    r = await client.get(f"{REVIEWS}/{item.id}", headers=await wf.auth_headers(world.cy_reviewer))
    assert r.status_code == 200
    payload = r.json()["payload"]
    assert payload["requested"]["practice_scopes"] == ["内科专业", "外科专业"]
    assert payload["physician"]["name"] == "吴*" and "*" in payload["physician"]["id_number"]
    assert payload["form_url"].endswith("/form.pdf")
    # the form is a downloadable link of the detail, for the reviewers who may see the item and nobody else
    [form] = r.json()["files"]
    assert form["role"] == "form" and form["label"] == "申请表" and form["media_type"] == "application/pdf"
    pdf = await client.get(form["href"], headers=await wf.auth_headers(world.cy_reviewer))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await client.get(form["href"], headers=await wf.auth_headers(world.dc_reviewer))).status_code == 404
    # the wrong institution cannot confirm, the right one does
    assert (await _approve(client, world.dc_reviewer, item.id)).status_code == 404
    assert (await _approve(client, world.cy_reviewer, item.id)).status_code == 200
    assert await _status(client, user, app["id"]) == "institution_confirmed"
    assert (await _approve(client, world.hb_commission, item.id)).status_code == 404
    assert not await PracticeRegistration.all().exists()
    assert (await _approve(client, world.bj_commission, item.id)).status_code == 200
    assert await _status(client, user, app["id"]) == "approved"
    reg = await PracticeRegistration.get(user_id=user.id)
    assert reg.status == RegistrationStatus.ACTIVE and reg.main_institution_id == world.cy.id  # type: ignore[attr-defined]
    assert reg.practice_region_code == "110000" and reg.practice_scopes == ["内科专业", "外科专业"]
    assert (await PhysicianAccount.get(user_id=user.id)).registration_id == reg.id  # type: ignore[attr-defined]
    me = (await client.get(f"{R}/me", headers=await wf.auth_headers(user))).json()
    assert me["registration"]["main_institution_name"] == "朝阳医院"


async def test_register_rules(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="吴静")
    user = await rf.activated(who)
    base = {"kind": "register", "institution_id": world.cy.id, "practice_scopes": ["内科专业"]}
    # practitioner: province, not county
    r = await _create(client, user, **base, practice_region_code="110105")
    assert r.status_code == 422 and _code(r) == "PRACTICE_REGION_INVALID"
    # the institution must lie in the region
    r = await _create(client, user, **base, practice_region_code="130000")
    assert r.status_code == 422 and _code(r) == "PRACTICE_REGION_INVALID"
    r = await _create(client, user, **{**base, "practice_scopes": ["a", "b", "c", "d"]}, practice_region_code="110000")
    assert r.status_code == 422 and _code(r) == "PRACTICE_SCOPE_TOO_MANY"
    assert not await BusinessApplication.all().exists()
    r = await _create(client, user, **base, practice_region_code="110000")
    assert r.status_code == 201
    r = await _create(client, user, **base, practice_region_code="110000")
    assert r.status_code == 409 and _code(r) == "APPLICATION_ALREADY_OPEN"
    assert await BusinessApplication.all().count() == 1


async def test_assistant_region_is_a_county(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="王芳", level=Level.ASSISTANT)
    user = await rf.activated(who)
    base = {"kind": "register", "institution_id": world.hb.id, "practice_scopes": ["全科医学专业"]}
    r = await _create(client, user, **base, practice_region_code="130000")
    assert r.status_code == 422 and _code(r) == "PRACTICE_REGION_INVALID"
    r = await _create(client, user, **base, practice_region_code="130102")
    assert r.status_code == 201


async def test_register_after_two_years_needs_training_proof(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="吴静", obtained_on=date(2015, 8, 30))
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    r = await _create(
        client,
        user,
        kind="register",
        institution_id=world.cy.id,
        practice_region_code="110000",
        practice_scopes=["内科专业"],
    )
    app_id = r.json()["id"]
    r = await _submit(client, user, app_id)
    assert r.status_code == 422 and _code(r) == "TRAINING_PROOF_REQUIRED"
    await client.patch(f"{R}/applications/{app_id}", json={"training_months": 2}, headers=headers)
    r = await _submit(client, user, app_id)
    assert _code(r) == "TRAINING_PROOF_REQUIRED"
    await client.patch(f"{R}/applications/{app_id}", json={"training_months": 4}, headers=headers)
    r = await _submit(client, user, app_id)
    assert _code(r) == "TRAINING_PROOF_REQUIRED" and r.json()["error"]["field"] == "attachments"
    # a renamed non-PDF is refused by content
    r = await client.post(
        f"{R}/applications/{app_id}/attachments",
        files={"file": ("proof.pdf", b"MZ\x90\x00not a pdf", "application/pdf")},
        data={"purpose": "training_proof"},
        headers=headers,
    )
    assert r.status_code == 422 and _code(r) == "UPLOAD_TYPE_INVALID"
    r = await client.post(
        f"{R}/applications/{app_id}/attachments",
        files={"file": ("proof.pdf", documents.small_pdf(), "application/pdf")},
        data={"purpose": "training_proof"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["attachments"][0]["purpose"] == "training_proof"
    r = await _submit(client, user, app_id)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    # the confirming reviewer can download the proof, another institution cannot
    item_id = r.json()["review_item_id"]
    url = f"{R}/applications/{app_id}/attachments/0"
    assert (await client.get(url, headers=await wf.auth_headers(world.dc_reviewer))).status_code == 404
    r = await client.get(url, headers=await wf.auth_headers(world.cy_reviewer))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert item_id


async def test_registered_physician_cannot_register_again(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    r = await _create(client, user, kind="register", institution_id=world.cy.id)
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_ALLOWED"


async def test_change_moves_to_the_new_institution(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    r = await _create(client, user, kind="change", institution_id=world.cy.id, practice_scopes=["外科专业"])
    assert r.status_code == 201
    r = await _submit(client, user, r.json()["id"])
    item_id = r.json()["review_item_id"]
    # the NEW institution confirms
    assert (await _approve(client, world.dc_reviewer, item_id)).status_code == 404
    assert (await _approve(client, world.cy_reviewer, item_id)).status_code == 200
    assert (await _approve(client, world.bj_commission, item_id)).status_code == 200
    assert who.registration is not None
    reg = await PracticeRegistration.get(id=who.registration.id)
    assert reg.main_institution_id == world.cy.id and reg.practice_scopes == ["外科专业"]  # type: ignore[attr-defined]


async def test_cancel_and_rejection_leave_or_change_the_register(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    assert who.registration is not None
    r = await _create(client, user, kind="cancel")
    r = await _submit(client, user, r.json()["id"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    app_id = (await BusinessApplication.get(user_id=user.id)).id
    await client.patch(f"{R}/applications/{app_id}", json={"reason": "出国"}, headers=await wf.auth_headers(user))
    item_id = (await _submit(client, user, app_id)).json()["review_item_id"]
    r = await client.post(
        f"{REVIEWS}/{item_id}/reject", json={"reason": "材料不全"}, headers=await wf.auth_headers(world.dc_reviewer)
    )
    assert r.status_code == 200
    assert await _status(client, user, app_id) == "rejected"
    assert (await PracticeRegistration.get(id=who.registration.id)).status == RegistrationStatus.ACTIVE
    # a rejected application is closed: a new one may be filed, and approved
    r = await _create(client, user, kind="cancel", reason="出国")
    item_id = (await _submit(client, user, r.json()["id"])).json()["review_item_id"]
    await _approve(client, world.dc_reviewer, item_id)
    await _approve(client, world.bj_commission, item_id)
    assert (await PracticeRegistration.get(id=who.registration.id)).status == RegistrationStatus.CANCELLED


async def test_returned_application_is_edited_and_resubmitted(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    r = await _create(client, user, kind="military_transfer_out", military_unit="某部队医院")
    app_id = r.json()["id"]
    item_id = (await _submit(client, user, app_id)).json()["review_item_id"]
    r = await client.patch(f"{R}/applications/{app_id}", json={"reason": "x"}, headers=await wf.auth_headers(user))
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_EDITABLE"
    r = await client.post(
        f"{REVIEWS}/{item_id}/return",
        json={"reason": "请写明部队全称"},
        headers=await wf.auth_headers(world.dc_reviewer),
    )
    assert r.status_code == 200
    assert await _status(client, user, app_id) == "returned"
    r = await client.patch(
        f"{R}/applications/{app_id}",
        json={"military_unit": "中国人民解放军某部医院"},
        headers=await wf.auth_headers(user),
    )
    assert r.status_code == 200
    r = await _submit(client, user, app_id)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    item = await ReviewItem.get(id=item_id)
    assert item.payload["requested"]["military_unit"] == "中国人民解放军某部医院"
    await _approve(client, world.dc_reviewer, item_id)
    await _approve(client, world.bj_commission, item_id)
    assert who.registration is not None
    assert (await PracticeRegistration.get(id=who.registration.id)).status == RegistrationStatus.TRANSFERRED_OUT


async def test_multi_site_file_unfile_withdraw(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    assert who.registration is not None
    r = await _create(client, user, kind="multi_site_file", institution_id=world.dc.id)
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_ALLOWED"
    r = await _create(client, user, kind="multi_site_unfile", filing_id=999)
    assert r.status_code == 409
    r = await _create(client, user, kind="multi_site_file", institution_id=world.cy.id)
    item_id = (await _submit(client, user, r.json()["id"])).json()["review_item_id"]
    await _approve(client, world.cy_reviewer, item_id)
    await _approve(client, world.bj_commission, item_id)
    filing = await MultiSiteFiling.get(registration_id=who.registration.id)
    assert filing.status == MultiSiteStatus.FILED and filing.institution_id == world.cy.id  # type: ignore[attr-defined]
    # the lists on both sides
    here = await client.get(
        f"{R}/institution/multi-site", params={"direction": "here"}, headers=await wf.auth_headers(world.cy_reviewer)
    )
    assert [i["filing_id"] for i in here.json()["items"]] == [filing.id]
    elsewhere = await client.get(
        f"{R}/institution/multi-site",
        params={"direction": "elsewhere"},
        headers=await wf.auth_headers(world.dc_reviewer),
    )
    assert [i["filed_institution_name"] for i in elsewhere.json()["items"]] == ["朝阳医院"]
    # unfile: the filing institution confirms
    r = await _create(client, user, kind="multi_site_unfile", filing_id=filing.id)
    item_id = (await _submit(client, user, r.json()["id"])).json()["review_item_id"]
    await _approve(client, world.cy_reviewer, item_id)
    await _approve(client, world.bj_commission, item_id)
    assert (await MultiSiteFiling.get(id=filing.id)).status == MultiSiteStatus.UNFILED
    r = await _create(client, user, kind="multi_site_withdraw")
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_ALLOWED"


async def test_assistant_upgrade(client: httpx.AsyncClient, world: World) -> None:
    assistant = await rf.person(
        name="王芳", level=Level.ASSISTANT, institution=world.dc, id_number="11010519491231002X"
    )
    user = await rf.activated(assistant)
    r = await _create(
        client, user, kind="assistant_upgrade", practice_region_code="110000", practice_scopes=["内科专业"]
    )
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_ALLOWED"  # no practitioner qualification yet
    await rf.person(name="王芳", level=Level.PRACTITIONER, id_number="11010519491231002X")
    r = await _create(
        client, user, kind="assistant_upgrade", practice_region_code="110101", practice_scopes=["内科专业"]
    )
    assert r.status_code == 422 and _code(r) == "PRACTICE_REGION_INVALID"
    r = await _create(
        client, user, kind="assistant_upgrade", practice_region_code="110000", practice_scopes=["内科专业"]
    )
    assert r.status_code == 201
    item_id = (await _submit(client, user, r.json()["id"])).json()["review_item_id"]
    await _approve(client, world.dc_reviewer, item_id)
    await _approve(client, world.bj_commission, item_id)
    assert assistant.registration is not None
    reg = await PracticeRegistration.get(id=assistant.registration.id)
    assert reg.level == Level.PRACTITIONER and reg.practice_region_code == "110000"


async def test_other_physician_cannot_touch_my_application(client: httpx.AsyncClient, world: World) -> None:
    mine = await rf.activated(await rf.person(institution=world.dc))
    other = await rf.activated(await rf.person(name="李华", institution=world.dc))
    r = await _create(client, mine, kind="cancel", reason="出国")
    app_id = r.json()["id"]
    headers = await wf.auth_headers(other)
    assert (await client.get(f"{R}/applications/{app_id}", headers=headers)).status_code == 404
    assert (await client.patch(f"{R}/applications/{app_id}", json={"reason": "x"}, headers=headers)).status_code == 404
    assert (await client.post(f"{R}/applications/{app_id}/submit", headers=headers)).status_code == 404
    assert (await client.get(f"{R}/applications/{app_id}/form.pdf", headers=headers)).status_code == 404
    assert (await client.delete(f"{R}/applications/{app_id}", headers=headers)).status_code == 404
    assert (await BusinessApplication.get(id=app_id)).data == {"reason": "出国"}
    # not activated yet: refused
    r = await _create(client, await rf.account(), kind="cancel", reason="x")
    assert r.status_code == 403 and _code(r) == "ACCOUNT_NOT_ACTIVATED"
    # deleting my draft works
    r = await client.delete(f"{R}/applications/{app_id}", headers=await wf.auth_headers(mine))
    assert r.status_code == 200 and not await BusinessApplication.filter(id=app_id).exists()


async def test_application_form_pdf_is_chinese(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="吴静")
    user = await rf.activated(who)
    r = await _create(
        client,
        user,
        kind="register",
        institution_id=world.cy.id,
        practice_region_code="110000",
        practice_scopes=["内科专业"],
    )
    app_id = r.json()["id"]
    r = await client.get(f"{R}/applications/{app_id}/form.pdf", headers=await wf.auth_headers(user))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "注册申请表" in text and "朝阳医院" in text and "吴静" in text and "内科专业" in text


async def test_institution_filing_and_cancellation(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    await rf.activated(who)
    assert who.registration is not None
    url = f"{R}/institution/filings"
    body = {"registration_id": who.registration.id, "kind": "filing", "reason": "retirement"}
    r = await client.post(url, json={**body, "reason": "bored"}, headers=await wf.auth_headers(world.dc_reviewer))
    assert r.status_code == 422 and _code(r) == "APPLICATION_INCOMPLETE"
    r = await client.post(url, json=body, headers=await wf.auth_headers(world.cy_reviewer))
    assert r.status_code == 404
    assert not await BusinessApplication.all().exists()
    r = await client.post(url, json=body, headers=await wf.auth_headers(world.dc_reviewer))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "submitted" and r.json()["data"]["reason_label"] == "退休"
    # a filing waits at the commission, its only step: never "待机构确认"
    assert r.json()["status_label"] == "待卫生健康行政部门审批"
    item_id = r.json()["review_item_id"]
    r = await client.post(
        url,
        json={**body, "kind": "cancellation", "reason": "death_or_missing"},
        headers=await wf.auth_headers(world.dc_reviewer),
    )
    assert r.status_code == 409 and _code(r) == "APPLICATION_ALREADY_OPEN"
    listed = await client.get(url, headers=await wf.auth_headers(world.dc_reviewer))
    assert [a["id"] for a in listed.json()["items"]] == [(await BusinessApplication.get()).id]
    assert listed.json()["items"][0]["status_label"] == "待卫生健康行政部门审批"
    assert listed.json()["items"][0]["data"]["physician_name"] == who.name  # whom the case is for
    form = await client.get(
        f"{R}/applications/{listed.json()['items'][0]['id']}/form.pdf", headers=await wf.auth_headers(world.dc_reviewer)
    )
    text = PdfReader(io.BytesIO(form.content)).pages[0].extract_text()
    assert "待卫生健康行政部门审批" in text and "待机构确认" not in text
    assert (await _approve(client, world.hb_commission, item_id)).status_code == 404
    assert (await _approve(client, world.bj_commission, item_id)).status_code == 200
    assert (await PracticeRegistration.get(id=who.registration.id)).status == RegistrationStatus.FILED


async def test_approval_refused_when_the_register_changed_meanwhile(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    user = await rf.activated(who)
    assert who.registration is not None
    r = await _create(client, user, kind="change", practice_scopes=["外科专业"])
    item_id = (await _submit(client, user, r.json()["id"])).json()["review_item_id"]
    await _approve(client, world.dc_reviewer, item_id)
    await PracticeRegistration.filter(id=who.registration.id).update(status=RegistrationStatus.CANCELLED)
    r = await _approve(client, world.bj_commission, item_id)
    assert r.status_code == 409 and _code(r) == "APPLICATION_NOT_ALLOWED"
    reg = await PracticeRegistration.get(id=who.registration.id)
    assert reg.practice_scopes == ["内科专业"]
    app_id = (await BusinessApplication.get(user_id=user.id)).id
    assert await _status(client, user, app_id) == "institution_confirmed"


async def test_institution_case_form_and_scope(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(institution=world.dc)
    assert who.registration is not None
    r = await client.post(
        f"{R}/institution/filings",
        json={"registration_id": who.registration.id, "kind": "cancellation", "reason": "two_failed_assessments"},
        headers=await wf.auth_headers(world.dc_reviewer),
    )
    assert r.status_code == 201, r.text  # a physician without an account can still be cancelled
    app_id = r.json()["id"]
    r = await client.get(f"{R}/applications/{app_id}/form.pdf", headers=await wf.auth_headers(world.dc_reviewer))
    assert r.status_code == 200
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "注销注册" in text and "两次考核不合格" in text
    assert (
        await client.get(f"{R}/applications/{app_id}/form.pdf", headers=await wf.auth_headers(world.cy_reviewer))
    ).status_code == 404
    # the commission of the region may print it too, another province may not
    assert (
        await client.get(f"{R}/applications/{app_id}/form.pdf", headers=await wf.auth_headers(world.bj_commission))
    ).status_code == 200
    assert (
        await client.get(f"{R}/applications/{app_id}/form.pdf", headers=await wf.auth_headers(world.hb_commission))
    ).status_code == 404
    listed = await client.get(f"{R}/institution/filings", headers=await wf.auth_headers(world.cy_reviewer))
    assert listed.json()["items"] == []
    r = await client.get(f"{R}/institution/filings", headers=await wf.auth_headers(await rf.account()))
    assert r.status_code == 403


async def test_commission_figures_by_institution_kind_and_state(client: httpx.AsyncClient, world: World) -> None:
    url = f"{R}/commission/figures"
    items = []
    for name in ("甲医师", "乙医师"):
        who = await rf.person(name=name, institution=world.dc)
        user = await rf.activated(who)
        r = await _create(client, user, kind="change", practice_scopes=["外科专业"])
        items.append((await _submit(client, user, r.json()["id"])).json()["review_item_id"])
    await _approve(client, world.dc_reviewer, items[0])  # one waits at the commission, one at the institution
    draft_owner = await rf.activated(await rf.person(name="丙医师", institution=world.dc))
    await _create(client, draft_owner, kind="change", practice_scopes=["外科专业"])  # a draft is not counted
    filed = await rf.person(name="丁医师", institution=world.dc)
    await rf.activated(filed)
    assert filed.registration is not None
    body = {"registration_id": filed.registration.id, "kind": "filing", "reason": "retirement"}
    r = await client.post(f"{R}/institution/filings", json=body, headers=await wf.auth_headers(world.dc_reviewer))
    assert r.status_code == 201

    r = await client.get(url, headers=await wf.auth_headers(world.bj_commission))
    assert r.status_code == 200, r.text
    rows = {(i["institution_name"], i["kind"]): i for i in r.json()["items"]}
    assert set(rows) == {("东城医院", "change"), ("东城医院", "institution_filing")}
    change = rows[("东城医院", "change")]
    assert (
        change["total"] == 2 and change["counts"]["submitted"] == 1 and change["counts"]["institution_confirmed"] == 1
    )
    assert rows[("东城医院", "institution_filing")]["counts"]["submitted"] == 1
    assert r.json()["state_labels"]["institution_confirmed"] == "待卫生健康行政部门审批"
    # filters
    r = await client.get(url, params={"kind": "institution_filing"}, headers=await wf.auth_headers(world.bj_commission))
    assert [i["kind"] for i in r.json()["items"]] == ["institution_filing"]
    r = await client.get(url, params={"region_code": "110105"}, headers=await wf.auth_headers(world.bj_commission))
    assert r.json()["items"] == []
    # another province sees none of it, and may not ask for it; institutions and physicians may not ask at all
    r = await client.get(url, headers=await wf.auth_headers(world.hb_commission))
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(url, params={"region_code": "110000"}, headers=await wf.auth_headers(world.hb_commission))
    assert r.status_code == 403 and _code(r) == "FORBIDDEN"
    for who in (world.dc_reviewer, draft_owner):
        r = await client.get(url, headers=await wf.auth_headers(who))
        assert r.status_code == 403 and _code(r) == "ROLE_FORBIDDEN"
    for params in ({"kind": "lunch"}, {"region_code": "11"}, {"since": "yesterday"}):
        r = await client.get(url, params=params, headers=await wf.auth_headers(world.bj_commission))
        assert r.status_code == 422 and _code(r) == "VALIDATION_FAILED"
    assert await AuditEntry.filter(action="registry.figures_read", actor_id=world.bj_commission.id).exists()


async def test_an_attachment_that_is_a_bomb_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, world: World
) -> None:
    who = await rf.person(name="郑洁", obtained_on=date(2015, 8, 30))
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    r = await _create(
        client, user, kind="register", institution_id=world.cy.id, practice_region_code="110000",
        practice_scopes=["内科专业"],
    )  # fmt: skip
    app_id = r.json()["id"]
    for name, data in (
        ("proof.png", documents.image_bomb("png")),
        ("proof.jpg", documents.image_bomb("jpg")),
        ("proof.pdf", documents.pdf_with_image(60000, 60000)),
    ):
        r = await client.post(
            f"{R}/applications/{app_id}/attachments", files={"file": (name, data)}, data={"purpose": "other"},
            headers=headers,
        )  # fmt: skip
        assert r.status_code == 413 and _code(r) == "UPLOAD_TOO_LARGE", (name, r.text)
    r = await client.get(f"{R}/applications/{app_id}", headers=headers)
    assert r.json()["attachments"] == []


async def test_practice_scopes_come_from_the_catalogue_of_the_category(client: httpx.AsyncClient, world: World) -> None:
    who = await rf.person(name="吴静")  # a clinical physician
    user = await rf.activated(who)
    for scopes, message_part in ((["内科"], None), (["口腔专业"], "临床")):
        r = await _create(client, user, kind="register", institution_id=world.cy.id, practice_scopes=scopes)
        assert r.status_code == 422 and _code(r) == "PRACTICE_SCOPE_INVALID", r.text
        assert r.json()["error"]["field"] == "practice_scopes" and r.json()["error"]["details"]["value"] == scopes[0]
        if message_part:
            assert message_part in r.json()["error"]["message"]
    assert not await BusinessApplication.all().exists()
    r = await _create(client, user, kind="register", institution_id=world.cy.id, practice_scopes=["内科专业"])
    assert r.status_code == 201
    r = await client.patch(
        f"{R}/applications/{r.json()['id']}", json={"practice_scopes": ["外科"]}, headers=await wf.auth_headers(user)
    )
    assert r.status_code == 422 and _code(r) == "PRACTICE_SCOPE_INVALID"
    assert (await BusinessApplication.get()).data["practice_scopes"] == ["内科专业"]


async def test_the_form_of_an_unfile_draft_without_its_filing_prints(client: httpx.AsyncClient, world: World) -> None:
    # Found by schemathesis: a multi_site_unfile draft with no filing_id yet answered 500 on form.pdf
    who = await rf.person(name="李华", institution=world.cy)
    user = await rf.activated(who)
    r = await _create(client, user, kind="multi_site_unfile")
    assert r.status_code == 201, r.text
    r = await client.get(f"{R}/applications/{r.json()['id']}/form.pdf", headers=await wf.auth_headers(user))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "朝阳医院" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
