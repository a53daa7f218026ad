"""End to end through HTTP: bind → notice → enrolment (two reviews) → procedure → self-evaluation (two reviews)
→ professional exam (with make-up) or exemption → humanities exam → result, notice PDF and public check.

The exams part is stood in for by publishing ``AttemptScored`` (inside a transaction, as its scoring does) where
the exam would be, after asking ``exam_eligibility`` exactly as the attempt start does.
"""

from __future__ import annotations

import io

import httpx
from pypdf import PdfReader

from server.accounts.models import User
from server.accounts.passwords import verify_password
from server.assessment import errors, exam_access
from server.assessment.models import Assessment, AssessmentStatus, ExemptionStatus, Procedure
from server.assessment.reviews import EXEMPTION_KIND, SELF_EVALUATION_KIND
from server.common.models import AuditEntry, OutboxEvent
from server.workflow.models import ReviewItem
from tests.support import assessment as af
from tests.support.assessment import PASSWORD, A, code


async def _exam(user_id: int, kind: str, score: float, passed: bool, ref: str) -> exam_access.Eligibility:
    eligibility = await exam_access.exam_eligibility(user_id=user_id, exam_kind=kind)
    await af.report_scored(
        user_id=user_id,
        assessment_id=eligibility.assessment_id,
        exam_kind=kind,
        attempt_ref=ref,
        score=score,
        passed=passed,
        is_make_up=eligibility.is_make_up,
    )
    return eligibility


