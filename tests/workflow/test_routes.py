"""Every review route through real HTTP: happy path, bad input, out of scope (404) and wrong role (403)."""

from __future__ import annotations

import httpx

from server.common.models import OutboxEvent
from server.db import run_atomic
from server.directory.models import Region
from server.workflow import service
from server.workflow.models import ReviewAction, ReviewItem
from tests.support.factories import auth_headers, principal_of
from tests.support.workflow import ONE_STEP, TWO_STEP, World

R = "/api/v1/reviews"
MY = "/api/v1/my/reviews"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_queue_lists_my_step_in_my_scope_with_masked_applicant(client: httpx.AsyncClient, world: World) -> None:
    first = await world.submit()
    second = await world.submit(ONE_STEP)
    other = await world.submit(applicant=world.other_physician)
    inst = await auth_headers(world.inst_reviewer)
    r = await client.get(f"{R}/queue", headers=inst)
    assert r.status_code == 200
    body = r.json()
    assert [i["id"] for i in body["items"]] == [first.id, other.id]
    assert body["next_cursor"] is None
    applicant = body["items"][0]["applicant"]
    assert applicant["name"] == "李*明"
    assert applicant["phone"].count("*") == 4
    assert applicant["id_number"] == "110105********002X"
    assert body["items"][0]["title"] == "测试两级审核"
    # filters and cursor
    r = await client.get(f"{R}/queue", params={"applicant_name": "王五"}, headers=inst)
    assert [i["id"] for i in r.json()["items"]] == [other.id]
    r = await client.get(f"{R}/queue", params={"limit": 1}, headers=inst)
    page = r.json()
    assert [i["id"] for i in page["items"]] == [first.id] and page["next_cursor"] == first.id
    r = await client.get(f"{R}/queue", params={"limit": 1, "cursor": page["next_cursor"]}, headers=inst)
    assert [i["id"] for i in r.json()["items"]] == [other.id]
    r = await client.get(f"{R}/queue", params={"kind": ONE_STEP}, headers=inst)
    assert r.json()["items"] == []
    r = await client.get(
        f"{R}/queue", params={"submitted_from": "2000-01-01", "submitted_to": "2000-01-02"}, headers=inst
    )
    assert r.json()["items"] == []
    # the office sees the one-step item, the other province nothing, the commission nothing until step 1
    office = await auth_headers(world.province_office)
    assert [i["id"] for i in (await client.get(f"{R}/queue", headers=office)).json()["items"]] == [second.id]
    assert (await client.get(f"{R}/queue", headers=await auth_headers(world.other_office))).json()["items"] == []
    assert (await client.get(f"{R}/queue", headers=await auth_headers(world.city_commission))).json()["items"] == []


async def test_queue_bad_input_and_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    inst = await auth_headers(world.inst_reviewer)
    r = await client.get(f"{R}/queue", params={"submitted_from": "yesterday"}, headers=inst)
    assert r.status_code == 422 and r.json()["error"]["field"] == "submitted_from"
    r = await client.get(f"{R}/queue", params={"limit": 1000}, headers=inst)
    assert r.status_code == 422
    for who in (world.physician, world.admin):
        r = await client.get(f"{R}/queue", headers=await auth_headers(who))
        assert r.status_code == 403 and _code(r) == "ROLE_FORBIDDEN"
    assert (await client.get(f"{R}/queue")).status_code == 401


async def test_queue_counts(client: httpx.AsyncClient, world: World) -> None:
    await world.submit()
    await world.submit()
    await world.submit(ONE_STEP)
    r = await client.get(f"{R}/queue/counts", headers=await auth_headers(world.inst_reviewer))
    assert r.status_code == 200
    assert r.json()["counts"][TWO_STEP] == 2 and r.json()["total"] == 2
    r = await client.get(f"{R}/queue/counts", headers=await auth_headers(world.other_inst_reviewer))
    assert r.json()["total"] == 0
    r = await client.get(f"{R}/queue/counts", headers=await auth_headers(world.physician))
    assert r.status_code == 403


