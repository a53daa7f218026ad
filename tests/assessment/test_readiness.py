"""Before a window opens: the office sees per specialty whether professional papers can be drawn, and for whom;
per-specialty pass marks live in the exams' rules, set through the assessment's rules page."""

from __future__ import annotations

import httpx

from server.assessment.models import Assessment
from server.exams.models import ExamDefinition
from tests.support import assessment as af
from tests.support import exams as ef
from tests.support.assessment import A, code


async def test_readiness_per_specialty_with_the_candidates_it_concerns(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await ef.three_specialty_bank(short="surgery")
    await ef.small_definitions(cycle_id=w.cycle.id)
    third = await af.registered_physician(w.inst, name="赵小六")
    for d in (w.doctor, w.other_doctor, third):
        await af.enrolled(client, w, d)
    await Assessment.filter(user_id=w.other_doctor.user.id).update(specialty="外科专业")
    await Assessment.filter(user_id=third.user.id).update(specialty="特种医学与军事医学专业")
    r = await client.get(f"{A}/exam-readiness", headers=await w.h(w.office))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] is False and body["province_code"] == "110000"
    rows = {row["specialty"]: row for row in body["items"]}
    assert set(rows) == {"internal_medicine", "surgery", None}
    im, sur, none = rows["internal_medicine"], rows["surgery"], rows[None]
    assert im["ready"] is True and im["needed"] == {"single": 2, "multiple": 2} and im["short"] == {}
    assert [c["name"] for c in im["candidates"]] == ["李小明"] and im["candidates"][0]["practice_scope"] == "内科专业"
    assert sur["ready"] is False and sur["available"] == {"single": 1, "multiple": 0, "true_false": 0}
    assert sur["short"] == {"single": 1, "multiple": 2} and sur["specialty_name"] == "外科"
    assert [(c["name"], c["institution_name"]) for c in sur["candidates"]] == [("王小五", "朝阳示范医院")]
    assert none["ready"] is False and none["candidates"][0]["practice_scope"] == "特种医学与军事医学专业"
    # the office of another province sees none of these candidates; physicians and institutions may not look
    r = await client.get(f"{A}/exam-readiness", headers=await w.h(w.other_office))
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["ready"] is True
    for who in (w.inst_reviewer, w.doctor.user):
        r = await client.get(f"{A}/exam-readiness", headers=await w.h(who))
        assert r.status_code == 403
    r = await client.get(f"{A}/exam-readiness?cycle_id=x", headers=await w.h(w.office))
    assert r.status_code == 422


async def test_per_specialty_pass_marks_on_the_rules_page(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await ef.three_specialty_bank()
    office = await w.h(w.office)
    body = {
        "professional_pass_mark": 60,
        "humanities_pass_mark": 60,
        "professional_pass_marks_by_specialty": {"pediatrics": 70, "surgery": 65},
    }
    r = await client.put(f"{A}/rules", json=body, headers=office)
    assert r.status_code == 200, r.text
    assert r.json()["professional_pass_marks_by_specialty"] == {"pediatrics": 70.0, "surgery": 65.0}
    definition = await ExamDefinition.get(exam_kind="professional", cycle_id=w.cycle.id)
    assert definition.sections[1]["by_specialty"]["pediatrics"] == {"counts": None, "pass_mark": 70.0}
    # unchanged when not given; replaced when given
    r = await client.put(f"{A}/rules", json={"professional_pass_mark": 62, "humanities_pass_mark": 60}, headers=office)
    assert r.json()["professional_pass_marks_by_specialty"] == {"pediatrics": 70.0, "surgery": 65.0}
    r = await client.put(
        f"{A}/rules", json={**body, "professional_pass_marks_by_specialty": {"pediatrics": 75}}, headers=office
    )
    assert r.json()["professional_pass_marks_by_specialty"] == {"pediatrics": 75.0}
    got = await client.get(f"{A}/rules", headers=office)
    assert got.json()["professional_pass_marks_by_specialty"] == {"pediatrics": 75.0}
    assert got.json()["professional_pass_mark"] == 60.0
    # bad input changes nothing
    before = (await ExamDefinition.get(exam_kind="professional", cycle_id=w.cycle.id)).sections
    for bad in ({"cardiology": 70}, {"pediatrics": 170}):
        r = await client.put(f"{A}/rules", json={**body, "professional_pass_marks_by_specialty": bad}, headers=office)
        assert r.status_code == 422, r.text
    r = await client.put(f"{A}/rules", json={**body, "professional_pass_marks_by_specialty": {"x": 1}}, headers=office)
    assert code(r) == "DEFINITION_INVALID"
    assert (await ExamDefinition.get(exam_kind="professional", cycle_id=w.cycle.id)).sections == before
    r = await client.put(f"{A}/rules", json=body, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 403