async def _self_evaluate(client: httpx.AsyncClient, d: af.Doctor, *, report: bool = False) -> None:
    draft = {"practice_record": "无不良执业行为", "work_performance": "完成门诊 3000 人次"}
    r = await client.put(f"{A}/self-evaluation", json=draft, headers=d.headers)
    assert r.status_code == 200 and r.json()["work_performance"] == "完成门诊 3000 人次"
    rest = {"professional_ethics": "遵守医德规范"}
    if report:
        rest["work_report"] = "本周期述职报告……"
    r = await client.put(f"{A}/self-evaluation", json=rest, headers=d.headers)
    assert r.json()["practice_record"] == "无不良执业行为"  # drafts merge, nothing lost
    r = await client.post(f"{A}/self-evaluation", headers=d.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "self_evaluation_submitted"


async def test_general_procedure_with_make_up_end_to_end(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    # home before binding
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "binding" and r.json()["bound"] is False
    # the institution issues a one-time credential; the physician binds and sets a new password
    r = await client.post(
        f"{A}/credentials", json={"id_number": d.id_number, "name": d.name}, headers=await w.h(w.inst_reviewer)
    )
    assert r.status_code == 201, r.text
    credential = r.json()["credential"]
    assert len(credential) >= 10 and credential != "666666"
    r = await client.post(
        f"{A}/binding",
        json={
            "province_code": "110000",
            "id_number": d.id_number,
            "name": d.name,
            "credential": credential,
            "new_password": PASSWORD,
        },
        headers=d.headers,
    )
    assert r.status_code == 201, r.text
    user = await User.get(id=d.user.id)
    assert user.password_hash and await verify_password(user.password_hash, PASSWORD)
    assert user.must_change_password is False
    # the notice comes first
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "user_notice"
    r = await client.get(f"{A}/enrolment", headers=d.headers)
    assert r.status_code == 403 and code(r) == "USER_NOTICE_REQUIRED"
    r = await client.get(f"{A}/notice", headers=d.headers)
    assert r.json()["accepted"] is False and "告知" in r.json()["title"]
    await af.accept(client, d)
    # enrolment pre-filled from the registry
    r = await client.get(f"{A}/enrolment", headers=d.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["registry"]["practice"]["institution_name"] == "朝阳示范医院"
    assert body["specialty"] == "内科专业" and "*" in body["personal"]["id_number"]
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201 and r.json()["current_step"] == "enrolment_review"
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "WRONG_STEP"
    assert await ReviewItem.filter(kind="assessment_enrolment").count() == 1
    await af.review_all(client, w, "assessment_enrolment")
    assessment = await Assessment.get(user_id=d.user.id)
    assert assessment.status == AssessmentStatus.ENROLLED and assessment.enrolment["specialty"] == "内科专业"
    # general procedure, self-evaluation, two reviews
    r = await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    assert r.status_code == 200 and r.json()["procedure"] == "general"
    await _self_evaluate(client, d)
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "professional_exam"
    # humanities is not open before the professional exam
    try:
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="humanities")
        raise AssertionError("humanities must wait")
    except errors.ExamNotAllowed:
        pass
    # professional exam failed once → make-up → passed
    first = await _exam(d.user.id, "professional", 40, False, "att-1")
    assert first.is_make_up is False and first.province_code == "110000"
    assert (await Assessment.get(id=assessment.id)).status == AssessmentStatus.SELF_EVALUATED
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "professional_make_up"
    second = await _exam(d.user.id, "professional", 75, True, "att-2")
    assert second.is_make_up is True
    # a repeated report of one attempt changes nothing
    await af.report_scored(
        user_id=d.user.id,
        assessment_id=assessment.id,
        exam_kind="professional",
        attempt_ref="att-2",
        score=75,
        passed=True,
        is_make_up=True,
    )
    assert len((await Assessment.get(id=assessment.id)).exam_records) == 2
    r = await client.get(f"{A}/result", headers=d.headers)
    assert r.status_code == 409 and code(r) == "RESULT_NOT_READY"
    r = await client.get(f"{A}/result/notice.pdf", headers=d.headers)
    assert r.status_code == 409 and code(r) == "RESULT_NOT_READY"
    await _exam(d.user.id, "humanities", 88, True, "att-3")
    done = await Assessment.get(id=assessment.id)
    assert done.status == AssessmentStatus.PASSED and done.verification_code
    event = await OutboxEvent.get(kind="assessment.result_ready")
    assert event.payload == {"assessment_id": done.id, "result": "passed", "verification_code": done.verification_code}
    # result, PDF, public check
    r = await client.get(f"{A}/result", headers=d.headers)
    assert r.status_code == 200 and r.json()["assessment"]["result"] == "passed"
    r = await client.get(f"{A}/result/notice.pdf", headers=d.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "考核结果通知书" in text and "合格" in text and done.verification_code in text
    r = await client.get(f"/api/v1/public/result-notices/{done.verification_code}")
    assert r.status_code == 200
    assert r.json() == {"valid": True, "name": "李*明", "result": "passed", "cycle_name": w.cycle.name}
    r = await client.get("/api/v1/public/result-notices/NOTAREALCODE1234")
    assert r.status_code == 404 and code(r) == "RESULT_NOTICE_NOT_FOUND"
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "result"
    # another physician has no result to print; reviewers cannot use the physician's routes
    r = await client.get(f"{A}/result/notice.pdf", headers=w.other_doctor.headers)
    assert r.status_code == 403 and code(r) == "ASSESSMENT_NOT_BOUND"
    r = await client.get(f"{A}/result/notice.pdf", headers=await w.h(w.office))
    assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"


async def test_simplified_procedure_end_to_end(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    # simplified needs ticked conditions and proof
    r = await client.put(f"{A}/procedure", json={"procedure": "simplified", "conditions": []}, headers=d.headers)
    assert r.status_code == 422
    r = await client.put(
        f"{A}/procedure", json={"procedure": "simplified", "conditions": ["good_record_5y"]}, headers=d.headers
    )
    assert r.status_code == 422 and code(r) == "PROOF_REQUIRED"
    assert (await Assessment.get(user_id=d.user.id)).procedure is None
    proof = await af.upload(client, d)
    r = await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [proof]},
        headers=d.headers,
    )
    assert r.status_code == 200 and r.json()["procedure"] == "simplified"
    # the work report is required for the simplified procedure
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    r = await client.post(f"{A}/self-evaluation", headers=d.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "work_report"
    assert (await Assessment.get(user_id=d.user.id)).status == AssessmentStatus.PROCEDURE_CHOSEN
    await _self_evaluate(client, d, report=True)
    item = await ReviewItem.get(kind=SELF_EVALUATION_KIND)
    assert item.attachments == [{"proof_id": proof}] and item.payload["procedure"] == "simplified"
    # the institution reviewer opens the proof
    r = await client.get(f"{A}/proofs/{proof}", headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and r.content == af.PDF and "attachment" in r.headers["content-disposition"]
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    try:
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
        raise AssertionError("simplified needs no professional exam")
    except errors.ExamNotAllowed:
        pass
    await _exam(d.user.id, "humanities", 30, False, "h-1")
    a = await Assessment.get(user_id=d.user.id)
    assert a.status == AssessmentStatus.FAILED and a.procedure == Procedure.SIMPLIFIED
    r = await client.get(f"/api/v1/public/result-notices/{a.verification_code.lower()}")  # type: ignore[union-attr]
    assert r.json()["result"] == "failed"


async def test_general_procedure_with_exemption(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    proof = await af.upload(client, d, af.PNG, "award.png")
    # exemption only after the self-evaluation passed
    r = await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": [proof]}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "WRONG_STEP"
    await _self_evaluate(client, d)
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    r = await client.post(f"{A}/exemption", json={"reason": "made_up", "proof_ids": [proof]}, headers=d.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": []}, headers=d.headers)
    assert r.status_code == 422
    assert not await ReviewItem.filter(kind=EXEMPTION_KIND).exists()
    r = await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": [proof]}, headers=d.headers)
    assert r.status_code == 201 and r.json()["exemption_status"] == "pending"
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "exemption_review"
    await af.review_all(client, w, EXEMPTION_KIND)
    a = await Assessment.get(user_id=d.user.id)
    assert a.exemption_status == ExemptionStatus.APPROVED
    await _exam(d.user.id, "humanities", 90, True, "h-1")
    assert (await Assessment.get(id=a.id)).status == AssessmentStatus.PASSED


async def test_failed_make_up_fails_and_rejected_self_evaluation_fails(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d, other = w.doctor, w.other_doctor
    await af.enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await _self_evaluate(client, d)
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    # the office's pass mark (kept by the exams part) is what the exam is scored by: 65 under 70 fails
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 70, "humanities_pass_mark": 60}, headers=await w.h(w.office)
    )
    assert r.status_code == 200
    await _exam(d.user.id, "professional", 65, False, "p-1")
    a = await Assessment.get(user_id=d.user.id)
    assert a.professional_passed is False
    await _exam(d.user.id, "professional", 50, False, "p-2")
    a = await Assessment.get(id=a.id)
    assert a.status == AssessmentStatus.FAILED and a.professional_make_up_used
    try:
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
        raise AssertionError("no second make-up")
    except errors.WrongStep:
        pass
    # rejected self-evaluation (工作成绩、职业道德不合格) fails the assessment
    await af.enrolled(client, w, other)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=other.headers)
    await _self_evaluate(client, other)
    await af.review_all(client, w, SELF_EVALUATION_KIND, action="reject")
    b = await Assessment.get(user_id=other.user.id)
    assert b.status == AssessmentStatus.FAILED
    assert await OutboxEvent.filter(kind="assessment.result_ready").count() == 2
    assert await AuditEntry.filter(action="assessment.result_decided").count() == 2
