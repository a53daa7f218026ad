"""Progress per physician (registered but not bound too), its export, and reminders to a filtered group."""

from __future__ import annotations

import io
from datetime import date

import httpx
from openpyxl import load_workbook

from server.assessment import office
from server.common.idcard import make
from server.common.models import AuditEntry, OutboxEvent
from tests.support import assessment as af
from tests.support.assessment import A, code
from tests.support.factories import principal_of

PEOPLE = f"{A}/progress/people"
REMIND = f"{A}/progress/reminders"


async def _population(client: httpx.AsyncClient) -> af.World:
    """In 朝阳示范医院: one physician enrolled, one registered with an app account but not bound, one registered
    who never opened an account, and one with an issued assessment credential who is not on the registry's roll."""
    w = await af.world()
    await af.enrolled(client, w, w.doctor)
    await af.registered_without_account(w.inst)
    await office.issue_credential(
        principal=principal_of(w.inst_reviewer),
        id_number=make("110105", date(1975, 5, 5), 321),
        name="钱只发",
        institution_id=None,
    )
    return w


async def test_people_lists_everyone_in_scope_with_their_step(client: httpx.AsyncClient) -> None:
    w = await _population(client)
    h = await w.h(w.office)
    r = await client.get(PEOPLE, headers=h)
    assert r.status_code == 200, r.text
    data = r.json()
    steps = sorted((p["name"], p["step"], p["registered"]) for p in data["items"])
    assert data["total"] == 4 and steps == [
        ("李小明", "procedure", True),
        ("王小五", "not_bound", True),
        ("赵未开", "not_bound", True),
        ("钱只发", "not_bound", False),
    ]
    assert all("*" in p["id_number_masked"] for p in data["items"])
    assert {p["step_label"] for p in data["items"]} == {"待选择程序", "未绑定定考账号"}
    # the per-institution counts count the registered but unbound too (before: only the one bound, total 1)
    r = await client.get(f"{A}/progress", headers=h)
    [row] = r.json()["items"]
    assert row["total"] == 4 and row["counts"]["not_bound"] == 3 and row["counts"]["procedure"] == 1
    # filters and pages
    r = await client.get(PEOPLE, params={"step": "not_bound", "limit": 2}, headers=h)
    first = r.json()
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next_cursor"] == 2
    r = await client.get(PEOPLE, params={"step": "not_bound", "limit": 2, "cursor": 2}, headers=h)
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"] is None
    r = await client.get(PEOPLE, params={"region_code": "110105", "institution_id": w.inst.id}, headers=h)
    assert r.json()["total"] == 4
    r = await client.get(PEOPLE, params={"region_code": "110101"}, headers=h)
    assert r.status_code == 200 and r.json()["total"] == 0
    # the institution sees its own; the county office its county
    for who in (w.inst_reviewer, w.county_office):
        r = await client.get(PEOPLE, headers=await w.h(who))
        assert r.status_code == 200 and r.json()["total"] == 4
    # wrong institution / wrong region: refused
    r = await client.get(PEOPLE, params={"institution_id": w.other_inst.id}, headers=h)
    assert r.status_code == 404 and code(r) == "INSTITUTION_NOT_FOUND"
    r = await client.get(PEOPLE, params={"institution_id": w.other_inst.id}, headers=await w.h(w.inst_reviewer))
    assert r.status_code == 404
    r = await client.get(PEOPLE, params={"region_code": "310000"}, headers=await w.h(w.county_office))
    assert r.status_code == 403 and code(r) == "FORBIDDEN"
    r = await client.get(PEOPLE, headers=await w.h(w.other_office))
    assert r.status_code == 200 and r.json()["total"] == 0
    for who in (w.commission, w.doctor.user):
        r = await client.get(PEOPLE, headers=await w.h(who))
        assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
    # bad input
    for params in ({"step": "lunch"}, {"region_code": "1"}, {"limit": 0}, {"cycle_id": 999}):
        r = await client.get(PEOPLE, params=params, headers=h)
        assert r.status_code in (404, 422), params
    assert await AuditEntry.filter(action="assessment.progress_people_read", actor_id=w.office.id).exists()


