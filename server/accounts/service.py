"""Accounts: registration, log-in, sessions, passwords, WeChat, security settings.

No account enumeration anywhere: a sender, a log-in or a reset learns nothing about whether a phone or a login
name has an account, except after proving control of the phone with an SMS code.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from tortoise.timezone import now

from server.accounts import captchas, email_codes, sessions, sms
from server.accounts import passwords as pw
from server.accounts.email_codes import EmailPurpose
from server.accounts.errors import (
    AccountDisabled,
    AccountLocked,
    AgreementOutdated,
    CaptchaInvalid,
    CaptchaRequired,
    EmailNotBound,
    EmailTaken,
    InitialPasswordUsed,
    InvalidCredentials,
    OldPasswordWrong,
    PasswordUnchanged,
    PasswordWeak,
    PhoneTaken,
    SessionNotFound,
    UserNotFound,
    WechatAlreadyBound,
    WechatNotBound,
    WechatTicketInvalid,
)
from server.accounts.models import User, UserSession, WechatBinding
from server.accounts.sessions import Tokens
from server.accounts.sms import SmsPurpose
from server.common import audit, crypto
from server.common.enums import Role
from server.config import get_settings
from server.db import run_atomic
from server.errors import AppError
from server.integrations.mail import MailError
from server.integrations.wechat import MiniProgramClient, WeChatConfig, WxSession
from server.redis import get_redis

log = logging.getLogger(__name__)

PASSWORD_MIN, PASSWORD_MAX = 8, 64
CAPTCHA_AFTER_FAILURES = 5
LOCK_AFTER_FAILURES = 10
LOCK_S = 15 * 60
FAILURE_MEMORY_S = 24 * 3600
WECHAT_TICKET_TTL_S = 10 * 60

_FAIL_KEY = "login:fail:{subject}"
_LOCK_KEY = "login:lock:{subject}"
_TICKET_KEY = "wechat:ticket:{ticket}"


# ---- password rules ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def identity_number(user: User | None) -> str | None:
    """The user's verified ID number, whole, or None."""
    if user is None or not user.id_number_enc:
        return None
    try:
        return crypto.normalise_id_number(crypto.decrypt(user.id_number_enc, context="id_number"))
    except Exception:  # an undecryptable value must not block a password change
        log.warning("id number of user %s could not be decrypted", user.id)
        return None


