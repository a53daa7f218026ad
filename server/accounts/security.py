"""The signed-in user's sessions (list, end one, end the others) and password change."""

from __future__ import annotations

import re

from server.accounts import passwords as pw
from server.accounts import sessions
from server.accounts.errors import OldPasswordWrong, PasswordUnchanged, SessionNotFound
from server.accounts.models import User, UserSession
from server.accounts.rules import enforce_password_rules
from server.accounts.sessions import Tokens
from server.common import audit
from server.db import run_atomic


async def list_sessions(*, user_id: int) -> list[UserSession]:
    return await UserSession.filter(user_id=user_id, revoked_at__isnull=True).order_by("-last_used_at")


async def end_session(*, user_id: int, session_id: str, ip: str | None, reason: str = "ended") -> None:
    """End one of the user's own sessions; another user's is not found."""
    if not re.fullmatch(r"[0-9a-f]{32}", session_id):
        raise SessionNotFound(field="sid")

    async def body() -> None:
        session = await UserSession.get_or_none(id=session_id, user_id=user_id, revoked_at__isnull=True)
        if session is None:
            raise SessionNotFound(field="sid")
        await sessions.end_sessions([session])
        await audit.record(
            action="session.ended",
            actor_id=user_id,
            subject_type="session",
            subject_id=session_id,
            ip=ip,
            details={"reason": reason},
        )

    await run_atomic(body)


async def end_other_sessions(*, user_id: int, session_id: str, ip: str | None) -> int:
    async def body() -> int:
        n = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(action="session.ended_others", actor_id=user_id, ip=ip, details={"count": n})
        return n

    return await run_atomic(body)


async def change_password(
    *, user_id: int, session_id: str, old_password: str, new_password: str, ip: str | None
) -> Tokens:
    """Change the password (also clears an imported initial password), end the other sessions, new tokens."""
    user = await User.get(id=user_id)
    if not user.password_hash or not await pw.verify_password(user.password_hash, old_password):
        raise OldPasswordWrong(field="old_password")
    if old_password == new_password:
        raise PasswordUnchanged(field="new_password")
    await enforce_password_rules(new_password, phone=user.phone, user=user, field="new_password")
    new_hash = await pw.hash_password(new_password)

    async def body() -> Tokens:
        locked = await User.select_for_update().get(id=user_id)
        locked.password_hash = new_hash
        locked.must_change_password = False
        locked.one_time_password_expires_at = None
        await locked.save(
            update_fields=["password_hash", "must_change_password", "one_time_password_expires_at", "updated_at"]
        )
        ended = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(action="password.changed", actor_id=user_id, ip=ip, details={"sessions_ended": ended})
        current = await UserSession.get_or_none(id=session_id, revoked_at__isnull=True)
        if current is None:
            return await sessions.open_session(user=locked, ip=ip, user_agent=None)
        return await sessions.rotate(session=current, user=locked)

    return await run_atomic(body)
