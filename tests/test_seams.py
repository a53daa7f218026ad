"""Where the parts meet: what used to break in the seams, each through HTTP with the real parts.

- an office ruling a proctoring flag "invalidated" voids the attempt, and the assessment recounts (make-up rule);
- one pass mark: the office's, on the paper and in the score;
- a review decision whose owner cannot apply it is refused and rolled back;
- a withdrawal reaches the owner at once (no GET writes);
- an item of a kind nobody declares is an error, not a silent gap.
"""

from __future__ import annotations

from typing import Any

import httpx

from server.assessment.models import Assessment, AssessmentStatus
from server.assessment.reviews import ENROLMENT_KIND
from server.common.models import AuditEntry, OutboxEvent
from server.exams.models import Attempt, AttemptStatus
from server.workflow.models import ReviewItem, ReviewStatus
from tests.support import assessment as af
from tests.support import exams as ef
from tests.support import journey
from tests.support import proctoring as pf
from tests.support.assessment import A, code
from tests.support.journey import DEV, E, P


async def _general_and_self_evaluated(client: httpx.AsyncClient) -> tuple[af.World, af.Doctor]:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await journey.self_evaluated(client, w, d)
    return w, d


async def _snapshot_without_a_face(client: httpx.AsyncClient, d: af.Doctor, ref: str) -> None:
    r = await client.post(
        f"{P}/attempts/{ref}/snapshots",
        data={"slot": "0"},
        files={"image": ("s.jpg", pf.frames()["no_face"], "image/jpeg")},
        headers=d.headers,
    )
    assert r.status_code in (200, 201), r.text


async def _invalidate_the_flag_of(client: httpx.AsyncClient, w: af.World, ref: str) -> dict[str, Any]:
    office = await w.h(w.office)
    r = await client.get(f"{P}/flags", headers=office)
    assert r.status_code == 200, r.text
    flag = next(f for f in r.json()["items"] if f["attempt_ref"] == ref)
    r = await client.post(
        f"{P}/flags/{flag['id']}/decision", json={"decision": "invalidated", "reason": "考中抓拍无人像"}, headers=office
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_an_invalidated_professional_attempt_is_void_and_the_make_up_opens(client: httpx.AsyncClient) -> None:
    w, d = await _general_and_self_evaluated(client)
    capture_id = await journey.capture(client, d, "professional")
    ref = (await journey.start(client, d, "professional", capture_id))["attempt_ref"]
    await journey.answer_section(client, d, ref, "law", right=True)
    await journey.finish(client, d, ref, "law")
    await journey.answer_section(client, d, ref, "professional", right=True)
    await _snapshot_without_a_face(client, d, ref)
    assert (await journey.submit(client, d, ref))["passed"] is True
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "humanities_exam"

    await _invalidate_the_flag_of(client, w, ref)

    attempt = await Attempt.get(ref=ref)
    assert attempt.status == AttemptStatus.INVALIDATED and attempt.score is None and attempt.passed is False
    r = await client.get(f"{E}/results", headers=d.headers)
    mine = next(x for x in r.json()["items"] if x["attempt_ref"] == ref)
    assert mine["status"] == "invalidated" and mine["score"] is None and mine["invalidation_reason"] == "考中抓拍无人像"
    a = await journey.assessment(d)
    assert a.professional_passed is False and a.professional_score is None
    # the make-up rule: a first attempt that does not count leaves the one make-up
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "professional_make_up"
    exams = await journey.my_exams(client, d)
    assert exams["professional"]["status"] == "make_up_available" and exams["humanities"]["status"] == "not_available"
    # told and audited
    notice = await OutboxEvent.get(kind="exam.invalidated", user_id=d.user.id)
    assert notice.payload["attempt_ref"] == ref and notice.payload["reason"] == "考中抓拍无人像"
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"proctoring.flag_decided", "exam.attempt_invalidated", "assessment.exam_invalidated"} <= actions
    second = await journey.professional(client, d)
    assert (await journey.scored(second)).is_make_up is True
    assert (await journey.assessment(d)).professional_passed is True