def check_password_rules(password: str, *, phone: str | None = None, id_number: str | None = None) -> None:
    """Raise PasswordWeak (field ``field``) naming why; the caller sets the field name."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise PasswordWeak(f"密码长度应为 {PASSWORD_MIN}–{PASSWORD_MAX} 位", details={"reason": "length"})
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) <= 2:
        raise PasswordWeak("密码过于常见，请换一个更难猜的密码", details={"reason": "common"})
    if phone and (phone[-6:] in password or phone[-8:] in password):
        raise PasswordWeak("密码不能包含手机号", details={"reason": "personal"})
    if id_number:
        last6 = id_number[-6:].lower()
        if last6 in lowered or lowered == f"{last6}dk":
            raise PasswordWeak("密码不能包含身份证号码", details={"reason": "personal"})


def _password_rules(password: str, *, phone: str | None, user: User | None, field: str) -> None:
    try:
        check_password_rules(password, phone=phone, id_number=identity_number(user))
    except PasswordWeak as exc:
        exc.field = field
        raise


# ---- SMS codes ---------------------------------------------------------------------------------------------------
async def send_sms_code(*, phone: str, purpose: SmsPurpose, ip: str | None, user_id: int | None = None) -> None:
    """Send a code, or silently not: the caller's answer is the same either way.

    Enumeration choice: a code for ``register`` to a phone that already has an account, and a code for ``login``
    or ``reset_password`` to a phone without one, is counted against the send limits exactly like a real one but is
    NOT sent (no SMS is wasted, and nobody is bothered by messages they did not cause). The caller cannot tell the
    difference; the person who owns the phone simply gets no code. ``change_phone`` needs a signed-in user and
    is only sent to the caller's own number or to a number that no account uses yet.
    """
    await sms.take_send_quota(phone=phone, ip=ip)
    owner = await User.get_or_none(phone=phone).only("id")
    owner_id = owner.id if owner else None
    exists = owner is not None
    wanted = {
        SmsPurpose.REGISTER: not exists,
        SmsPurpose.LOGIN: exists,
        SmsPurpose.RESET_PASSWORD: exists,
        SmsPurpose.CHANGE_PHONE: user_id is not None and owner_id in (None, user_id),
    }[purpose]
    if not wanted:
        log.info("sms code for %s not sent (purpose does not fit the account state)", purpose.value)
        return
    code = sms.new_code()
    await sms.store_code(purpose=purpose, phone=phone, code=code)
    await sms.deliver_code(purpose=purpose, phone=phone, code=code)


# ---- registration ------------------------------------------------------------------------------------------------
def current_agreements() -> dict[str, str]:
    """The service agreement and privacy policy versions a new account must accept."""
    settings = get_settings()
    return {"agreement_version": settings.agreement_version, "privacy_version": settings.privacy_version}


def _check_agreements(agreement_version: str, privacy_version: str) -> None:
    current = current_agreements()
    if agreement_version != current["agreement_version"]:
        raise AgreementOutdated(field="agreement_version", details=current)
    if privacy_version != current["privacy_version"]:
        raise AgreementOutdated(field="privacy_version", details=current)


async def _create_user(*, phone: str, password: str | None, agreement_version: str, privacy_version: str) -> User:
    if await User.filter(phone=phone).exists():
        raise PhoneTaken(field="phone")
    return await User.create(
        phone=phone,
        password_hash=await pw.hash_password(password) if password else None,
        role=Role.PHYSICIAN,
        agreement_version=agreement_version,
        privacy_version=privacy_version,
        agreement_accepted_at=now(),
    )


async def register(
    *,
    phone: str,
    sms_code: str,
    password: str,
    agreement_version: str,
    privacy_version: str,
    ip: str | None,
    user_agent: str | None,
) -> Tokens:
    """Create a physician account for a phone proven by an SMS code, and log it in."""
    _check_agreements(agreement_version, privacy_version)
    _password_rules(password, phone=phone, user=None, field="password")
    await sms.verify_code(purpose=SmsPurpose.REGISTER, phone=phone, code=sms_code)

    async def body() -> Tokens:
        user = await _create_user(
            phone=phone, password=password, agreement_version=agreement_version, privacy_version=privacy_version
        )
        await audit.record(
            action="account.register", actor_id=user.id, subject_type="user", subject_id=str(user.id), ip=ip
        )
        return await _log_in(user, ip=ip, user_agent=user_agent, method="register")

    return await run_atomic(body)


# ---- log-in ------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return pw.hash_password_sync("dummy-password-for-unknown-logins")


async def _dummy_hash_async() -> str:
    return await asyncio.to_thread(_dummy_hash)


def _subject(user: User | None, login: str) -> str:
    return f"u:{user.id}" if user else f"l:{login.lower()}"


async def _failures(subject: str) -> int:
    return int(await get_redis().get(_FAIL_KEY.format(subject=subject)) or 0)


async def _check_lock(subject: str) -> None:
    until = await get_redis().get(_LOCK_KEY.format(subject=subject))
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
            pipe.set(_LOCK_KEY.format(subject=subject), unlock_at, ex=LOCK_S)
            pipe.delete(key)
            await pipe.execute()
        await audit.record(action="login.locked", actor_id=user_id, ip=ip, details={"unlock_at": unlock_at})
        return AccountLocked(details={"unlock_at": unlock_at})
    if count >= CAPTCHA_AFTER_FAILURES:
        return InvalidCredentials(details={"captcha_required": True})
    return InvalidCredentials()


async def _clear_failures(subject: str) -> None:
    await get_redis().delete(_FAIL_KEY.format(subject=subject))


async def _log_in(user: User, *, ip: str | None, user_agent: str | None, method: str) -> Tokens:
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
    login = login.strip()
    user = await User.get_or_none(phone=login)
    if user is None:
        user = await User.get_or_none(username=login)
    return user


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
    subject = _subject(user, login)
    await _check_lock(subject)
    if await _failures(subject) >= CAPTCHA_AFTER_FAILURES:
        if not captcha_id or not captcha_answer:
            raise CaptchaRequired()
        if not await captchas.check_captcha(captcha_id, captcha_answer):
            raise CaptchaInvalid(field="captcha_answer")
    stored = user.password_hash if user and user.password_hash else await _dummy_hash_async()
    ok = await pw.verify_password(stored, password)
    if not ok or user is None or not user.password_hash:
        raise await _count_failure(subject, user=user, ip=ip, method="password")
    await _clear_failures(subject)
    if user.must_change_password:
        tokens = await run_atomic(_log_in_with_initial_password, user, ip=ip, user_agent=user_agent)
        if tokens is None:
            await audit.record(action="login.initial_password_reused", actor_id=user.id, ip=ip)
            raise InitialPasswordUsed()
        return tokens
    return await run_atomic(_log_in, user, ip=ip, user_agent=user_agent, method="password")


async def _log_in_with_initial_password(user: User, *, ip: str | None, user_agent: str | None) -> Tokens | None:
    """An imported initial password opens exactly one session, which may do nothing but change it; None after."""
    claimed = await User.filter(id=user.id, must_change_password=True, initial_login_at__isnull=True).update(
        initial_login_at=now()
    )
    if not claimed:
        return None
    return await _log_in(user, ip=ip, user_agent=user_agent, method="initial_password")


async def log_in_with_sms(*, phone: str, sms_code: str, ip: str | None, user_agent: str | None) -> Tokens:
    """Phone and a ``login`` SMS code; wrong codes count as log-in failures."""
    user = await User.get_or_none(phone=phone)
    subject = _subject(user, phone)
    await _check_lock(subject)
    try:
        await sms.verify_code(purpose=SmsPurpose.LOGIN, phone=phone, code=sms_code)
    except AppError as exc:
        failure = await _count_failure(subject, user=user, ip=ip, method="sms")
        raise (failure if isinstance(failure, AccountLocked) else exc) from None
    if user is None:  # a code was never sent to an unknown phone, so this is unreachable in practice
        raise InvalidCredentials()
    await _clear_failures(subject)
    return await run_atomic(_log_in, user, ip=ip, user_agent=user_agent, method="sms")


# ---- tokens and sessions -----------------------------------------------------------------------------------------
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


# ---- passwords ---------------------------------------------------------------------------------------------------
async def change_password(
    *, user_id: int, session_id: str, old_password: str, new_password: str, ip: str | None
) -> Tokens:
    """Change the password (also clears an imported initial password), end the other sessions, new tokens."""
    user = await User.get(id=user_id)
    if not user.password_hash or not await pw.verify_password(user.password_hash, old_password):
        raise OldPasswordWrong(field="old_password")
    if old_password == new_password:
        raise PasswordUnchanged(field="new_password")
    _password_rules(new_password, phone=user.phone, user=user, field="new_password")
    new_hash = await pw.hash_password(new_password)

    async def body() -> Tokens:
        locked = await User.select_for_update().get(id=user_id)
        locked.password_hash = new_hash
        locked.must_change_password = False
        await locked.save(update_fields=["password_hash", "must_change_password", "updated_at"])
        ended = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(action="password.changed", actor_id=user_id, ip=ip, details={"sessions_ended": ended})
        current = await UserSession.get_or_none(id=session_id, revoked_at__isnull=True)
        if current is None:
            return await sessions.open_session(user=locked, ip=ip, user_agent=None)
        return await sessions.rotate(session=current, user=locked)

    return await run_atomic(body)


async def reset_password(*, phone: str, sms_code: str, new_password: str, ip: str | None) -> None:
    """Set a new password with a ``reset_password`` SMS code and end every session.

    An unknown phone never got a code, so it fails exactly like a wrong code.
    """
    user = await User.get_or_none(phone=phone)
    _password_rules(new_password, phone=phone, user=user, field="new_password")
    await sms.verify_code(purpose=SmsPurpose.RESET_PASSWORD, phone=phone, code=sms_code)
    if user is None:
        return
    await _set_reset_password(user, new_password, ip=ip, via="sms")


async def _set_reset_password(user: User, new_password: str, *, ip: str | None, via: str) -> None:
    """The end of both recoveries: the new password, every session ended, the failure count and lock cleared."""
    new_hash = await pw.hash_password(new_password)

    async def body() -> None:
        await User.filter(id=user.id).update(password_hash=new_hash, must_change_password=False, updated_at=now())
        ended = await sessions.end_user_sessions(user_id=user.id)
        await audit.record(
            action="password.reset", actor_id=user.id, ip=ip, details={"sessions_ended": ended, "via": via}
        )

    await run_atomic(body)
    subject = _subject(user, "")  # failures are counted per account once the login names one
    await _clear_failures(subject)
    await get_redis().delete(_LOCK_KEY.format(subject=subject))


# ---- WeChat ------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _wechat(config: WeChatConfig) -> MiniProgramClient:
    return MiniProgramClient(config)


def wechat_client() -> MiniProgramClient:
    s = get_settings()
    return _wechat(
        WeChatConfig(
            app_id=s.wechat_app_id,
            app_secret=s.wechat_app_secret.get_secret_value(),
            api_base=s.wechat_api_base or None,
            redis_url=s.redis_url,
        )
    )


async def _code_to_session(code: str) -> WxSession:
    return await asyncio.to_thread(wechat_client().code_to_session, code)


async def wechat_log_in(*, code: str, ip: str | None, user_agent: str | None) -> Tokens | str:
    """Tokens when the openid is bound, else a short-lived ticket to register or bind with."""
    wx = await _code_to_session(code)
    binding = await WechatBinding.get_or_none(openid=wx.openid).prefetch_related("user")
    if binding is not None:
        return await run_atomic(_log_in, binding.user, ip=ip, user_agent=user_agent, method="wechat")
    ticket = secrets.token_urlsafe(32)
    value = f"{wx.openid}\n{wx.unionid or ''}"
    await get_redis().set(_TICKET_KEY.format(ticket=ticket), value, ex=WECHAT_TICKET_TTL_S)
    return ticket


async def _take_ticket(ticket: str) -> tuple[str, str | None]:
    key = _TICKET_KEY.format(ticket=ticket)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.get(key)
        pipe.delete(key)
        value, _ = await pipe.execute()
    if not value:
        raise WechatTicketInvalid(field="wechat_ticket")
    openid, _, unionid = str(value).partition("\n")
    return openid, unionid or None


async def wechat_register(
    *,
    wechat_ticket: str,
    phone_code: str,
    password: str | None,
    agreement_version: str,
    privacy_version: str,
    ip: str | None,
    user_agent: str | None,
) -> Tokens:
    """Register (or bind an existing account) with WeChat's phone-number verification instead of an SMS code."""
    _check_agreements(agreement_version, privacy_version)
    openid, unionid = await _take_ticket(wechat_ticket)
    phone = await asyncio.to_thread(wechat_client().get_phone_number, phone_code)
    existing = await User.get_or_none(phone=phone)
    if password is not None:
        _password_rules(password, phone=phone, user=existing, field="password")

    async def body() -> Tokens:
        if await WechatBinding.filter(openid=openid).exists():
            raise WechatAlreadyBound()
        user = existing
        if user is None:
            user = await _create_user(
                phone=phone, password=password, agreement_version=agreement_version, privacy_version=privacy_version
            )
            await audit.record(action="account.register", actor_id=user.id, ip=ip, details={"method": "wechat"})
        elif await WechatBinding.filter(user_id=user.id).exists():
            raise WechatAlreadyBound("该账号已绑定其他微信")
        await WechatBinding.create(user=user, openid=openid, unionid=unionid)
        await audit.record(action="wechat.bound", actor_id=user.id, ip=ip)
        return await _log_in(user, ip=ip, user_agent=user_agent, method="wechat")

    return await run_atomic(body)


