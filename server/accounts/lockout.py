"""Log-in failures: counted per account (or unknown login), a captcha after five, a lock after ten.

Every attempt takes its place in the count *before* the password is checked, in one Lua script that also reads the
lock and the captcha requirement: reading the count, hashing for 50 ms and then writing it let a burst of 120
concurrent wrong passwords have about a hundred of them checked. Now an attempt is counted as a failure in advance
and a success takes the count back (clears it), so however many arrive at once, at most ``LOCK_AFTER_FAILURES``
passwords are ever checked before the lock, and the lock is set by the attempt that reaches the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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

# KEYS[1] failures, KEYS[2] lock. ARGV: captcha_after, lock_after, lock_s, memory_s, captcha_ok (1/0), now.
# Answers {status, value}: {1, n} go ahead as attempt n (n == lock_after: this attempt has set the lock and a
# failure keeps it); {-1, unlock_at} locked; {-2, n} a captcha is needed and none was solved (nothing counted).
_ATTEMPT_SCRIPT = """
local unlock_at = redis.call('GET', KEYS[2])
if unlock_at then return {-1, tonumber(unlock_at)} end
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) and ARGV[5] ~= '1' then return {-2, n} end
n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if n >= tonumber(ARGV[2]) then
  local until_ts = tonumber(ARGV[6]) + tonumber(ARGV[3])
  redis.call('SET', KEYS[2], until_ts, 'EX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {1, tonumber(ARGV[2])}
end
return {1, n}
"""


def login_subject(user: User | None, login: str) -> str:
    """Failures count per account whatever identifier was typed; per typed login only when nobody has it."""
    return f"u:{user.id}" if user else f"l:{login.strip().lower()}"


def locked_error(unlock_at: int) -> AccountLocked:
    wait = max(1, unlock_at - int(time.time()))
    return AccountLocked(details={"unlock_at": unlock_at}, headers={"Retry-After": str(wait)})


@dataclass(frozen=True, slots=True)
class Attempt:
    """A log-in attempt that has taken its place in the count; its password or code may now be checked."""

    subject: str
    number: int

    @property
    def sets_lock(self) -> bool:
        return self.number >= LOCK_AFTER_FAILURES


class CaptchaNeeded(Exception):
    """The count asks for a captcha and none was solved; the caller answers CAPTCHA_REQUIRED or CAPTCHA_INVALID."""


async def begin_attempt(subject: str, *, captcha_solved: bool) -> Attempt:
    """Take a place in the count before anything is checked, or raise AccountLocked / CaptchaNeeded."""
    keys = (_FAIL_KEY.format(subject=subject), LOCK_KEY.format(subject=subject))
    limits = (CAPTCHA_AFTER_FAILURES, LOCK_AFTER_FAILURES, LOCK_S, FAILURE_MEMORY_S)
    args = [str(v) for v in (*limits, int(captcha_solved), int(time.time()))]
    status, value = await get_redis().eval(_ATTEMPT_SCRIPT, 2, *keys, *args)  # type: ignore[misc]
    if int(status) == -1:
        raise locked_error(int(value))
    if int(status) == -2:
        raise CaptchaNeeded()
    return Attempt(subject=subject, number=int(value))


async def failed(attempt: Attempt, *, user: User | None, ip: str | None, method: str) -> AppError:
    """Record a failed attempt (already counted); the error to answer with."""
    user_id = user.id if user else None
    await audit.record(
        action="login.failed", actor_id=user_id, ip=ip, details={"method": method, "failures": attempt.number}
    )
    if attempt.sets_lock:
        unlock_at = await get_redis().get(LOCK_KEY.format(subject=attempt.subject))
        unlock = int(float(unlock_at)) if unlock_at else int(time.time()) + LOCK_S
        await audit.record(action="login.locked", actor_id=user_id, ip=ip, details={"unlock_at": unlock})
        return locked_error(unlock)
    if attempt.number >= CAPTCHA_AFTER_FAILURES:
        return InvalidCredentials(details={"captcha_required": True})
    return InvalidCredentials()


async def clear_failures(subject: str) -> None:
    """A success (or a password reset) clears the count and any lock the succeeding attempt had set."""
    await get_redis().delete(_FAIL_KEY.format(subject=subject), LOCK_KEY.format(subject=subject))
