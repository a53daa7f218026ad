"""The public look-up of cycles and their windows per province."""

from __future__ import annotations

import httpx

from tests.support import assessment as af

L = "/api/v1/lookups/cycles"


async def test_cycles_with_the_windows_of_one_province(client: httpx.AsyncClient, db: None) -> None:
    old = await af.cycle(current=False, name="2018—2020年度")
    now = await af.cycle()
    await af.open_windows(now, "110000")
    await af.open_windows(now, "130000")
    r = await client.get(L, params={"province_code": "110000"})
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    items = r.json()["items"]
    assert [(i["cycle"]["id"], i["is_current"]) for i in items] == [(now.id, True), (old.id, False)]
    windows = items[0]["windows"]
    assert {w["kind"] for w in windows} == {"enrolment", "self_evaluation", "exam", "make_up"}
    assert all(w["is_open"] and w["opens_at"].endswith("+08:00") for w in windows)
    assert items[1]["windows"] == [] and items[0]["province_code"] == "110000"
    # no province: the cycles alone
    bare = (await client.get(L)).json()["items"]
    assert [i["windows"] for i in bare] == [[], []] and bare[0]["province_code"] is None


async def test_province_code_must_be_a_province(client: httpx.AsyncClient, db: None) -> None:
    for value in ("110101", "11", "beijing"):
        r = await client.get(L, params={"province_code": value})
        assert r.status_code == 422 and r.json()["error"]["field"] == "province_code", value
