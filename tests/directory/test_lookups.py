"""The directory's public look-ups: the GB/T 2260 tree, institutions by region and name, categories and scopes."""

from __future__ import annotations

import httpx
import pytest

from server.directory.catalogue import PRACTICE_SCOPES
from tests.support import factories as wf

L = "/api/v1/lookups"


@pytest.fixture()
async def places(db: None) -> None:
    await wf.region("110000", "北京市")
    await wf.region("110100", "市辖区")
    await wf.region("110101", "东城区")
    await wf.region("110105", "朝阳区")
    await wf.region("130000", "河北省")
    await wf.region("130100", "石家庄市")
    await wf.region("130102", "长安区")
    await wf.institution("110101", name="东城区示范医院")
    await wf.institution("110105", name="朝阳医院")
    await wf.institution("130102", name="长安中心医院")


async def test_region_tree_by_parent(client: httpx.AsyncClient, places: None) -> None:
    r = await client.get(f"{L}/regions")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    assert [(x["code"], x["level"], x["has_children"]) for x in r.json()["items"]] == [
        ("110000", "province", True),
        ("130000", "province", True),
    ]
    cities = (await client.get(f"{L}/regions", params={"parent_code": "110000"})).json()["items"]
    assert [c["code"] for c in cities] == ["110100"]
    counties = (await client.get(f"{L}/regions", params={"parent_code": "110100"})).json()["items"]
    assert [(c["code"], c["has_children"]) for c in counties] == [("110101", False), ("110105", False)]
    detail = (await client.get(f"{L}/regions/110105")).json()
    assert [p["code"] for p in detail["path"]] == ["110000", "110100", "110105"]


@pytest.mark.parametrize("value", ["11", "abcdef", "1100001", ""])
async def test_region_parent_must_be_a_code(client: httpx.AsyncClient, places: None, value: str) -> None:
    r = await client.get(f"{L}/regions", params={"parent_code": value})
    assert r.status_code == 422 and r.json()["error"]["field"] == "parent_code"


async def test_unknown_region_is_not_found(client: httpx.AsyncClient, places: None) -> None:
    for code in ("999999", "abc"):
        r = await client.get(f"{L}/regions/{code}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "REGION_NOT_FOUND"


async def test_institutions_by_region_and_name_paginated(client: httpx.AsyncClient, places: None) -> None:
    beijing = (await client.get(f"{L}/institutions", params={"region_code": "110000"})).json()
    assert {i["name"] for i in beijing["items"]} == {"东城区示范医院", "朝阳医院"}
    named = (await client.get(f"{L}/institutions", params={"q": "中心"})).json()["items"]
    assert [(i["name"], i["region_name"]) for i in named] == [("长安中心医院", "长安区")]
    first = (await client.get(f"{L}/institutions", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"] is not None
    rest = (await client.get(f"{L}/institutions", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "51"}, {"cursor": "-1"}, {"region_code": "11"}, {"q": ""}, {"x": "1"}]
)
async def test_institution_search_refuses_bad_input(
    client: httpx.AsyncClient, places: None, params: dict[str, str]
) -> None:
    r = await client.get(f"{L}/institutions", params=params)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"


async def test_practice_categories_hold_every_scope_once(client: httpx.AsyncClient, db: None) -> None:
    r = await client.get(f"{L}/practice-categories")
    assert r.status_code == 200
    cats = r.json()["items"]
    assert [c["code"] for c in cats] == ["clinical", "dental", "public_health", "tcm"]
    assert cats[0]["label"] == "临床"
    names = [s["name"] for c in cats for s in c["scopes"]]
    assert sorted(names) == sorted(PRACTICE_SCOPES)


async def test_practice_scopes_by_category(client: httpx.AsyncClient, db: None) -> None:
    every = (await client.get(f"{L}/practice-scopes")).json()["items"]
    assert len(every) == len(PRACTICE_SCOPES)
    dental = (await client.get(f"{L}/practice-scopes", params={"category": "dental"})).json()["items"]
    assert dental == [{"name": "口腔专业", "category": "dental", "category_label": "口腔"}]
    r = await client.get(f"{L}/practice-scopes", params={"category": "surgery"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "category"


async def test_lookups_need_no_log_in_and_accept_a_signed_in_user(client: httpx.AsyncClient, places: None) -> None:
    user = await wf.physician()
    headers = await wf.auth_headers(user)
    for path in ("/regions", "/institutions", "/practice-categories", "/practice-scopes"):
        assert (await client.get(L + path)).status_code == 200
        assert (await client.get(L + path, headers=headers)).status_code == 200
