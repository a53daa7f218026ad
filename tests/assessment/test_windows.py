"""Windows per region: the provincial office sets the province's, a city or county office its own inside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from server.assessment.models import CycleWindow, WindowKind
from server.common.models import AuditEntry
from tests.support import assessment as af
from tests.support.assessment import A, code


def _t(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


async def test_county_office_sets_its_own_window_inside_the_provinces(client: httpx.AsyncClient) -> None:
    w = await af.world()
    county = await w.h(w.county_office)
    province = await w.h(w.office)
    outer = await CycleWindow.get(cycle_id=w.cycle.id, region_code="110000", kind=WindowKind.ENROLMENT)
    inside = {
        "kind": "enrolment",
        "opens_at": _t(outer.opens_at + timedelta(hours=1)),
        "closes_at": _t(outer.opens_at + timedelta(hours=2)),  # already over: 朝阳's enrolment is closed
    }
    # outside the province's window, or the cycle, or for a region the office does not cover: refused, nothing kept
    for bad, status, err in (
        ({**inside, "opens_at": _t(outer.opens_at - timedelta(hours=1))}, 422, "WINDOW_INVALID"),
        ({**inside, "closes_at": _t(outer.closes_at + timedelta(hours=1))}, 422, "WINDOW_INVALID"),
        ({**inside, "region_code": "110101"}, 403, "FORBIDDEN"),
        ({**inside, "region_code": "abc"}, 422, "VALIDATION_FAILED"),
    ):
        r = await client.put(f"{A}/windows", json=bad, headers=county)
        assert r.status_code == status and code(r) == err, r.text
    r = await client.put(f"{A}/windows", json={**inside, "region_code": "110105"}, headers=await w.h(w.other_office))
    assert r.status_code == 403
    for who in (w.inst_reviewer, w.commission, w.doctor.user):
        r = await client.put(f"{A}/windows", json=inside, headers=await w.h(who))
        assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
    assert not await CycleWindow.filter(region_code="110105").exists()

    r = await client.put(f"{A}/windows", json=inside, headers=county)
    assert r.status_code == 200, r.text
    assert r.json()["region_code"] == "110105" and r.json()["is_open"] is False
    assert (await AuditEntry.get(action="assessment.window_set")).details["region_code"] == "110105"  # type: ignore[index]

    # the physician in 朝阳 works to 朝阳's window, not the province's
    await af.bind(client, w, w.doctor)
    await af.accept(client, w.doctor)
    enrol = {"data_correct": True, "specialty": "内科专业"}
    r = await client.post(f"{A}/enrolment", json=enrol, headers=w.doctor.headers)
    assert r.status_code == 409 and code(r) == "WINDOW_CLOSED", r.text

    # the province cannot move its window so that 朝阳's falls outside it
    moved = {
        "kind": "enrolment",
        "opens_at": _t(outer.opens_at + timedelta(minutes=90)),
        "closes_at": _t(outer.closes_at),
    }
    r = await client.put(f"{A}/windows", json=moved, headers=province)
    assert r.status_code == 422 and code(r) == "WINDOW_INVALID"
    assert r.json()["error"]["details"]["regions"] == ["110105"]
    assert (await CycleWindow.get(id=outer.id)).opens_at == outer.opens_at

    # lists: the county office sees the province's windows and its own, the province's office every one
    r = await client.get(f"{A}/windows", headers=county)
    regions = sorted({i["region_code"] for i in r.json()["items"]})
    assert r.json()["region_code"] == "110105" and regions == ["110000", "110105"]
    r = await client.get(f"{A}/windows", headers=await w.h(w.other_office))
    assert {i["region_code"] for i in r.json()["items"]} == {"310000"}

    # removing 朝阳's own window: the province's applies again and enrolment opens
    r = await client.request(
        "DELETE", f"{A}/windows", params={"kind": "enrolment", "region_code": "110000"}, headers=province
    )
    assert r.status_code == 422 and code(r) == "WINDOW_INVALID"  # a province's window is moved, not removed
    r = await client.request("DELETE", f"{A}/windows", params={"kind": "exam"}, headers=county)
    assert r.status_code == 404 and code(r) == "WINDOW_NOT_SET"
    r = await client.request("DELETE", f"{A}/windows", params={"kind": "enrolment"}, headers=await w.h(w.commission))
    assert r.status_code == 403
    r = await client.request("DELETE", f"{A}/windows", params={"kind": "enrolment"}, headers=county)
    assert r.status_code == 200 and r.json()["applies"]["region_code"] == "110000"
    r = await client.post(f"{A}/enrolment", json=enrol, headers=w.doctor.headers)
    assert r.status_code == 201, r.text


async def test_a_county_window_needs_the_provinces_first(client: httpx.AsyncClient) -> None:
    w = await af.world()
    await CycleWindow.filter(kind=WindowKind.EXAM).delete()
    now = datetime.now(UTC)
    body = {"kind": "exam", "opens_at": _t(now), "closes_at": _t(now + timedelta(days=1))}
    r = await client.put(f"{A}/windows", json=body, headers=await w.h(w.county_office))
    assert r.status_code == 422 and code(r) == "WINDOW_INVALID" and "上级" in r.json()["error"]["message"]
    r = await client.put(f"{A}/windows", json={**body, "opens_at": "2001-01-01T08:00:00"}, headers=await w.h(w.office))
    assert r.status_code == 422 and "考核周期" in r.json()["error"]["message"]
    assert not await CycleWindow.filter(kind=WindowKind.EXAM).exists()
    r = await client.put(f"{A}/windows", json=body, headers=await w.h(w.office))
    assert r.status_code == 200
    r = await client.put(f"{A}/windows", json=body, headers=await w.h(w.county_office))
    assert r.status_code == 200 and r.json()["region_code"] == "110105"
