"""Proofs, specialty correction, windows, rules, progress (+ Excel), home with past cycles, returned reviews."""

from __future__ import annotations

import io
from datetime import datetime

import httpx
import pytest
from openpyxl import load_workbook

from server.assessment import proofs
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
    AssessmentStatus,
    CycleWindow,
    Proof,
    WindowKind,
)
from server.assessment.reviews import ENROLMENT_KIND, SELF_EVALUATION_KIND
from server.common.models import AuditEntry
from server.exams.models import ExamDefinition
from server.workflow.models import ReviewItem
from tests.support import assessment as af
from tests.support import factories as f
from tests.support.assessment import A, code


async def test_proof_upload_checks_and_download_scope(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    r = await client.post(f"{A}/proofs", files={"file": ("x.exe", b"MZ\x90\x00" * 10)}, headers=d.headers)
    assert r.status_code == 422 and code(r) == "UPLOAD_TYPE_INVALID"
    r = await client.post(f"{A}/proofs", headers=d.headers)
    assert r.status_code == 400 and code(r) == "UPLOAD_MISSING"
    many = [("file", (f"{i}.pdf", af.PDF)) for i in range(6)]
    r = await client.post(f"{A}/proofs", files=many, headers=d.headers)
    assert r.status_code == 400 and code(r) == "UPLOAD_TOO_MANY"
    assert not await Proof.exists()
    proof_id = await af.upload(client, d, name="职称证书.pdf")
    r = await client.get(f"{A}/proofs/{proof_id}", headers=d.headers)
    assert r.status_code == 200 and r.content == af.PDF
    assert r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"] and "UTF-8''" in r.headers["content-disposition"]
    proof = await Proof.get(id=proof_id)
    assert "职称" not in proof.storage_key and proof.storage_key.startswith("assessment_proof/")
    for who in (w.other_doctor.user, w.other_inst_reviewer, w.other_office):
        r = await client.get(f"{A}/proofs/{proof_id}", headers=await w.h(who))
        assert r.status_code == 404 and code(r) == "PROOF_NOT_FOUND"
    r = await client.get(f"{A}/proofs/{proof_id}", headers=await w.h(w.commission))
    assert r.status_code == 403
    assert (await client.get(f"{A}/proofs/{proof_id}")).status_code == 401
    for who in (w.inst_reviewer, w.county_office):
        r = await client.get(f"{A}/proofs/{proof_id}", headers=await w.h(who))
        assert r.status_code == 200
    assert await AuditEntry.filter(action="assessment.proof_read").count() == 2
    # someone else's proof cannot be attached
    await af.enrolled(client, w, w.other_doctor)
    r = await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [proof_id]},
        headers=w.other_doctor.headers,
    )
    assert r.status_code == 404 and code(r) == "PROOF_NOT_FOUND"
    assert (await Assessment.get(user_id=w.other_doctor.user.id)).procedure is None


