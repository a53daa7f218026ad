"""Administration of accounts: disable or re-enable one."""

from __future__ import annotations

from server.accounts import sessions
from server.accounts.errors import UserNotFound
from server.accounts.models import User
from server.common import audit
from server.db import run_atomic


async def set_user_active(*, admin_id: int, user_id: int, active: bool, reason: str, ip: str | None) -> User:
    """Disable (every session ends at once) or re-enable an account; both are audited with the reason."""

    async def body() -> User:
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise UserNotFound()
        ended = 0
        if user.is_active != active:
            user.is_active = active
            await user.save(update_fields=["is_active", "updated_at"])
        if not active:
            ended = await sessions.end_user_sessions(user_id=user.id)
        await audit.record(
            action="account.enabled" if active else "account.disabled",
            actor_id=admin_id,
            subject_type="user",
            subject_id=str(user.id),
            ip=ip,
            details={"reason": reason, "sessions_ended": ended},
        )
        return user

    return await run_atomic(body)