async def test_an_invalidated_humanities_attempt_turns_a_pass_into_a_fail(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [await _proof(client, d)]},
        headers=d.headers,
    )
    await journey.self_evaluated(client, w, d, report=True)
    capture_id = await journey.capture(client, d, "humanities")
    ref = (await journey.start(client, d, "humanities", capture_id))["attempt_ref"]
    await journey.answer_section(client, d, ref, "humanities", right=True)
    await _snapshot_without_a_face(client, d, ref)
    await journey.submit(client, d, ref)
    passed = await journey.assessment(d)
    assert passed.status == AssessmentStatus.PASSED and passed.verification_code

    await _invalidate_the_flag_of(client, w, ref)

    failed = await journey.assessment(d)
    assert failed.status == AssessmentStatus.FAILED and failed.verification_code != passed.verification_code
    r = await client.get(f"/api/v1/public/result-notices/{passed.verification_code}")
    assert r.status_code == 404  # the old notice no longer verifies
    r = await client.get(f"/api/v1/public/result-notices/{failed.verification_code}")
    assert r.status_code == 200 and r.json()["result"] == "failed"
    changed = await OutboxEvent.get(kind="assessment.result_changed", user_id=d.user.id)
    assert changed.payload["previous_result"] == "passed" and changed.payload["result"] == "failed"
    assert await AuditEntry.exists(action="assessment.result_changed", subject_id=str(failed.id))


async def _proof(client: httpx.AsyncClient, d: af.Doctor) -> int:
    r = await client.post(f"{A}/proofs", files={"file": ("p.pdf", af.PDF)}, headers=d.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["items"][0]["id"])


async def test_the_pass_mark_the_office_sets_is_shown_and_used(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await journey.bound_and_enrolled(client, w, d)
    await client.put(
        f"{A}/procedure",
        json={"procedure": "simplified", "conditions": ["good_record_5y"], "proof_ids": [await _proof(client, d)]},
        headers=d.headers,
    )
    await journey.self_evaluated(client, w, d, report=True)
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 60, "humanities_pass_mark": 80}, headers=await w.h(w.office)
    )
    assert r.status_code == 200 and r.json()["humanities_pass_mark"] == 80
    exams = await journey.my_exams(client, d)
    assert exams["humanities"]["pass_marks"] == {"humanities": 80.0}
    capture_id = await journey.capture(client, d, "humanities")
    started = await journey.start(client, d, "humanities", capture_id)
    assert [s["pass_mark"] for s in started["sections"]] == [80.0]
    ref = started["attempt_ref"]
    # three of four right: 75, over the old 60 and under the office's 80
    key = await ef.answer_key(ref)
    for n, (qref, k) in enumerate(sorted(key.items())):
        r = await client.put(
            f"{E}/attempts/{ref}/answers/{qref}",
            json={"option_ids": k["right"] if n else k["wrong"], "seq": 1},
            headers={**d.headers, **DEV},
        )
        assert r.status_code == 200, r.text
    body = await journey.submit(client, d, ref)
    assert body["score"] == 75.0 and body["passed"] is False
    assert (await journey.assessment(d)).status == AssessmentStatus.FAILED


