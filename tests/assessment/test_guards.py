"""Every physician route: binding, user notice and window guards; nothing changes when refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.assessment import context, errors, exam_access
from server.assessment.models import Assessment, AssessmentStatus, CycleWindow, Proof, WindowKind
from server.assessment.reviews import SELF_EVALUATION_KIND
from tests.support import assessment as af
from tests.support.assessment import A, code

# (method, path, json) of every physician route guarded by the notice
NOTICE_GUARDED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/enrolment", None),
    ("POST", "/enrolment", {"data_correct": True, "specialty": "内科专业"}),
    ("GET", "/procedure/options", None),
    ("PUT", "/procedure", {"procedure": "general"}),
    ("GET", "/self-evaluation", None),
    ("PUT", "/self-evaluation", {"practice_record": "x"}),
    ("POST", "/self-evaluation", None),
    ("POST", "/exemption", {"reason": "senior_title", "proof_ids": [1]}),
    ("GET", "/result", None),
    ("GET", "/result/notice.pdf", None),
]


async def test_unbound_and_notice_required(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    for method, path, body in NOTICE_GUARDED:
        r = await client.request(method, f"{A}{path}", json=body, headers=d.headers)
        assert r.status_code == 403 and code(r) == "ASSESSMENT_NOT_BOUND", (path, r.text)
    r = await client.post(f"{A}/notice", json={"version": context.NOTICE_VERSION}, headers=d.headers)
    assert code(r) == "ASSESSMENT_NOT_BOUND"
    await af.bind(client, w, d)
    for method, path, body in NOTICE_GUARDED:
        r = await client.request(method, f"{A}{path}", json=body, headers=d.headers)
        assert r.status_code == 403 and code(r) == "USER_NOTICE_REQUIRED", (path, r.text)
    r = await client.post(f"{A}/proofs", files={"file": ("a.pdf", af.PDF)}, headers=d.headers)
    assert code(r) == "USER_NOTICE_REQUIRED"
    assert not await Assessment.exists() and not await Proof.exists()
    # an outdated version is refused, the current one accepted
    r = await client.post(f"{A}/notice", json={"version": "1999.1"}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "NOTICE_VERSION_OUTDATED"
    r = await client.post(f"{A}/notice", json={}, headers=d.headers)
    assert r.status_code == 422
    assert (await client.get(f"{A}/notice", headers=d.headers)).json()["accepted"] is False
    await af.accept(client, d)
    assert (await client.get(f"{A}/notice", headers=d.headers)).json()["accepted"] is True
    r = await client.get(f"{A}/procedure/options", headers=d.headers)
    assert r.status_code == 200 and r.json()["exemption_reasons"]


async def test_physician_routes_refuse_reviewers(client: httpx.AsyncClient) -> None:
    w = await af.world()
    h = await w.h(w.inst_reviewer)
    for method, path, body in [*NOTICE_GUARDED, ("GET", "/home", None), ("GET", "/notice", None)]:
        r = await client.request(method, f"{A}{path}", json=body, headers=h)
        assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN", path
        assert (await client.request(method, f"{A}{path}", json=body)).status_code == 401


def _closed(r: httpx.Response, label: str) -> None:
    assert r.status_code == 409 and code(r) == "WINDOW_CLOSED", r.text
    err = r.json()["error"]
    assert label in err["message"]
    assert err["details"]["opens_at"].endswith("+08:00") and err["details"]["closes_at"]


async def test_enrolment_window(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    await af.close_window(w.cycle, WindowKind.ENROLMENT)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    _closed(r, "报名")
    assert not await Assessment.exists()
    # no window at all: named, "not yet announced"
    await CycleWindow.filter(kind=WindowKind.ENROLMENT).delete()
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert (
        r.status_code == 409 and "报名" in r.json()["error"]["message"] and "尚未公布" in r.json()["error"]["message"]
    )
    # the reading is still allowed
    assert (await client.get(f"{A}/enrolment", headers=d.headers)).status_code == 200


async def test_enrolment_bad_input_and_wrong_data(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bind(client, w, d)
    await af.accept(client, d)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True}, headers=d.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "specialty"
    r = await client.post(f"{A}/enrolment", json={"data_correct": False, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 409 and code(r) == "REGISTRY_DATA_INCORRECT"
    assert "信息修改申请" in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["next"] == "registry.info_change_request"
    assert not await Assessment.exists()
    # a physician without a practice registration is pointed at the registry
    lone = await af.registered_physician(w.inst, name="赵大", registered=False)
    await af.bind(client, w, lone)
    await af.accept(client, lone)
    r = await client.get(f"{A}/enrolment", headers=lone.headers)
    assert r.json()["registry_found"] is False
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科"}, headers=lone.headers)
    assert r.status_code == 409 and code(r) == "REGISTRY_DATA_MISSING"


async def _ready_for_procedure(client: httpx.AsyncClient) -> tuple[af.World, af.Doctor]:
    w = await af.world()
    d = w.doctor
    await af.enrolled(client, w, d)
    return w, d


async def test_self_evaluation_window_guards_every_write(client: httpx.AsyncClient) -> None:
    w, d = await _ready_for_procedure(client)
    proof = await af.upload(client, d)
    r = await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    assert r.status_code == 200
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    await af.close_window(w.cycle, WindowKind.SELF_EVALUATION)
    before = await Assessment.get(user_id=d.user.id)
    _closed(await client.put(f"{A}/procedure", json={"procedure": "simplified"}, headers=d.headers), "自评")
    _closed(await client.put(f"{A}/self-evaluation", json={"practice_record": "z"}, headers=d.headers), "自评")
    _closed(await client.post(f"{A}/self-evaluation", headers=d.headers), "自评")
    _closed(
        await client.post(f"{A}/exemption", json={"reason": "senior_title", "proof_ids": [proof]}, headers=d.headers),
        "自评",
    )
    _closed(await client.post(f"{A}/proofs", files={"file": ("a.pdf", af.PDF)}, headers=d.headers), "自评")
    after = await Assessment.get(user_id=d.user.id)
    assert after.self_evaluation == before.self_evaluation and after.status == before.status
    assert await Proof.all().count() == 1
    # reads stay open
    assert (await client.get(f"{A}/self-evaluation", headers=d.headers)).json()["practice_record"] == "a"


async def test_exam_and_make_up_windows(client: httpx.AsyncClient) -> None:
    w, d = await _ready_for_procedure(client)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    await client.post(f"{A}/self-evaluation", headers=d.headers)
    with pytest.raises(errors.ExamNotAllowed):
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    await af.close_window(w.cycle, WindowKind.EXAM)
    with pytest.raises(errors.WindowClosed) as exc:
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
    assert "考试" in exc.value.text and exc.value.details and exc.value.details["window"] == "exam"
    await af.open_windows(w.cycle, kinds=(WindowKind.EXAM,))
    eligibility = await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
    assert eligibility.window_closes_at is not None and eligibility.institution_id == w.inst.id

    await af.report_scored(
        user_id=d.user.id,
        assessment_id=eligibility.assessment_id,
        exam_kind="professional",
        attempt_ref="a1",
        score=10,
        passed=False,
        is_make_up=False,
    )
    await af.close_window(w.cycle, WindowKind.MAKE_UP)
    with pytest.raises(errors.WindowClosed) as exc:
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="professional")
    assert "补考" in exc.value.text
    with pytest.raises(errors.ExamNotAllowed):
        await exam_access.exam_eligibility(user_id=d.user.id, exam_kind="no_such_exam")
    # a score reported for another physician's assessment id changes nothing there
    await af.report_scored(
        user_id=w.other_doctor.user.id,
        assessment_id=eligibility.assessment_id,
        exam_kind="professional",
        attempt_ref="x",
        score=99,
        passed=True,
        is_make_up=False,
    )
    mine = await Assessment.get(user_id=d.user.id)
    assert mine.status == AssessmentStatus.SELF_EVALUATED and mine.professional_passed is False
    assert [r["attempt_ref"] for r in mine.exam_records] == ["a1"]


async def test_recorded_results_follow_the_exam_and_the_office_marks_live_in_the_exams(
    client: httpx.AsyncClient,
) -> None:
    """The office's pass marks are the exams' (one place); the assessment records what the exam decided."""
    from server.exams import api as exams_api

    w, d = await _ready_for_procedure(client)
    await client.put(f"{A}/procedure", json={"procedure": "general"}, headers=d.headers)
    await client.put(
        f"{A}/self-evaluation",
        json={"practice_record": "a", "work_performance": "b", "professional_ethics": "c"},
        headers=d.headers,
    )
    await client.post(f"{A}/self-evaluation", headers=d.headers)
    await af.review_all(client, w, SELF_EVALUATION_KIND)
    r = await client.put(
        f"{A}/rules", json={"professional_pass_mark": 50, "humanities_pass_mark": 65}, headers=await w.h(w.office)
    )
    assert r.status_code == 200, r.text
    assert (r.json()["professional_pass_mark"], r.json()["humanities_pass_mark"], r.json()["set_by_office"]) == (
        50,
        65,
        True,
    )
    marks = await exams_api.pass_marks(cycle_id=w.cycle.id, province_code="110000")
    assert (marks.professional, marks.humanities, marks.law) == (50, 65, 60)
    a = await Assessment.get(user_id=d.user.id)

    async def record(ref: str, score: float, passed: bool, make_up: bool = False) -> Assessment:
        await af.report_scored(
            user_id=d.user.id,
            assessment_id=a.id,
            exam_kind="professional",
            attempt_ref=ref,
            score=score,
            passed=passed,
            is_make_up=make_up,
        )
        return await Assessment.get(id=a.id)

    # a paper failed on its own marks (e.g. the law section) stays failed
    assert (await record("p-1", 55, False)).professional_passed is False
    assert len((await record("p-1", 55, False)).exam_records) == 1  # a repeat changes nothing
    assert (await record("p-2", 80, True, make_up=True)).professional_passed is True
    # an attempt outside any assessment is not recorded anywhere
    await af.report_scored(
        user_id=d.user.id,
        assessment_id=None,
        exam_kind="humanities",
        attempt_ref="practice",
        score=10,
        passed=False,
        is_make_up=False,
    )
    assert len((await Assessment.get(id=a.id)).exam_records) == 2
