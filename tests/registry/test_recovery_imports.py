"""Account recovery by personal information, and imports from Excel / CSV with a per-row report."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from openpyxl import Workbook

from server.accounts.models import User
from server.common import crypto, idcard
from server.common.models import AuditEntry
from server.directory.models import Department, Institution
from server.registry.models import MultiSiteFiling, PracticeRegistration, Qualification
from tests.support import factories as wf
from tests.support import registry as rf

R = "/api/v1/registry"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_recovery_moves_the_account_to_a_new_phone(client: httpx.AsyncClient, emulators: Any) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(name="张明", institution=inst)
    user = await rf.activated(who, await rf.account(phone="13900000001"))
    ident = {
        "name": "张明",
        "id_number": who.id_number,
        "qualification_cert_no": who.qualification.qualification_cert_no,
        "new_phone": "13700000009",
    }
    r = await client.post(f"{R}/recovery/code", json={**ident, "qualification_cert_no": "Q999"})
    assert r.status_code == 404 and _code(r) == "RECOVERY_NOT_MATCHED"
    assert emulators.state.latest_sms("13700000009") is None
    r = await client.post(f"{R}/recovery/code", json=ident)
    assert r.status_code == 202, r.text
    code = str(emulators.state.latest_sms("13700000009").params["code"])
    r = await client.post(f"{R}/recovery", json={**ident, "sms_code": "000000" if code != "000000" else "111111"})
    assert r.status_code == 400
    assert (await User.get(id=user.id)).phone == "13900000001"
    r = await client.post(f"{R}/recovery", json={**ident, "sms_code": code})
    assert r.status_code == 200 and r.json()["phone"] == "137****0009"
    assert (await User.get(id=user.id)).phone == "13700000009"
    assert await AuditEntry.filter(action="registry.account.recovered").exists()


async def test_recovery_refuses_a_phone_of_another_account(client: httpx.AsyncClient) -> None:
    who = await rf.person(name="张明")
    await rf.activated(who)
    await rf.account(phone="13700000008")
    r = await client.post(
        f"{R}/recovery/code",
        json={
            "name": "张明",
            "id_number": who.id_number,
            "qualification_cert_no": who.qualification.qualification_cert_no,
            "new_phone": "13700000008",
        },
    )
    assert r.status_code == 409 and _code(r) == "PHONE_TAKEN"
    r = await client.post(f"{R}/recovery/code", json={"name": "张明", "new_phone": "123"})
    assert r.status_code == 422


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _import(
    client: httpx.AsyncClient, headers: dict[str, str], register: str, data: bytes, name: str
) -> httpx.Response:
    return await client.post(f"{R}/import/{register}", files={"file": (name, data)}, headers=headers)


async def test_import_registers_with_row_errors(client: httpx.AsyncClient) -> None:
    headers = await wf.auth_headers(await wf.admin())
    await wf.region("110101")
    institutions = _xlsx(
        [
            ["机构代码", "机构名称", "所在区县", "审批机关", "科室"],
            ["H001", "东城医院", "110101", "东城区卫健委", "内科、外科"],
            ["H002", "朝阳医院", "110105", "朝阳区卫健委", ""],
            ["", "无代码医院", "110105", "", ""],
            ["H003", "坏区划医院", "11A", "", ""],
        ]
    )
    r = await _import(client, headers, "institutions", institutions, "inst.xlsx")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["created"] == 2 and report["failed"] == 2
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "code"), (5, "region_code")]
    h1 = await Institution.get(code="H001")
    assert h1.approval_authorities["clinical"] == "东城区卫健委"
    assert sorted(await Department.filter(institution=h1).values_list("name", flat=True)) == ["内科", "外科"]

    good = idcard.make("110101", date(1985, 3, 1), 7)
    csv_text = (
        "qualification_cert_no,name,id_number,category,level,obtained_on\n"
        f"Q1,张明,{good},临床,执业医师,2010-08-30\n"
        "Q2,李华,110105194912310021,clinical,practitioner,2010-08-30\n"
        f"Q3,王芳,{good[:-1]}0,牙科,practitioner,2010-08-30\n"
        f"Q4,赵强,{idcard.make('110105', date(1979, 5, 20), 3)},dental,practitioner,2010/13/30\n"
    )
    r = await _import(client, headers, "qualifications", csv_text.encode("utf-8-sig"), "q.csv")
    report = r.json()
    assert report["created"] == 1 and [e["row"] for e in report["errors"]] == [3, 4, 5]
    assert report["errors"][0]["field"] == "id_number"
    q1 = await Qualification.get(qualification_cert_no="Q1")
    assert crypto.decrypt(q1.id_number_enc, context="id_number") == good and good not in q1.id_number_enc

    regs = (
        "practice_cert_no,qualification_cert_no,institution_code,practice_scopes,status\n"
        "P1,Q1,H001,内科专业、外科专业,有效\n"
        "P2,Q9,H001,内科专业,有效\n"
        "P3,Q1,H009,内科专业,有效\n"
        "P4,Q1,H001,a、b、c、d,有效\n"
    )
    r = await _import(client, headers, "registrations", regs.encode(), "r.csv")
    report = r.json()
    assert report["created"] == 1 and [e["field"] for e in report["errors"]] == [
        "qualification_cert_no",
        "institution_code",
        "practice_scopes",
    ]
    p1 = await PracticeRegistration.get(practice_cert_no="P1")
    assert p1.practice_region_code == "110000" and p1.practice_scopes == ["内科专业", "外科专业"]
    # re-import updates instead of duplicating
    r = await _import(client, headers, "registrations", regs.replace("有效", "备案").encode(), "r.csv")
    assert r.json()["updated"] == 1 and await PracticeRegistration.all().count() == 1
    r = await _import(client, headers, "multi_site", b"practice_cert_no,institution_code\nP1,H002\nP1,H001\n", "m.csv")
    assert r.json()["created"] == 1 and r.json()["errors"][0]["field"] == "institution_code"
    assert await MultiSiteFiling.all().count() == 1


async def test_import_refusals(client: httpx.AsyncClient) -> None:
    headers = await wf.auth_headers(await wf.admin())
    r = await _import(client, headers, "nonsense", b"a,b\n", "x.csv")
    assert r.status_code == 404
    r = await _import(client, headers, "institutions", b"PK\x03\x04garbage", "x.xlsx")
    assert r.status_code == 422 and _code(r) == "IMPORT_FILE_INVALID"
    r = await client.post(f"{R}/import/institutions", headers=headers)
    assert r.status_code == 400 and _code(r) == "UPLOAD_MISSING"
    inst = await wf.institution()
    r = await _import(
        client, await wf.auth_headers(await wf.institution_reviewer(inst.id)), "institutions", b"code,name\n", "x.csv"
    )
    assert r.status_code == 403
    assert await Institution.all().count() == 1


async def test_recovery_refuses_a_malformed_id_number_and_unknown_details_at_both_steps(
    client: httpx.AsyncClient, db: None
) -> None:
    who = await rf.person(name="张明")
    user = await rf.activated(who, await rf.account(phone="13900000002"))
    ident = {
        "name": "张明",
        "id_number": "110101198503011019",  # wrong check character
        "qualification_cert_no": who.qualification.qualification_cert_no,
        "new_phone": "13700000007",
    }
    for path, extra in ((f"{R}/recovery/code", {}), (f"{R}/recovery", {"sms_code": "123456"})):
        r = await client.post(path, json={**ident, **extra})
        assert r.status_code == 422 and _code(r) == "ID_NUMBER_INVALID", r.text
        r = await client.post(path, json={**ident, **extra, "id_number": who.id_number, "name": "李四"})
        assert r.status_code == 404 and _code(r) == "RECOVERY_NOT_MATCHED", r.text
    assert (await User.get(id=user.id)).phone == "13900000002"
