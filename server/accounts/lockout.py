"""Log-in failures: counted per account (or unknown login), a captcha after five, a lock after ten."""

from __future__ import annotations

import time

from server.accounts.errors import AccountLocked, InvalidCredentials
from server.accounts.models import User
from server.common import audit
from server.errors import AppError
from server.redis import get_redis

CAPTCHA_AFTER_FAILURES = 5
LOCK_AFTER_FAILURES = 10
LOCK_S = 15 * 60
FAILURE_MEMORY_S = 24 * 3600

_FAIL_KEY = "login:fail:{subject}"
LOCK_KEY = "login:lock:{subject}"


def login_subject(user: User | None, login: str) -> str:
    return f"u:{user.id}" if user else f"l:{login.lower()}"


async def _failures(subject: str) -> int:
    return int(await get_redis().get(_FAIL_KEY.format(subject=subject)) or 0)


async def _check_lock(subject: str) -> None:
    until = await get_redis().get(LOCK_KEY.format(subject=subject))
    if until:
        raise AccountLocked(details={"unlock_at": int(float(until))})


async def _count_failure(subject: str, *, user: User | None, ip: str | None, method: str) -> AppError:
    """Count a failed log-in; the error to answer with (a lock after ten, a captcha request after five)."""
    redis = get_redis()
    key = _FAIL_KEY.format(subject=subject)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, FAILURE_MEMORY_S)
        count, _ = await pipe.execute()
    user_id = user.id if user else None
    await audit.record(action="login.failed", actor_id=user_id, ip=ip, details={"method": method, "failures": count})
    if count >= LOCK_AFTER_FAILURES:
        unlock_at = int(time.time()) + LOCK_S
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(LOCK_KEY.format(subject=subject), unlock_at, ex=LOCK_S)
            pipe.delete(key)
            await pipe.execute()
        await audit.record(action="login.locked", actor_id=user_id, ip=ip, details={"unlock_at": unlock_at})
        return AccountLocked(details={"unlock_at": unlock_at})
    if count >= CAPTCHA_AFTER_FAILURES:
        return InvalidCredentials(details={"captcha_required": True})
    return InvalidCredentials()


async def clear_failures(subject: str) -> None:
    await get_redis().delete(_FAIL_KEY.format(subject=subject))