async def test_correct_specialty(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    a = await Assessment.get(user_id=d.user.id)
    url = f"{A}/enrolments/{a.id}/specialty"
    body = {"specialty": "儿科专业", "reason": "医师报名时专业选错"}
    for who in (w.other_inst_reviewer, w.other_office):
        r = await client.put(url, json=body, headers=await w.h(who))
        assert r.status_code == 404 and code(r) == "ASSESSMENT_NOT_FOUND"
    r = await client.put(url, json=body, headers=d.headers)
    assert r.status_code == 403
    r = await client.put(url, json={"specialty": ""}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 422
    # only a practice scope of the catalogue (each maps to the exam specialty that examines it)
    r = await client.put(url, json={**body, "specialty": "心血管内科专业"}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 422 and code(r) == "SPECIALTY_UNKNOWN" and r.json()["error"]["field"] == "specialty"
    assert (await Assessment.get(id=a.id)).specialty == "内科专业"
    r = await client.put(url, json=body, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and r.json()["specialty"] == "儿科专业"
    entry = await AuditEntry.get(action="assessment.specialty_corrected")
    assert entry.details == {"old": "内科专业", "new": "儿科专业", "reason": "医师报名时专业选错"}
    await Assessment.filter(id=a.id).update(status=AssessmentStatus.PASSED)
    r = await client.put(url, json=body, headers=await w.h(w.office))
    assert r.status_code == 409 and code(r) == "WRONG_STEP"


async def test_windows_and_rules(client: httpx.AsyncClient) -> None:
    w = await af.world()
    office = await w.h(w.office)
    body = {"kind": "enrolment", "opens_at": "2026-01-01T08:00:00", "closes_at": "2026-02-01T18:00:00"}
    r = await client.put(f"{A}/windows", json=body, headers=office)
    assert r.status_code == 200, r.text
    assert r.json()["opens_at"] == "2026-01-01T08:00:00+08:00" and r.json()["label"] == "报名"
    window = await CycleWindow.get(cycle_id=w.cycle.id, province_code="110000", kind=WindowKind.ENROLMENT)
    assert window.opens_at == datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    r = await client.put(f"{A}/windows", json={**body, "closes_at": "2025-01-01T00:00:00"}, headers=office)
    assert r.status_code == 422 and code(r) == "WINDOW_INVALID"
    r = await client.put(f"{A}/windows", json={**body, "kind": "lunch"}, headers=office)
    assert r.status_code == 422
    r = await client.put(f"{A}/windows", json={**body, "cycle_id": 999}, headers=office)
    assert r.status_code == 404 and code(r) == "CYCLE_NOT_FOUND"
    assert (await CycleWindow.get(id=window.id)).closes_at == window.closes_at
    # a county office cannot set the province's windows (its own: tests/assessment/test_windows.py); other roles
    # cannot at all
    r = await client.put(f"{A}/windows", json={**body, "region_code": "110000"}, headers=await w.h(w.county_office))
    assert r.status_code == 403
    for who in (w.inst_reviewer, w.doctor.user, w.commission):
        r = await client.put(f"{A}/windows", json=body, headers=await w.h(who))
        assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
    r = await client.get(f"{A}/windows", headers=office)
    assert r.status_code == 200 and len(r.json()["items"]) == 4 and r.json()["province_code"] == "110000"
    # rules
    r = await client.put(f"{A}/rules", json={"professional_pass_mark": 101, "humanities_pass_mark": 60}, headers=office)
    assert r.status_code == 422 and not await ExamDefinition.exists()
    r = await client.put(f"{A}/rules", json={"professional_pass_mark": 65, "humanities_pass_mark": 60}, headers=office)
    assert r.status_code == 200 and r.json()["professional_pass_mark"] == 65
    r = await client.get(f"{A}/rules", headers=office)
    assert r.json()["professional_pass_mark"] == 65
    r = await client.get(f"{A}/rules", headers=await w.h(w.other_office))
    assert r.json()["professional_pass_mark"] == 60 and r.json()["set_by_office"] is False  # the defaults
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 1, "humanities_pass_mark": 1}, headers=await w.h(w.inst_reviewer)
    )
    assert r.status_code == 403


async def test_progress_and_export(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await af.enrolled(client, w, w.doctor)
    await af.bind(client, w, w.other_doctor)
    await af.accept(client, w.other_doctor)
    await client.post(
        f"{A}/enrolment", json={"data_correct": True, "specialty": "外科"}, headers=w.other_doctor.headers
    )
    office = await w.h(w.office)
    r = await client.get(f"{A}/progress", headers=office)
    assert r.status_code == 200
    [row] = r.json()["items"]
    assert row["institution_name"] == "朝阳示范医院" and row["total"] == 2
    assert row["counts"]["procedure"] == 1 and row["counts"]["enrolment_review"] == 1
    assert (await client.get(f"{A}/progress", headers=await w.h(w.county_office))).json()["items"][0]["total"] == 2
    assert (await client.get(f"{A}/progress", headers=await w.h(w.other_office))).json()["items"] == []
    r = await client.get(f"{A}/progress", params={"cycle_id": "abc"}, headers=office)
    assert r.status_code == 422
    for who in (w.inst_reviewer, w.doctor.user):
        assert (await client.get(f"{A}/progress", headers=await w.h(who))).status_code == 403
        assert (await client.get(f"{A}/progress.xlsx", headers=await w.h(who))).status_code == 403
    r = await client.get(f"{A}/progress.xlsx", headers=office)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"].startswith('attachment; filename="assessment-progress-')
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:2] == ("机构", "合计") and rows[2][0] == "朝阳示范医院" and rows[2][1] == 2


async def test_home_shows_windows_and_previous_two_cycles(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    account = await AssessmentAccount.get(user_id=d.user.id)
    for year, result in (
        (2015, AssessmentStatus.FAILED),
        (2018, AssessmentStatus.PASSED),
        (2021, AssessmentStatus.PASSED),
    ):
        from datetime import date

        from server.assessment.models import Cycle

        c = await Cycle.create(
            name=f"{year}—{year + 2}年度", starts_on=date(year, 1, 1), ends_on=date(year + 2, 12, 31)
        )
        await Assessment.create(
            account=account, cycle=c, user_id=d.user.id, institution_id=w.inst.id, region_code="110105", status=result
        )
    r = await client.get(f"{A}/home", headers=d.headers)
    body = r.json()
    assert body["current_step"] == "enrolment" and body["cycle"]["id"] == w.cycle.id
    assert {x["kind"] for x in body["windows"]} == {"enrolment", "self_evaluation", "exam", "make_up"}
    assert all(x["is_open"] for x in body["windows"])
    assert [p["cycle_name"] for p in body["previous"]] == ["2021—2023年度", "2018—2020年度"]
    assert body["previous"][0]["institution_name"] == "朝阳示范医院"


async def test_returned_enrolment_and_self_evaluation_can_be_resubmitted(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科"}, headers=d.headers)
    item = await ReviewItem.get(kind=ENROLMENT_KIND)
    r = await client.post(
        f"/api/v1/reviews/items/{item.id}/return", json={"reason": "专业填写有误"}, headers=await w.h(w.inst_reviewer)
    )
    assert r.status_code == 200
    assert (await Assessment.get(user_id=d.user.id)).status == AssessmentStatus.ENROLMENT_RETURNED
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201
    await af.review_all(client, w, ENROLMENT_KIND)
    a = await Assessment.get(user_id=d.user.id)
    assert a.status == AssessmentStatus.ENROLLED and a.specialty == "内科专业"
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    await client.post(f"{A}/self-evaluation", headers=d.headers)
    # a submitted self-evaluation is frozen
    r = await client.put(f"{A}/self-evaluation", json={"practice_record": "changed"}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "WRONG_STEP"
    item = await ReviewItem.get(kind=SELF_EVALUATION_KIND)
    await client.post(f"/api/v1/reviews/items/{item.id}/approve", json={}, headers=await w.h(w.inst_reviewer))
    r = await client.post(
        f"/api/v1/reviews/items/{item.id}/return", json={"reason": "工作成绩过于简略"}, headers=await w.h(w.office)
    )
    assert r.status_code == 200
    r = await client.put(f"{A}/self-evaluation", json={"work_performance": "详细的工作成绩"}, headers=d.headers)
    assert r.status_code == 200
    r = await client.post(f"{A}/self-evaluation", headers=d.headers)
    assert r.status_code == 200
    assert await ReviewItem.filter(kind=SELF_EVALUATION_KIND).count() == 2
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    a = await Assessment.get(user_id=d.user.id)
    assert a.status == AssessmentStatus.SELF_EVALUATED and a.self_evaluation["work_performance"] == "详细的工作成绩"


async def test_withdrawn_submissions_become_editable_again(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科"}, headers=d.headers)
    item = await ReviewItem.get(kind=ENROLMENT_KIND)
    r = await client.post(f"/api/v1/my/reviews/{item.id}/withdraw", headers=d.headers)
    assert r.status_code == 200, r.text
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "enrolment"
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201
    await af.review_all(client, w, ENROLMENT_KIND)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    await client.post(f"{A}/self-evaluation", headers=d.headers)
    item = await ReviewItem.get(kind=SELF_EVALUATION_KIND)
    await client.post(f"/api/v1/my/reviews/{item.id}/withdraw", headers=d.headers)
    r = await client.put(f"{A}/self-evaluation", json={"practice_record": "改过"}, headers=d.headers)
    assert r.status_code == 200 and r.json()["practice_record"] == "改过"
    assert (await Assessment.get(user_id=d.user.id)).status == AssessmentStatus.SELF_EVALUATION_RETURNED


async def test_proof_size_limits(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:

    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    # limits just above the (real, parsed) PDF's own size
    monkeypatch.setattr(proofs, "PROOF_MAX_BYTES", len(af.PDF) + 100)
    monkeypatch.setattr(proofs, "PROOF_MAX_TOTAL", len(af.PDF) + 150)
    big = af.PDF + b"0" * 200
    r = await client.post(f"{A}/proofs", files={"file": ("big.pdf", big)}, headers=d.headers)
    assert r.status_code == 413 and code(r) == "UPLOAD_TOO_LARGE"
    two = [("file", ("a.pdf", af.PDF + b"0" * 40)), ("file", ("b.pdf", af.PDF + b"0" * 40))]
    r = await client.post(f"{A}/proofs", files=two, headers=d.headers)
    assert r.status_code == 413 and r.json()["error"]["details"]["max_total_bytes"] == len(af.PDF) + 150
    assert not await Proof.exists()


async def test_cycles(client: httpx.AsyncClient) -> None:
    w = await af.world()
    admin = await w.h(await f.admin())
    body = {"name": "2030—2032年度", "starts_on": "2030-01-01", "ends_on": "2032-12-31"}
    r = await client.post(f"{A}/cycles", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["name"] == "2030—2032年度"
    r = await client.post(f"{A}/cycles", json={**body, "name": "重叠"}, headers=admin)
    assert r.status_code == 409 and code(r) == "CYCLE_OVERLAPS"
    r = await client.post(
        f"{A}/cycles", json={**body, "starts_on": "2040-01-01", "ends_on": "2039-01-01"}, headers=admin
    )
    assert r.status_code == 422 and code(r) == "WINDOW_INVALID"
    r = await client.post(f"{A}/cycles", json={**body, "starts_on": "soon"}, headers=admin)
    assert r.status_code == 422 and code(r) == "VALIDATION_FAILED"
    for who in (w.office, w.doctor.user):
        r = await client.post(
            f"{A}/cycles", json={**body, "starts_on": "2050-01-01", "ends_on": "2052-12-31"}, headers=await w.h(who)
        )
        assert r.status_code == 403
    from server.assessment.models import Cycle

    assert await Cycle.all().count() == 2
    r = await client.get(f"{A}/cycles", headers=await w.h(w.office))
    assert [c["name"] for c in r.json()["items"]] == ["2030—2032年度", w.cycle.name]
    assert (await client.get(f"{A}/cycles", headers=w.doctor.headers)).status_code == 403


async def test_a_proof_that_is_a_bomb_is_refused_and_nothing_is_stored(client: httpx.AsyncClient) -> None:
    from tests.support import documents

    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    for name, data in (
        ("award.png", documents.image_bomb("png")),
        ("award.jpg", documents.image_bomb("jpg")),
        ("scan.pdf", documents.pdf_with_image(60000, 60000)),
        ("book.pdf", documents.pdf(500)),
    ):
        r = await client.post(f"{A}/proofs", files={"file": (name, data)}, headers=d.headers)
        assert r.status_code == 413 and code(r) == "UPLOAD_TOO_LARGE", (name, r.text)
    r = await client.post(f"{A}/proofs", files={"file": ("bad.pdf", b"%PDF-1.4\n%proof\n")}, headers=d.headers)
    assert r.status_code == 422 and code(r) == "UPLOAD_FILE_INVALID"
    assert not await Proof.exists()
    assert (await client.post(f"{A}/proofs", files={"file": ("ok.pdf", af.PDF)}, headers=d.headers)).status_code == 201