async def bind_wechat(*, user_id: int, code: str, ip: str | None) -> None:
    wx = await _code_to_session(code)

    async def body() -> None:
        if (
            await WechatBinding.filter(openid=wx.openid).exists()
            or await WechatBinding.filter(user_id=user_id).exists()
        ):
            raise WechatAlreadyBound()
        await WechatBinding.create(user_id=user_id, openid=wx.openid, unionid=wx.unionid)
        await audit.record(action="wechat.bound", actor_id=user_id, ip=ip)

    await run_atomic(body)


async def unbind_wechat(*, user_id: int, ip: str | None) -> None:
    async def body() -> None:
        if not await WechatBinding.filter(user_id=user_id).delete():
            raise WechatNotBound()
        await audit.record(action="wechat.unbound", actor_id=user_id, ip=ip)

    await run_atomic(body)


# ---- phone number ------------------------------------------------------------------------------------------------
async def change_phone(
    *, user_id: int, session_id: str, old_code: str, new_phone: str, new_code: str, ip: str | None
) -> None:
    """Move the account to a new phone: a ``change_phone`` code to the old number and one to the new number."""
    user = await User.get(id=user_id)
    if user.phone == new_phone:
        raise PhoneTaken("新手机号与当前手机号相同", field="new_phone")
    if user.phone:
        await sms.verify_code(purpose=SmsPurpose.CHANGE_PHONE, phone=user.phone, code=old_code, field="old_code")
    await sms.verify_code(purpose=SmsPurpose.CHANGE_PHONE, phone=new_phone, code=new_code, field="new_code")

    async def body() -> None:
        if await User.filter(phone=new_phone).exists():
            raise PhoneTaken("该手机号已被其他账号使用", field="new_phone")
        await User.filter(id=user_id).update(phone=new_phone, updated_at=now())
        ended = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(
            action="phone.changed",
            actor_id=user_id,
            subject_type="user",
            subject_id=str(user_id),
            ip=ip,
            details={"sessions_ended": ended},
        )

    await run_atomic(body)