async def test_a_decision_the_owner_cannot_apply_is_refused_and_rolled_back(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201, r.text
    item = await ReviewItem.get(kind=ENROLMENT_KIND)
    r = await client.post(f"/api/v1/reviews/items/{item.id}/approve", json={}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200, r.text
    # the assessment moved on meanwhile (here: by hand) — the office's approval must not be recorded over it
    await Assessment.filter(user_id=d.user.id).update(status=AssessmentStatus.ENROLMENT_REJECTED)
    r = await client.post(f"/api/v1/reviews/items/{item.id}/approve", json={}, headers=await w.h(w.office))
    assert r.status_code == 409 and code(r) == "SUBJECT_CHANGED", r.text
    assert "刷新" in r.json()["error"]["message"]
    fresh = await ReviewItem.get(id=item.id)
    assert fresh.status == ReviewStatus.PENDING and fresh.current_step == 1
    assert (await journey.assessment(d)).status == AssessmentStatus.ENROLMENT_REJECTED
    assert not await AuditEntry.exists(action="review.approve", actor_id=w.office.id)


async def test_a_withdrawal_reaches_the_assessment_at_once(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    item = await ReviewItem.get(kind=ENROLMENT_KIND)
    r = await client.post(f"/api/v1/my/reviews/{item.id}/withdraw", headers=d.headers)
    assert r.status_code == 200, r.text
    # before any read: the withdrawal itself moved the assessment back to editable
    assert (await journey.assessment(d)).status == AssessmentStatus.ENROLMENT_RETURNED
    r = await client.get(f"{A}/home", headers=d.headers)
    assert r.json()["current_step"] == "enrolment"
    # the generic resubmit is refused for a kind its owner validates (the physician corrects the enrolment there)
    await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    again = await ReviewItem.filter(kind=ENROLMENT_KIND).order_by("-id").first()
    assert again is not None and again.id != item.id
    inst = await w.h(w.inst_reviewer)
    r = await client.post(f"/api/v1/reviews/items/{again.id}/return", json={"reason": "请核对"}, headers=inst)
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/my/reviews/{again.id}/resubmit", json={"payload": {}}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "RESUBMIT_ELSEWHERE" and "重新提交" in r.json()["error"]["message"]


async def test_an_item_of_an_undeclared_kind_is_an_error_not_a_gap(client: httpx.AsyncClient) -> None:
    w = await journey.setup()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    item = await ReviewItem.get(kind=ENROLMENT_KIND)
    await ReviewItem.filter(id=item.id).update(kind="assessment_removed_kind")
    r = await client.get(f"/api/v1/reviews/items/{item.id}", headers=await w.h(w.inst_reviewer))
    assert r.status_code == 500 and code(r) == "INTERNAL"  # logged with the kind, never shown as "not found"


async def test_the_institutions_correction_of_the_specialty_changes_the_next_paper_not_a_started_one(
    client: httpx.AsyncClient,
) -> None:
    """报考专业 from the assessment to the paper: corrected before the start, the paper follows; after, it is fixed."""
    w, d = await _general_and_self_evaluated(client)
    await ef.three_specialty_bank()  # pediatrics and surgery pools beside setup()'s internal medicine
    a = await journey.assessment(d)
    assert a.specialty == "内科专业"
    exams = await journey.my_exams(client, d)
    assert (
        exams["professional"]["specialty"] == "internal_medicine" and exams["professional"]["specialty_name"] == "内科"
    )
    url = f"{A}/enrolments/{a.id}/specialty"
    inst = await w.h(w.inst_reviewer)
    r = await client.put(url, json={"specialty": "儿科专业", "reason": "报名时选错"}, headers=inst)
    assert r.status_code == 200, r.text
    # a capture taken for the humanities exam does not start the professional one (issue 23.6)
    humanities_capture = await journey.capture(client, d, "humanities")
    r = await client.post(
        f"{E}/professional/attempts", json={"capture_id": humanities_capture, "device_id": "x"}, headers=d.headers
    )
    assert r.status_code == 409 and code(r) == "FACE_CAPTURE_REQUIRED"
    assert r.json()["error"]["details"] == {"reason": "other_exam", "captured_for": "humanities"}
    assert not await Attempt.exists()
    capture_id = await journey.capture(client, d, "professional")
    started = await journey.start(client, d, "professional", capture_id)
    assert started["specialty"] == "pediatrics" and started["specialty_name"] == "儿科"
    ref = started["attempt_ref"]
    assert await ef.paper_specialties(ref) == {"pediatrics"}
    # once started, the specialty is fixed: the correction is refused and the paper does not change
    r = await client.put(url, json={"specialty": "外科专业", "reason": "再次更正"}, headers=inst)
    assert (
        r.status_code == 409
        and code(r) == "SPECIALTY_FIXED"
        and r.json()["error"]["details"]["specialty"] == ("pediatrics")
    )
    assert (await journey.assessment(d)).specialty == "儿科专业"
    assert await ef.paper_specialties(ref) == {"pediatrics"}
    assert (await Attempt.get(ref=ref)).specialty == "pediatrics"