async def test_item_detail(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit(name="详情")
    r = await client.get(f"{R}/items/{item.id}", headers=await auth_headers(world.inst_reviewer))
    assert r.status_code == 200
    detail = r.json()
    assert detail["payload"] == {"name": "详情"}
    assert detail["attachments"] == ["file://a.pdf"]
    assert [h["action"] for h in detail["history"]] == ["submit"]
    assert detail["current_role"] == "institution_reviewer" and detail["step_count"] == 2
    # the commission of the province can look ahead, outsiders cannot tell it exists
    assert (
        await client.get(f"{R}/items/{item.id}", headers=await auth_headers(world.province_commission))
    ).status_code == 200
    for outsider in (world.other_inst_reviewer, world.other_commission, world.county_office):
        r = await client.get(f"{R}/items/{item.id}", headers=await auth_headers(outsider))
        assert r.status_code == 404 and _code(r) == "NOT_FOUND"
    r = await client.get(f"{R}/items/99999", headers=await auth_headers(world.inst_reviewer))
    assert r.status_code == 404
    r = await client.get(f"{R}/items/{item.id}", headers=await auth_headers(world.physician))
    assert r.status_code == 403


async def test_approve_route(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit(name="通过了")
    inst = await auth_headers(world.inst_reviewer)
    r = await client.post(f"{R}/items/{item.id}/approve", json={"comment": 123}, headers=inst)
    assert r.status_code == 422 and r.json()["error"]["field"] == "comment"
    r = await client.post(f"{R}/items/{item.id}/approve", json={"unknown": 1}, headers=inst)
    assert r.status_code == 422
    r = await client.post(f"{R}/items/{item.id}/approve", content=b"{not json", headers=inst)
    assert r.status_code == 400 and _code(r) == "INVALID_JSON"
    assert (await ReviewItem.get(id=item.id)).current_step == 0
    r = await client.post(
        f"{R}/items/{item.id}/approve", json={}, headers=await auth_headers(world.other_inst_reviewer)
    )
    assert r.status_code == 404
    r = await client.post(f"{R}/items/{item.id}/approve", json={}, headers=await auth_headers(world.physician))
    assert r.status_code == 403
    r = await client.post(f"{R}/items/{item.id}/approve", json={}, headers=await auth_headers(world.city_commission))
    assert r.status_code == 409 and _code(r) == "STEP_NOT_REACHED"
    r = await client.post(f"{R}/items/{item.id}/approve", json={"comment": "同意", "version": 1}, headers=inst)
    assert r.status_code == 200 and r.json()["current_step"] == 1
    r = await client.post(f"{R}/items/{item.id}/approve", json={}, headers=inst)
    assert r.status_code == 409 and _code(r) == "ALREADY_DECIDED"
    r = await client.post(f"{R}/items/{item.id}/approve", json={}, headers=await auth_headers(world.city_commission))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (await Region.get(code="110105")).name == "通过了"


async def test_reject_route(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit(ONE_STEP, name="不通过")
    office = await auth_headers(world.county_office)
    r = await client.post(f"{R}/items/{item.id}/reject", json={}, headers=office)
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = await client.post(f"{R}/items/{item.id}/reject", json={"reason": ""}, headers=office)
    assert r.status_code == 422
    r = await client.post(f"{R}/items/{item.id}/reject", json={"reason": "   "}, headers=office)
    assert r.status_code == 422 and _code(r) == "REASON_REQUIRED"
    r = await client.post(
        f"{R}/items/{item.id}/reject", json={"reason": "x"}, headers=await auth_headers(world.other_office)
    )
    assert r.status_code == 404
    r = await client.post(f"{R}/items/{item.id}/reject", json={"reason": "x"}, headers=await auth_headers(world.admin))
    assert r.status_code == 403
    assert (await ReviewItem.get(id=item.id)).status == "pending"
    r = await client.post(
        f"{R}/items/{item.id}/reject", json={"reason": "照片不清晰", "comment": "请重拍"}, headers=office
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await Region.get(code="110105")).name == "朝阳区"
    action = await ReviewAction.get(item_id=item.id, action="reject")
    assert (action.reason, action.comment) == ("照片不清晰", "请重拍")


async def test_return_and_resubmit_routes(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit(ONE_STEP, name="第一版")
    office = await auth_headers(world.province_office)
    me = await auth_headers(world.physician)
    r = await client.post(f"{R}/items/{item.id}/return", json={"reason": ""}, headers=office)
    assert r.status_code == 422
    r = await client.post(
        f"{R}/items/{item.id}/return", json={"reason": "x"}, headers=await auth_headers(world.other_office)
    )
    assert r.status_code == 404
    r = await client.post(f"{R}/items/{item.id}/return", json={"reason": "x"}, headers=me)
    assert r.status_code == 403
    r = await client.post(f"{MY}/{item.id}/resubmit", json={"payload": {"name": "x"}}, headers=me)
    assert r.status_code == 409 and _code(r) == "NOT_RETURNED"
    r = await client.post(f"{R}/items/{item.id}/return", json={"reason": "请补充证明"}, headers=office)
    assert r.status_code == 200 and r.json()["status"] == "returned"
    # resubmit: bad input, someone else's item, wrong role, then the real thing
    r = await client.post(f"{MY}/{item.id}/resubmit", json={"payload": "x"}, headers=me)
    assert r.status_code == 422 and r.json()["error"]["field"] == "payload"
    r = await client.post(
        f"{MY}/{item.id}/resubmit", json={"payload": {}}, headers=await auth_headers(world.other_physician)
    )
    assert r.status_code == 404
    r = await client.post(f"{MY}/{item.id}/resubmit", json={"payload": {}}, headers=office)
    assert r.status_code == 403
    assert (await ReviewItem.get(id=item.id)).payload == {"name": "第一版"}
    r = await client.post(f"{MY}/{item.id}/resubmit", json={"payload": {"name": "第二版"}}, headers=me)
    assert r.status_code == 200 and (r.json()["status"], r.json()["current_step"]) == ("pending", 0)
    r = await client.get(f"{MY}/{item.id}", headers=me)
    assert [h["action"] for h in r.json()["history"]] == ["submit", "return", "resubmit"]
    assert r.json()["history"][1]["reason"] == "请补充证明"
    assert (await client.get(f"{MY}/{item.id}", headers=await auth_headers(world.other_physician))).status_code == 404


async def test_batch_approve(client: httpx.AsyncClient, world: World) -> None:
    items = [await world.submit(ONE_STEP) for _ in range(3)]
    foreign = await run_atomic(
        service.create_item,
        kind=ONE_STEP,
        subject_type="region",
        subject_id="310000",
        applicant_id=world.physician.id,
        institution_id=world.other_inst.id,
        region_code="310104",
        payload={"name": "上海"},
    )
    office = await auth_headers(world.county_office)
    await service.approve_step(principal=principal_of(world.province_office), item_id=items[2].id)
    r = await client.post(f"{R}/batch-approve", json={"ids": list(range(1, 52))}, headers=office)
    assert r.status_code == 422 and r.json()["error"]["field"] == "ids"
    r = await client.post(f"{R}/batch-approve", json={"ids": []}, headers=office)
    assert r.status_code == 422
    r = await client.post(
        f"{R}/batch-approve", json={"ids": [items[0].id]}, headers=await auth_headers(world.physician)
    )
    assert r.status_code == 403
    ids = [items[0].id, items[1].id, items[2].id, foreign.id, 424242]
    r = await client.post(f"{R}/batch-approve", json={"ids": ids}, headers=office)
    assert r.status_code == 200
    body = r.json()
    assert body["approved"] == 2
    assert [(x["id"], x["ok"], x["code"]) for x in body["results"]] == [
        (items[0].id, True, None),
        (items[1].id, True, None),
        (items[2].id, False, "ALREADY_DECIDED"),
        (foreign.id, False, "NOT_FOUND"),
        (424242, False, "NOT_FOUND"),
    ]
    assert (await ReviewItem.get(id=foreign.id)).status == "pending"


async def test_history_and_stats(client: httpx.AsyncClient, world: World) -> None:
    a = await world.submit()
    b = await world.submit()
    await world.submit()
    inst = await auth_headers(world.inst_reviewer)
    await client.post(f"{R}/items/{a.id}/approve", json={}, headers=inst)
    await client.post(f"{R}/items/{b.id}/reject", json={"reason": "不符合"}, headers=inst)
    r = await client.get(f"{R}/history", headers=inst)
    assert r.status_code == 200
    assert [(x["item_id"], x["action"]) for x in r.json()["items"]] == [(b.id, "reject"), (a.id, "approve")]
    r = await client.get(f"{R}/history", params={"limit": 1}, headers=inst)
    cursor = r.json()["next_cursor"]
    r = await client.get(f"{R}/history", params={"limit": 1, "cursor": cursor}, headers=inst)
    assert [x["item_id"] for x in r.json()["items"]] == [a.id]
    r = await client.get(f"{R}/history", params={"cursor": "abc"}, headers=inst)
    assert r.status_code == 422
    other = await auth_headers(world.other_inst_reviewer)
    assert (await client.get(f"{R}/history", headers=other)).json()["items"] == []
    assert (await client.get(f"{R}/history", headers=await auth_headers(world.physician))).status_code == 403
    r = await client.get(f"{R}/stats", headers=inst)
    assert r.status_code == 200
    stats = r.json()
    assert (stats["pending"], stats["decided_today"]) == (1, 2)
    assert stats["average_decision_hours"] is not None and stats["average_decision_hours"] >= 0
    assert (await client.get(f"{R}/stats", headers=other)).json() == {
        "pending": 0,
        "decided_today": 0,
        "average_decision_hours": None,
    }
    assert (await client.get(f"{R}/stats", headers=await auth_headers(world.admin))).status_code == 403


async def test_my_reviews_and_withdraw(client: httpx.AsyncClient, world: World) -> None:
    first = await world.submit()
    second = await world.submit()
    await world.submit(applicant=world.other_physician)
    me = await auth_headers(world.physician)
    r = await client.get(MY, headers=me)
    assert r.status_code == 200
    assert [i["id"] for i in r.json()["items"]] == [second.id, first.id]
    assert (await client.get(MY, params={"limit": 0}, headers=me)).status_code == 422
    assert (await client.get(MY, headers=await auth_headers(world.inst_reviewer))).status_code == 403
    r = await client.post(f"{MY}/{first.id}/withdraw", headers=await auth_headers(world.other_physician))
    assert r.status_code == 404
    r = await client.post(f"{MY}/{first.id}/withdraw", headers=await auth_headers(world.inst_reviewer))
    assert r.status_code == 403
    r = await client.post(f"{MY}/{first.id}/withdraw", headers=me)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = await client.post(f"{MY}/{first.id}/withdraw", headers=me)
    assert r.status_code == 409 and _code(r) == "NOT_WITHDRAWABLE"
    await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=second.id)
    r = await client.post(f"{MY}/{second.id}/withdraw", headers=me)
    assert r.status_code == 409 and _code(r) == "NOT_WITHDRAWABLE"
    assert await OutboxEvent.all().count() == 0


async def test_queue_rows_carry_the_kinds_key_fields(client: httpx.AsyncClient, world: World) -> None:
    first = await world.submit(name="朝阳新区")
    second = await world.submit(ONE_STEP)
    r = await client.get(f"{R}/queue", headers=await auth_headers(world.inst_reviewer))
    [row] = [i for i in r.json()["items"] if i["id"] == first.id]
    assert row["summary"] == [{"label": "新名称", "value": "朝阳新区"}]
    # a kind without summary fields answers an empty list; the detail carries the same summary
    r = await client.get(f"{R}/queue", headers=await auth_headers(world.province_office))
    assert [i["summary"] for i in r.json()["items"] if i["id"] == second.id] == [[]]
    r = await client.get(f"{R}/items/{first.id}", headers=await auth_headers(world.inst_reviewer))
    assert r.json()["summary"] == [{"label": "新名称", "value": "朝阳新区"}]
    # wrong user: a physician gets no queue (and so no summaries)
    r = await client.get(f"{R}/queue", headers=await auth_headers(world.physician))
    assert r.status_code == 403
