"""What the Schemathesis contract run found once every guarded operation was marked secured in the spec."""

from __future__ import annotations

import httpx

from tests.support.factories import auth_headers, institution, institution_reviewer


async def test_a_list_of_ids_refuses_booleans(client: httpx.AsyncClient, db: object) -> None:
    inst = await institution()
    headers = await auth_headers(await institution_reviewer(inst.id))
    r = await client.post("/api/v1/reviews/batch-approve", json={"ids": [False]}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await client.post(
        "/api/v1/registry/institution/activation-codes", json={"registration_ids": [True]}, headers=headers
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    # Numbers are still numbers.
    r = await client.post("/api/v1/reviews/batch-approve", json={"ids": [987654]}, headers=headers)
    assert r.status_code == 200 and r.json()["approved"] == 0


def test_a_body_of_optional_fields_is_documented_as_optional() -> None:
    import json

    from server.openapi import SPEC_PATH

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    optional = spec["paths"]["/api/v1/registry/institution/approval-authorities"]["put"]["requestBody"]
    assert optional.get("required") is False
    assert spec["paths"]["/api/v1/auth/login"]["post"]["requestBody"]["required"] is True


def test_health_responses_use_their_pydantic_schemas() -> None:
    import json

    from server.openapi import SPEC_PATH

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    ready = spec["paths"]["/readyz"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ready == {"$ref": "#/components/schemas/ReadyOut"}
    assert spec["components"]["schemas"]["ReadyOut"]["properties"]["status"]["enum"] == ["ok", "unavailable"]


async def test_a_date_filter_takes_only_a_date(client: httpx.AsyncClient, db: object) -> None:
    inst = await institution()
    headers = await auth_headers(await institution_reviewer(inst.id))
    for bad in ("0", "1700000000", "2026-1-1"):
        r = await client.get("/api/v1/reviews/queue", params={"submitted_to": bad}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "submitted_to", (bad, r.text)
    r = await client.get("/api/v1/reviews/queue", params={"submitted_to": "2026-11-24"}, headers=headers)
    assert r.status_code == 200


async def test_a_blank_query_value_is_judged_not_dropped(client: httpx.AsyncClient, db: object) -> None:
    inst = await institution()
    headers = await auth_headers(await institution_reviewer(inst.id))
    r = await client.get("/api/v1/reviews/queue?submitted_to=", headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "submitted_to"
    r = await client.get("/api/v1/reviews/queue?limit=", headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"
    r = await client.get("/api/v1/reviews/queue", headers=headers)
    assert r.status_code == 200
