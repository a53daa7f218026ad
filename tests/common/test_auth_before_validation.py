"""A guarded route says "sign in" (401) before it judges the input (422), whichever of @body/@query is outer.

The published spec marks these operations as secured; a client without a token must get the 401 the spec promises
rather than a validation error about a body it may not even be allowed to send.
"""

from __future__ import annotations

import httpx

from tests.support.factories import auth_headers, physician


async def test_a_bad_body_without_a_token_is_refused_as_unauthenticated(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/assessment/binding", json={"id_number": "bad"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "TOKEN_MISSING"


async def test_a_bad_query_without_a_token_is_refused_as_unauthenticated(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/inbox", params={"limit": "many"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "TOKEN_MISSING"


async def test_with_a_token_the_input_is_judged_as_before(client: httpx.AsyncClient, db: object) -> None:
    user = await physician()
    headers = await auth_headers(user)
    r = await client.post("/api/v1/assessment/binding", json={"id_number": "bad"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await client.get("/api/v1/inbox", params={"limit": "many"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
