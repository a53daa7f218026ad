"""Office routes: exam definitions (own province only), bank import (JSON, Excel, per-row report) and export;
practice mode; the demo bank."""

from __future__ import annotations

import io

import httpx
import orjson
import pytest
from openpyxl import Workbook

from server.common.models import AuditEntry
from server.exams import routes as exam_routes
from server.exams.definitions import DEFAULT_RULES
from server.exams.demo import seed_demo
from server.exams.models import Attempt, AttemptQuestion, ExamDefinition, Question
from tests.support import exams as ef
from tests.support import factories as f

PROF_SECTIONS = [
    {"section": "law", "counts": {"single": 2, "multiple": 1, "true_false": 1}, "pass_mark": 60},
    {"section": "professional", "counts": {"single": 3, "multiple": 1}, "pass_mark": 60},
]


def definition(**extra: object) -> dict:
    return {
        "cycle_id": 7,
        "province_code": "110000",
        "exam_kind": "professional",
        "duration_minutes": 60,
        "sections": PROF_SECTIONS,
        "attempts_allowed": 1,
        "make_up_allowed": True,
        **extra,
    }


async def test_office_sets_rules_for_its_province(client: httpx.AsyncClient) -> None:
    await ef.small_bank()
    office = await f.office_reviewer("110000")
    h = await f.auth_headers(office)
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "业务水平测评" and r.json()["duration_minutes"] == 60
    # saving again replaces, never duplicates
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(duration_minutes=90), headers=h)
    assert r.status_code == 200
    stored = await ExamDefinition.all()
    assert len(stored) == 1 and stored[0].duration_s == 5400 and stored[0].cycle_id == 7
    assert await AuditEntry.filter(action="exam.definition_saved", actor_id=office.id).count() == 2
    listed = (await client.get("/api/v1/exams/admin/definitions?cycle_id=7", headers=h)).json()["items"]
    assert [d["id"] for d in listed] == [stored[0].id]
    other_office = await f.auth_headers(await f.office_reviewer("310000"))
    assert (await client.get("/api/v1/exams/admin/definitions", headers=other_office)).json()["items"] == []


