"""Access tokens and the route guard: algorithm allow-list, exp/aud/iss, live sessions, roles."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from server.common.auth import SESSION_KEY, Principal, decode_access_token, issue_access_token
from server.common.enums import Role
from server.config import get_settings
from server.errors import AppError
from server.redis import get_redis

P = Principal(user_id=7, role=Role.PHYSICIAN, session_id="sid-7")


def _claims(**over: object) -> dict[str, object]:
    s = get_settings()
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "7",
        "role": "physician",
        "sid": "sid-7",
        "iat": now,
        "exp": now + 60,
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
    }
    claims.update(over)
    return claims


def _code(token: str) -> str:
    with pytest.raises(AppError) as caught:
        decode_access_token(token)
    return caught.value.code


def test_round_trip_keeps_role_and_scope() -> None:
    p = Principal(user_id=9, role=Role.OFFICE_REVIEWER, session_id="s", region_code="110000")
    assert decode_access_token(issue_access_token(p)) == p


def test_expired_token_is_refused_as_expired() -> None:
    assert _code(issue_access_token(P, now=time.time() - 3600)) == "TOKEN_EXPIRED"


def test_none_algorithm_is_refused() -> None:
    token = jwt.encode(_claims(), key="", algorithm="none")
    assert _code(token) == "TOKEN_INVALID"


def test_other_key_other_algorithm_wrong_audience_or_issuer_are_refused() -> None:
    secret = get_settings().secret_key.get_secret_value()
    assert _code(jwt.encode(_claims(), "another-key-another-key-another-key", algorithm="HS256")) == "TOKEN_INVALID"
    assert _code(jwt.encode(_claims(), secret, algorithm="HS512")) == "TOKEN_INVALID"
    assert _code(jwt.encode(_claims(aud="someone-else"), secret, algorithm="HS256")) == "TOKEN_INVALID"
    assert _code(jwt.encode(_claims(iss="someone-else"), secret, algorithm="HS256")) == "TOKEN_INVALID"
    no_exp = _claims()
    no_exp.pop("exp")
    assert _code(jwt.encode(no_exp, secret, algorithm="HS256")) == "TOKEN_INVALID"
    assert _code(jwt.encode(_claims(role="emperor"), secret, algorithm="HS256")) == "TOKEN_INVALID"
    assert _code("not-a-token") == "TOKEN_INVALID"


async def _live(principal: Principal) -> dict[str, str]:
    await get_redis().set(SESSION_KEY.format(sid=principal.session_id), "1", ex=60)
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


async def test_guard_needs_a_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/_test/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "TOKEN_MISSING"
    r = await client.get("/_test/me", headers={"Authorization": "Basic abc"})
    assert r.json()["error"]["code"] == "TOKEN_MISSING"


async def test_guard_accepts_a_live_session_and_refuses_an_ended_one(client: httpx.AsyncClient) -> None:
    headers = await _live(P)
    r = await client.get("/_test/me", headers=headers)
    assert r.status_code == 200
    assert r.json() == {"user_id": 7, "role": "physician"}
    await get_redis().delete(SESSION_KEY.format(sid=P.session_id))
    r = await client.get("/_test/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "SESSION_ENDED"


async def test_guard_refuses_the_wrong_role(client: httpx.AsyncClient) -> None:
    r = await client.get("/_test/admin-only", headers=await _live(P))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "ROLE_FORBIDDEN"
    admin = Principal(user_id=1, role=Role.ADMIN, session_id="sid-admin")
    assert (await client.get("/_test/admin-only", headers=await _live(admin))).status_code == 200


async def test_initial_password_must_be_changed_first(client: httpx.AsyncClient) -> None:
    p = Principal(user_id=8, role=Role.PHYSICIAN, session_id="sid-8", must_change_password=True)
    r = await client.get("/_test/me", headers=await _live(p))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
