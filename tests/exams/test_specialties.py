"""The professional exam follows each candidate's specialty (报考专业): the list of specialties, bank import, the
paper drawn only from the candidate's pool, the make-up, per-specialty rules, and a specialty that cannot be examined.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from server.common.models import OutboxEvent
from server.exams.models import Attempt, ExamDefinition, Question
from tests.support import exams as ef
from tests.support import factories as f
from tests.support.exams import ExamWorld

DEV = {"X-Device-Id": "phone-1"}
SCOPE_OF = {"internal_medicine": "内科专业", "pediatrics": "儿科专业", "surgery": "外科专业"}


def _as(world: ExamWorld, specialty: str | None, **extra: Any) -> None:
    """The candidacy the assessment would hand over for a physician enrolled in ``specialty``'s scope."""
    world.hooks.specialty = specialty
    world.hooks.practice_scope = SCOPE_OF.get(specialty or "", "特种医学与军事医学专业")
    for k, v in extra.items():
        setattr(world.hooks, k, v)


async def _start(client: httpx.AsyncClient, headers: dict[str, str], device: str = "phone-1") -> httpx.Response:
    return await client.post(
        "/_test/exams/professional/attempts", json={"capture_id": "cap-ok", "device_id": device}, headers=headers
    )


async def test_the_list_of_specialties_follows_the_practice_scopes(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/lookups/specialties")
    assert r.status_code == 200
    items = {s["code"]: s for s in r.json()["items"]}
    assert items["internal_medicine"] == {"code": "internal_medicine", "name": "内科", "practice_scopes": ["内科专业"]}
    assert items["pediatrics"]["practice_scopes"] == ["儿科专业"]
    assert "计划生育技术服务专业" in items["obstetrics_gynecology"]["practice_scopes"]
    assert r.headers["cache-control"].startswith("public")


async def test_each_candidate_is_examined_only_in_their_own_specialty(client: httpx.AsyncClient, db: None) -> None:
    await ef.three_specialty_bank()
    await ef.small_definitions()
    hooks = ef.Candidacy()
    ef.CURRENT[:] = [hooks]
    seen: dict[str, set[str | None]] = {}
    for specialty in ef.THREE_SPECIALTIES:
        hooks.specialty, hooks.practice_scope = specialty, SCOPE_OF[specialty]
        r = await _start(client, await f.auth_headers(await f.physician()))
        assert r.status_code == 201, r.text
        assert (
            r.json()["specialty"] == specialty
            and r.json()["specialty_name"]
            == dict(internal_medicine="内科", pediatrics="儿科", surgery="外科")[specialty]
        )
        seen[specialty] = await ef.paper_specialties(r.json()["attempt_ref"])
        assert await ef.paper_specialties(r.json()["attempt_ref"], "law") == {None}
    assert seen == {s: {s} for s in ef.THREE_SPECIALTIES}
    attempts = await Attempt.all().order_by("id").values_list("specialty", flat=True)
    assert list(attempts) == list(ef.THREE_SPECIALTIES)


async def test_a_specialty_short_of_questions_is_refused_and_the_office_told(
    client: httpx.AsyncClient, db: None
) -> None:
    await ef.three_specialty_bank(short="surgery")
    await ef.small_definitions()
    office = await f.office_reviewer("110000")
    await f.office_reviewer("310000")  # another province's office is not told
    hooks = ef.Candidacy(specialty="surgery", practice_scope="外科专业")
    ef.CURRENT[:] = [hooks]
    h = await f.auth_headers(await f.physician())
    # the exam page says so before the candidate takes a face capture for nothing
    mine = (await client.get("/_test/exams", headers=h)).json()["items"]
    prof = next(x for x in mine if x["exam_kind"] == "professional")
    assert prof["status"] == "not_available" and "外科专业" in prof["reason"] and "题目不足" in prof["reason"]
    assert prof["specialty_name"] == "外科"
    r = await _start(client, h)
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "SPECIALTY_NOT_EXAMINABLE" and "外科专业" in err["message"] and "题目不足" in err["message"]
    assert err["details"]["reason"] == "bank_short" and err["details"]["specialty"] == "surgery"
    assert not await Attempt.exists()  # no paper, and none from another specialty
    notices = await OutboxEvent.filter(kind="exam.specialty_unavailable")
    assert [(n.user_id, n.payload["specialty"], n.payload["reason"]) for n in notices] == [
        (office.id, "surgery", "bank_short")
    ]
    r = await _start(client, h)
    assert r.status_code == 409
    assert await OutboxEvent.filter(kind="exam.specialty_unavailable").count() == 1  # once a day, not per tap
    # a scope no specialty examines: refused with its own message, never a paper of "any professional question"
    hooks.specialty, hooks.practice_scope = None, "特种医学与军事医学专业"
    mine = (await client.get("/_test/exams", headers=h)).json()["items"]
    prof = next(x for x in mine if x["exam_kind"] == "professional")
    assert prof["status"] == "not_available" and "没有对应的考核专业" in prof["reason"]
    r = await _start(client, await f.auth_headers(await f.physician()))
    assert r.status_code == 409 and r.json()["error"]["details"]["reason"] == "unknown_specialty"
    assert "特种医学与军事医学专业" in r.json()["error"]["message"]
    assert not await Attempt.exists()
    # the other specialties are still examined
    hooks.specialty, hooks.practice_scope = "pediatrics", "儿科专业"
    r = await _start(client, await f.auth_headers(await f.physician()))
    assert r.status_code == 201 and await ef.paper_specialties(r.json()["attempt_ref"]) == {"pediatrics"}


async def test_the_make_up_keeps_the_first_attempts_specialty(client: httpx.AsyncClient, world: ExamWorld) -> None:
    await ef.three_specialty_bank()
    _as(world, "surgery")
    first = (await _start(client, world.headers)).json()
    done = await client.post(f"/api/v1/exams/attempts/{first['attempt_ref']}/submit", headers={**world.headers, **DEV})
    assert done.json()["passed"] is False
    _as(world, "pediatrics", is_make_up=True)  # what a later correction would hand over
    r = await _start(client, world.headers)
    assert r.status_code == 201 and r.json()["is_make_up"] is True and r.json()["specialty"] == "surgery"
    assert await ef.paper_specialties(r.json()["attempt_ref"]) == {"surgery"}


async def test_per_specialty_counts_and_pass_mark(client: httpx.AsyncClient, world: ExamWorld) -> None:
    """Pediatrics: 4 single-choice questions and a pass mark of 80; the others keep the exam's (2+2, 50)."""
    await ef.three_specialty_bank()
    h = await f.auth_headers(await f.office_reviewer("110000"))
    sections = [dict(s) for s in ef.SMALL_RULES["professional"]]
    sections[1]["by_specialty"] = {"pediatrics": {"counts": {"single": 4}, "pass_mark": 80.0}}
    body = {
        "cycle_id": 1,
        "province_code": "110000",
        "exam_kind": "professional",
        "duration_minutes": 60,
        "sections": sections,
    }
    r = await client.put("/api/v1/exams/admin/definitions", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["sections"][1]["by_specialty"]["pediatrics"] == {"counts": {"single": 4}, "pass_mark": 80.0}
    _as(world, "pediatrics")
    mine = (await client.get("/_test/exams", headers=world.headers)).json()["items"]
    prof = next(x for x in mine if x["exam_kind"] == "professional")
    assert prof["pass_marks"] == {"law": 60.0, "professional": 80.0} and prof["question_count"] == 7
    r = await _start(client, world.headers)
    ref = r.json()["attempt_ref"]
    assert [s["pass_mark"] for s in r.json()["sections"]] == [60.0, 80.0]
    key = await ef.answer_key(ref)
    prof_refs = [q for q, k in key.items() if k["section"] == "professional"]
    assert len(prof_refs) == 4
    for section in ("law", "professional"):  # all law right, 3 of 4 professional right: 75 < 80
        for qref, k in key.items():
            if k["section"] != section:
                continue
            r = await client.put(
                f"/api/v1/exams/attempts/{ref}/answers/{qref}",
                json={"option_ids": k["wrong"] if qref == prof_refs[0] else k["right"], "seq": 1},
                headers={**world.headers, **DEV},
            )
            assert r.status_code == 200, r.text
        if section == "law":
            await client.post(f"/api/v1/exams/attempts/{ref}/sections/law/finish", headers={**world.headers, **DEV})
    done = (await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**world.headers, **DEV})).json()
    assert done["sections"][1]["score"] == 75.0 and done["passed"] is False
    assert world.hooks.results[-1]["passed"] is False
    # an internal medicine candidate with the same share right passes on the exam's own mark of 50
    _as(world, "internal_medicine")
    r = await _start(client, world.other_headers, device="p2")
    assert [s["pass_mark"] for s in r.json()["sections"]] == [60.0, 50.0]
    assert r.json()["sections"][1]["question_count"] == 4


