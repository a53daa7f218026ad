"""Results of this and the past two cycles per practice site, and appeals of a result (成绩申诉) decided by the
district's assessment office through the review engine."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import httpx
from pypdf import PdfReader

from server.assessment.appeals import APPEAL_KIND
from server.assessment.models import Appeal, AppealStatus
from server.common.models import AuditEntry, OutboxEvent
from server.config import get_settings
from server.notifications import templates
from server.workflow.models import ReviewItem, ReviewStatus
from tests.support import assessment as af
from tests.support import factories as f
from tests.support.assessment import A, code

PDF = af.PDF
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + b"\x00" * 64


async def _appeal(
    client: httpx.AsyncClient,
    d: af.Doctor,
    assessment_id: int,
    reason: str = "人文医学测评成绩与作答不符",
    files: object = None,
) -> httpx.Response:
    """JSON without a file, or multipart (form field ``reason``) with ``files``."""
    url = f"{A}/results/{assessment_id}/appeals"
    if files is None:
        return await client.post(url, json={"reason": reason}, headers=d.headers)
    return await client.post(url, data={"reason": reason}, files=files, headers=d.headers)  # type: ignore[arg-type]


async def _nothing_stored() -> None:
    assert await Appeal.all().count() == 0
    assert await ReviewItem.filter(kind=APPEAL_KIND).count() == 0


async def test_results_this_and_past_two_cycles_per_site(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    dongcheng = await f.institution("110101", "东城示范医院")
    sites = [{"institution_id": dongcheng.id, "institution_name": dongcheng.name, "region_name": "东城区"}]
    oldest = await af.with_result(w, d, await af.past_cycle(2015), decided_at=datetime(2017, 11, 1, tzinfo=UTC))
    older = await af.with_result(
        w, d, await af.past_cycle(2018), passed=False, decided_at=datetime(2020, 11, 1, tzinfo=UTC)
    )
    last = await af.with_result(
        w, d, await af.past_cycle(2021), decided_at=datetime(2023, 11, 1, tzinfo=UTC), multi_sites=sites
    )
    # this cycle: enrolled, no result yet
    await af.with_result(w, d, w.cycle)
    from server.assessment.models import Assessment, AssessmentStatus

    current = await Assessment.get(cycle_id=w.cycle.id)
    await Assessment.filter(id=current.id).update(
        status=AssessmentStatus.ENROLLED, result_decided_at=None, verification_code=None
    )

    r = await client.get(f"{A}/results", headers=d.headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["assessment_id"] for i in items] == [current.id, last.id, older.id]  # the oldest is past two cycles
    now, prev, prev2 = items
    assert now["is_current"] is True and now["result"] is None and now["result_label"] == "尚未产生"
    assert now["notice_url"] is None and now["appeal"]["allowed"] is False and now["appeal"]["deadline"] is None
    assert now["current_step"] == "procedure" and now["status_label"]
    assert prev["cycle"]["name"] == "2021—2023年度" and prev["cycle"]["years"] == "2021—2023"
    assert prev["result"] == "passed" and prev["result_label"] == "合格" and prev["is_current"] is False
    assert [(s["institution_name"], s["is_main"]) for s in prev["sites"]] == [
        (w.inst.name, True),
        ("东城示范医院", False),
    ]
    assert all(s["status_label"].startswith("考核合格") for s in prev["sites"])
    assert prev2["result"] == "failed" and prev2["result_label"] == "不合格"
    assert prev["result_decided_at"].endswith("+08:00")
    # results years ago are past the appeal period
    assert prev["appeal"] == {"allowed": False, "deadline": prev["appeal"]["deadline"], "period_days": 30, "items": []}
    assert prev["appeal"]["deadline"].startswith("2023-12-01")

    # the notice of a past cycle opens from its link
    r = await client.get(prev["notice_url"], headers=d.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "2021—2023年度" in text and str(last.verification_code) in text
    r = await client.get(f"{A}/results/{current.id}/notice.pdf", headers=d.headers)
    assert r.status_code == 409 and code(r) == "RESULT_NOT_READY"
    assert oldest.id  # kept, only not listed

    # wrong user: another physician's notice is absent; reviewers and the unbound are refused
    other = w.other_doctor
    r = await client.get(f"{A}/results", headers=other.headers)
    assert r.status_code == 403 and code(r) == "ASSESSMENT_NOT_BOUND"
    await af.bound(client, w, other)
    r = await client.get(f"{A}/results/{last.id}/notice.pdf", headers=other.headers)
    assert r.status_code == 404 and code(r) == "ASSESSMENT_NOT_FOUND"
    r = await client.get(f"{A}/results", headers=other.headers)
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"{A}/results", headers=await w.h(w.county_office))
    assert r.status_code == 403


async def test_appeal_upheld_by_the_district_office(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    a = await af.with_result(w, d, w.cycle, passed=False)

    r = await client.post(
        f"{A}/results/{a.id}/appeals",
        data={"reason": "  人文医学测评成绩与作答不符  "},
        files={"file": ("成绩截图.pdf", PDF, "application/pdf")},
        headers=d.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "pending" and body["status_label"] == "待考核机构处理"
    assert body["reason"] == "人文医学测评成绩与作答不符" and body["file_name"] == "成绩截图.pdf"
    assert body["assessment_id"] == a.id and body["cycle_name"] == w.cycle.name
    appeal_id, item_id = body["id"], body["review_item_id"]
    assert body["created_at"].endswith("+08:00")
    # one open appeal per result
    r = await _appeal(client, d, a.id)
    assert r.status_code == 409 and code(r) == "APPEAL_ALREADY_OPEN"
    assert await Appeal.all().count() == 1
    r = await client.get(f"{A}/results", headers=d.headers)
    state = r.json()["items"][0]["appeal"]
    assert state["allowed"] is False and [x["id"] for x in state["items"]] == [appeal_id]

    # the district office has it in its queue, with the result and the reason, and reads the file
    office = await w.h(w.county_office)
    r = await client.get("/api/v1/reviews/queue", headers=office)
    assert [i["id"] for i in r.json()["items"]] == [item_id]
    r = await client.get(f"/api/v1/reviews/items/{item_id}", headers=office)
    assert r.status_code == 200
    payload = r.json()["payload"]
    assert payload["result"] == "failed" and payload["result_label"] == "不合格"
    assert payload["reason"] == "人文医学测评成绩与作答不符" and payload["appeal_id"] == appeal_id
    r = await client.get(body["file_url"], headers=office)
    assert r.status_code == 200 and r.content == PDF
    assert await AuditEntry.filter(action="assessment.appeal_file_read", actor_id=w.county_office.id).count() == 1
    r = await client.get(body["file_url"], headers=d.headers)
    assert r.status_code == 200 and r.content == PDF

    # the offices above the district see it too (the engine's region scope); a neighbouring district does not
    r = await client.get("/api/v1/reviews/queue", headers=await w.h(w.office))
    assert [i["id"] for i in r.json()["items"]] == [item_id]
    neighbour = await w.h(await f.office_reviewer("110101"))
    r = await client.get("/api/v1/reviews/queue", headers=neighbour)
    assert r.json()["items"] == []
    r = await client.post(f"/api/v1/reviews/items/{item_id}/approve", json={"comment": "x"}, headers=neighbour)
    assert r.status_code == 404
    r = await client.get(body["file_url"], headers=neighbour)
    assert r.status_code == 404 and code(r) == "APPEAL_NOT_FOUND"

    # wrong office, wrong institution, wrong physician: refused, nothing decided
    other_office = await w.h(w.other_office)
    r = await client.get("/api/v1/reviews/queue", headers=other_office)
    assert r.json()["items"] == []
    r = await client.post(f"/api/v1/reviews/items/{item_id}/approve", json={"comment": "x"}, headers=other_office)
    assert r.status_code == 404 and code(r) == "NOT_FOUND"
    r = await client.get(body["file_url"], headers=other_office)
    assert r.status_code == 404 and code(r) == "APPEAL_NOT_FOUND"
    r = await client.get(body["file_url"], headers=await w.h(w.inst_reviewer))
    assert r.status_code == 403
    r = await client.post(f"/api/v1/reviews/items/{item_id}/approve", json={}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 404
    await af.bound(client, w, w.other_doctor)
    r = await client.get(f"{A}/appeals/{appeal_id}", headers=w.other_doctor.headers)
    assert r.status_code == 404 and code(r) == "APPEAL_NOT_FOUND"
    r = await client.get(body["file_url"], headers=w.other_doctor.headers)
    assert r.status_code == 404

    # upholding says what happens next: without a comment it is refused and nothing changes
    r = await client.post(f"/api/v1/reviews/items/{item_id}/approve", json={}, headers=office)
    assert r.status_code == 422 and code(r) == "APPEAL_NOTE_REQUIRED", r.text
    assert (await Appeal.get(id=appeal_id)).status == AppealStatus.PENDING
    assert (await ReviewItem.get(id=item_id)).status == ReviewStatus.PENDING
    note = "经核查答卷，人文医学测评成绩有误，将由考核机构更正考核结果"
    r = await client.post(f"/api/v1/reviews/items/{item_id}/approve", json={"comment": note}, headers=office)
    assert r.status_code == 200, r.text

    r = await client.get(f"{A}/appeals/{appeal_id}", headers=d.headers)
    got = r.json()
    assert got["status"] == "upheld" and got["decision_note"] == note and got["decided_at"].endswith("+08:00")
    # the physician hears once, in the appeal's own words (the engine's generic notice is not sent)
    events = await OutboxEvent.filter(user_id=d.user.id).values_list("kind", flat=True)
    assert "assessment.appeal_decided" in events and "review.decided" not in events
    event = await OutboxEvent.get(user_id=d.user.id, kind="assessment.appeal_decided")
    rendered = templates.render(event.kind, event.payload)
    assert "申诉成立" in rendered.body and note in rendered.body
    assert rendered.subscribe is not None and len(rendered.subscribe.data["thing4"]) <= templates.THING_MAX
    # the result is open to a new appeal again (closed appeals do not count), and the history shows both
    r = await client.get(f"{A}/results", headers=d.headers)
    assert r.json()["items"][0]["appeal"]["allowed"] is True
    r = await client.get(f"/api/v1/my/reviews/{item_id}", headers=d.headers)
    assert [h["action"] for h in r.json()["history"]] == ["submit", "approve"]
    r = await client.get(f"{A}/appeals", headers=d.headers)
    assert [x["id"] for x in r.json()["items"]] == [appeal_id]


async def test_appeal_refused_input_stores_nothing(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    a = await af.with_result(w, d, w.cycle)
    for bad in ("", "   ", "问" * 1001):
        r = await _appeal(client, d, a.id, reason=bad)
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED" and r.json()["error"]["field"] == "reason"
        r = await _appeal(client, d, a.id, reason=bad, files={"file": ("a.pdf", PDF, "application/pdf")})
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED", r.text
    r = await client.post(
        f"{A}/results/{a.id}/appeals", files={"file": ("a.pdf", PDF, "application/pdf")}, headers=d.headers
    )
    assert r.status_code == 422 and r.json()["error"]["message"] == "reason：不能为空"
    r = await _appeal(client, d, a.id, files={"file": ("a.gif", GIF, "image/gif")})
    assert r.status_code == 422 and code(r) == "UPLOAD_TYPE_INVALID"
    r = await _appeal(client, d, a.id, files=[("file", ("a.pdf", PDF, "application/pdf"))] * 2)
    assert r.status_code == 400 and code(r) == "UPLOAD_TOO_MANY"
    r = await client.post(
        f"{A}/results/{a.id}/appeals",
        content=b"{not json",
        headers={**d.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    await _nothing_stored()
    r = await _appeal(client, d, a.id)
    assert r.status_code == 201, r.text
    assert r.json()["file_name"] is None and r.json()["file_url"] is None
    assert await Appeal.all().count() == 1 and await ReviewItem.filter(kind=APPEAL_KIND).count() == 1


async def test_appeal_only_on_own_published_result_within_the_period(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    days = get_settings().appeal_period_days
    late = await af.with_result(
        w, d, await af.past_cycle(2021), decided_at=datetime.now(UTC) - timedelta(days=days, minutes=1)
    )
    r = await _appeal(client, d, late.id)
    assert r.status_code == 409 and code(r) == "APPEAL_PERIOD_OVER"
    assert r.json()["error"]["details"]["period_days"] == days
    current = await af.with_result(w, d, w.cycle)
    from server.assessment.models import Assessment, AssessmentStatus

    await Assessment.filter(id=current.id).update(status=AssessmentStatus.SELF_EVALUATED, result_decided_at=None)
    r = await _appeal(client, d, current.id)
    assert r.status_code == 409 and code(r) == "RESULT_NOT_READY"
    r = await _appeal(client, d, 999999)
    assert r.status_code == 404 and code(r) == "ASSESSMENT_NOT_FOUND"
    # another physician's result, a reviewer, someone not bound
    other = w.other_doctor
    r = await _appeal(client, other, current.id)
    assert r.status_code == 403 and code(r) == "ASSESSMENT_NOT_BOUND"
    await af.bound(client, w, other)
    r = await _appeal(client, other, late.id)
    assert r.status_code == 404 and code(r) == "ASSESSMENT_NOT_FOUND"
    r = await client.post(f"{A}/results/{late.id}/appeals", json={"reason": "x"}, headers=await w.h(w.county_office))
    assert r.status_code == 403
    await _nothing_stored()
    # just inside the period
    recent = await af.with_result(
        w, d, await af.past_cycle(2018), decided_at=datetime.now(UTC) - timedelta(days=days) + timedelta(minutes=5)
    )
    r = await _appeal(client, d, recent.id)
    assert r.status_code == 201, r.text


async def test_appeal_dismissed_returned_and_withdrawn(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    a = await af.with_result(w, d, w.cycle, passed=False)
    office = await w.h(w.county_office)

    r = await _appeal(client, d, a.id)
    first = r.json()
    r = await client.post(f"/api/v1/reviews/items/{first['review_item_id']}/reject", json={}, headers=office)
    assert r.status_code == 422 and code(r) == "VALIDATION_FAILED"  # reject needs a reason (the engine's rule)
    r = await client.post(
        f"/api/v1/reviews/items/{first['review_item_id']}/reject", json={"reason": "答卷与成绩一致"}, headers=office
    )
    assert r.status_code == 200, r.text
    got = (await client.get(f"{A}/appeals/{first['id']}", headers=d.headers)).json()
    assert got["status"] == "dismissed" and got["decision_note"] == "答卷与成绩一致"
    event = await OutboxEvent.get(user_id=d.user.id, kind="assessment.appeal_decided")
    assert "申诉不成立" in templates.render(event.kind, event.payload).body

    # a new appeal may follow; the office returns it for more detail
    r = await _appeal(client, d, a.id, reason="补充：第 12 题答案判分有误")
    second = r.json()
    r = await client.post(
        f"/api/v1/reviews/items/{second['review_item_id']}/return", json={"reason": "请附上截图"}, headers=office
    )
    assert r.status_code == 200, r.text
    got = (await client.get(f"{A}/appeals/{second['id']}", headers=d.headers)).json()
    assert got["status"] == "returned" and got["status_label"].startswith("已退回")

    # the third is taken back by the physician before the office decides
    r = await _appeal(client, d, a.id, reason="再次申诉", files={"file": ("a.png", af.PNG, "image/png")})
    third = r.json()
    r = await client.post(f"/api/v1/my/reviews/{third['review_item_id']}/withdraw", headers=d.headers)
    assert r.status_code == 200, r.text
    got = (await client.get(f"{A}/appeals/{third['id']}", headers=d.headers)).json()
    assert got["status"] == "withdrawn"
    r = await client.get(f"{A}/appeals", headers=d.headers)
    assert [x["status"] for x in r.json()["items"]] == ["withdrawn", "returned", "dismissed"]
    assert await Appeal.filter(open_for__not_isnull=True).count() == 0
    assert await OutboxEvent.filter(user_id=d.user.id, kind="assessment.appeal_decided").count() == 2


async def test_two_devices_file_one_appeal(client: httpx.AsyncClient) -> None:
    w = await af.world()
    d = w.doctor
    await af.bound(client, w, d)
    a = await af.with_result(w, d, w.cycle)
    file = {"file": ("a.pdf", PDF, "application/pdf")}
    answers = await asyncio.gather(*(_appeal(client, d, a.id, files=file) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    assert {code(r) for r in answers if r.status_code == 409} == {"APPEAL_ALREADY_OPEN"}
    assert await Appeal.all().count() == 1 and await ReviewItem.filter(kind=APPEAL_KIND).count() == 1
