"""The whole periodic assessment through real HTTP and the real hooks (no stubs between the parts).

bind → user notice → enrolment (institution, office) → procedure → self-evaluation (institution, office)
→ face consent + capture → professional exam (law gate, make-up) or exemption → humanities exam → result,
notice PDF, public check, and the notices in the inbox. Exams reach the assessment and proctoring only through the
hooks wired in ``server/wiring.py``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pypdf import PdfReader

from server.assessment.models import Assessment, AssessmentStatus, ExemptionStatus, Procedure
from server.assessment.reviews import ENROLMENT_KIND, EXEMPTION_KIND, SELF_EVALUATION_KIND
from server.common.models import OutboxEvent
from server.exams import tasks as exam_tasks
from server.exams.models import Attempt, AttemptStatus
from server.notifications import dispatch
from server.notifications.models import InboxMessage
from server.proctoring.models import FaceCapture, FaceImage, ProctoredAttempt, ProctorFlag
from server.workflow.models import ReviewItem, ReviewStatus
from tests.assessment import factories as af
from tests.assessment.factories import PASSWORD, A, code
from tests.exams import factories as ef
from tests.proctoring import factories as pf

E = "/api/v1/exams"
P = "/api/v1/proctoring"
DEVICE = "phone-journey"
DEV = {"X-Device-Id": DEVICE}


async def _setup() -> af.World:
    """An assessment world with every window open, a small question bank and the cycle's exam rules."""
    w = await af.world()
    await ef.small_bank()
    await ef.small_definitions(cycle_id=w.cycle.id, province_code="110000")
    return w


async def _assessment(d: af.Doctor) -> Assessment:
    return await Assessment.get(user_id=d.user.id)