async def test_definition_refusals_change_nothing(client: httpx.AsyncClient) -> None:
    await ef.small_bank()
    h = await f.auth_headers(await f.office_reviewer("110000"))
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(province_code="310000"), headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "PROVINCE_OUT_OF_SCOPE"
    county = await f.auth_headers(await f.office_reviewer("110105"))
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(), headers=county)
    assert r.status_code == 404
    wrong_order = definition(sections=list(reversed(PROF_SECTIONS)))
    r = await client.put("/api/v1/exams/admin/definitions", json=wrong_order, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DEFINITION_INVALID"
    too_many = definition(sections=[PROF_SECTIONS[0], {**PROF_SECTIONS[1], "counts": {"single": 999}}])
    r = await client.put("/api/v1/exams/admin/definitions", json=too_many, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "BANK_INSUFFICIENT"
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(duration_minutes=0), headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    physician = await f.auth_headers(await f.physician())
    r = await client.put("/api/v1/exams/admin/definitions", json=definition(), headers=physician)
    assert r.status_code == 403
    assert await ExamDefinition.all().count() == 0


def _json_file(questions: list[dict]) -> dict:
    return {"file": ("bank.json", orjson.dumps({"section": "law", "questions": questions}), "application/json")}


GOOD = {
    "ref": "imp-1",
    "type": "single",
    "stem": "题干",
    "options": ["甲", "乙", "丙"],
    "answer": [2],
    "explanation": "因为",
    "difficulty": 2,
}


async def test_import_json_and_export(client: httpx.AsyncClient) -> None:
    h = await f.auth_headers(await f.office_reviewer("110000"))
    tf = {"ref": "imp-2", "type": "true_false", "stem": "对吗", "options": ["正确", "错误"], "answer": [1]}
    r = await client.post("/api/v1/exams/admin/questions/import", files=_json_file([GOOD, tf]), headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0}
    r = await client.post(
        "/api/v1/exams/admin/questions/import", files=_json_file([{**GOOD, "stem": "新题干"}]), headers=h
    )
    assert r.json() == {"created": 0, "updated": 1}
    q = await Question.get(ref="imp-1")
    assert q.stem == "新题干" and q.section == "law" and q.answer == [2] and q.difficulty == 2
    r = await client.get("/api/v1/exams/admin/questions/export?section=law", headers=h)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    exported = orjson.loads(r.content)["questions"]
    assert [x["ref"] for x in exported] == ["imp-1", "imp-2"] and exported[0]["answer"] == [2]
    r = await client.get("/api/v1/exams/admin/questions/export?format=xlsx", headers=h)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    # the exported workbook imports back unchanged
    r = await client.post(
        "/api/v1/exams/admin/questions/import",
        files={"file": ("bank.xlsx", r.content, "application/octet-stream")},
        headers=h,
    )
    assert r.json() == {"created": 0, "updated": 2}
    assert (await Question.get(ref="imp-2")).answer == [1]


async def test_import_reads_the_kind_from_the_content(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await f.auth_headers(await f.office_reviewer("110000"))
    data = orjson.dumps({"section": "law", "questions": [GOOD]})
    r = await client.post(
        "/api/v1/exams/admin/questions/import", files={"file": ("bank.xlsx", data, "application/x")}, headers=h
    )
    assert r.status_code == 200 and r.json() == {"created": 1, "updated": 0}
    monkeypatch.setattr(exam_routes, "MAX_IMPORT_BYTES", len(data) - 1)
    r = await client.post("/api/v1/exams/admin/questions/import", files=_json_file([GOOD]), headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "UPLOAD_TOO_LARGE"
    assert r.json()["error"]["details"]["max_bytes"] == len(data) - 1
    two = [("file", ("a.json", data, "application/json")), ("file", ("b.json", data, "application/json"))]
    r = await client.post("/api/v1/exams/admin/questions/import", files=two, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "UPLOAD_TOO_MANY"


async def test_import_excel(client: httpx.AsyncClient) -> None:
    h = await f.auth_headers(await f.admin())
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(
        ["ref", "section", "specialty", "type", "stem", "A", "B", "C", "D", "answer", "explanation", "difficulty"]
    )
    ws.append(["x-1", "professional", "surgery", "multiple", "多选题", "一", "二", "三", "四", "A,C", "解析", 3])
    ws.append(["x-2", "humanities", None, "true_false", "判断题", None, None, None, None, "B", "", 1])
    buf = io.BytesIO()
    wb.save(buf)
    r = await client.post(
        "/api/v1/exams/admin/questions/import", files={"file": ("q.xlsx", buf.getvalue(), "application/x")}, headers=h
    )
    assert r.status_code == 200, r.text
    q = await Question.get(ref="x-1")
    assert q.answer == [0, 2] and q.specialty == "surgery" and q.options == ["一", "二", "三", "四"]
    assert (await Question.get(ref="x-2")).options == ["正确", "错误"]


async def test_import_with_bad_rows_stores_nothing(client: httpx.AsyncClient) -> None:
    h = await f.auth_headers(await f.office_reviewer("110000"))
    bad = [
        GOOD,
        {**GOOD, "ref": "imp-3", "type": "single", "answer": [0, 1]},
        {**GOOD, "ref": "imp-4", "answer": [7]},
        {**GOOD, "ref": "imp-1"},
        {**GOOD, "ref": "imp-5", "type": "essay", "stem": ""},
    ]
    r = await client.post("/api/v1/exams/admin/questions/import", files=_json_file(bad), headers=h)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "BANK_IMPORT_INVALID"
    assert [row["row"] for row in err["details"]["rows"]] == [2, 3, 4, 5]
    assert any("题干" in msg for msg in err["details"]["rows"][3]["errors"])
    # each message names its column (xlsx) or key (JSON), one for one
    rows = err["details"]["rows"]
    assert all(len(row["columns"]) == len(row["errors"]) for row in rows)
    assert rows[0]["columns"] == ["answer"] and rows[1]["columns"] == ["answer"]
    assert rows[2]["columns"] == ["ref"]  # imp-1 twice in the file
    assert set(rows[3]["columns"]) == {"type", "stem"}
    # neither xlsx nor JSON by content (whatever the name says): the one upload parser's answer
    for name, data in (("q.csv", b"a,b"), ("q.xlsx", b"not excel")):
        r = await client.post(
            "/api/v1/exams/admin/questions/import", files={"file": (name, data, "application/x")}, headers=h
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "UPLOAD_TYPE_INVALID", name
        assert r.json()["error"]["field"] == "file" and r.json()["error"]["details"]["allowed"] == ["xlsx", "json"]
    # the right kind by its first bytes, but not a readable file of it: the importer's answer
    for name, data in (("q.json", b"{nope"), ("q.xlsx", b"PK\x03\x04 not a workbook")):
        r = await client.post(
            "/api/v1/exams/admin/questions/import", files={"file": (name, data, "application/x")}, headers=h
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "BANK_IMPORT_INVALID", name
    r = await client.post("/api/v1/exams/admin/questions/import", headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "UPLOAD_MISSING"
    assert r.json()["error"]["field"] == "file"
    physician = await f.auth_headers(await f.physician())
    r = await client.post("/api/v1/exams/admin/questions/import", files=_json_file([GOOD]), headers=physician)
    assert r.status_code == 403
    assert await Question.all().count() == 0


async def test_practice_mode(client: httpx.AsyncClient) -> None:
    await ef.small_bank()
    for qtype in ("single", "multiple", "true_false", "single", "single"):
        await ef.question("practice", qtype)
    h = await f.auth_headers(await f.physician())
    r = await client.get("/api/v1/exams/practice/questions?limit=5", headers=h)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 5 and "answer" not in r.text and "explanation" not in r.text
    refs = {i["question_ref"] for i in items}
    sections = {q.ref: q for q in await Question.filter(ref__in=list(refs))}
    assert {q.section for q in sections.values()} == {"practice"}
    item = items[0]
    q = sections[item["question_ref"]]
    right = ["abcdef"[i] for i in q.answer]
    r = await client.post(
        f"/api/v1/exams/practice/questions/{item['question_ref']}/check", json={"option_ids": right}, headers=h
    )
    assert r.status_code == 200
    assert r.json() == {
        "question_ref": q.ref,
        "correct": True,
        "correct_option_ids": right,
        "explanation": q.explanation,
    }
    wrong = [o["option_id"] for o in item["options"] if o["option_id"] not in right][:1]
    r = await client.post(
        f"/api/v1/exams/practice/questions/{item['question_ref']}/check", json={"option_ids": wrong}, headers=h
    )
    assert r.json()["correct"] is False
    r = await client.post(
        f"/api/v1/exams/practice/questions/{item['question_ref']}/check", json={"option_ids": ["z"]}, headers=h
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "OPTION_INVALID"
    for section in ("humanities", "law"):  # the exam pools are never practice's
        exam_question = await Question.filter(section=section).first()
        assert exam_question is not None
        r = await client.post(
            f"/api/v1/exams/practice/questions/{exam_question.ref}/check", json={"option_ids": ["a"]}, headers=h
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "QUESTION_NOT_FOUND"
    r = await client.get("/api/v1/exams/practice/questions?limit=0", headers=h)
    assert r.status_code == 422
    office = await f.auth_headers(await f.office_reviewer("110000"))
    assert (await client.get("/api/v1/exams/practice/questions", headers=office)).status_code == 403


async def test_demo_bank_loads_through_the_importer(db: None) -> None:
    lines = await seed_demo()
    assert len(lines) == 6
    assert await Question.all().count() == 578
    assert await Question.filter(section="law").count() == 183
    assert await Question.filter(section="practice").count() == 23
    again = await seed_demo()
    assert all("新增 0 题" in line for line in again)


async def test_default_rules_draw_full_papers_from_the_demo_bank(client: httpx.AsyncClient) -> None:
    await seed_demo()
    ef.CURRENT[:] = [ef.Candidacy(cycle_id=99)]  # no definition for this cycle: the built-in rules apply
    u = await f.physician()
    h = await f.auth_headers(u)
    body = {"capture_id": "cap-ok", "device_id": "d1"}
    r = await client.post("/_test/exams/humanities/attempts", json=body, headers=h)
    assert r.status_code == 201 and len(r.json()["questions"]) == 50
    # The built-in professional section (56 single, 16 multiple, 8 true/false) needs more of one specialty than the
    # demo bank holds (47-57 single per specialty): refused, never filled from other specialties.
    ef.CURRENT[:] = [ef.Candidacy(cycle_id=99, specialty="internal_medicine", practice_scope="内科专业")]
    r = await client.post("/_test/exams/professional/attempts", json=body, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "SPECIALTY_NOT_EXAMINABLE"
    assert r.json()["error"]["details"]["reason"] == "bank_short" and "内科专业" in r.json()["error"]["message"]
    assert not await Attempt.filter(exam_kind="professional").exists()
    # Rules a demo-sized pool can fill: the professional section is all internal medicine
    professional = {**DEFAULT_RULES["professional"]["sections"][1], "counts": {"single": 40, "multiple": 12}}
    await ExamDefinition.create(
        cycle_id=99,
        province_code="110000",
        exam_kind="professional",
        title="业务水平测评",
        duration_s=3600,
        sections=[DEFAULT_RULES["professional"]["sections"][0], professional],
    )
    r = await client.post("/_test/exams/professional/attempts", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert len(r.json()["questions"]) == 20
    assert [s["question_count"] for s in r.json()["sections"]] == [20, 52]
    drawn = await AttemptQuestion.filter(attempt__ref=r.json()["attempt_ref"], section="professional").values_list(
        "question__specialty", flat=True
    )
    assert set(drawn) == {"internal_medicine"}
