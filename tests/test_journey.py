"""The whole periodic assessment through real HTTP and the real parts (no stubs between them).

bind → user notice → enrolment (institution, office) → procedure → self-evaluation (institution, office)
→ face consent + capture → professional exam (law gate, make-up) or exemption → humanities exam → result,
notice PDF, public check, and the notices in the inbox. The parts meet only through their public faces and events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from server.assessment.models import AssessmentStatus, ExemptionStatus, Procedure
from server.assessment.reviews import EXEMPTION_KIND
from server.common.models import OutboxEvent
from server.exams import tasks as exam_tasks
from server.exams.models import Attempt, AttemptStatus
from server.notifications.models import InboxMessage
from server.proctoring.models import FaceCapture, ProctoredAttempt, ProctorFlag
from tests.support import assessment as af
from tests.support import exams as ef
from tests.support import journey
from tests.support import proctoring as pf
from tests.support.assessment import A, code
from tests.support.journey import DEV, DEVICE, E, P

pytestmark = pytest.mark.system


async def test_general_procedure_journey(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    a = await journey.bound_and_enrolled(client, w, d)
    r = await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    assert r.status_code == 200 and r.json()["procedure"] == "general"
    # no exam before the self-evaluation passed both reviews
    capture_id = await journey.capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED", r.text
    assert not await Attempt.exists() and (await FaceCapture.get(capture_id=capture_id)).attempt_ref is None
    await journey.self_evaluated(client, w, d)
    exams = await journey.my_exams(client, d)
    assert exams["professional"]["status"] == "available" and exams["professional"]["question_count"] == 7
    # 报考专业 内科专业 is examined in internal medicine: the exam page names it before the start
    assert (exams["professional"]["specialty"], exams["professional"]["specialty_name"]) == (
        "internal_medicine",
        "内科",
    )
    assert exams["humanities"]["status"] == "not_available" and "业务水平" in exams["humanities"]["reason"]
    # humanities waits for the professional exam
    r = await client.post(
        f"{E}/humanities/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED"
    assert (await FaceCapture.get(capture_id=capture_id)).attempt_ref is None

    ref = await journey.professional(client, d)
    attempt = await journey.scored(ref)
    assert attempt.passed is True and attempt.score == 100.0
    assert attempt.assessment_id == a.id and attempt.cycle_id == w.cycle.id and attempt.is_make_up is False
    assert attempt.specialty == "internal_medicine" and await ef.paper_specialties(ref) == {"internal_medicine"}
    a = await journey.assessment(d)
    assert a.status == AssessmentStatus.SELF_EVALUATED and a.professional_passed is True
    assert a.professional_score == 100.0 and [r["attempt_ref"] for r in a.exam_records] == [ref]
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "humanities_exam", r.json()
    r = await client.get(f"{E}/results", headers=d.headers)
    assert r.status_code == 200 and [x["attempt_ref"] for x in r.json()["items"]] == [ref], r.text
    assert r.json()["items"][0]["specialty_name"] == "内科"

    h_ref = await journey.humanities(client, d)
    attempt = await journey.scored(h_ref)
    assert attempt.passed is True and attempt.assessment_id == a.id
    a = await journey.check_result(client, w, d, result="passed", specialty="内科专业（业务水平测评专业：内科）")
    shown = (await client.get(f"{A}/result", headers=d.headers)).json()["assessment"]
    assert (shown["specialty"], shown["exam_specialty"], shown["exam_specialty_name"]) == (
        "内科专业",
        "internal_medicine",
        "内科",
    )
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
    kinds = [m["kind"] for m in await journey.inbox(client, d)]
    assert kinds.count("exam.scored") == 2 and kinds.count("assessment.result_ready") == 1, kinds
    assert "review.decided" in kinds
    assert await InboxMessage.filter(user_id=d.user.id, kind="assessment.result_ready").count() == 1
    # a finished assessment opens no further exam
    capture_id = await journey.capture(client, d, "humanities")
    r = await client.post(
        f"{E}/humanities/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "WRONG_STEP"
    assert await Attempt.filter(user_id=d.user.id).count() == 2


async def test_failed_professional_then_make_up(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await journey.self_evaluated(client, w, d)
    # the law section below its pass mark ends the attempt failed
    first = await journey.professional(client, d, pass_law=False)
    attempt = await journey.scored(first)
    assert attempt.passed is False and attempt.is_make_up is False
    a = await journey.assessment(d)
    assert a.status == AssessmentStatus.SELF_EVALUATED and a.professional_passed is False
    assert a.professional_score == attempt.score and a.professional_make_up_used is False
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "professional_make_up"
    exams = await journey.my_exams(client, d)
    assert exams["professional"]["status"] == "make_up_available" and exams["professional"]["is_make_up"] is True
    # a used capture does not open the make-up
    used = await FaceCapture.get(attempt_ref=first)
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": used.capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "FACE_CAPTURE_REQUIRED"
    assert await Attempt.filter(user_id=d.user.id).count() == 1
    second = await journey.professional(client, d)
    attempt = await journey.scored(second)
    assert attempt.passed is True and attempt.is_make_up is True
    assert attempt.specialty == "internal_medicine" and await ef.paper_specialties(second) == {"internal_medicine"}
    a = await journey.assessment(d)
    assert a.professional_passed is True and a.professional_make_up_used is True and a.professional_score == 100.0
    # no third professional attempt
    capture_id = await journey.capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED"
    assert await Attempt.filter(user_id=d.user.id).count() == 2
    await journey.humanities(client, d)
    await journey.check_result(client, w, d, result="passed")
    inbox = await journey.inbox(client, d)
    kinds = [m["kind"] for m in inbox]
    assert kinds.count("exam.scored") == 3 and kinds.count("assessment.result_ready") == 1, kinds
    by_ref = {m["data"].get("attempt_ref"): m for m in inbox if m["kind"] == "exam.scored"}
    assert "不合格" in by_ref[first]["body"] and "补考" in by_ref[first]["body"]
    assert "合格" in by_ref[second]["body"] and "补考" not in by_ref[second]["body"]
    # the physician questions the result; the district office upholds it and says what it will do next
    note = "经核查补考答卷，成绩无误但计分说明有误，考核机构将重新出具考核结果通知书"
    decided = await journey.appeal(client, w, d, reason="补考成绩与预估不符，请核查", note=note)
    assert decided["status"] == "upheld"
    inbox = await journey.inbox(client, d)
    told = [m for m in inbox if m["kind"] == "assessment.appeal_decided"]
    assert len(told) == 1 and "申诉成立" in told[0]["body"] and note in told[0]["body"], told
    assert not [
        m for m in inbox if m["kind"] == "review.decided" and m["data"].get("item_id") == decided["review_item_id"]
    ]


async def test_exemption_then_abandoned_humanities_auto_submitted(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await journey.self_evaluated(client, w, d)
    proof = await af.upload(client, d, af.PNG, "award.png")
    r = await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": [proof]}, headers=d.headers)
    assert r.status_code == 201 and r.json()["exemption_status"] == "pending", r.text
    await journey.review_twice(client, w, EXEMPTION_KIND)
    a = await journey.assessment(d)
    assert a.exemption_status == ExemptionStatus.APPROVED and a.procedure == Procedure.GENERAL
    # exempted: no professional exam, straight to humanities
    capture_id = await journey.capture(client, d, "professional")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": capture_id, "device_id": DEVICE}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "EXAM_NOT_ALLOWED" and not await Attempt.exists()
    capture_id = await journey.capture(client, d, "humanities")
    body = await journey.start(client, d, "humanities", capture_id)
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
    await journey.answer_section(client, d, ref, "humanities", right=True)
    # the physician walks away (the second snapshot never comes); the deadline job finds the attempt open and
    # early, then late
    await ProctoredAttempt.filter(id=proctored.id).update(started_at=started - timedelta(seconds=300))
    assert await exam_tasks.auto_submit_attempt({}, ref) == "rescheduled"
    assert (await Attempt.get(ref=ref)).status == AttemptStatus.IN_PROGRESS
    await Attempt.filter(ref=ref).update(deadline_at=datetime.now(UTC) - timedelta(minutes=5))
    assert await exam_tasks.auto_submit_attempt({}, ref) == "scored"
    attempt = await journey.scored(ref)
    assert attempt.end_reason == "deadline" and attempt.passed is True and attempt.score == 100.0
    assert await exam_tasks.auto_submit_attempt({}, ref) == "already_scored"
    # proctoring closed the attempt in the scoring transaction and flagged the missed slot for the office
    flag = await ProctorFlag.get(attempt__attempt_ref=ref)
    assert flag.reason == "snapshot_missed" and flag.slot == 1 and flag.region_code == "110105"
    r = await client.get(f"{P}/flags", headers=await w.h(w.office))
    assert [(i["attempt_ref"], i["reason"]) for i in r.json()["items"]] == [(ref, "snapshot_missed")], r.text
    r = await client.get(f"{P}/flags", headers=await w.h(w.other_office))
    assert r.json()["items"] == []
    a = await journey.check_result(client, w, d, result="passed")
    assert a.humanities_score == 100.0 and [r["attempt_ref"] for r in a.exam_records] == [ref]
    kinds = [m["kind"] for m in await journey.inbox(client, d)]
    assert kinds.count("exam.scored") == 1 and kinds.count("assessment.result_ready") == 1, kinds


async def test_simplified_procedure_humanities_failed(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    proof = await af.upload(client, d)
    r = await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [proof]},
        headers=d.headers,
    )
    assert r.status_code == 200 and r.json()["procedure"] == "simplified", r.text
    await journey.self_evaluated(client, w, d, report=True)
    capture_id = await journey.capture(client, d, "humanities")
    body = await journey.start(client, d, "humanities", capture_id)
    ref = body["attempt_ref"]
    await journey.answer_section(client, d, ref, "humanities", right=False)
    await journey.submit(client, d, ref)
    attempt = await journey.scored(ref)
    assert attempt.passed is False and attempt.score == 0.0
    a = await journey.check_result(client, w, d, result="failed")
    assert a.humanities_passed is False and a.procedure == Procedure.SIMPLIFIED
    ready = await OutboxEvent.get(kind="assessment.result_ready", user_id=d.user.id)
    assert ready.payload["result"] == "failed"
    # the humanities exam has no make-up: its notice must not promise one
    notices = {m["kind"]: m for m in await journey.inbox(client, d)}
    assert "不合格" in notices["exam.scored"]["body"] and "补考" not in notices["exam.scored"]["body"]
    assert "不合格" in notices["assessment.result_ready"]["body"]


async def test_office_pass_mark_decides_and_make_up_follows(client: httpx.AsyncClient) -> None:
    """The office's pass mark is the one on the paper: shown to the candidate, applied at scoring; the attempt, its
    notice and the make-up all follow it."""
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await journey.self_evaluated(client, w, d)
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 80, "humanities_pass_mark": 60}, headers=await w.h(w.office)
    )
    assert r.status_code == 200, r.text
    capture_id = await journey.capture(client, d, "professional")
    started = await journey.start(client, d, "professional", capture_id)
    ref = started["attempt_ref"]
    assert {s["section"]: s["pass_mark"] for s in started["sections"]} == {"law": 60.0, "professional": 80.0}
    await journey.answer_section(client, d, ref, "law", right=True)
    await journey.finish(client, d, ref, "law")
    # half of the professional section right: 50, under the office's 80 shown on the paper
    key = await ef.answer_key(ref)
    for i, (qref, k) in enumerate(sorted((q, k) for q, k in key.items() if k["section"] == "professional")):
        r = await client.put(
            f"{E}/attempts/{ref}/answers/{qref}",
            json={"option_ids": k["right"] if i % 2 == 0 else k["wrong"], "seq": 1},
            headers={**d.headers, **DEV},
        )
        assert r.status_code == 200, r.text
    body = await journey.submit(client, d, ref)
    attempt = await journey.scored(ref)
    assert attempt.score == 71.4 and attempt.section_scores == {"law": 100.0, "professional": 50.0}
    a = await journey.assessment(d)
    assert a.professional_passed is False and a.status == AssessmentStatus.SELF_EVALUATED
    assert attempt.passed is False and body["passed"] is False
    event = await OutboxEvent.get(kind="exam.scored", user_id=d.user.id)
    assert event.payload["passed"] is False
    exams = await journey.my_exams(client, d)
    assert exams["professional"]["status"] == "make_up_available"
    second = await journey.professional(client, d)
    assert (await journey.scored(second)).is_make_up is True
    assert (await journey.assessment(d)).professional_passed is True
