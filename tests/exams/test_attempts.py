"""Attempts over HTTP: start, resume, answer saves (idempotent, ordered, durable), device lock, deadline, law gate,
submit, make-up, results and the auto-submit job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from server.common.models import AuditEntry, OutboxEvent
from server.exams import tasks
from server.exams.models import Answer, Attempt, AttemptStatus
from tests.support import exams as ef
from tests.support import factories as f
from tests.support.exams import ExamWorld

DEV = {"X-Device-Id": "phone-1"}


async def start(client: httpx.AsyncClient, w: ExamWorld, kind: str = "professional", **body: Any) -> httpx.Response:
    payload = {"capture_id": "cap-ok", "device_id": "phone-1", **body}
    return await client.post(f"/_test/exams/{kind}/attempts", json=payload, headers=w.headers)


async def save(
    client: httpx.AsyncClient,
    w: ExamWorld,
    ref: str,
    qref: str,
    option_ids: list[str],
    seq: int,
    device: str = "phone-1",
) -> httpx.Response:
    return await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}",
        json={"option_ids": option_ids, "seq": seq},
        headers={**w.headers, "X-Device-Id": device},
    )


async def answer_section(client: httpx.AsyncClient, w: ExamWorld, ref: str, section: str, right: bool) -> None:
    key = await ef.answer_key(ref)
    for qref, k in key.items():
        if k["section"] == section:
            r = await save(client, w, ref, qref, k["right"] if right else k["wrong"], 1)
            assert r.status_code == 200, r.text


async def test_start_gives_own_paper_without_answers(client: httpx.AsyncClient, world: ExamWorld) -> None:
    r = await start(client, world)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "in_progress" and body["current_section"] == "law"
    # the professional questions stay closed until the law section is passed
    assert [q["section"] for q in body["questions"]] == ["law"] * 3
    assert [s["status"] for s in body["sections"]] == ["open", "locked"]
    text = r.text
    assert 'answer"' not in text.replace('"answers"', "") and "explanation" not in text and "解析" not in text
    started = datetime.fromisoformat(body["started_at"])
    assert datetime.fromisoformat(body["deadline_at"]) - started == timedelta(hours=1)
    attempt = await Attempt.get(ref=body["attempt_ref"])
    assert attempt.user_id == world.physician.id and attempt.assessment_id == 100 + world.physician.id
    # option ids are random per attempt: a second candidate's paper shares none of them
    other = await client.post(
        "/_test/exams/professional/attempts",
        json={"capture_id": "cap-ok", "device_id": "p2"},
        headers=world.other_headers,
    )
    assert other.status_code == 201
    ids1 = {o["option_id"] for q in body["questions"] for o in q["options"]}
    ids2 = {o["option_id"] for q in other.json()["questions"] for o in q["options"]}
    assert not ids1 & ids2
    assert not {q["question_ref"] for q in body["questions"]} & {q["question_ref"] for q in other.json()["questions"]}
    assert await AuditEntry.filter(action="exam.attempt_started").count() == 2


async def test_the_real_start_route_asks_the_assessment(client: httpx.AsyncClient, world: ExamWorld) -> None:
    # /api/v1/exams/{kind}/attempts belongs to the assessment: a physician without an assessment record cannot start
    r = await client.post(
        "/api/v1/exams/professional/attempts", json={"capture_id": "cap-ok", "device_id": "p1"}, headers=world.headers
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "ASSESSMENT_NOT_BOUND"
    assert await Attempt.all().count() == 0


async def test_not_eligible_and_capture_refused(client: httpx.AsyncClient, world: ExamWorld) -> None:
    world.hooks.eligible = False
    r = await start(client, world)
    assert r.json()["error"]["code"] == "EXAM_NOT_AVAILABLE"
    world.hooks.eligible = True
    world.hooks.capture_required = True  # a real proctoring capture must be claimed: "cap-bad" is none
    r = await start(client, world, capture_id="cap-bad")
    assert r.status_code == 409 and r.json()["error"]["code"] == "FACE_CAPTURE_REQUIRED"
    world.hooks.capture_required = False
    assert await Attempt.all().count() == 0  # the start transaction rolled back
    world.hooks.window_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    r = await start(client, world)
    assert r.json()["error"]["code"] == "EXAM_NOT_AVAILABLE"
    assert await Attempt.all().count() == 0


async def test_start_bad_input(client: httpx.AsyncClient, world: ExamWorld) -> None:
    r = await start(client, world, kind="surgery")
    assert r.status_code == 422 and r.json()["error"]["field"] == "exam_kind"
    r = await client.post("/_test/exams/humanities/attempts", json={"capture_id": "cap-ok"}, headers=world.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await client.post("/_test/exams/humanities/attempts", json={"capture_id": "x", "device_id": "d"})
    assert r.status_code == 401
    assert await Attempt.all().count() == 0


async def test_start_is_idempotent_per_device_and_refuses_second_device(
    client: httpx.AsyncClient, world: ExamWorld
) -> None:
    first = await start(client, world)
    again = await start(client, world)
    assert again.status_code == 200 and again.json()["attempt_ref"] == first.json()["attempt_ref"]
    other = await start(client, world, device_id="tablet-9")
    assert other.status_code == 409 and other.json()["error"]["code"] == "EXAM_DEVICE_MISMATCH"
    assert await Attempt.all().count() == 1
    ref = first.json()["attempt_ref"]
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers={**world.headers, "X-Device-Id": "tablet-9"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_DEVICE_MISMATCH"
    key = await ef.answer_key(ref)
    qref = next(q for q, k in key.items() if k["section"] == "law")
    r = await save(client, world, ref, qref, key[qref]["right"], 1, device="tablet-9")
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_DEVICE_MISMATCH"
    assert await Answer.all().count() == 0
    assert await AuditEntry.filter(action="exam.device_mismatch", actor_id=world.physician.id).count() == 3
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers=world.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DEVICE_ID_REQUIRED"


async def test_save_resume_idempotent_and_stale(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    qref = next(q for q, k in key.items() if k["section"] == "law" and k["type"] == "single")
    right, wrong = key[qref]["right"], key[qref]["wrong"]
    r = await save(client, world, ref, qref, wrong, 5)
    assert r.status_code == 200, r.text
    ack = r.json()
    assert ack["applied"] is True and ack["seq"] == 5 and ack["question_ref"] == qref
    assert "deadline_at" in ack and "server_time" in ack
    # the same save twice is one version
    r = await save(client, world, ref, qref, wrong, 5)
    assert r.status_code == 200 and r.json()["applied"] is False
    # a newer save wins, a late stale one never overwrites it
    assert (await save(client, world, ref, qref, right, 7)).json()["applied"] is True
    r = await save(client, world, ref, qref, wrong, 6)
    assert r.status_code == 200 and r.json()["applied"] is False
    rows = await Answer.filter(attempt__ref=ref)
    assert len(rows) == 1 and rows[0].seq == 7 and rows[0].option_ids == f'["{right[0]}"]'
    # resume returns every acknowledged answer and the server's deadline
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers={**world.headers, **DEV})
    assert r.status_code == 200
    body = r.json()
    assert body["answers"] == [{"question_ref": qref, "option_ids": right, "seq": 7}]
    assert datetime.fromisoformat(body["deadline_at"]) > datetime.fromisoformat(body["server_time"])
    # clearing an answer is a save too
    assert (await save(client, world, ref, qref, [], 8)).json()["applied"] is True


async def test_save_bad_input_changes_nothing(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    single = next(q for q, k in key.items() if k["section"] == "law" and k["type"] == "single")
    cases = [
        (single, {"option_ids": ["nope"], "seq": 1}, 422, "OPTION_INVALID"),
        (single, {"option_ids": key[single]["right"] + key[single]["wrong"], "seq": 1}, 422, "OPTION_INVALID"),
        (single, {"option_ids": key[single]["right"], "seq": -1}, 422, "VALIDATION_FAILED"),
        (single, {"option_ids": "x", "seq": 1}, 422, "VALIDATION_FAILED"),
        ("unknown-ref", {"option_ids": [], "seq": 1}, 404, "QUESTION_NOT_FOUND"),
    ]
    for qref, payload, status, code in cases:
        r = await client.put(
            f"/api/v1/exams/attempts/{ref}/answers/{qref}", json=payload, headers={**world.headers, **DEV}
        )
        assert r.status_code == status and r.json()["error"]["code"] == code, (payload, r.text)
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{single}", content=b"{", headers={**world.headers, **DEV}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_JSON"
    assert await Answer.all().count() == 0


async def test_other_physicians_attempt_is_not_found(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    qref = next(iter(key))
    other = {**world.other_headers, **DEV}
    assert (await client.get(f"/api/v1/exams/attempts/{ref}", headers=other)).status_code == 404
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}", json={"option_ids": [], "seq": 1}, headers=other
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "ATTEMPT_NOT_FOUND"
    assert (await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers=other)).status_code == 404
    assert (await client.post(f"/api/v1/exams/attempts/{ref}/sections/law/finish", headers=other)).status_code == 404
    assert (await Attempt.get(ref=ref)).status == AttemptStatus.IN_PROGRESS
    assert await Answer.all().count() == 0


async def test_law_gate_blocks_then_opens_professional(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    prof = next(q for q, k in key.items() if k["section"] == "professional")
    r = await save(client, world, ref, prof, key[prof]["right"], 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "SECTION_LOCKED"
    r = await client.post(
        f"/api/v1/exams/attempts/{ref}/sections/professional/finish", headers={**world.headers, **DEV}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "SECTION_NOT_CURRENT"
    await answer_section(client, world, ref, "law", right=True)
    r = await client.post(f"/api/v1/exams/attempts/{ref}/sections/law/finish", headers={**world.headers, **DEV})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["current_section"] == "professional" and body["sections"][0]["score"] == 100.0
    assert {q["section"] for q in body["questions"]} == {"law", "professional"}
    law = next(q for q, k in key.items() if k["section"] == "law")
    r = await save(client, world, ref, law, key[law]["wrong"], 9)
    assert r.status_code == 409 and r.json()["error"]["code"] == "SECTION_CLOSED"
    await answer_section(client, world, ref, "professional", right=True)
    r = await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "scored" and body["passed"] is True and body["score"] == 100.0
    assert body["questions"] == [] and body["end_reason"] == "submitted"
    assert world.hooks.results == [
        {
            "user_id": world.physician.id,
            "assessment_id": 100 + world.physician.id,
            "cycle_id": 1,
            "exam_kind": "professional",
            "attempt_ref": ref,
            "score": 100.0,
            "passed": True,
            "is_make_up": False,
            "specialty": "internal_medicine",
            "section_scores": {"law": 100.0, "professional": 100.0},
        }
    ]
    events = await OutboxEvent.filter(kind="exam.scored")
    assert [e.payload for e in events] == [
        {"exam_kind": "professional", "score": 100.0, "passed": True, "attempt_ref": ref, "is_make_up": False}
    ]
    # a repeated submit returns the same result and emits nothing new
    again = await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    assert again.json()["score"] == 100.0 and await OutboxEvent.filter(kind="exam.scored").count() == 1
    r = await save(client, world, ref, prof, key[prof]["wrong"], 50)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ATTEMPT_CLOSED"


async def test_law_gate_fails_the_attempt(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    await answer_section(client, world, ref, "law", right=False)
    r = await client.post(f"/api/v1/exams/attempts/{ref}/sections/law/finish", headers={**world.headers, **DEV})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "scored" and body["passed"] is False and body["end_reason"] == "law_gate"
    attempt = await Attempt.get(ref=ref)
    assert attempt.section_scores["law"] == 0.0 and attempt.passed is False
    assert world.hooks.results[0]["passed"] is False
    assert await OutboxEvent.filter(kind="exam.scored", user_id=world.physician.id).count() == 1


async def test_deadline_is_the_servers(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    law = [q for q, k in key.items() if k["section"] == "law"]
    past = datetime.now(UTC) - timedelta(seconds=30)
    await Attempt.filter(ref=ref).update(started_at=past - timedelta(hours=1), deadline_at=past)
    from server.exams import hot

    await hot.forget_cached_state(attempt_ref=ref)
    # within the grace period an in-flight save is still accepted
    assert (await save(client, world, ref, law[0], key[law[0]]["right"], 1)).status_code == 200
    past = datetime.now(UTC) - timedelta(seconds=61)
    await Attempt.filter(ref=ref).update(deadline_at=past)
    await hot.forget_cached_state(attempt_ref=ref)
    r = await save(client, world, ref, law[1], key[law[1]]["right"], 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ATTEMPT_CLOSED"
    assert await Answer.filter(attempt__ref=ref).count() == 1
    # reading an overdue attempt scores it with what was acknowledged
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers={**world.headers, **DEV})
    body = r.json()
    assert body["status"] == "scored" and body["end_reason"] == "deadline" and body["passed"] is False
    assert (await Attempt.get(ref=ref)).section_scores["law"] == 33.3


async def test_auto_submit_task(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world, kind="humanities")).json()["attempt_ref"]
    assert await tasks.auto_submit_attempt({}, ref) == "rescheduled"
    assert (await Attempt.get(ref=ref)).status == AttemptStatus.IN_PROGRESS
    await answer_section(client, world, ref, "humanities", right=True)
    await Attempt.filter(ref=ref).update(deadline_at=datetime.now(UTC) - timedelta(minutes=2))
    assert await tasks.auto_submit_attempt({}, ref) == "scored"
    attempt = await Attempt.get(ref=ref)
    assert attempt.status == AttemptStatus.SCORED and attempt.passed is True and attempt.end_reason == "deadline"
    assert await tasks.auto_submit_attempt({}, ref) == "already_scored"
    assert await tasks.auto_submit_attempt({}, "no-such-ref") == "missing"
    assert await OutboxEvent.filter(kind="exam.scored").count() == 1
    assert len(world.hooks.results) == 1


async def test_sweep_scores_forgotten_attempts(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world, kind="humanities")).json()["attempt_ref"]
    await Attempt.filter(ref=ref).update(deadline_at=datetime.now(UTC) - timedelta(hours=1))
    assert await tasks.sweep_overdue_attempts({}) == 1
    assert (await Attempt.get(ref=ref)).status == AttemptStatus.SCORED


async def test_make_up_once_after_failure(client: httpx.AsyncClient, world: ExamWorld) -> None:
    # make-up before any failure is refused
    world.hooks.is_make_up = True
    r = await start(client, world, kind="humanities")
    assert r.status_code == 409 and r.json()["error"]["code"] == "MAKE_UP_NOT_ALLOWED"
    world.hooks.is_make_up = False
    ref = (await start(client, world, kind="humanities")).json()["attempt_ref"]
    failed = await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    assert failed.json()["passed"] is False
    r = await start(client, world, kind="humanities")
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_ATTEMPTS_EXHAUSTED"
    world.hooks.is_make_up = True
    r = await start(client, world, kind="humanities")
    assert r.status_code == 201 and r.json()["is_make_up"] is True
    ref2 = r.json()["attempt_ref"]
    await client.post(f"/api/v1/exams/attempts/{ref2}/submit", headers={**world.headers, **DEV})
    r = await start(client, world, kind="humanities")
    assert r.status_code == 409 and r.json()["error"]["code"] == "MAKE_UP_USED"
    assert await Attempt.filter(user_id=world.physician.id).count() == 2
    assert world.hooks.results[-1]["is_make_up"] is True
    results = (await client.get("/api/v1/exams/results", headers=world.headers)).json()["items"]
    assert [x["attempt_ref"] for x in results] == [ref2, ref] and results[0]["is_make_up"] is True


async def test_passed_exam_cannot_be_taken_again(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world, kind="humanities")).json()["attempt_ref"]
    await answer_section(client, world, ref, "humanities", right=True)
    await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    world.hooks.is_make_up = True
    r = await start(client, world, kind="humanities")
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_ALREADY_PASSED"
    mine = (await client.get("/_test/exams", headers=world.headers)).json()["items"]
    hum = next(x for x in mine if x["exam_kind"] == "humanities")
    assert hum["status"] == "passed" and hum["best_score"] == 100.0 and hum["question_count"] == 4


async def test_my_exams_list(client: httpx.AsyncClient, world: ExamWorld) -> None:
    mine = (await client.get("/_test/exams", headers=world.headers)).json()["items"]
    assert {x["exam_kind"]: x["status"] for x in mine} == {"humanities": "available", "professional": "available"}
    ref = (await start(client, world)).json()["attempt_ref"]
    mine = (await client.get("/_test/exams", headers=world.headers)).json()["items"]
    prof = next(x for x in mine if x["exam_kind"] == "professional")
    assert prof["status"] == "in_progress" and prof["attempt_ref"] == ref and prof["duration_minutes"] == 60
    world.hooks.eligible = False
    mine = (await client.get("/_test/exams", headers=world.other_headers)).json()["items"]
    assert {x["status"] for x in mine} == {"not_available"} and mine[0]["reason"] == "考试窗口未开放"
    reviewer_headers = await _office_headers()
    assert (await client.get("/_test/exams", headers=reviewer_headers)).status_code == 403


async def _office_headers() -> dict[str, str]:
    return await f.auth_headers(await f.office_reviewer("110000"))


async def test_concurrent_saves_never_lose_an_acknowledged_answer(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await start(client, world, kind="humanities")).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    refs = list(key)

    async def one(i: int) -> tuple[str, int, int]:
        qref = refs[i % len(refs)]
        r = await save(client, world, ref, qref, key[qref]["right"], i)
        return qref, i, r.status_code

    results = await asyncio.gather(*(one(i) for i in range(40)))
    assert all(status == 200 for _, _, status in results)
    stored = {a.question_ref: a.seq for a in await Answer.filter(attempt__ref=ref)}
    for qref, seq, _ in results:
        assert stored[qref] >= seq
    assert stored == {q: max(i for r, i, _ in results if r == q) for q in refs}

    # saves racing a submit: every acknowledged one is in the scored paper
    async def late(i: int) -> tuple[str, int, int]:
        qref = refs[i % len(refs)]
        r = await save(client, world, ref, qref, key[qref]["wrong"], 100 + i)
        return qref, 100 + i, r.status_code

    submit = client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    outcome = await asyncio.gather(submit, *(late(i) for i in range(20)))
    assert outcome[0].status_code == 200
    stored = {a.question_ref: a.seq for a in await Answer.filter(attempt__ref=ref)}
    for qref, seq, status in outcome[1:]:  # type: ignore[misc]
        assert status in (200, 409)
        if status == 200:
            assert stored[qref] >= seq
    # the score was taken from exactly the answers stored (none slipped in after it)
    from server.exams import scoring

    attempt = await Attempt.get(ref=ref)
    assert await scoring.section_scores(attempt) == attempt.section_scores


async def test_save_needs_a_live_physician_session(client: httpx.AsyncClient, world: ExamWorld) -> None:
    from server.common.auth import SESSION_KEY, decode_access_token
    from server.redis import get_redis

    ref = (await start(client, world)).json()["attempt_ref"]
    key = await ef.answer_key(ref)
    qref = next(q for q, k in key.items() if k["section"] == "law")
    assert (await save(client, world, ref, qref, key[qref]["right"], 1)).status_code == 200
    # log-out ends saving at once, although the token's signature was verified before
    sid = decode_access_token(world.headers["Authorization"].split()[1]).session_id
    await get_redis().delete(SESSION_KEY.format(sid=sid))
    r = await save(client, world, ref, qref, key[qref]["wrong"], 2)
    assert r.status_code == 401 and r.json()["error"]["code"] == "SESSION_ENDED"
    office = await _office_headers()
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}", json={"option_ids": [], "seq": 3}, headers={**office, **DEV}
    )
    assert r.status_code == 403
    r = await client.put(f"/api/v1/exams/attempts/{ref}/answers/{qref}", json={"option_ids": [], "seq": 3})
    assert r.status_code == 401
    assert (await Answer.get(attempt__ref=ref, question_ref=qref)).seq == 1


async def test_the_pass_mark_shown_is_the_pass_mark_used(client: httpx.AsyncClient, world: ExamWorld) -> None:
    """One pass mark: the definition's, shown on the paper and applied at scoring (3 of 4 right = 75)."""
    from server.exams.models import ExamDefinition

    definition = await ExamDefinition.get(exam_kind="humanities")
    definition.sections = [{**definition.sections[0], "pass_mark": 80.0}]
    await definition.save()
    r = await start(client, world, kind="humanities")
    assert [s["pass_mark"] for s in r.json()["sections"]] == [80.0]
    ref = r.json()["attempt_ref"]
    key = await ef.answer_key(ref)
    for n, (qref, k) in enumerate(key.items()):
        await save(client, world, ref, qref, k["right"] if n else k["wrong"], 1)
    done = await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})
    assert done.json()["score"] == 75.0 and done.json()["passed"] is False
    assert world.hooks.results[0]["passed"] is False
    event = await OutboxEvent.get(kind="exam.scored")
    assert event.payload["passed"] is False and event.payload["score"] == 75.0
