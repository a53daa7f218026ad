"""Refused access is audited centrally (server.common.http), aggregated per principal, route and hour.

The engine's routes serve as the example: any route of any part is covered the same way, with no code of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from server.accounts.models import User
from server.common import audit, scope
from server.common.models import AuditEntry
from server.db import run_atomic
from tests.support import factories as f
from tests.support import workflow as wt

SCAN = 250  # per principal: 500 refused requests in all


async def test_a_scan_of_others_objects_is_audited_in_one_row_per_principal_and_route(
    client: httpx.AsyncClient, world: wt.World
) -> None:
    item = await world.submit()
    other_user = await f.auth_headers(world.other_physician)  # another person's submission
    other_inst = await f.auth_headers(world.other_inst_reviewer)  # another institution's queue

    async def scan(path: str, headers: dict[str, str]) -> list[int]:
        statuses = []
        for _ in range(SCAN // 10):
            answers = await asyncio.gather(*(client.get(path, headers=headers) for _ in range(10)))
            statuses += [r.status_code for r in answers]
        return statuses

    assert set(await scan(f"/api/v1/my/reviews/{item.id}", other_user)) == {404}
    assert set(await scan(f"/api/v1/reviews/items/{item.id}", other_inst)) == {404}
    rows = await AuditEntry.filter(action=audit.REFUSAL_ACTION).order_by("id")
    print(f"audit rows for {2 * SCAN} refused requests: {len(rows)}")  # noqa: T201
    assert len(rows) == 2
    by_actor = {r.actor_id: r for r in rows}
    mine, theirs = by_actor[world.other_physician.id], by_actor[world.other_inst_reviewer.id]
    assert mine.details and mine.details["route"] == "GET /api/v1/my/reviews/<item_id:int>"
    assert theirs.details and theirs.details["route"] == "GET /api/v1/reviews/items/<item_id:int>"
    for row in (mine, theirs):
        assert row.details and row.details["count"] == SCAN and row.details["status"] == 404
        assert row.details["params"] == {"item_id": str(item.id)} and row.ip

    # The administrator finds them in the audit API; a physician may not read it (and that refusal is audited too).
    admin = await f.auth_headers(world.admin)
    r = await client.get("/api/v1/admin/audit", params={"action": audit.REFUSAL_ACTION}, headers=admin)
    assert r.status_code == 200
    found = {(e["actor_id"], e["details"]["count"]) for e in r.json()["items"]}
    assert found == {(world.other_physician.id, SCAN), (world.other_inst_reviewer.id, SCAN)}
    r = await client.get("/api/v1/admin/audit", headers=other_user)
    assert r.status_code == 403
    assert await AuditEntry.filter(action=audit.REFUSAL_ACTION, actor_id=world.other_physician.id).count() == 2


async def test_ones_own_objects_and_plain_absences_without_sign_in_are_not_refusals(
    client: httpx.AsyncClient, world: wt.World
) -> None:
    item = await world.submit()
    assert (await client.get(f"/api/v1/my/reviews/{item.id}", headers=await f.auth_headers(world.physician))).is_success
    assert (await client.get(f"/api/v1/my/reviews/{item.id}")).status_code == 401
    assert await AuditEntry.filter(action=audit.REFUSAL_ACTION).count() == 0


async def test_the_office_finds_the_refusals_of_the_people_in_its_region(
    client: httpx.AsyncClient, world: wt.World
) -> None:
    item = await world.submit()
    await run_atomic(
        scope.set_affiliation,
        user_id=world.other_physician.id,
        institution_id=world.inst.id,
        region_code="110105",
        source=scope.REGISTRY,
    )
    for _ in range(3):
        r = await client.get(f"/api/v1/my/reviews/{item.id}", headers=await f.auth_headers(world.other_physician))
        assert r.status_code == 404

    async def seen_by(user: User) -> list[tuple[int | None, int]]:
        r = await client.get("/api/v1/audit/refusals", headers=await f.auth_headers(user))
        assert r.status_code == 200, r.text
        return [(e["actor_id"], e["details"]["count"]) for e in r.json()["items"]]

    assert await seen_by(world.province_office) == [(world.other_physician.id, 3)]  # 110000 covers 110105
    assert await seen_by(world.county_office) == [(world.other_physician.id, 3)]
    assert await seen_by(world.other_office) == []  # 310000: not their people
    r = await client.get("/api/v1/audit/refusals", headers=await f.auth_headers(world.physician))
    assert r.status_code == 403
    r = await client.get("/api/v1/audit/refusals", params={"limit": 0}, headers=await f.auth_headers(world.admin))
    assert r.status_code == 422


async def test_the_row_ends_at_the_latest_count_when_refusals_race_each_other(
    world: wt.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refusals that race the window's first find no row yet, and updates commit out of order: the row still ends
    at the counter's value. The races are forced: the first one's region lookup runs while two more arrive, and a
    late update carrying an older count lands after a newer one."""
    actor = world.other_physician.id

    async def refuse(region_of: Callable[[], Awaitable[str | None]] = _no_region) -> None:
        await audit.record_refusal(
            actor_id=actor,
            method="GET",
            route="/api/v1/x/<id:int>",
            status=404,
            code="NOT_FOUND",
            params={"id": 1},
            ip="127.0.0.1",
            region_of=region_of,
        )

    async def two_more_arrive() -> str | None:  # between the first's count and its row
        await refuse()
        await refuse()
        return None

    await refuse(two_more_arrive)
    row = await AuditEntry.get(action=audit.REFUSAL_ACTION, actor_id=actor)
    assert row.details and row.details["count"] == 3

    # An update that commits after a newer one: the row is written with count 4 while the counter says 5.
    real_update = audit._write_count
    late = asyncio.Event()

    async def slow_update(row_id: int, details: dict[str, Any]) -> None:
        if details["count"] == 4 and not late.is_set():
            late.set()
            await refuse()  # the fifth refusal writes 5 first
        await real_update(row_id, details)

    monkeypatch.setattr(audit, "_write_count", slow_update)
    await refuse()
    await row.refresh_from_db()
    assert late.is_set() and row.details and row.details["count"] == 5


async def _no_region() -> str | None:
    return None