# ---- profile -----------------------------------------------------------------------------------------------------
async def get_me(*, user_id: int) -> dict[str, Any]:
    user = await User.get(id=user_id)
    bound = await WechatBinding.filter(user_id=user_id).exists()
    return {"user": user, "wechat_bound": bound}


# ---- security e-mail ---------------------------------------------------------------------------------------------
async def request_email_binding(*, user_id: int, email: str, ip: str | None) -> None:
    """Mail a code that proves the signed-in user receives mail at ``email``."""
    email = email_codes.normalise(email)
    if await User.filter(email=email).exclude(id=user_id).exists():
        raise EmailTaken(field="email")
    await email_codes.take_send_quota(email=email, ip=ip)
    await email_codes.send_code(purpose=EmailPurpose.BIND_EMAIL, email=email)


async def verify_email_binding(*, user_id: int, email: str, code: str, ip: str | None) -> User:
    """Make ``email`` the account's security e-mail once the mailed code is right."""
    email = email_codes.normalise(email)
    await email_codes.verify_code(purpose=EmailPurpose.BIND_EMAIL, email=email, code=code)

    async def body() -> User:
        if await User.filter(email=email).exclude(id=user_id).exists():
            raise EmailTaken(field="email")
        user = await User.select_for_update().get(id=user_id)
        user.email, user.email_verified_at = email, now()
        await user.save(update_fields=["email", "email_verified_at", "updated_at"])
        await audit.record(action="email.bound", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip)
        return user

    return await run_atomic(body)


