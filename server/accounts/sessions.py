"""Log-in sessions and their tokens.

A session is a DB row (so users can list and end them) plus a Redis key ``session:{sid}`` that the access-token
guard checks, so ending a session ends access at once. Refresh tokens are ``{sid}.{secret}``; only an HMAC of the
current secret is stored and every refresh replaces it. A refresh token that does not match the current one is an
old (stolen or replayed) token: the whole session is ended.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from tortoise.timezone import now

from server.accounts.errors import AccountDisabled, RefreshTokenInvalid, RefreshTokenReused
from server.accounts.events import SessionsEnded
from server.accounts.models import User, UserSession
from server.common import events
from server.common.auth import SESSION_KEY, Principal, issue_access_token
from server.common.enums import Role
from server.config import get_settings
from server.db import run_atomic
from server.errors import AppError
from server.redis import get_redis


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str
    must_change_password: bool


def _refresh_hash(secret: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"refresh:{secret}".encode(), hashlib.sha256).hexdigest()


def principal_for(user: User, sid: str) -> Principal:
    return Principal(
        user_id=user.id,
        role=Role(user.role),
        session_id=sid,
        institution_id=user.institution_id,  # type: ignore[attr-defined]
        region_code=user.region_code,
        must_change_password=user.must_change_password,
    )


def _tokens(user: User, sid: str, secret: str) -> Tokens:
    settings = get_settings()
    return Tokens(
        access_token=issue_access_token(principal_for(user, sid)),
        refresh_token=f"{sid}.{secret}",
        expires_in=settings.access_token_ttl_s,
        session_id=sid,
        must_change_password=user.must_change_password,
    )


async def _keep_alive(sid: str, user_id: int) -> None:
    await get_redis().set(SESSION_KEY.format(sid=sid), str(user_id), ex=get_settings().refresh_token_ttl_s)


async def open_session(*, user: User, ip: str | None, user_agent: str | None) -> Tokens:
    """A new session for ``user`` and its first token pair."""
    sid = uuid.uuid4().hex
    secret = secrets.token_urlsafe(32)
    await UserSession.create(
        id=sid, user=user, refresh_hash=_refresh_hash(secret), ip=(ip or "")[:64], user_agent=(user_agent or "")[:255]
    )
    await _keep_alive(sid, user.id)
    return _tokens(user, sid, secret)


async def rotate(*, session: UserSession, user: User) -> Tokens:
    """A new token pair for a live session (the old refresh token stops working)."""
    secret = secrets.token_urlsafe(32)
    session.refresh_hash = _refresh_hash(secret)
    session.last_used_at = now()
    await session.save(update_fields=["refresh_hash", "last_used_at"])
    await _keep_alive(session.id, user.id)
    return _tokens(user, session.id, secret)


async def end_sessions(sessions: list[UserSession]) -> int:
    """End the sessions at once (Redis key gone); subscribers forget what was tied to them (push devices)."""
    if not sessions:
        return 0
    ids = [s.id for s in sessions]

    async def tx() -> None:
        await UserSession.filter(id__in=ids, revoked_at__isnull=True).update(revoked_at=now())
        by_user: dict[int, list[str]] = {}
        for session in sessions:
            by_user.setdefault(session.user_id, []).append(session.id)  # type: ignore[attr-defined]
        for user_id, session_ids in by_user.items():
            await events.publish(SessionsEnded(user_id=user_id, session_ids=tuple(session_ids)))

    await run_atomic(tx)  # joins the caller's transaction when there is one
    await get_redis().delete(*[SESSION_KEY.format(sid=sid) for sid in ids])
    return len(ids)


async def end_user_sessions(*, user_id: int, keep_sid: str | None = None) -> int:
    qs = UserSession.filter(user_id=user_id, revoked_at__isnull=True)
    if keep_sid:
        qs = qs.exclude(id=keep_sid)
    return await end_sessions(await qs)


async def refresh(*, refresh_token: str) -> tuple[Tokens | AppError, UserSession | None]:
    """Rotate: the presented token for a new pair; an outdated token ends the session.

    Errors that end the session are returned, not raised, so the caller's transaction commits the ending.
    """
    sid, _, secret = refresh_token.partition(".")
    if not sid or not secret or len(sid) != 32:
        raise RefreshTokenInvalid()
    session = await UserSession.select_for_update().get_or_none(id=sid)
    if session is None or session.revoked_at is not None:
        raise RefreshTokenInvalid()
    if not await get_redis().exists(SESSION_KEY.format(sid=sid)):
        raise RefreshTokenInvalid()
    if not hmac.compare_digest(session.refresh_hash, _refresh_hash(secret)):
        await end_sessions([session])
        return RefreshTokenReused(), session
    user = await User.get(id=session.user_id)  # type: ignore[attr-defined]
    if not user.is_active:
        await end_sessions([session])
        return AccountDisabled(), session
    return await rotate(session=session, user=user), session
