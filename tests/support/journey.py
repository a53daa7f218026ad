"""The periodic assessment walked through real HTTP, a step at a time: what the journey tests share.

Nothing here stands in for a part: reviews go through /api/v1/reviews, exams through /api/v1/exams with real face
captures, and the parts meet only through their events.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
from pypdf import PdfReader

from server.assessment.models import Assessment, AssessmentStatus
from server.assessment.reviews import ENROLMENT_KIND, SELF_EVALUATION_KIND
from server.common.models import OutboxEvent
from server.exams.models import Attempt, AttemptStatus
from server.notifications.drain import drain
from server.proctoring.models import FaceCapture, FaceImage, ProctoredAttempt
from server.workflow.models import ReviewItem, ReviewStatus
from tests.support import assessment as af
from tests.support import exams as ef
from tests.support import proctoring as pf
from tests.support.assessment import PASSWORD, A

E = "/api/v1/exams"
P = "/api/v1/proctoring"
DEVICE = "phone-journey"
DEV = {"X-Device-Id": DEVICE}


async def setup() -> af.World:
    """An assessment world with every window open, a small question bank and the cycle's exam rules."""
    w = await af.world()
    await ef.small_bank()
    await ef.small_definitions(cycle_id=w.cycle.id, province_code="110000")
    return w


async def assessment(d: af.Doctor) -> Assessment:
    return await Assessment.get(user_id=d.user.id)


async def review_twice(client: httpx.AsyncClient, w: af.World, kind: str) -> None:
    """Institution then office approve the one pending item of ``kind`` through /api/v1/reviews/*."""
    item = await ReviewItem.get(kind=kind, status=ReviewStatus.PENDING)
    r = await client.get("/api/v1/reviews/queue", headers=await w.h(w.inst_reviewer))
    assert r.status_code == 200 and item.id in [i["id"] for i in r.json()["items"]], r.text
    await af.review_all(client, w, kind)
    item = await ReviewItem.get(id=item.id)
    assert item.status == ReviewStatus.APPROVED


async def bound_and_enrolled(client: httpx.AsyncClient, w: af.World, d: af.Doctor) -> Assessment:
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
    await review_twice(client, w, ENROLMENT_KIND)
    a = await assessment(d)
    assert a.status == AssessmentStatus.ENROLLED
    return a


async def self_evaluated(client: httpx.AsyncClient, w: af.World, d: af.Doctor, *, report: bool = False) -> None:
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
    await review_twice(client, w, SELF_EVALUATION_KIND)
    assert (await assessment(d)).status == AssessmentStatus.SELF_EVALUATED