async def test_people_export(client: httpx.AsyncClient) -> None:
    w = await _population(client)
    r = await client.get(f"{PEOPLE}.xlsx", params={"step": "not_bound"}, headers=await w.h(w.office))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("机构", "姓名", "证件号码", "当前步骤", "在册")
    assert sorted(row[1] for row in rows[2:]) == ["王小五", "赵未开", "钱只发"]
    assert {row[3] for row in rows[2:]} == {"未绑定定考账号"}
    r = await client.get(f"{PEOPLE}.xlsx", params={"region_code": "310000"}, headers=await w.h(w.office))
    assert r.status_code == 403
    r = await client.get(f"{PEOPLE}.xlsx", headers=await w.h(w.commission))
    assert r.status_code == 403
    r = await client.get(f"{A}/progress.xlsx", headers=await w.h(w.office))
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("机构", "合计", "未绑定定考账号", "未报名") and rows[2][1:3] == (4, 3)


async def test_reminders_reach_the_group_once_a_day_and_are_limited(client: httpx.AsyncClient) -> None:
    w = await _population(client)
    h = await w.h(w.county_office)
    body = {"step": "not_bound"}
    # wrong region, wrong role, bad step: refused, nothing queued
    r = await client.post(REMIND, json={**body, "region_code": "310000"}, headers=h)
    assert r.status_code == 403
    r = await client.post(REMIND, json=body, headers=await w.h(w.commission))
    assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
    for bad in ({"step": "passed"}, {"step": "not_bound", "extra": 1}, {}):
        r = await client.post(REMIND, json=bad, headers=h)
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED"
    r = await client.post(REMIND, json={**body, "institution_id": w.other_inst.id}, headers=h)
    assert r.status_code == 404
    assert not await OutboxEvent.filter(kind="assessment.reminder").exists()

    r = await client.post(REMIND, json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"matched": 3, "sent": 1, "already_today": 0, "no_account": 2}
    [event] = await OutboxEvent.filter(kind="assessment.reminder")
    assert event.user_id == w.other_doctor.user.id and event.payload["action"] == "绑定定考账号"
    # the same person is not reminded twice in a day, whoever asks
    r = await client.post(REMIND, json=body, headers=await w.h(w.inst_reviewer))
    assert r.json() == {"matched": 3, "sent": 0, "already_today": 1, "no_account": 2}
    assert await OutboxEvent.filter(kind="assessment.reminder").count() == 1
    assert await AuditEntry.filter(action="assessment.reminders_sent").count() == 2
    # batches per reviewer are limited
    for _ in range(9):  # 10 batches an hour per reviewer
        assert (await client.post(REMIND, json=body, headers=h)).status_code == 200
    r = await client.post(REMIND, json=body, headers=h)
    assert r.status_code == 429 and code(r) == "REMINDERS_LIMITED" and int(r.headers["Retry-After"]) > 0


async def test_people_by_name_in_the_list_the_export_and_a_reminder(client: httpx.AsyncClient) -> None:
    w = await _population(client)
    h = await w.h(w.office)
    r = await client.get(PEOPLE, params={"name": "小"}, headers=h)
    assert r.status_code == 200, r.text
    assert sorted(p["name"] for p in r.json()["items"]) == ["李小明", "王小五"] and r.json()["total"] == 2
    r = await client.get(PEOPLE, params={"name": "小", "step": "not_bound"}, headers=h)
    assert [p["name"] for p in r.json()["items"]] == ["王小五"]
    r = await client.get(f"{PEOPLE}.xlsx", params={"name": "赵"}, headers=h)
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[2:]] == ["赵未开"]
    # the reminder goes to the same filtered group: 王小五 has an app account, 赵未开 none
    r = await client.post(REMIND, json={"step": "not_bound", "name": "赵"}, headers=h)
    assert r.json() == {"matched": 1, "sent": 0, "already_today": 0, "no_account": 1}
    assert not await OutboxEvent.filter(kind="assessment.reminder").exists()
    # bad input: an empty or overlong name is refused, nothing read
    for name in ("", "名" * 33):
        r = await client.get(PEOPLE, params={"name": name}, headers=h)
        assert r.status_code == 422 and code(r) == "VALIDATION_FAILED", name
    # the name filter does not widen the scope: another province's office finds nobody, a commission is refused
    r = await client.get(PEOPLE, params={"name": "小"}, headers=await w.h(w.other_office))
    assert r.status_code == 200 and r.json()["total"] == 0
    r = await client.get(PEOPLE, params={"name": "小"}, headers=await w.h(w.commission))
    assert r.status_code == 403 and code(r) == "ROLE_FORBIDDEN"