async def test_per_specialty_rules_refusals_change_nothing(client: httpx.AsyncClient, world: ExamWorld) -> None:
    h = await f.auth_headers(await f.office_reviewer("110000"))
    before = await ExamDefinition.get(exam_kind="professional")
    for by_specialty, field_code in (
        ({"dentistry_x": {"pass_mark": 70.0}}, "DEFINITION_INVALID"),
        ({"pediatrics": {"counts": {"single": 0}}}, "DEFINITION_INVALID"),
        ({"internal_medicine": {"counts": {"single": 50}}}, "BANK_INSUFFICIENT"),
    ):
        sections = [dict(s) for s in ef.SMALL_RULES["professional"]]
        sections[1]["by_specialty"] = by_specialty
        body = {
            "cycle_id": 1,
            "province_code": "110000",
            "exam_kind": "professional",
            "duration_minutes": 60,
            "sections": sections,
        }
        r = await client.put("/api/v1/exams/admin/definitions", json=body, headers=h)
        assert r.status_code in (409, 422) and r.json()["error"]["code"] == field_code, r.text
    pinned = [dict(s) for s in ef.SMALL_RULES["professional"]]
    pinned[1]["specialty"] = "surgery"  # the office no longer pins one specialty on the whole exam
    body = {"cycle_id": 1, "province_code": "110000", "exam_kind": "professional", "duration_minutes": 60}
    r = await client.put("/api/v1/exams/admin/definitions", json={**body, "sections": pinned}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DEFINITION_INVALID"
    after = await ExamDefinition.get(exam_kind="professional")
    assert after.sections == before.sections and after.updated_at == before.updated_at


async def test_bank_import_refuses_a_specialty_not_on_the_list(client: httpx.AsyncClient, db: None) -> None:
    h = await f.auth_headers(await f.office_reviewer("110000"))
    good = {"type": "single", "stem": "题干", "options": ["甲", "乙", "丙", "丁"], "answer": [0]}
    rows = [
        {**good, "ref": "p-1", "section": "professional", "specialty": "pediatrics"},
        {**good, "ref": "p-2", "section": "professional", "specialty": "cardiology"},
        {**good, "ref": "p-3", "section": "professional"},
        {**good, "ref": "p-4", "section": "law", "specialty": "surgery"},
    ]
    files = {"file": ("q.json", orjson.dumps({"questions": rows}), "application/json")}
    r = await client.post("/api/v1/exams/admin/questions/import", files=files, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "BANK_IMPORT_INVALID"
    report = r.json()["error"]["details"]["rows"]
    assert [(x["row"], x["ref"]) for x in report] == [(2, "p-2"), (3, "p-3"), (4, "p-4")]
    assert "考核专业列表" in report[0]["errors"][0]
    assert not await Question.exists()