async def capture(client: httpx.AsyncClient, d: af.Doctor, exam_kind: str) -> str:
    """Consent (idempotent) and an accepted capture of a real frame; returns the capture id."""
    r = await client.get(f"{P}/consent", headers=d.headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/consent", json={"version": r.json()["version"]}, headers=d.headers)
    assert r.status_code == 201, r.text
    r = await client.get(f"{P}/consent/comparison", headers=d.headers)
    body = {"version": r.json()["version"], "accepted": True}
    r = await client.post(f"{P}/consent/comparison", json=body, headers=d.headers)
    assert r.status_code == 200 and r.json()["accepted"] is True, r.text
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


async def start(client: httpx.AsyncClient, d: af.Doctor, kind: str, capture_id: str) -> dict[str, Any]:
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


async def answer_section(client: httpx.AsyncClient, d: af.Doctor, ref: str, section: str, *, right: bool) -> None:
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


async def finish(client: httpx.AsyncClient, d: af.Doctor, ref: str, section: str) -> dict[str, Any]:
    r = await client.post(f"{E}/attempts/{ref}/sections/{section}/finish", headers={**d.headers, **DEV})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def submit(client: httpx.AsyncClient, d: af.Doctor, ref: str) -> dict[str, Any]:
    r = await client.post(f"{E}/attempts/{ref}/submit", headers={**d.headers, **DEV})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def professional(client: httpx.AsyncClient, d: af.Doctor, *, pass_law: bool = True) -> str:
    """One professional attempt: law section, then (if the law gate lets through) the professional section."""
    capture_id = await capture(client, d, "professional")
    body = await start(client, d, "professional", capture_id)
    ref = str(body["attempt_ref"])
    assert body["current_section"] == "law" and {q["section"] for q in body["questions"]} == {"law"}
    await answer_section(client, d, ref, "law", right=pass_law)
    body = await finish(client, d, ref, "law")
    if not pass_law:
        assert body["status"] == "scored"
        return ref
    assert body["status"] == "in_progress" and body["current_section"] == "professional"
    await answer_section(client, d, ref, "professional", right=True)
    body = await submit(client, d, ref)
    assert body["status"] == "scored"
    return ref


async def humanities(client: httpx.AsyncClient, d: af.Doctor) -> str:
    capture_id = await capture(client, d, "humanities")
    body = await start(client, d, "humanities", capture_id)
    ref = str(body["attempt_ref"])
    await answer_section(client, d, ref, "humanities", right=True)
    assert (await submit(client, d, ref))["status"] == "scored"
    return ref


async def scored(ref: str) -> Attempt:
    attempt = await Attempt.get(ref=ref)
    assert attempt.status == AttemptStatus.SCORED
    assert (await ProctoredAttempt.get(attempt_ref=ref)).closed_at is not None  # proctoring's close_attempt ran
    return attempt


async def my_exams(client: httpx.AsyncClient, d: af.Doctor) -> dict[str, dict[str, Any]]:
    r = await client.get(E, headers=d.headers)
    assert r.status_code == 200, r.text
    return {e["exam_kind"]: e for e in r.json()["items"]}


async def check_result(
    client: httpx.AsyncClient, w: af.World, d: af.Doctor, *, result: str, specialty: str | None = None
) -> Assessment:
    """The result, its notice PDF (naming ``specialty``'s line when given) and its public check."""
    a = await assessment(d)
    assert a.status == (AssessmentStatus.PASSED if result == "passed" else AssessmentStatus.FAILED)
    assert a.verification_code and a.result_decided_at is not None
    r = await client.get(f"{A}/result", headers=d.headers)
    assert r.status_code == 200 and r.json()["assessment"]["result"] == result, r.text
    r = await client.get(f"{A}/result/notice.pdf", headers=d.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "考核结果通知书" in text and a.verification_code in text
    if specialty is not None:
        assert f"考核专业：{specialty}" in text.replace(" ", ""), text
    r = await client.get(f"/api/v1/public/result-notices/{a.verification_code}")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["result"] == result
    assert r.json()["cycle_name"] == w.cycle.name and d.id_number not in r.text
    # face images taken for this cycle now count their retention from the result
    images = await FaceImage.filter(user_id=d.user.id)
    assert images and all(i.result_at == a.result_decided_at for i in images)
    return a


async def inbox(client: httpx.AsyncClient, d: af.Doctor) -> list[dict[str, Any]]:
    await drain(max_seconds=20)
    assert not await OutboxEvent.filter(user_id=d.user.id, dispatched_at=None).exists()
    r = await client.get("/api/v1/inbox?limit=50", headers=d.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def appeal(
    client: httpx.AsyncClient, w: af.World, d: af.Doctor, *, reason: str, decision: str = "approve", note: str
) -> dict[str, Any]:
    """成绩申诉 of this cycle's result, from the results page, with a file; the district office decides it through
    /api/v1/reviews (``decision``: approve with ``note`` as what happens next, or reject with it as the reason)."""
    r = await client.get(f"{A}/results", headers=d.headers)
    assert r.status_code == 200, r.text
    current = next(i for i in r.json()["items"] if i["is_current"])
    assert current["result"] is not None and current["appeal"]["allowed"] is True, current
    r = await client.post(
        f"{A}/results/{current['assessment_id']}/appeals",
        data={"reason": reason},
        files={"file": ("成绩说明.pdf", af.PDF, "application/pdf")},
        headers=d.headers,
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    filed = r.json()
    office = await w.h(w.county_office)
    r = await client.get("/api/v1/reviews/queue", headers=office)
    assert filed["review_item_id"] in [i["id"] for i in r.json()["items"]], r.text
    r = await client.get(filed["file_url"], headers=office)
    assert r.status_code == 200 and r.content == af.PDF
    body = {"comment": note} if decision == "approve" else {"reason": note}
    r = await client.post(f"/api/v1/reviews/items/{filed['review_item_id']}/{decision}", json=body, headers=office)
    assert r.status_code == 200, r.text
    r = await client.get(f"{A}/appeals/{filed['id']}", headers=d.headers)
    assert r.status_code == 200 and r.json()["decision_note"] == note, r.text
    return dict(r.json())
