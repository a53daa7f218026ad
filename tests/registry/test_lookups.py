"""The registry's look-ups: identity document types and the application kinds a client builds its forms from."""

from __future__ import annotations

import httpx

from server.registry.application_kinds import ALL_KINDS
from server.registry.documents import IdType
from server.registry.schemas import ApplicationData

L = "/api/v1/lookups"


async def test_document_types(client: httpx.AsyncClient, db: None) -> None:
    r = await client.get(f"{L}/document-types")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    items = r.json()["items"]
    assert [i["code"] for i in items] == [t.value for t in IdType]
    assert items[0] == {"code": "resident_id", "label": "居民身份证", "hint": items[0]["hint"]} and items[0]["hint"]


async def test_application_kinds_describe_every_kind_and_its_form(client: httpx.AsyncClient, db: None) -> None:
    r = await client.get(f"{L}/application-kinds")
    assert r.status_code == 200
    kinds = {k["kind"]: k for k in r.json()["items"]}
    assert set(kinds) == set(ALL_KINDS)
    register = kinds["register"]
    assert register["title"] == "注册" and register["initiated_by"] == "physician"
    assert register["needs_registration"] is False
    fields = {f["name"]: f for f in register["fields"]}
    assert fields["institution_id"]["type"] == "institution" and fields["institution_id"]["required"] is True
    assert fields["training_months"]["required"] is False
    assert [a["purpose"] for a in register["attachment_purposes"]] == ["training_proof", "other"]
    assert [s["label"] for s in register["review_steps"]] == ["待机构确认", "待卫生健康行政部门审批"]
    # every physician kind's fields are fields the request body takes: a form built from data can be sent
    body_fields = set(ApplicationData.model_fields)
    for kind in kinds.values():
        if kind["initiated_by"] == "physician":
            assert {f["name"] for f in kind["fields"]} <= body_fields, kind["kind"]
    filing = kinds["institution_filing"]
    reason = next(f for f in filing["fields"] if f["name"] == "reason")
    assert filing["initiated_by"] == "institution" and reason["type"] == "choice" and "retirement" in reason["choices"]


async def test_registry_lookups_are_public(client: httpx.AsyncClient, db: None) -> None:
    for path in ("/document-types", "/application-kinds"):
        r = await client.get(L + path)
        assert r.status_code == 200 and r.json()["items"]
