"""Twenty concurrent deciders on one step through real HTTP: the database lets exactly one through."""

from __future__ import annotations

import asyncio

import httpx

from server.common.models import AuditEntry, OutboxEvent
from server.directory.models import Region
from server.workflow.models import ReviewAction, ReviewItem
from tests.support import factories as f
from tests.support.workflow import ONE_STEP, World


async def test_twenty_concurrent_decisions_make_exactly_one(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit(ONE_STEP, name="抢到了")
    # Several reviewers in scope, and some of them tapping twice
    reviewers = [world.county_office, world.province_office] + [await f.office_reviewer("110105") for _ in range(3)]
    headers = [await f.auth_headers(r) for r in reviewers]
    calls = []
    for n in range(20):
        h = headers[n % len(headers)]
        if n % 2:
            calls.append(client.post(f"/api/v1/reviews/items/{item.id}/approve", json={}, headers=h))
        else:
            calls.append(client.post(f"/api/v1/reviews/items/{item.id}/reject", json={"reason": "不符合"}, headers=h))
    responses = await asyncio.gather(*calls)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    assert all(r.json()["error"]["code"] == "ALREADY_DECIDED" for r in responses if r.status_code == 409)
    winner = next(r for r in responses if r.status_code == 200).json()
    fresh = await ReviewItem.get(id=item.id)
    assert fresh.status == winner["status"] and fresh.version == 2
    assert await ReviewAction.filter(item_id=item.id, step=0, action__in=["approve", "reject"]).count() == 1
    assert await OutboxEvent.filter(kind="review.decided").count() == 1
    assert await AuditEntry.filter(action__in=["review.approve", "review.reject"]).count() == 1
    expected_name = "抢到了" if fresh.status == "approved" else "朝阳区"
    assert (await Region.get(code="110105")).name == expected_name


async def test_concurrent_approvals_of_a_middle_step(client: httpx.AsyncClient, world: World) -> None:
    item = await world.submit()
    h = await f.auth_headers(world.inst_reviewer)
    url = f"/api/v1/reviews/items/{item.id}/approve"
    responses = await asyncio.gather(*(client.post(url, json={}, headers=h) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert (await ReviewItem.get(id=item.id)).current_step == 1
    assert await ReviewAction.filter(item_id=item.id, action="approve").count() == 1