async def _review_twice(client: httpx.AsyncClient, w: af.World, kind: str) -> None:
    """Institution then office approve the one pending item of ``kind`` through /api/v1/reviews/*."""
    item = await ReviewItem.get(kind=kind, status=ReviewStatus.PENDING)
    r = await client.get("/api/v1/reviews/queue", headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and item.id in [i["id"] for i in r.json()["items"]], r.text
    await af.review_all(client, w, kind)
    item = await ReviewItem.get(id=item.id)
    assert item.status == ReviewStatus.APPROVED


async def _bound_and_enrolled(client: httpx.AsyncClient, w: af.World, d: af.Doctor) -> Assessment:
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "binding" and r.json()["bound"] is False
    # the institution issues a one-time credential, the physician binds with it
    r = await client.post(
        f"{A}/credentials", json={"id_number": d.id_number, "name": d.name}, headers=await w.h(w.inst_reviewer)
    )
    assert r.status_code == 201, r.text
    credential = r.json()["credential"]
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
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "user_notice"
    await af.accept(client, d)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201 and r.json()["current_step"] == "enrolment_review", r.text
    await _review_twice(client, w, ENROLMENT_KIND)
    a = await _assessment(d)
    assert a.status == AssessmentStatus.ENROLLED
    return a


async def _self_evaluated(client: httpx.AsyncClient, w: af.World, d: af.Doctor, *, report: bool = False) -> None:
    fields = {
        "practice_record": "无不良执业行为",
        "work_performance": "完成门诊 3000 人次",
        "professional_ethics": "遵守",
    }
    if report:
        fields["work_report"] = "本周期述职报告"
    r = await client.put(f"{A}/self-evaluation", json=fields, headers=d.headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"{A}/self-evaluation", headers=d.headers)
    assert r.status_code == 200 and r.json()["status"] == "self_evaluation_submitted", r.text
    await _review_twice(client, w, SELF_EVALUATION_KIND)
    assert (await _assessment(d)).status == AssessmentStatus.SELF_EVALUATED


async def _capture(client: httpx.AsyncClient, d: af.Doctor, exam_kind: str) -> str:
    """Consent (idempotent) and an accepted capture of a real frame; returns the capture id."""
    r = await client.get(f"{P}/consent", headers=d.headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/consent", json={"version": r.json()["version"]}, headers=d.headers)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{P}/captures",
        data={"exam_kind": exam_kind},
        files={"image": ("frame.jpg", pf.ok_frame(), "image/jpeg")},
        headers=d.headers,
    )
    assert r.status_code == 201 and r.json()["accepted"] is True, r.text
    capture_id = str(r.json()["capture_id"])
    row = await FaceCapture.get(capture_id=capture_id)
    assert row.user_id == d.user.id and row.attempt_ref is None  # type: ignore[attr-defined]
    return capture_id


async def _start(client: httpx.AsyncClient, d: af.Doctor, kind: str, capture_id: str) -> dict[str, Any]:
    r = await client.post(
        f"{E}/{kind}/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert body["status"] == "in_progress" and body["exam_kind"] == kind
    ref = body["attempt_ref"]
    # the capture is claimed by this attempt and proctoring follows it
    assert (await FaceCapture.get(capture_id=capture_id)).attempt_ref == ref
    proctored = await ProctoredAttempt.get(attempt_ref=ref)
    assert proctored.closed_at is None
    return body


async def _answer_section(client: httpx.AsyncClient, d: af.Doctor, ref: str, section: str, *, right: bool) -> None:
    """Answer every question of ``section`` shown by the server; right answers read from the database."""
    r = await client.get(f"{E}/attempts/{ref}", headers={**d.headers, **DEV})
    assert r.status_code == 200, r.text
    shown = [q for q in r.json()["questions"] if q["section"] == section]
    assert shown
    key = await ef.answer_key(ref)
    for q in shown:
        k = key[q["question_ref"]]
        assert {o["option_id"] for o in q["options"]} >= set(k["right"])
        option_ids = k["right"] if right else k["wrong"]
        r = await client.put(
            f"{E}/attempts/{ref}/answers/{q['question_ref']}",
            json={"option_ids": option_ids, "seq": 1},
            headers={**d.headers, **DEV},
        )
        assert r.status_code == 200 and r.json()["question_ref"] == q["question_ref"], r.text


async def _finish(client: httpx.AsyncClient, d: af.Doctor, ref: str, section: str) -> dict[str, Any]:
    r = await client.post(f"{E}/attempts/{ref}/sections/{section}/finish", headers={**d.headers, **DEV})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _submit(client: httpx.AsyncClient, d: af.Doctor, ref: str) -> dict[str, Any]:
    r = await client.post(f"{E}/attempts/{ref}/submit", headers={**d.headers, **DEV})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _professional(client: httpx.AsyncClient, d: af.Doctor, *, pass_law: bool = True) -> str:
    """One professional attempt: law section, then (if the law gate lets through) the professional section."""
    capture_id = await _capture(client, d, "professional")
    body = await _start(client, d, "professional", capture_id)
    ref = str(body["attempt_ref"])
    assert body["current_section"] == "law" and {q["section"] for q in body["questions"]} == {"law"}
    await _answer_section(client, d, ref, "law", right=pass_law)
    body = await _finish(client, d, ref, "law")
    if not pass_law:
        assert body["status"] == "scored"
        return ref
    assert body["status"] == "in_progress" and body["current_section"] == "professional"
    await _answer_section(client, d, ref, "professional", right=True)
    body = await _submit(client, d, ref)
    assert body["status"] == "scored"
    return ref


async def _humanities(client: httpx.AsyncClient, d: af.Doctor) -> str:
    capture_id = await _capture(client, d, "humanities")
    body = await _start(client, d, "humanities", capture_id)
    ref = str(body["attempt_ref"])
    await _answer_section(client, d, ref, "humanities", right=True)
    assert (await _submit(client, d, ref))["status"] == "scored"
    return ref


async def _scored(ref: str) -> Attempt:
    attempt = await Attempt.get(ref=ref)
    assert attempt.status == AttemptStatus.SCORED
    assert (await ProctoredAttempt.get(attempt_ref=ref)).closed_at is not None  # proctoring's close_attempt ran
    return attempt


async def _my_exams(client: httpx.AsyncClient, d: af.Doctor) -> dict[str, dict[str, Any]]:
    r = await client.get(E, headers=d.headers)
    assert r.status_code == 200, r.text
    return {e["exam_kind"]: e for e in r.json()["items"]}


async def _check_result(client: httpx.AsyncClient, w: af.World, d: af.Doctor, *, result: str) -> Assessment:
    a = await _assessment(d)
    assert a.status == (AssessmentStatus.PASSED if result == "passed" else AssessmentStatus.FAILED)
    assert a.verification_code and a.result_decided_at is not None
    r = await client.get(f"{A}/result", headers=d.headers)
    assert r.status_code == 200 and r.json()["assessment"]["result"] == result, r.text
    r = await client.get(f"{A}/result/notice.pdf", headers=d.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "考核结果通知书" in text and a.verification_code in text
    r = await client.get(f"/api/v1/public/result-notices/{a.verification_code}")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["result"] == result
    assert r.json()["cycle_name"] == w.cycle.name and d.id_number not in r.text
    # face images taken for this cycle now count their retention from the result
    images = await FaceImage.filter(user_id=d.user.id)
    assert images and all(i.result_at == a.result_decided_at for i in images)
    return a


async def _inbox(client: httpx.AsyncClient, d: af.Doctor) -> list[dict[str, Any]]:
    await dispatch.drain(max_seconds=20)
    assert not await OutboxEvent.filter(user_id=d.user.id, dispatched_at=None).exists()
    r = await client.get("/api/v1/inbox?limit=50", headers=d.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_general_procedure_journey(client: httpx.AsyncClient) -> None:
    w = await _setup()
    d = w.doctor
    a = await _bound_and_enrolled(client, w, d)
    r = await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    assert r.status_code == 200 and r.json()["procedure"] == "general"
    # no exam before the self-evaluation passed both reviews
    capture_id = await _capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED", r.text
    assert not await Attempt.exists() and (await FaceCapture.get(capture_id=capture_id)).attempt_ref is None
    await _self_evaluated(client, w, d)
    exams = await _my_exams(client, d)
    assert exams["professional"]["status"] == "available" and exams["professional"]["question_count"] == 7
    assert exams["humanities"]["status"] == "not_available" and "业务水平" in exams["humanities"]["reason"]
    # humanities waits for the professional exam
    r = await client.post(
        f"{E}/humanities/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED"
    assert (await FaceCapture.get(capture_id=capture_id)).attempt_ref is None

    ref = await _professional(client, d)
    attempt = await _scored(ref)
    assert attempt.passed is True and attempt.score == 100.0
    assert attempt.assessment_id == a.id and attempt.cycle_id == w.cycle.id and attempt.is_make_up is False
    a = await _assessment(d)
    assert a.status == AssessmentStatus.SELF_EVALUATED and a.professional_passed is True
    assert a.professional_score == 100.0 and [r["attempt_ref"] for r in a.exam_records] == [ref]
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "humanities_exam", r.json()
    r = await client.get(f"{E}/results", headers=d.headers)
    assert r.status_code == 200 and [x["attempt_ref"] for x in r.json()["items"]] == [ref], r.text

    h_ref = await _humanities(client, d)
    attempt = await _scored(h_ref)
    assert attempt.passed is True and attempt.assessment_id == a.id
    a = await _check_result(client, w, d, result="passed")
    assert a.humanities_passed is True and {r["exam_kind"] for r in a.exam_records} == {"professional", "humanities"}

    # the events went out in the scoring transactions, and reach the inbox
    events = await OutboxEvent.filter(user_id=d.user.id).order_by("id")
    scored = [e.payload for e in events if e.kind == "exam.scored"]
    assert scored == [
        {"exam_kind": "professional", "score": 100.0, "passed": True, "attempt_ref": ref, "is_make_up": False},
        {"exam_kind": "humanities", "score": 100.0, "passed": True, "attempt_ref": h_ref, "is_make_up": False},
    ]
    ready = [e.payload for e in events if e.kind == "assessment.result_ready"]
    assert ready == [{"assessment_id": a.id, "result": "passed", "verification_code": a.verification_code}]
    kinds = [m["kind"] for m in await _inbox(client, d)]
    assert kinds.count("exam.scored") == 2 and kinds.count("assessment.result_ready") == 1, kinds
    assert "review.decided" in kinds
    assert await InboxMessage.filter(user_id=d.user.id, kind="assessment.result_ready").count() == 1
    # a finished assessment opens no further exam
    capture_id = await _capture(client, d, "humanities")
    r = await client.post(
        f"{E}/humanities/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "WRONG_STEP"
    assert await Attempt.filter(user_id=d.user.id).count() == 2


async def test_failed_professional_then_make_up(client: httpx.AsyncClient) -> None:
    w = await _setup()
    d = w.doctor
    await _bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await _self_evaluated(client, w, d)
    # the law section below its pass mark ends the attempt failed
    first = await _professional(client, d, pass_law=False)
    attempt = await _scored(first)
    assert attempt.passed is False and attempt.is_make_up is False
    a = await _assessment(d)
    assert a.status == AssessmentStatus.SELF_EVALUATED and a.professional_passed is False
    assert a.professional_score == attempt.score and a.professional_make_up_used is False
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "professional_make_up"
    exams = await _my_exams(client, d)
    assert exams["professional"]["status"] == "make_up_available" and exams["professional"]["is_make_up"] is True
    # a used capture does not open the make-up
    used = await FaceCapture.get(attempt_ref=first)
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": used.capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "FACE_CAPTURE_REQUIRED"
    assert await Attempt.filter(user_id=d.user.id).count() == 1
    second = await _professional(client, d)
    attempt = await _scored(second)
    assert attempt.passed is True and attempt.is_make_up is True
    a = await _assessment(d)
    assert a.professional_passed is True and a.professional_make_up_used is True and a.professional_score == 100.0
    # no third professional attempt
    capture_id = await _capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED"
    assert await Attempt.filter(user_id=d.user.id).count() == 2
    await _humanities(client, d)
    await _check_result(client, w, d, result="passed")
    inbox = await _inbox(client, d)
    kinds = [m["kind"] for m in inbox]
    assert kinds.count("exam.scored") == 3 and kinds.count("assessment.result_ready") == 1, kinds
    by_ref = {m["data"].get("attempt_ref"): m for m in inbox if m["kind"] == "exam.scored"}
    assert "不合格" in by_ref[first]["body"] and "补考" in by_ref[first]["body"]
    assert "合格" in by_ref[second]["body"] and "补考" not in by_ref[second]["body"]


async def test_exemption_then_abandoned_humanities_auto_submitted(client: httpx.AsyncClient) -> None:
    w = await _setup()
    d = w.doctor
    await _bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await _self_evaluated(client, w, d)
    proof = await af.upload(client, d, af.PNG, "award.png")
    r = await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": [proof]}, headers=d.headers)
    assert r.status_code == 201 and r.json()["exemption_status"] == "pending", r.text
    await _review_twice(client, w, EXEMPTION_KIND)
    a = await _assessment(d)
    assert a.exemption_status == ExemptionStatus.APPROVED and a.procedure == Procedure.GENERAL
    # exempted: no professional exam, straight to humanities
    capture_id = await _capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED" and not await Attempt.exists()
    capture_id = await _capture(client, d, "humanities")
    body = await _start(client, d, "humanities", capture_id)
    ref = body["attempt_ref"]
    # a snapshot in its slot during the exam is accepted (the schedule made due by moving the start back)
    proctored = await ProctoredAttempt.get(attempt_ref=ref)
    started = proctored.started_at - timedelta(seconds=105)
    await ProctoredAttempt.filter(id=proctored.id).update(snapshot_offsets=[100, 200], started_at=started)
    r = await client.post(
        f"{P}/attempts/{ref}/snapshots",
        files={"image": ("snap.jpg", pf.ok_frame(), "image/jpeg")},
        headers=d.headers,
    )
    assert r.status_code == 201 and r.json()["accepted"] is True and r.json()["slot"] == 0, r.text
    await _answer_section(client, d, ref, "humanities", right=True)
    # the physician walks away (the second snapshot never comes); the deadline job finds the attempt open and
    # early, then late
    await ProctoredAttempt.filter(id=proctored.id).update(started_at=started - timedelta(seconds=300))
    assert await exam_tasks.auto_submit_attempt({}, ref) == "rescheduled"
    assert (await Attempt.get(ref=ref)).status == AttemptStatus.IN_PROGRESS
    await Attempt.filter(ref=ref).update(deadline_at=datetime.now(UTC) - timedelta(minutes=5))
    assert await exam_tasks.auto_submit_attempt({}, ref) == "scored"
    attempt = await _scored(ref)
    assert attempt.end_reason == "deadline" and attempt.passed is True and attempt.score == 100.0
    assert await exam_tasks.auto_submit_attempt({}, ref) == "already_scored"
    # proctoring closed the attempt in the scoring transaction and flagged the missed slot for the office
    flag = await ProctorFlag.get(attempt__attempt_ref=ref)
    assert flag.reason == "snapshot_missed" and flag.slot == 1 and flag.region_code == "110105"
    r = await client.get(f"{P}/flags", headers=await w.h(w.office))
    assert [(i["attempt_ref"], i["reason"]) for i in r.json()["items"]] == [(ref, "snapshot_missed")], r.text
    r = await client.get(f"{P}/flags", headers=await w.h(w.other_office))
    assert r.json()["items"] == []
    a = await _check_result(client, w, d, result="passed")
    assert a.humanities_score == 100.0 and [r["attempt_ref"] for r in a.exam_records] == [ref]
    kinds = [m["kind"] for m in await _inbox(client, d)]
    assert kinds.count("exam.scored") == 1 and kinds.count("assessment.result_ready") == 1, kinds


async def test_simplified_procedure_humanities_failed(client: httpx.AsyncClient) -> None:
    w = await _setup()
    d = w.doctor
    await _bound_and_enrolled(client, w, d)
    proof = await af.upload(client, d)
    r = await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [proof]},
        headers=d.headers,
    )
    assert r.status_code == 200 and r.json()["procedure"] == "simplified", r.text
    await _self_evaluated(client, w, d, report=True)
    capture_id = await _capture(client, d, "humanities")
    body = await _start(client, d, "humanities", capture_id)
    ref = body["attempt_ref"]
    await _answer_section(client, d, ref, "humanities", right=False)
    await _submit(client, d, ref)
    attempt = await _scored(ref)
    assert attempt.passed is False and attempt.score == 0.0
    a = await _check_result(client, w, d, result="failed")
    assert a.humanities_passed is False and a.procedure == Procedure.SIMPLIFIED
    ready = await OutboxEvent.get(kind="assessment.result_ready", user_id=d.user.id)
    assert ready.payload["result"] == "failed"
    # the humanities exam has no make-up: its notice must not promise one
    notices = {m["kind"]: m for m in await _inbox(client, d)}
    assert "不合格" in notices["exam.scored"]["body"] and "补考" not in notices["exam.scored"]["body"]
    assert "不合格" in notices["assessment.result_ready"]["body"]


async def test_office_pass_mark_decides_and_make_up_follows(client: httpx.AsyncClient) -> None:
    """The office's pass mark (above the paper's section marks) fails an attempt the paper alone would pass: the
    attempt, its notice and the make-up all follow the assessment's decision."""
    w = await _setup()
    d = w.doctor
    await _bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await _self_evaluated(client, w, d)
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 80, "humanities_pass_mark": 60}, headers=await w.h(w.office)
    )
    assert r.status_code == 200, r.text
    capture_id = await _capture(client, d, "professional")
    ref = (await _start(client, d, "professional", capture_id))["attempt_ref"]
    await _answer_section(client, d, ref, "law", right=True)
    await _finish(client, d, ref, "law")
    # half of the professional section right: at its pass mark (50), overall 71.4 below the office's 80
    key = await ef.answer_key(ref)
    for i, (qref, k) in enumerate(sorted((q, k) for q, k in key.items() if k["section"] == "professional")):
        r = await client.put(
            f"{E}/attempts/{ref}/answers/{qref}",
            json={"option_ids": k["right"] if i % 2 == 0 else k["wrong"], "seq": 1},
            headers={**d.headers, **DEV},
        )
        assert r.status_code == 200, r.text
    body = await _submit(client, d, ref)
    attempt = await _scored(ref)
    assert attempt.score == 71.4 and attempt.section_scores == {"law": 100.0, "professional": 50.0}
    a = await _assessment(d)
    assert a.professional_passed is False and a.status == AssessmentStatus.SELF_EVALUATED
    assert attempt.passed is False and body["passed"] is False
    event = await OutboxEvent.get(kind="exam.scored", user_id=d.user.id)
    assert event.payload["passed"] is False
    exams = await _my_exams(client, d)
    assert exams["professional"]["status"] == "make_up_available"
    second = await _professional(client, d)
    assert (await _scored(second)).is_make_up is True
    assert (await _assessment(d)).professional_passed is True
