"""Log-in with a password, an SMS code or an imported initial password; token refresh and log-out."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from tortoise.expressions import Q
from tortoise.timezone import now

from server.accounts import captchas, lockout, sessions, sms
from server.accounts import passwords as pw
from server.accounts.errors import (
    AccountDisabled,
    AccountLocked,
    CaptchaInvalid,
    CaptchaRequired,
    InitialPasswordUsed,
    InvalidCredentials,
    OneTimePasswordExpired,
)
from server.accounts.lockout import CaptchaNeeded, clear_failures, login_subject
from server.accounts.models import User
from server.accounts.security import end_session
from server.accounts.sessions import Tokens
from server.accounts.sms import SmsPurpose
from server.common import audit, crypto
from server.db import run_atomic
from server.errors import AppError


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return pw.hash_password_sync("dummy-password-for-unknown-logins")


async def _dummy_hash_async() -> str:
    return await asyncio.to_thread(_dummy_hash)


async def open_login(user: User, *, ip: str | None, user_agent: str | None, method: str) -> Tokens:
    if not user.is_active:
        raise AccountDisabled()
    tokens = await sessions.open_session(user=user, ip=ip, user_agent=user_agent)
    await audit.record(
        action="login.succeeded",
        actor_id=user.id,
        subject_type="session",
        subject_id=tokens.session_id,
        ip=ip,
        details={"method": method},
    )
    return tokens


async def _find_by_login(login: str) -> User | None:
    """The account a typed identifier names: phone, username, or (once linked to a physician record) the ID number,
    found by its keyed blind index, or the qualification certificate number. User names are stored lower-case
    (server.accounts.staff), so ``BJ_Office`` names ``bj_office``.

    One query for every kind, so a known phone is not answered faster than an unknown ID number. An identifier
    that names more than one account (an ID number on two accounts) names none: it fails like a wrong password.
    """
    login = login.strip()
    if not login:
        return None
    index = crypto.blind_index(login)
    username = login.lower()
    q = Q(phone=login) | Q(username=username) | Q(qualification_cert_no=login) | Q(id_number_index=index)
    found = await User.filter(q).limit(4)
    for matches in (
        lambda u: u.phone == login,
        lambda u: u.username == username,
        lambda u: u.qualification_cert_no == login,
        lambda u: u.id_number_index == index,
    ):
        hits = [u for u in found if matches(u)]
        if hits:
            return hits[0] if len(hits) == 1 else None
    return None


async def log_in_with_password(
    *,
    login: str,
    password: str,
    captcha_id: str | None = None,
    captcha_answer: str | None = None,
    ip: str | None,
    user_agent: str | None,
) -> Tokens:
    """Phone or username and password. The hasher runs exactly once whether or not the login exists."""
    user = await _find_by_login(login)
    subject = login_subject(user, login)
    presented = bool(captcha_id and captcha_answer)
    solved = presented and await captchas.check_captcha(captcha_id, captcha_answer)
    try:
        attempt = await lockout.begin_attempt(subject, captcha_solved=solved)
    except CaptchaNeeded:
        raise (CaptchaInvalid(field="captcha_answer") if presented else CaptchaRequired()) from None
    stored = user.password_hash if user and user.password_hash else await _dummy_hash_async()
    ok = await pw.verify_password(stored, password)
    if not ok or user is None or not user.password_hash:
        raise await lockout.failed(attempt, user=user, ip=ip, method="password")
    await clear_failures(subject)
    await _upgrade_hash(user, password)
    if user.must_change_password:
        expires_at = user.one_time_password_expires_at
        if expires_at is not None and expires_at <= now():
            await audit.record(
                action="login.one_time_password_expired",
                actor_id=user.id,
                subject_type="user",
                subject_id=str(user.id),
                ip=ip,
                details={"expired_at": expires_at.isoformat()},
            )
            raise OneTimePasswordExpired()
        tokens = await run_atomic(_log_in_with_initial_password, user, ip=ip, user_agent=user_agent)
        if tokens is None:
            await audit.record(action="login.initial_password_reused", actor_id=user.id, ip=ip)
            raise InitialPasswordUsed()
        return tokens
    return await run_atomic(open_login, user, ip=ip, user_agent=user_agent, method="password")


async def _upgrade_hash(user: User, password: str) -> None:
    """Re-hash a password stored with older (weaker) argon2 parameters, now that we hold it in the clear.

    The new hash is computed on the hashing pool; the row changes only if nobody changed the password meanwhile.
    """
    old_hash = user.password_hash
    if not old_hash or not pw.needs_rehash(old_hash):
        return
    new_hash = await pw.hash_password(password)
    if await User.filter(id=user.id, password_hash=old_hash).update(password_hash=new_hash):
        user.password_hash = new_hash
        await audit.record(action="password.rehashed", actor_id=user.id, subject_type="user", subject_id=str(user.id))


async def _log_in_with_initial_password(user: User, *, ip: str | None, user_agent: str | None) -> Tokens | None:
    """An imported initial password opens exactly one session, which may do nothing but change it; None after."""
    claimed = await User.filter(id=user.id, must_change_password=True, initial_login_at__isnull=True).update(
        initial_login_at=now()
    )
    if not claimed:
        return None
    return await open_login(user, ip=ip, user_agent=user_agent, method="initial_password")


async def log_in_with_sms(*, phone: str, sms_code: str, ip: str | None, user_agent: str | None) -> Tokens:
    """Phone and a ``login`` SMS code; wrong codes count as log-in failures."""
    user = await User.get_or_none(phone=phone)
    subject = login_subject(user, phone)
    # An SMS code is its own second factor (void after five misses), so it needs no captcha; it counts all the same.
    attempt = await lockout.begin_attempt(subject, captcha_solved=True)
    try:
        await sms.verify_code(purpose=SmsPurpose.LOGIN, phone=phone, code=sms_code)
    except AppError as exc:
        failure = await lockout.failed(attempt, user=user, ip=ip, method="sms")
        raise (failure if isinstance(failure, AccountLocked) else exc) from None
    if user is None:  # a code was never sent to an unknown phone, so this is unreachable in practice
        raise InvalidCredentials()
    await clear_failures(subject)
    return await run_atomic(open_login, user, ip=ip, user_agent=user_agent, method="sms")


async def refresh_tokens(*, refresh_token: str, ip: str | None) -> Tokens:
    """A new access token and a new refresh token; a reused refresh token ends its session."""
    outcome, session = await run_atomic(sessions.refresh, refresh_token=refresh_token)
    if isinstance(outcome, AppError):
        await audit.record(
            action="session.refresh_reused" if outcome.code == "REFRESH_TOKEN_REUSED" else "session.ended",
            actor_id=session.user_id if session else None,  # type: ignore[attr-defined]
            subject_type="session",
            subject_id=session.id if session else None,
            ip=ip,
        )
        raise outcome
    return outcome


async def log_out(*, user_id: int, session_id: str, ip: str | None) -> None:
    """End the caller's session."""
    await end_session(user_id=user_id, session_id=session_id, ip=ip, reason="logout")
