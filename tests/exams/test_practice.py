"""Practice never leaks the exam (issue 17 finding 7): practice draws from its own pool, kept apart from the exam
pools; everything practice reveals overlaps no paper."""

from __future__ import annotations

import httpx
import orjson

from server.exams.demo import seed_demo
from server.exams.models import AttemptQuestion, ExamDefinition, Question
from tests.support import exams as ef
from tests.support import factories as f

PRACTICE = "/api/v1/exams/practice/questions"


async def _harvest(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, list[str]]:
    """What an outside client collects: every practice question's stem and the texts of its right options."""
    known: dict[str, list[str]] = {}
    for _ in range(40):  # random draws of 50: more than enough rounds to see the whole pool
        for item in (await client.get(f"{PRACTICE}?limit=50", headers=headers)).json()["items"]:
            if item["stem"] in known:
                continue
            first = [item["options"][0]["option_id"]]
            check = await client.post(
                f"{PRACTICE}/{item['question_ref']}/check", json={"option_ids": first}, headers=headers
            )
            right = set(check.json()["correct_option_ids"])
            known[item["stem"]] = sorted(o["text"] for o in item["options"] if o["option_id"] in right)
    return known


async def test_nothing_practice_reveals_is_ever_on_a_paper(client: httpx.AsyncClient, db: None) -> None:
    await seed_demo()
    professional = {"section": "professional", "counts": {"single": 40, "multiple": 12, "true_false": 8}}
    await ExamDefinition.create(
        cycle_id=1,
        province_code="110000",
        exam_kind="professional",
        title="业务水平测评",
        duration_s=3600,
        sections=[
            {"section": "law", "counts": {"single": 14, "multiple": 4, "true_false": 2}, "pass_mark": 60.0},
            {**professional, "pass_mark": 60.0},
        ],
    )
    attacker = await f.auth_headers(await f.physician())
    revealed = await _harvest(client, attacker)
    # Many papers: the law section of each is what an answer list would be used on
    hooks = ef.Candidacy()
    ef.CURRENT[:] = [hooks]
    shown: set[str] = set()
    leaked = 0
    for n in range(8):
        h = await f.auth_headers(await f.physician())
        r = await client.post(
            "/_test/exams/professional/attempts", json={"capture_id": "c", "device_id": f"d{n}"}, headers=h
        )
        assert r.status_code == 201, r.text
        rows = await AttemptQuestion.filter(attempt__ref=r.json()["attempt_ref"]).prefetch_related("question")
        shown |= {row.question.stem for row in rows}
        leaked += sum(1 for row in rows if row.question.stem in revealed)
    overlap = len(shown & set(revealed))
    print(f"practice revealed {len(revealed)} answers; overlap with 8 papers: {overlap} questions ({leaked} drawn)")
    assert overlap == 0 and leaked == 0
    assert len(revealed) == await Question.filter(section="practice").count() == 23  # the whole practice pool


async def test_the_practice_pool_is_imported_and_exported_as_such(client: httpx.AsyncClient, db: None) -> None:
    await ef.small_bank()
    h = await f.auth_headers(await f.office_reviewer("110000"))
    q = {"type": "single", "stem": "练习题干", "options": ["甲", "乙"], "answer": [1], "explanation": "解析"}
    doc = {"section": "practice", "specialty": None, "questions": [{**q, "ref": "prc-a"}, {**q, "ref": "prc-b"}]}
    files = {"file": ("p.json", orjson.dumps(doc), "application/json")}
    r = await client.post("/api/v1/exams/admin/questions/import", files=files, headers=h)
    assert r.status_code == 200 and r.json() == {"created": 2, "updated": 0}
    r = await client.get("/api/v1/exams/admin/questions/export?section=practice", headers=h)
    assert [x["ref"] for x in r.json()["questions"]] == ["prc-a", "prc-b"]
    assert {x["section"] for x in r.json()["questions"]} == {"practice"}
    # a known question cannot cross between the pools (row number in the report), nothing stored
    law = await Question.filter(section="law").first()
    assert law is not None
    moves = [{**q, "ref": "prc-c", "section": "practice"}, {**q, "ref": law.ref, "section": "practice"}]
    moves.append({**q, "ref": "prc-a", "section": "law"})
    files = {"file": ("p.json", orjson.dumps({"questions": moves}), "application/json")}
    r = await client.post("/api/v1/exams/admin/questions/import", files=files, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "BANK_IMPORT_INVALID"
    assert [(x["row"], x["ref"]) for x in r.json()["error"]["details"]["rows"]] == [(2, law.ref), (3, "prc-a")]
    assert not await Question.exists(ref="prc-c")
    assert (await Question.get(ref=law.ref)).section == "law" and (
        await Question.get(ref="prc-a")
    ).section == "practice"
    # practice shows only the practice pool: an exam question is not found there
    physician = await f.auth_headers(await f.physician())
    items = (await client.get(f"{PRACTICE}?limit=50", headers=physician)).json()["items"]
    assert sorted(i["question_ref"] for i in items) == ["prc-a", "prc-b"]
    r = await client.post(f"{PRACTICE}/{law.ref}/check", json={"option_ids": ["a"]}, headers=physician)
    assert r.status_code == 404 and r.json()["error"]["code"] == "QUESTION_NOT_FOUND"