async def remove_email(*, user_id: int, ip: str | None) -> None:
    async def body() -> None:
        changed = await User.filter(id=user_id, email__isnull=False).update(
            email=None, email_verified_at=None, updated_at=now()
        )
        if not changed:
            raise EmailNotBound()
        await audit.record(
            action="email.removed", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip
        )

    await run_atomic(body)


async def request_reset_by_email(*, email: str, ip: str | None) -> None:
    """Mail a reset code if an account verified ``email``; the answer is the same either way."""
    email = email_codes.normalise(email)
    await email_codes.take_send_quota(email=email, ip=ip)
    if not await User.filter(email=email, email_verified_at__isnull=False).exists():
        log.info("reset e-mail not sent (no account has verified this address)")
        return
    try:
        await email_codes.send_code(purpose=EmailPurpose.RESET_PASSWORD_EMAIL, email=email)
    except MailError as exc:  # an error here would tell a stranger that the address has an account
        log.warning("reset e-mail could not be sent", extra={"code": exc.code})


async def reset_password_by_email(*, email: str, code: str, new_password: str, ip: str | None) -> None:
    """Set a new password with a code mailed to the verified security e-mail, and end every session."""
    email = email_codes.normalise(email)
    user = await User.get_or_none(email=email, email_verified_at__isnull=False)
    _password_rules(new_password, phone=user.phone if user else None, user=user, field="new_password")
    await email_codes.verify_code(purpose=EmailPurpose.RESET_PASSWORD_EMAIL, email=email, code=code)
    if user is None:
        return
    await _set_reset_password(user, new_password, ip=ip, via="email")


# ---- administration ----------------------------------------------------------------------------------------------
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
